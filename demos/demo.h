// demos/demo.h: what every web demo's main() does: Tornado's standard options (--port,
// --address, --help, the logging options) and --processes, --shutdown_deadline, --debug;
// bind, log where, fork, serve, and shut down gracefully on SIGINT or SIGTERM.
//
//   int main(int argc, char** argv) {
//     demo::define_server_options(8888);
//     tornado::options::parse_command_line(argc, argv);
//     tornado::web::Application app({...});
//     return demo::serve(app);
//   }
//
// With --port=0 the kernel picks a port; the "listening on" line names it (the tests read it).
// With --processes=N the children share the socket; SIGTERM to the parent reaches them all:
// each stops accepting, closes idle connections, finishes its requests in progress (up to
// --shutdown_deadline), and exits 0, and then so does the parent.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "tornado/reactor/autoreload.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/options.h"
#include "tornado/web/web.h"

namespace demo {

inline void define_server_options(int default_port) {
  tornado::options::define<int>("port", default_port, "port to listen on (0 picks a free one)");
  tornado::options::define<std::string>("address", "127.0.0.1",
                                        "address to listen on (empty for all)");
  tornado::options::define<int>("processes", 1,
                                "processes to serve with, sharing the port (0: one per CPU)");
  tornado::options::define<tornado::options::Duration>(
      "shutdown_deadline", tornado::options::Duration(30),
      "on SIGTERM or SIGINT, how long requests in progress may take to finish");
  tornado::options::define<bool>("debug", false,
                                 "restart when the executable changes (needs --processes=1)");
}

// Binds, forks the --processes children (the parent stays behind as their supervisor and
// never returns), then serves until SIGTERM or SIGINT and shuts down gracefully.
// `in_each_process` runs in each serving process after the fork: what must not be shared
// across it (threads, above all) is made there.
inline int serve(tornado::web::Application& app, std::function<void()> in_each_process = {}) {
  namespace options = tornado::options;
  const int processes = options::get<int>("processes");
  if (options::get<bool>("debug") && processes != 1) {
    std::fprintf(stderr, "Error: --debug needs --processes=1\n");
    return 1;
  }
  tornado::HTTPServer server(app);
  try {
    server.bind(options::get<int>("port"), options::get<std::string>("address"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  for (const auto& a : server.addresses())
    tornado::log::gen_log.info("listening on %s", a.to_string().c_str());
  try {
    server.start(processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  if (in_each_process) in_each_process();
  if (options::get<bool>("debug")) tornado::autoreload::start();
  tornado::IOLoop& loop = tornado::IOLoop::current();
  tornado::shutdown_on_signals({&server},
                               options::get<options::Duration>("shutdown_deadline").count(), &loop);
  loop.start();
  tornado::log::gen_log.info("stopped");
  return 0;
}

}  // namespace demo
