// tests/size/numeric_hello.cc: helloworld for a device that listens on addresses given in
// digits: the same Application and handler as demos/helloworld.cc, bound with
// bind_numeric_sockets, which never looks a name up. demos/helloworld's --address takes names
// ("localhost"), so it links the library's stub resolver (glibc's getaddrinfo before it); this
// program does not, and tests/check_size.sh prints its share beside helloworld's
// (bench/README.md).
//
//   build/static/size/numeric_hello [PORT [ADDRESS]]    (default 8888 on 127.0.0.1)
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "tornado/reactor/ioloop.h"
#include "tornado/stream/netutil.h"
#include "tornado/web/web.h"

namespace {

struct MainHandler : tornado::web::RequestHandler {
  void get() { write("Hello, world"); }
};

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 8888;
  const char* address = argc > 2 ? argv[2] : "127.0.0.1";
  tornado::web::Application app({tornado::web::url<MainHandler>("/")});
  tornado::HTTPServer server(app);
  try {
    server.add_sockets(tornado::netutil::bind_numeric_sockets(port, address));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  tornado::IOLoop::current().start();
  return 0;
}
