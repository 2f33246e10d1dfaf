// bench/httpclient_load.cc: AsyncHTTPClient as a load generator, to set beside wrk.
//
//   build/bench/httpclient_load --requests=10000 --concurrency=1 http://127.0.0.1:8888/
//   build/bench/httpclient_load --requests=50000 --concurrency=100 --keep_alive=0 URL
//
// `concurrency` coroutines each fetch the URL in a loop until `requests` have been made in
// all (a client with max_clients = concurrency, so nothing waits in its queue). It prints the
// requests per second and the client's own CPU time per request (getrusage), in one line:
//   httpclient c1 keep-alive   10000 requests  1.234 s  8103.2 req/s  45.1 us/request
// Every response must be a 200; the first failure ends the run with its error.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tornado/gen/gen.h"
#include "tornado/http/httpclient.h"
#include "tornado/reactor/ioloop.h"

namespace {

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

tornado::Future<void> worker(tornado::AsyncHTTPClient& client, std::string url, long& left) {
  while (left > 0) {
    --left;
    tornado::HTTPResponse r = co_await client.fetch(url);
    if (r.code != 200) throw std::runtime_error("status " + std::to_string(r.code));
  }
}

}  // namespace

int main(int argc, char** argv) {
  long requests = 10000;
  int concurrency = 1;
  bool keep_alive = true;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--requests=", 11) == 0) {
      requests = std::atol(a + 11);
    } else if (std::strncmp(a, "--concurrency=", 14) == 0) {
      concurrency = std::atoi(a + 14);
    } else if (std::strncmp(a, "--keep_alive=", 13) == 0) {
      keep_alive = std::atoi(a + 13) != 0;
    } else if (a[0] != '-' && url.empty()) {
      url = a;
    } else {
      std::fprintf(stderr, "usage: %s [--requests=N] [--concurrency=C] [--keep_alive=0|1] URL\n",
                   argv[0]);
      return 2;
    }
  }
  if (url.empty() || requests < 1 || concurrency < 1) {
    std::fprintf(stderr, "usage: %s [--requests=N] [--concurrency=C] [--keep_alive=0|1] URL\n",
                 argv[0]);
    return 2;
  }
  tornado::IOLoop loop;
  loop.make_current();
  tornado::HTTPClientOptions options;
  options.max_clients = concurrency;
  options.keep_alive = keep_alive;
  tornado::AsyncHTTPClient client(options);
  long left = requests;
  const double cpu0 = cpu_seconds();
  const double t0 = loop.time();
  try {
    tornado::gen::run_sync(loop, [&] {
      std::vector<tornado::Future<void>> workers;
      for (int i = 0; i < concurrency; ++i) workers.push_back(worker(client, url, left));
      return tornado::gen::multi(std::move(workers));
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "httpclient_load: %s\n", e.what());
    return 1;
  }
  const double elapsed = loop.time() - t0;
  const double cpu = cpu_seconds() - cpu0;
  std::printf("httpclient c%-4d %-10s %8ld requests %7.3f s %10.1f req/s %7.1f us/request\n",
              concurrency, keep_alive ? "keep-alive" : "close", requests, elapsed,
              static_cast<double>(requests) / elapsed, cpu * 1e6 / static_cast<double>(requests));
  return 0;
}
