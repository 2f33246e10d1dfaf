// bench/bench_util.h: what the benchmarks share: the resident set size, the file descriptor
// limit raised for thousands of connections, and the hello server's request callback.
// Role:     included by bench/iostream_bench.cc, bench/websocket_load.cc, bench/http_hello.cc
//           and bench/http_allocs.cc (each a single source linked on its own, so the helpers
//           are inline).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "tornado/http/httpserver.h"

namespace bench {

// Bytes resident now, from /proc/self/statm; exits when that cannot be read (a figure taken
// without it would be meaningless).
inline long rss_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr || std::fscanf(f, "%ld %ld", &pages, &resident) != 2) std::exit(1);
  std::fclose(f);
  return resident * ::sysconf(_SC_PAGESIZE);
}

// Raises the soft limit on open files to the hard one; false (after saying why on stderr)
// when that still leaves no room for n connections and the benchmark's own descriptors.
inline bool raise_fd_limit(int n) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  if (static_cast<long>(rl.rlim_cur) < n + 64) {
    std::fprintf(stderr, "RLIMIT_NOFILE hard limit %ld is below %d connections\n",
                 static_cast<long>(rl.rlim_cur), n);
    return false;
  }
  return true;
}

// The hello server's answer to every request: "Hello, world" (12 bytes) with Content-Length
// and Content-Type, as nginx's `return 200 "Hello, world";` (bench/http_hello serves it to
// load generators, bench/http_allocs counts what serving it allocates). A lambda rather than a
// function, so the server's callback calls it directly, not through a pointer.
inline constexpr auto hello_world = [](std::shared_ptr<tornado::HTTPServerRequest> request) {
  static const std::string body = "Hello, world";
  tornado::HTTPHeaders h{{"Content-Type", "text/plain"}, {"Content-Length", "12"}};
  (void)request->connection->write_headers(tornado::ResponseStartLine{"HTTP/1.1", 200, "OK"}, h,
                                           body);
  (void)request->connection->finish();
};

}  // namespace bench
