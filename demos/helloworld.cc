// demos/helloworld.cc: Tornado's demos/helloworld/helloworld.py in C++.
//
//   build/demos/helloworld --port=8888
//   curl http://127.0.0.1:8888/          # Hello, world
#include "demos/demo.h"

namespace {

struct MainHandler : tornado::web::RequestHandler {
  void get() { write("Hello, world"); }
};

}  // namespace

int main(int argc, char** argv) {
  demo::define_server_options(8888);
  tornado::options::parse_command_line(argc, argv);
  tornado::web::Application app({tornado::web::url<MainHandler>("/")});
  return demo::serve(app);
}
