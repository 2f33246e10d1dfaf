// tests/demos/chat_test.cc: the chat demo driven without a browser, by our WebSocket client.
// Mirrors:  Tornado's demos/websocket/chatdemo.py behaviour: a message posted by one page
//           reaches every open page; the last cache_size messages greet a newcomer.
//           tests/browser/chat_browser.py does the same through Chromium.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/http/httpclient.h"
#include "tornado/web/websocket.h"

using namespace tornado;
using namespace tornado::websocket;

TEST_CASE("chat demo: the page, a message broadcast to every socket, the backlog for newcomers") {
  testing::LoopCase c;
  testing::DemoProcess demo(c.loop(), "chat", {"--cache_size=2"});
  if (!demo.running()) TORNADO_SKIP(demo.skip_reason());
  const std::string base = "127.0.0.1:" + std::to_string(demo.port());
  testing::run_sync(c.loop(), [&]() -> Future<void> {
    AsyncHTTPClient http;
    HTTPResponse page = co_await http.fetch("http://" + base + "/");
    CHECK(page.code == 200);
    CHECK(page.body.find("new WebSocket(") != std::string::npos);

    auto a = co_await websocket_connect("ws://" + base + "/chatsocket");
    auto b = co_await websocket_connect("ws://" + base + "/chatsocket");
    co_await a->write_message(R"({"body": "hello from a"})");
    CHECK((co_await b->read_message())->data == R"({"id": 1, "body": "hello from a"})");
    CHECK((co_await a->read_message())->data == R"({"id": 1, "body": "hello from a"})");
    // Not {"body": text}: ignored, nobody hears of it.
    co_await b->write_message("not json");
    co_await b->write_message(R"({"body": "two"})");
    co_await b->write_message(R"({"body": "<three>"})");
    for (auto* conn : {&a, &b}) {
      CHECK((co_await (*conn)->read_message())->data == R"({"id": 2, "body": "two"})");
      CHECK((co_await (*conn)->read_message())->data == R"({"id": 3, "body": "<three>"})");
    }
    // A newcomer gets the last two, oldest first.
    auto late = co_await websocket_connect("ws://" + base + "/chatsocket");
    CHECK((co_await late->read_message())->data == R"({"id": 2, "body": "two"})");
    CHECK((co_await late->read_message())->data == R"({"id": 3, "body": "<three>"})");
    a->close();
    b->close();
    late->close();
    CHECK_FALSE(co_await a->read_message());
    CHECK_FALSE(co_await b->read_message());
    CHECK_FALSE(co_await late->read_message());
  });
  CHECK(demo.stop() == 0);
}

TEST_CASE("chat demo: in headless Chromium, typed in one page, shown in the other") {
  if (std::getenv("TORNADO_TEST_EMULATOR")) TORNADO_SKIP("Chromium runs on the host only");
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  if (dir == nullptr) TORNADO_SKIP("TORNADO_DEMO_DIR is not set (make test sets it)");
  if (std::system("test -f tests/browser/chat_browser.py") != 0)
    TORNADO_SKIP("tests/browser/chat_browser.py is not here (run from the top of the tree)");
  int status = 0;
  const std::string out =
      testing::run_command("/usr/bin/python3 tests/browser/chat_browser.py " + std::string(dir) +
                               "/chat " + std::string(dir) + "/../browser/chat.png 2>&1",
                           status);
  CAPTURE(out);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) TORNADO_SKIP(out.substr(0, out.find('\n')));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find("ok: typed in one page, shown in both") != std::string::npos);
}
