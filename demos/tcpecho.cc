// demos/tcpecho.cc: a line echo server, Tornado's demos/tcpecho/server.py in C++.
//
//   build/demos/tcpecho --port=9888 --address=127.0.0.1
//   nc 127.0.0.1 9888        # type a line: it comes back
//
// Each connection is one coroutine: read a line, write it back, until the client leaves.
// SIGINT or SIGTERM stop accepting and end the loop (connections in progress are closed with
// the process; with --processes=N the parent passes the signal on to its children). With
// --port=0 the kernel picks a port; the "listening on" line names it.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/stream/tcpserver.h"

namespace {

using tornado::Future;
using tornado::IOStream;
using tornado::StreamClosedError;
using tornado::log::app_log;
using tornado::log::gen_log;

void usage(const char* argv0) {
  std::printf(
      "Usage: %s [OPTIONS]\n\n"
      "A line echo server (Tornado's tcpecho demo).\n\n"
      "  --address=ADDR   address to listen on (default 127.0.0.1; empty for all)\n"
      "  --port=PORT      port to listen on (default 9888; 0 picks a free one)\n"
      "  --processes=N    processes sharing the port (default 1; 0 for one per CPU)\n"
      "  --help           show this help and exit\n",
      argv0);
}

Future<void> echo_lines(std::shared_ptr<IOStream> stream, std::string peer) {
  app_log.info("connection from %s", peer.c_str());
  try {
    for (;;) {
      std::string line = co_await stream->read_until("\n", 64 * 1024);
      co_await stream->write(std::move(line));
    }
  } catch (const StreamClosedError&) {
    app_log.info("%s closed the connection", peer.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  int port = 9888;
  int processes = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    }
    if (arg.rfind("--address=", 0) == 0) {
      address = arg.substr(10);
    } else if (arg.rfind("--port=", 0) == 0) {
      char* end = nullptr;
      const long p = std::strtol(arg.c_str() + 7, &end, 10);
      if (*end != '\0' || p < 0 || p > 65535) {
        std::fprintf(stderr, "Error: option 'port' needs a number from 0 to 65535, not '%s'\n",
                     arg.c_str() + 7);
        return 2;
      }
      port = static_cast<int>(p);
    } else if (arg.rfind("--processes=", 0) == 0) {
      char* end = nullptr;
      const long n = std::strtol(arg.c_str() + 12, &end, 10);
      if (*end != '\0' || n < 0 || n > 1024) {
        std::fprintf(stderr, "Error: option 'processes' needs a number from 0 to 1024, not '%s'\n",
                     arg.c_str() + 12);
        return 2;
      }
      processes = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "Error: unrecognized option '%s' (see --help)\n", arg.c_str());
      return 2;
    }
  }

  tornado::TCPServer server([](std::shared_ptr<IOStream> stream, tornado::TCPServer::Address a) {
    return echo_lines(std::move(stream), a.to_string());
  });
  try {
    server.bind(port, address);
    for (const auto& a : server.addresses()) gen_log.info("listening on %s", a.to_string().c_str());
    server.start(processes);  // forks when processes != 1; the loop is made after
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  tornado::IOLoop& loop = tornado::IOLoop::current();
  tornado::shutdown_on_signals({&server}, 0, &loop);
  loop.start();
  return 0;
}
