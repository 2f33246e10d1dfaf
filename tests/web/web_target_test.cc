// tests/web/web_target_test.cc: the four forms of request-target (RFC 9112 §3.2) against an
// Application, one raw request line per row.
// Mirrors:  no Tornado test: Tornado takes every target as a path, so an absolute-form
//           request (which RFC 9112 §3.2.2 says a server MUST accept) finds no route.
// Each row checks the status, which handler ran, and what the handler saw: request.host
// (from the target's authority for absolute-form), request.uri (path and query, as for an
// origin-form request), path, query, get_argument and full_url().
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/http/json.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

// Answers with what it saw, and records that it ran.
struct Echo : RequestHandler {
  void initialize(std::string name, std::vector<std::string>* ran) {
    name_ = std::move(name);
    ran_ = ran;
  }
  void get() {
    ran_->push_back(name_);
    const HTTPServerRequest& r = request();
    write(json::Object{{"handler", name_},
                       {"host", r.host},
                       {"host_name", r.host_name},
                       {"uri", r.uri},
                       {"path", r.path},
                       {"query", r.query},
                       {"full_url", r.full_url()},
                       {"x", get_argument("x", "")}});
  }
  // A catch-all rule must not see OPTIONS * or CONNECT either.
  void options() { ran_->push_back(name_ + " options"); }
  std::string name_;
  std::vector<std::string>* ran_ = nullptr;
};

struct Seen {
  std::string handler, host, host_name, uri, path, query, full_url, x;
};

}  // namespace

TEST_CASE("web: request targets: origin, absolute, authority and asterisk forms, garbage") {
  struct Row {
    const char* name;
    std::string request;  // the request line and the fields after it
    int code;
    Seen seen;  // for 200 rows
  };
  const std::string host = "Host: 127.0.0.1\r\n";
  const std::string allow = "GET, HEAD, POST, DELETE, PATCH, PUT, OPTIONS";
  const Row rows[] = {
      {"origin-form",
       "GET /get?x=1 HTTP/1.1\r\n" + host,
       200,
       {"default", "127.0.0.1", "127.0.0.1", "/get?x=1", "/get", "x=1", "http://127.0.0.1/get?x=1",
        "1"}},
      {"absolute-form with a port",
       "GET http://127.0.0.1:8888/get?x=1 HTTP/1.1\r\n" + host,
       200,
       {"default", "127.0.0.1:8888", "127.0.0.1", "/get?x=1", "/get", "x=1",
        "http://127.0.0.1:8888/get?x=1", "1"}},
      {"the authority, not Host, picks the host rules",
       "GET http://example.com/get HTTP/1.1\r\n" + host,
       200,
       {"example", "example.com", "example.com", "/get", "/get", "", "http://example.com/get", ""}},
      {"https",
       "GET https://example.com:8443/get?x=2 HTTP/1.1\r\n" + host,
       200,
       {"example", "example.com:8443", "example.com", "/get?x=2", "/get", "x=2",
        "https://example.com:8443/get?x=2", "2"}},
      {"scheme in any case",
       "GET HTTP://Example.COM/get HTTP/1.1\r\n" + host,
       200,
       {"example", "Example.COM", "example.com", "/get", "/get", "", "http://Example.COM/get", ""}},
      {"HtTpS",
       "GET HtTpS://127.0.0.1/get HTTP/1.1\r\n" + host,
       200,
       {"default", "127.0.0.1", "127.0.0.1", "/get", "/get", "", "https://127.0.0.1/get", ""}},
      {"IPv6 literal with a port",
       "GET http://[::1]:8080/get?x=3 HTTP/1.1\r\n" + host,
       200,
       {"default", "[::1]:8080", "[::1]", "/get?x=3", "/get", "x=3", "http://[::1]:8080/get?x=3",
        "3"}},
      {"IPv6 literal without a port",
       "GET http://[2001:db8::1]/get HTTP/1.1\r\n" + host,
       200,
       {"default", "[2001:db8::1]", "[2001:db8::1]", "/get", "/get", "", "http://[2001:db8::1]/get",
        ""}},
      {"empty path, a query",
       "GET http://127.0.0.1:8888?x=4 HTTP/1.1\r\n" + host,
       200,
       {"root", "127.0.0.1:8888", "127.0.0.1", "/?x=4", "/", "x=4", "http://127.0.0.1:8888/?x=4",
        "4"}},
      {"empty path",
       "GET http://127.0.0.1:8888 HTTP/1.1\r\n" + host,
       200,
       {"root", "127.0.0.1:8888", "127.0.0.1", "/", "/", "", "http://127.0.0.1:8888/", ""}},
      {"an empty port is dropped",
       "GET http://example.com:/get HTTP/1.1\r\n" + host,
       200,
       {"example", "example.com", "example.com", "/get", "/get", "", "http://example.com/get", ""}},
      {"HTTP/1.0 needs no Host",
       "GET http://example.com/get HTTP/1.0\r\n",
       200,
       {"example", "example.com", "example.com", "/get", "/get", "", "http://example.com/get", ""}},
      {"HTTP/1.1 still needs a Host", "GET http://example.com/get HTTP/1.1\r\n", 400, {}},
      {"OPTIONS *: the server's methods", "OPTIONS * HTTP/1.1\r\n" + host, 200, {}},
      {"CONNECT: not a proxy", "CONNECT 127.0.0.1:443 HTTP/1.1\r\n" + host, 405, {}},
      {"CONNECT to an IPv6 literal", "CONNECT [::1]:443 HTTP/1.1\r\n" + host, 405, {}},
      {"CONNECT without a port", "CONNECT example.com HTTP/1.1\r\n" + host, 400, {}},
      {"CONNECT with a path", "CONNECT /get HTTP/1.1\r\n" + host, 400, {}},
      {"authority-form without CONNECT", "GET 127.0.0.1:443 HTTP/1.1\r\n" + host, 400, {}},
      {"* without OPTIONS", "GET * HTTP/1.1\r\n" + host, 400, {}},
      {"no leading slash", "GET get HTTP/1.1\r\n" + host, 400, {}},
      {"a query alone", "GET ?x=1 HTTP/1.1\r\n" + host, 400, {}},
      {"another scheme", "GET ftp://example.com/get HTTP/1.1\r\n" + host, 400, {}},
      {"a scheme without //", "GET http:/get HTTP/1.1\r\n" + host, 400, {}},
      {"an empty authority", "GET http:///get HTTP/1.1\r\n" + host, 400, {}},
      {"userinfo", "GET http://user:pw@example.com/get HTTP/1.1\r\n" + host, 400, {}},
      {"an unclosed IPv6 literal", "GET http://[::1/get HTTP/1.1\r\n" + host, 400, {}},
      {"a port with a letter", "GET http://example.com:80x/get HTTP/1.1\r\n" + host, 400, {}},
      {"OPTIONS *x", "OPTIONS *x HTTP/1.1\r\n" + host, 400, {}},
  };
  std::vector<std::string> ran;
  Application app({
      url<Echo>("/", std::string("root"), &ran),
      url<Echo>("/get", std::string("default"), &ran),
      url<Echo>(".*", std::string("catch-all"), &ran),
  });
  app.add_handlers(R"(example\.com)", {url<Echo>("/get", std::string("example"), &ran)});
  AsyncHTTPTestCase t(app);
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    ran.clear();
    tornado::testing::ExpectLog log("Malformed HTTP message");
    // A bad request is answered and closed by the server; the others are asked to close.
    const std::string wire = tornado::testing::exchange_raw(
        t.io_loop(), t.get_http_port(),
        row.request + (row.code == 400 ? "" : "Connection: close\r\n") + "\r\n");
    const std::size_t head_end = wire.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    const std::size_t eol = wire.find("\r\n");
    const int code = parse_response_start_line(wire.substr(0, eol)).code;
    const HTTPHeaders headers =
        HTTPHeaders::parse(std::string_view(wire).substr(eol + 2, head_end - eol));
    const std::string body = wire.substr(head_end + 4);
    CHECK(code == row.code);
    // A malformed request is logged once, at info level, by the connection; nothing else is.
    CHECK(log.count() == (row.code == 400 ? 1 : 0));
    if (row.code == 400) {
      CHECK(headers.get("Connection") == "close");
      CHECK(ran.empty());
    } else if (!row.seen.handler.empty()) {
      REQUIRE(code == 200);
      const json::Value v = json::decode(body);
      CHECK(ran == std::vector<std::string>{row.seen.handler});
      CHECK(v["handler"].as_string() == row.seen.handler);
      CHECK(v["host"].as_string() == row.seen.host);
      CHECK(v["host_name"].as_string() == row.seen.host_name);
      CHECK(v["uri"].as_string() == row.seen.uri);
      CHECK(v["path"].as_string() == row.seen.path);
      CHECK(v["query"].as_string() == row.seen.query);
      CHECK(v["full_url"].as_string() == row.seen.full_url);
      CHECK(v["x"].as_string() == row.seen.x);
    } else {
      // OPTIONS * and CONNECT are about the server, not a resource: no rule is consulted,
      // and the answer says which methods the server's handlers can have.
      CHECK(ran.empty());
      CHECK(headers.get("Allow") == allow);
      if (code == 200) {
        CHECK(headers.get("Content-Length") == "0");
        CHECK(body.empty());
      }
    }
  }
}
