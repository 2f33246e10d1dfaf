// bench/bench_util.h: what the benchmarks that measure memory share: the resident set size,
// and the file descriptor limit raised for thousands of connections.
// Role:     included by bench/iostream_bench.cc and bench/websocket_load.cc (each a single
//           source linked on its own, so the helpers are inline).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

}  // namespace bench
