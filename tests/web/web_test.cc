// tests/web/web_test.cc: Application and RequestHandler through a real connection.
// Mirrors:  tornado/test/web_test.py; each case names the Tornado test it follows.
#include "web/web.h"

#include <doctest/doctest.h>

#include <string>

#include "gen/gen.h"
#include "tests/support/async_test.h"
#include "web/testing.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

struct HelloHandler : RequestHandler {
  void get() { write("Hello, world"); }
};

struct EchoArgs : RequestHandler {
  void get(const std::string& a, const std::string& b) { write(a + "|" + b); }
};

struct CoroutineHandler : RequestHandler {
  Future<void> get() {
    co_await gen::sleep(std::chrono::milliseconds(1));
    write(json::Object{{"slept", true}});
  }
};

}  // namespace

TEST_CASE("web: hello world, path groups, coroutines, 404, 405") {
  Application app({
      {"/", handler_factory<HelloHandler>()},
      {R"(/args/(\w+)/([^/]+))", handler_factory<EchoArgs>()},
      {"/co", handler_factory<CoroutineHandler>()},
  });
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/");
  CHECK(r.code == 200);
  CHECK(r.body == "Hello, world");
  CHECK(r.headers.get("Content-Type") == "text/html; charset=UTF-8");
  CHECK(r.headers.get("Content-Length") == "12");
  CHECK(r.headers.contains("Etag"));
  r = t.fetch("/args/abc/d%2Fe+f");
  CHECK(r.code == 200);
  CHECK(r.body == "abc|d/e+f");
  r = t.fetch("/co");
  CHECK(r.code == 200);
  CHECK(r.body == R"({"slept": true})");
  CHECK(r.headers.get("Content-Type") == "application/json; charset=UTF-8");
  r = t.fetch("/nope");
  CHECK(r.code == 404);
  CHECK(r.body == "<html><title>404: Not Found</title><body>404: Not Found</body></html>");
  r = t.fetch("/", "POST", "x=1");
  CHECK(r.code == 405);
}
