// tests/web/web_lifecycle_test.cc: a request's life in a RequestHandler when it does not go
// straight through: errors and their pages, prepare() that finishes, callback style, flushed
// streaming, a client that leaves, a handler that breaks its own Content-Length.
// Mirrors:  tornado/test/web_test.py (ErrorResponseTest, WriteErrorTest,
//           FinishInPrepareTest, test_connection_close...); each case names the Tornado test
//           it follows. tests/web/web_test.cc has the straight requests.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

struct ErrorsHandler : RequestHandler {
  void get() {
    const std::string what = get_argument("what");
    if (what == "exception") throw std::runtime_error("boom");
    if (what == "http503") throw HTTPError(503, "the log message");
    if (what == "http435") throw HTTPError(435);
    if (what == "reason") throw HTTPError(400, "", "Custom Reason");
    if (what == "finish") {
      set_status(401);
      write("partial");
      throw Finish();
    }
    if (what == "array") write(json::Value(json::Array{1, 2}));
    if (what == "send_error") {
      send_error(418);
      return;
    }
    write("fine");
  }
};

struct BadWriteErrorHandler : RequestHandler {
  void get() { throw std::runtime_error("first"); }
  void write_error(int, std::exception_ptr) override {
    write("half");
    throw std::runtime_error("second");
  }
};

struct FinishInPrepare : RequestHandler {
  void prepare() { finish("from prepare"); }
  void get() { throw std::logic_error("get must not run"); }
};

struct AsyncPrepare : RequestHandler {
  Future<void> prepare() {
    co_await gen::moment;
    order = "prepared;";
  }
  void get() { write(order + "get"); }
  std::string order;
};

}  // namespace

TEST_CASE("web: errors (test_default, test_write_error, test_failed_write_error, Finish)") {
  Application app({
      url<ErrorsHandler>("/e"),
      url<BadWriteErrorHandler>("/bad"),
      url<FinishInPrepare>("/fp"),
      url<AsyncPrepare>("/ap"),
  });
  AsyncHTTPTestCase t(app);
  {
    tornado::testing::ExpectLog logged("Uncaught exception GET /e?what=exception");
    auto r = t.fetch("/e?what=exception");
    CHECK(r.code == 500);
    CHECK(r.body ==
          "<html><title>500: Internal Server Error</title><body>500: Internal Server "
          "Error</body></html>");
    CHECK(logged.count() == 1);
  }
  {
    tornado::testing::ExpectLog logged("the log message");
    auto r = t.fetch("/e?what=http503");
    CHECK(r.code == 503);
    CHECK(r.body.find("the log message") == std::string::npos);  // never sent to the client
    CHECK(logged.count() == 1);
  }
  auto r = t.fetch("/e?what=http435");
  CHECK(r.code == 435);
  CHECK(r.reason == "Unknown");
  r = t.fetch("/e?what=reason");
  CHECK(r.code == 400);
  CHECK(r.reason == "Custom Reason");
  r = t.fetch("/e?what=finish");
  CHECK(r.code == 401);
  CHECK(r.body == "partial");
  {
    tornado::testing::ExpectLog logged("Uncaught exception");
    CHECK(t.fetch("/e?what=array").code == 500);
  }
  CHECK(t.fetch("/e?what=send_error").code == 418);
  {
    tornado::testing::ExpectLog logged("Uncaught exception in write_error");
    r = t.fetch("/bad");
    CHECK(r.code == 500);
    CHECK(r.body.empty());
    CHECK(logged.count() == 1);
  }
  r = t.fetch("/fp");
  CHECK(r.code == 200);
  CHECK(r.body == "from prepare");
  CHECK(t.fetch("/ap").body == "prepared;get");
}

TEST_CASE("web: serve_traceback puts the exception's text in the error page") {
  Settings s;
  s.serve_traceback = true;
  Application app({url<ErrorsHandler>("/e")}, s);
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog quiet("Uncaught exception");
  auto r = t.fetch("/e?what=exception");
  CHECK(r.code == 500);
  CHECK(r.headers.get("Content-Type") == "text/plain");
  CHECK(r.body == "boom\n");
}

namespace {

struct CallbackStyle : RequestHandler {
  void get() {
    asynchronous();
    IOLoop::current().call_later(0.001, [self = shared_from_this()] {
      auto& h = static_cast<CallbackStyle&>(*self);
      h.write("later");
      (void)h.finish();
    });
  }
};

struct Streaming : RequestHandler {
  Future<void> get() {
    write("one,");
    co_await flush();
    write("two,");
    co_await flush();
    write("three");
  }
};

// Counts into the test's counter, given as the rule's argument.
struct NeverFinishes : RequestHandler {
  explicit NeverFinishes(int* closed) : closed_(closed) {}
  void get() {
    asynchronous();
    write("waiting");
    (void)flush();
  }
  void on_connection_close() override { ++*closed_; }
  int* closed_;
};

struct WrongLength : RequestHandler {
  void get() {
    set_header("Content-Length", std::int64_t{42});
    write("ab");
  }
};

struct Finisher : RequestHandler {
  void initialize(int* finished) { finished_ = finished; }
  void get() { write("x"); }
  void on_finish() override { ++*finished_; }
  int* finished_ = nullptr;
};

}  // namespace

TEST_CASE("web: callback style (Tornado 4's @asynchronous), flush streaming, HEAD, on_finish") {
  int finished = 0;
  Application app({
      url<CallbackStyle>("/cb"),
      url<Streaming>("/stream"),
      url<Finisher>("/f", &finished),
  });
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/cb").body == "later");
  auto r = t.fetch("/stream");
  CHECK(r.code == 200);
  CHECK(r.body == "one,two,three");
  CHECK(r.headers.get("Transfer-Encoding") == "chunked");
  CHECK_FALSE(r.headers.contains("Content-Length"));
  // HEAD after flushes sends no body bytes, so the connection stays usable.
  r = t.fetch("/stream", "HEAD");
  // Streaming has no head(): its get() answers (Tornado says 405), and no chunk goes out.
  CHECK(r.code == 200);
  CHECK(r.body.empty());
  CHECK_FALSE(r.headers.contains("Transfer-Encoding"));
  CHECK(t.fetch("/f").body == "x");
  CHECK(finished == 1);
}

TEST_CASE("web: on_connection_close when the client leaves (test_connection_close)") {
  int closed_count = 0;
  Application app({url<NeverFinishes>("/wait", &closed_count)});
  AsyncHTTPTestCase t(app);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(t.get_http_port()));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  const std::string req = "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  char buf[256];
  REQUIRE(tornado::testing::run_until(
      t.io_loop(), [&] { return ::recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK) > 0; }));
  ::close(fd);
  CHECK(tornado::testing::run_until(t.io_loop(), [&] { return closed_count == 1; }));
}

TEST_CASE("web: a handler that breaks its own Content-Length closes the connection") {
  Application app({url<WrongLength>("/wrong")});
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog logged("less than Content-Length");
  CHECK_THROWS(t.fetch("/wrong"));
  CHECK(logged.count() >= 1);
}
