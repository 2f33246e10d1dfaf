// tests/web/websocket_peer_test.cc: interop with Debian's python3-websockets (10.4) in both
// directions: its client against the httpbin demo's /ws/echo, our client against its server.
// Mirrors:  no Tornado test (Tornado tests against itself); the peer is an independent RFC 6455
//           implementation, driven by tests/support/ws_peer.py.
// Skips:    when /usr/bin/python3 has no websockets module, and under an emulator (the peer is a
//           host program; the suite's own cases cover the protocol there).
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/web/websocket.h"

using namespace tornado;
using namespace tornado::websocket;

namespace {

const char* kScript = "tests/support/ws_peer.py";

// Why the peer cannot run here, or "" when it can.
std::string peer_missing() {
  if (std::getenv("TORNADO_TEST_EMULATOR")) return "python3-websockets runs on the host only";
  if (std::system("test -f tests/support/ws_peer.py") != 0)
    return "tests/support/ws_peer.py is not here (run from the top of the tree)";
  if (std::system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") != 0)
    return "Debian's python3-websockets is not installed";
  return {};
}

}  // namespace

TEST_CASE("websocket peer: python3-websockets' client against the httpbin demo's /ws/echo") {
  if (const std::string why = peer_missing(); !why.empty()) TORNADO_SKIP(why);
  testing::LoopCase c;
  testing::DemoProcess demo(c.loop(), "httpbin");
  if (!demo.running()) TORNADO_SKIP(demo.skip_reason());
  int status = 0;
  const std::string out = testing::run_command(
      "/usr/bin/python3 " + std::string(kScript) +
          " client ws://127.0.0.1:" + std::to_string(demo.port()) + "/ws/echo 2>&1",
      status);
  CAPTURE(out);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find("ok echo 14 messages") != std::string::npos);
  CHECK(out.find("ok fragmented") != std::string::npos);
  CHECK(out.find("ok ping") != std::string::npos);
  CHECK(out.find("ok close 4000") != std::string::npos);
  CHECK(demo.stop() == 0);
}

TEST_CASE("websocket peer: our client against python3-websockets' server") {
  if (const std::string why = peer_missing(); !why.empty()) TORNADO_SKIP(why);
  testing::LoopCase c;
  testing::DemoProcess peer(c.loop(), {"/usr/bin/python3", kScript, "server"},
                            R"(listening on ([0-9.]+):([0-9]+))");
  if (!peer.running()) TORNADO_SKIP(peer.skip_reason());
  const std::string url = "ws://127.0.0.1:" + std::to_string(peer.port()) + "/";
  testing::run_sync(c.loop(), [&]() -> Future<void> {
    auto conn = co_await websocket_connect(url);
    for (std::size_t n : {0u, 1u, 125u, 126u, 65535u, 65536u, 1u << 20}) {
      for (bool binary : {false, true}) {
        CAPTURE(n);
        const std::string m(n, binary ? '\x01' : 'z');
        co_await conn->write_message(m, binary);
        std::optional<WebSocketMessage> back = co_await conn->read_message();
        REQUIRE(back);
        CHECK(back->is_binary == binary);
        CHECK(back->data == m);
      }
    }
    co_await conn->write_message("fragment");
    CHECK((co_await conn->read_message())->data == "fragmented");
    conn->ping("x");
    co_await conn->write_message("after the ping");
    CHECK((co_await conn->read_message())->data == "after the ping");
    CHECK(conn->pongs() == 1);
    // The server pings every 50 ms and drops a peer silent for 0.5 s: answering its pings
    // keeps this connection open well past that.
    co_await gen::sleep(std::chrono::milliseconds(800));
    co_await conn->write_message("still here");
    CHECK((co_await conn->read_message())->data == "still here");
    // It closes with the code asked for; the close is echoed, read_message ends.
    co_await conn->write_message("close:4003");
    CHECK_FALSE(co_await conn->read_message());
    CHECK(conn->close_code() == 4003);
    CHECK(conn->close_reason() == "bye");
  });
  // The echo carries the code only, as Tornado's does.
  CHECK(peer.read_log_until("closed 4003").find("closed 4003") != std::string::npos);
  // Our side starts the close: the server sees our code and reason.
  testing::run_sync(c.loop(), [&]() -> Future<void> {
    auto conn = co_await websocket_connect(url);
    conn->close(4002, "client bye");
    CHECK_FALSE(co_await conn->read_message());
    CHECK(conn->close_code() == 4002);
  });
  CHECK(peer.read_log_until("closed 4002 client bye").find("closed 4002") != std::string::npos);
  CHECK(peer.stop() == 0);
}
