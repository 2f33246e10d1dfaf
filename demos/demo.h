// demos/demo.h: what every web demo's main() does: Tornado's standard options (--port,
// --address, --help, the logging options), listen, log where, stop on SIGINT or SIGTERM.
//
//   int main(int argc, char** argv) {
//     demo::define_server_options(8888);
//     tornado::options::parse_command_line(argc, argv);
//     tornado::web::Application app({...});
//     return demo::serve(app);
//   }
//
// With --port=0 the kernel picks a port; the "listening on" line names it (the tests read it).
#pragma once

#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/options.h"
#include "tornado/web/web.h"

namespace demo {

inline void define_server_options(int default_port) {
  tornado::options::define<int>("port", default_port, "port to listen on (0 picks a free one)");
  tornado::options::define<std::string>("address", "127.0.0.1",
                                        "address to listen on (empty for all)");
}

inline int serve(tornado::web::Application& app) {
  tornado::IOLoop& loop = tornado::IOLoop::current();
  tornado::HTTPServer* server = nullptr;
  try {
    server = &app.listen(tornado::options::get<int>("port"),
                         tornado::options::get<std::string>("address"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  for (const auto& a : server->addresses())
    tornado::log::gen_log.info("listening on %s", a.to_string().c_str());
  auto shutdown = [&loop, server] {
    tornado::log::gen_log.info("shutting down");
    server->stop();
    loop.stop();
  };
  (void)loop.add_signal_handler(SIGINT, shutdown);
  (void)loop.add_signal_handler(SIGTERM, shutdown);
  loop.start();
  return 0;
}

}  // namespace demo
