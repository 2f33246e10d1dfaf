// tests/http/httpclient_test.cc: AsyncHTTPClient against this library's own server.
// Mirrors:  tornado/test/httpclient_test.py (test_hello_world, test_streaming_callback,
//           test_post, test_chunked, test_basic_auth, test_follow_redirect,
//           test_redirect_put_with_body, test_credentials_in_url, test_header_callback,
//           test_non_ascii_header) and simple_httpclient_test.py (test_max_redirects,
//           test_request_timeout, test_connection_refused, test_303_redirect, test_head_request).
#include "tornado/http/httpclient.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

struct Hello : RequestHandler {
  void get() { write("Hello " + get_argument("name", "world") + "!"); }
  void head() { set_header("Content-Length", std::int64_t{7}); }
};
struct Echo : RequestHandler {
  void any() {
    write(request().method + " " + request().body + " " + request().headers.get("Authorization") +
          " " + request().headers.get("Content-Type"));
  }
  void get() { any(); }
  void post() { any(); }
  void put() { any(); }
};
struct Chunked : RequestHandler {
  Future<void> get() {
    write("asdf");
    co_await flush();
    write("qwer");
  }
};
struct CountdownRedirect : RequestHandler {
  void get(const std::string& n) {
    const int left = std::stoi(n);
    if (left == 0) {
      write("done");
    } else {
      redirect("/countdown/" + std::to_string(left - 1));
    }
  }
};
struct SeeOther : RequestHandler {
  void post() { redirect("/echo", false, 303); }
  void put() { redirect("/echo", false, 307); }
};
struct Slow : RequestHandler {
  Future<void> get() {
    co_await gen::sleep(std::chrono::seconds(2));
    write("late");
  }
};
struct Status : RequestHandler {
  void get(const std::string& code) {
    set_status(std::stoi(code));
    write("status body");
  }
};

HTTPResponse fetch(AsyncHTTPTestCase& t, HTTPRequest r, bool raise_error = true) {
  AsyncHTTPClient client;
  return testing::run_sync(
      t.io_loop(), [&] { return client.fetch(std::move(r), raise_error); }, gen::Duration(10));
}

}  // namespace

TEST_CASE("httpclient: GET, POST, chunked, HEAD, auth, callbacks") {
  Application app({
      url<Hello>("/hello"),
      url<Echo>("/echo"),
      url<Chunked>("/chunk"),
  });
  AsyncHTTPTestCase t(app);
  HTTPResponse r = fetch(t, t.get_url("/hello?name=Ben"));
  CHECK(r.code == 200);
  CHECK(r.reason == "OK");
  CHECK(r.body == "Hello Ben!");
  CHECK(r.effective_url == t.get_url("/hello?name=Ben"));
  CHECK(r.request_time >= 0);

  HTTPRequest post(t.get_url("/echo"));
  post.method = "POST";
  post.body = "arg1=foo&arg2=bar";
  post.headers.set("Content-Type", "application/x-www-form-urlencoded");
  CHECK(fetch(t, post).body == "POST arg1=foo&arg2=bar  application/x-www-form-urlencoded");

  r = fetch(t, t.get_url("/chunk"));
  CHECK(r.body == "asdfqwer");
  CHECK(r.headers.get("Transfer-Encoding") == "chunked");

  HTTPRequest head(t.get_url("/hello"));
  head.method = "HEAD";
  r = fetch(t, head);
  CHECK(r.code == 200);
  CHECK(r.headers.get("Content-Length") == "7");
  CHECK(r.body.empty());

  HTTPRequest auth(t.get_url("/echo"));
  auth.auth_username = "Aladdin";
  auth.auth_password = "open sesame";
  CHECK(fetch(t, auth).body == "GET  Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== ");

  std::string streamed;
  std::vector<std::string> lines;
  HTTPRequest s(t.get_url("/chunk"));
  s.streaming_callback = [&](std::string_view c) { streamed.append(c); };
  s.header_callback = [&](std::string_view l) { lines.emplace_back(l); };
  r = fetch(t, s);
  CHECK(streamed == "asdfqwer");
  CHECK(r.body.empty());
  REQUIRE(lines.size() >= 3);
  CHECK(lines.front() == "HTTP/1.1 200 OK");
  CHECK(lines.back().empty());

  // A body on a GET is refused unless allow_nonstandard_methods.
  HTTPRequest bad(t.get_url("/echo"));
  bad.body = "x";
  CHECK_THROWS_AS(fetch(t, bad), std::invalid_argument);
}

TEST_CASE("httpclient: redirects, max_redirects, 303 and 307") {
  Application app({
      url<CountdownRedirect>(R"(/countdown/(\d+))"),
      url<Echo>("/echo"),
      url<SeeOther>("/see_other"),
  });
  AsyncHTTPTestCase t(app);
  HTTPResponse r = fetch(t, t.get_url("/countdown/5"));
  CHECK(r.code == 200);
  CHECK(r.body == "done");
  CHECK(r.effective_url == t.get_url("/countdown/0"));
  // One too many: the last 302 comes back (an error with raise_error).
  HTTPRequest six(t.get_url("/countdown/6"));
  r = fetch(t, six, false);
  CHECK(r.code == 302);
  CHECK(r.effective_url == t.get_url("/countdown/1"));
  CHECK(r.error != nullptr);
  try {
    fetch(t, six);
    FAIL("no exception");
  } catch (const HTTPClientError& e) {
    CHECK(e.code() == 302);
    REQUIRE(e.response());
    CHECK(e.response()->headers.get("Location") == "/countdown/0");
  }
  HTTPRequest no_follow(t.get_url("/countdown/1"));
  no_follow.follow_redirects = false;
  CHECK(fetch(t, no_follow, false).code == 302);
  // 303 after a POST: GET without the body; 307 after a PUT keeps method and body.
  HTTPRequest post(t.get_url("/see_other"));
  post.method = "POST";
  post.body = "data";
  CHECK(fetch(t, post).body == "GET   ");
  HTTPRequest put(t.get_url("/see_other"));
  put.method = "PUT";
  put.body = "data";
  CHECK(fetch(t, put).body == "PUT data  ");
}

TEST_CASE("httpclient: errors: status codes, refused, timeouts, https, bad URLs") {
  Application app({
      url<Slow>("/slow"),
      url<Status>(R"(/status/(\d+))"),
  });
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog quiet("GET");
  try {
    fetch(t, t.get_url("/status/404"));
    FAIL("no exception");
  } catch (const HTTPClientError& e) {
    CHECK(e.code() == 404);
    CHECK(e.response()->body == "status body");
  }
  HTTPResponse r = fetch(t, t.get_url("/status/500"), false);
  CHECK(r.code == 500);
  CHECK(r.body == "status body");
  CHECK_THROWS_AS(r.rethrow(), HTTPClientError);

  HTTPRequest slow(t.get_url("/slow"));
  slow.request_timeout = 0.1;
  r = fetch(t, slow, false);
  CHECK(r.code == 599);
  CHECK_THROWS_WITH_AS(r.rethrow(), "HTTP 599: Timeout during request", HTTPClientError);

  // A port nothing listens on.
  const tornado::testing::BoundPort unused = tornado::testing::bind_unused_port();
  const int closed_port = unused.port;
  ::close(unused.fd);
  r = fetch(t, "http://127.0.0.1:" + std::to_string(closed_port) + "/", false);
  CHECK(r.code == 599);
  CHECK_THROWS_AS(r.rethrow(), StreamClosedError);

  r = fetch(t, "https://127.0.0.1/", false);
  CHECK(r.code == 599);
  try {
    r.rethrow();
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("TLS, which is not built in") != std::string::npos);
  }
  CHECK_THROWS_AS(fetch(t, "ftp://example.com/"), std::invalid_argument);
  HTTPRequest gz(t.get_url("/slow"));
  gz.use_gzip = true;
  CHECK_THROWS_AS(fetch(t, gz), std::invalid_argument);
}

TEST_CASE("httpclient: URLs are split and resolved as a browser does") {
  const URL u = parse_url("http://user:pw@[::1]:8080/a/b?x=1#frag");
  CHECK(u.host == "::1");
  CHECK(u.port == 8080);
  CHECK(u.target == "/a/b?x=1");
  CHECK(u.netloc == "[::1]:8080");
  CHECK(parse_url("http://example.com").target == "/");
  CHECK(parse_url("http://example.com?q").target == "/?q");
  CHECK(parse_url("https://example.com/").port == 443);
  struct Row {
    const char* base;
    const char* location;
    const char* resolved;
  };
  const Row rows[] = {
      {"http://h/a/b", "/c", "http://h/c"},          {"http://h/a/b", "c", "http://h/a/c"},
      {"http://h/a/b?x", "?y", "http://h/a/b?y"},    {"http://h:81/a/", "d/e", "http://h:81/a/d/e"},
      {"http://h/a", "//other/x", "http://other/x"}, {"http://h/a", "https://s/x", "https://s/x"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.location);
    CHECK(resolve_url(r.base, r.location) == r.resolved);
  }
}
