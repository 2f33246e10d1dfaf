// bench/http_hello.cc: the smallest HTTPServer, for load generators (wrk).
//
//   build/bench/http_hello --port=8888 [--address=127.0.0.1] [--log]
//   wrk -t1 -c50 -d10s http://127.0.0.1:8888/
//
// Every request gets "Hello, world" (12 bytes) with Content-Length and Content-Type, as
// nginx's `return 200 "Hello, world";` does, so the two can be measured side by side
// (bench/http_wrk.sh). Access logging is off unless --log: a log line per request measures
// the terminal, not the server. SIGINT or SIGTERM stop it.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/bench_util.h"
#include "tornado/http/httpserver.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"

int main(int argc, char** argv) {
  int port = 8888;
  std::string address = "127.0.0.1";
  bool log_requests = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strncmp(a, "--port=", 7) == 0) {
      port = std::atoi(a + 7);
    } else if (std::strncmp(a, "--address=", 10) == 0) {
      address = a + 10;
    } else if (std::strcmp(a, "--log") == 0) {
      log_requests = true;
    } else {
      std::fprintf(stderr, "usage: %s [--port=PORT] [--address=ADDR] [--log]\n", argv[0]);
      return std::strcmp(a, "--help") == 0 ? 0 : 2;
    }
  }
  if (!log_requests) tornado::log::access_log.set_level(tornado::log::Level::kWarning);
  tornado::IOLoop loop;
  loop.make_current();
  tornado::HTTPServer server(bench::hello_world);
  server.listen(port, address);
  for (int sig : {SIGINT, SIGTERM}) loop.add_signal_handler(sig, [&loop] { loop.stop(); });
  std::fprintf(stderr, "listening on %s\n", server.addresses().at(0).to_string().c_str());
  loop.start();
  return 0;
}
