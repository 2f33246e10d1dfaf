// tests/demos/chat_test.cc: the chat demo driven without a browser, by our WebSocket client.
// Mirrors:  Tornado's demos/websocket/chatdemo.py behaviour: a message posted by one page
//           reaches every open page, with its HTML rendered from message.html; the page
//           itself is rendered with the last cache_size messages, escaped, and the socket does
//           not send them again. tests/browser/chat_browser.py does the same through Chromium.
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

namespace {

// What the demo broadcasts for message `id` with `body` (JSON-encoded already) and `html`.
std::string chat_json(int id, const std::string& body, const std::string& html) {
  return "{\"id\": " + std::to_string(id) + ", \"body\": \"" + body +
         "\", \"html\": \"<div class=\\\"message\\\" id=\\\"m" + std::to_string(id) + "\\\">" +
         html + "<\\/div>\\n\"}";
}

}  // namespace

TEST_CASE("chat demo: a message broadcast to every socket, with its rendered HTML") {
  testing::LoopCase c;
  testing::DemoProcess demo(c.loop(), "chat", {"--cache_size=2"});
  if (!demo.running()) TORNADO_SKIP(demo.skip_reason());
  const std::string base = "127.0.0.1:" + std::to_string(demo.port());
  testing::run_sync(c.loop(), [&]() -> Future<void> {
    AsyncHTTPClient http;
    HTTPResponse page = co_await http.fetch("http://" + base + "/");
    CHECK(page.code == 200);
    CHECK(page.body.find("new WebSocket(") != std::string::npos);
    CHECK(page.body.find("class=\"message\"") == std::string::npos);  // nothing posted yet

    auto a = co_await websocket_connect("ws://" + base + "/chatsocket");
    auto b = co_await websocket_connect("ws://" + base + "/chatsocket");
    co_await a->write_message(R"({"body": "hello from a"})");
    const std::string first = chat_json(1, "hello from a", "hello from a");
    CHECK((co_await b->read_message())->data == first);
    CHECK((co_await a->read_message())->data == first);
    // Not {"body": text}: ignored, nobody hears of it.
    co_await b->write_message("not json");
    co_await b->write_message(R"({"body": "two"})");
    co_await b->write_message(R"({"body": "<three> & \"four\""})");
    for (auto* conn : {&a, &b}) {
      CHECK((co_await (*conn)->read_message())->data == chat_json(2, "two", "two"));
      CHECK((co_await (*conn)->read_message())->data ==
            chat_json(3, "<three> & \\\"four\\\"", "&lt;three&gt; &amp; &quot;four&quot;"));
    }
    // A newcomer's socket brings no backlog (the page has it): its first message is the next.
    auto late = co_await websocket_connect("ws://" + base + "/chatsocket");
    co_await a->write_message(R"({"body": "five"})");
    for (auto* conn : {&late, &a, &b})
      CHECK((co_await (*conn)->read_message())->data == chat_json(4, "five", "five"));
    a->close();
    b->close();
    late->close();
    CHECK_FALSE(co_await a->read_message());
    CHECK_FALSE(co_await b->read_message());
    CHECK_FALSE(co_await late->read_message());
  });
  CHECK(demo.stop() == 0);
}

// Tornado's chatdemo renders the cached messages into index.html: a newcomer sees them in the
// HTML it loads, before any script runs, each through message.html and escaped.
TEST_CASE("chat demo: the page loaded after messages were posted holds them, escaped") {
  testing::LoopCase c;
  testing::DemoProcess demo(c.loop(), "chat", {"--cache_size=2"});
  if (!demo.running()) TORNADO_SKIP(demo.skip_reason());
  const std::string base = "127.0.0.1:" + std::to_string(demo.port());
  testing::run_sync(c.loop(), [&]() -> Future<void> {
    auto a = co_await websocket_connect("ws://" + base + "/chatsocket");
    for (const char* body : {"one", "<b>two</b>", "three & 'four'"}) {
      co_await a->write_message(std::string(R"({"body": )") + json::encode(body) + "}");
      (void)co_await a->read_message();  // the broadcast: the message is in the cache
    }
    AsyncHTTPClient http;
    HTTPResponse page = co_await http.fetch("http://" + base + "/");
    CHECK(page.code == 200);
    const std::string& html = page.body;
    // The last two (cache_size), oldest first; the first is gone.
    const std::size_t two =
        html.find(R"(<div class="message" id="m2">&lt;b&gt;two&lt;/b&gt;</div>)");
    const std::size_t three =
        html.find(R"(<div class="message" id="m3">three &amp; &#x27;four&#x27;</div>)");
    CHECK(two != std::string::npos);
    CHECK(three != std::string::npos);
    CHECK(two < three);
    CHECK(html.find("id=\"m1\"") == std::string::npos);
    CHECK(html.find("<b>two") == std::string::npos);
    a->close();
    CHECK_FALSE(co_await a->read_message());
  });
  CHECK(demo.stop() == 0);
}

TEST_CASE("chat demo: in headless Chromium: typed in one page, shown in all; the backlog in HTML") {
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
  CHECK(out.find("ok: the backlog is in the page's HTML") != std::string::npos);
  CHECK(out.find("ok: a newcomer sees the backlog once") != std::string::npos);
}
