// tests/demos/tcpecho_test.cc: drives the built demos/tcpecho binary as a user would.
// Mirrors:  running Tornado's demos/tcpecho/server.py and talking to it with a client.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/iostream.h"

using namespace tornado;
using namespace tornado::testing;

TEST_CASE("demos: tcpecho echoes lines over TCP and shuts down on SIGTERM") {
  LoopCase c;
  DemoProcess demo(c.loop(), "tcpecho", {"--address=127.0.0.1"});
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(demo.port()));
  REQUIRE(::inet_pton(AF_INET, demo.host().c_str(), &addr.sin_addr) == 1);

  auto client = IOStream::create(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto talk = [&]() -> Future<std::string> {
    co_await client->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    co_await client->write("hello\nwor");
    std::string first = co_await client->read_until("\n");
    co_await client->write("ld\n");
    std::string second = co_await client->read_until("\n");
    co_return first + second;
  };
  CHECK(testing::run_sync(c.loop(), talk, gen::Duration(10)) == "hello\nworld\n");
  client->close();

  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
