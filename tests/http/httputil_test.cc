// tests/http/httputil_test.cc: HTTPHeaders, the start lines and HTTPServerRequest.
// Mirrors:  tornado/test/httputil_test.py (HTTPHeadersTest: test_multi_line,
//           test_unicode_newlines, test_optional_cr, test_copy, test_pickle_roundtrip's
//           normalization, test_setdefault; ParseRequestStartLineTest;
//           HTTPServerRequestTest), with the stricter header rules of this port as rows.
#include "tornado/http/httputil.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tornado;

TEST_CASE("httputil: HTTPHeaders is case-insensitive, ordered and multi-valued") {
  HTTPHeaders h;
  h.add("content-type", "text/html");
  h.add("Set-Cookie", "A=B");
  h.add("set-cookie", "C=D");
  CHECK(h.get("Content-Type") == "text/html");
  CHECK(h.get("CONTENT-TYPE") == "text/html");
  CHECK(h.get("Set-Cookie") == "A=B,C=D");
  CHECK(h.get_list("SET-COOKIE") == std::vector<std::string>{"A=B", "C=D"});
  CHECK(h.get("X-Missing", "dflt") == "dflt");
  CHECK(h.find("x-missing") == nullptr);
  CHECK(h.size() == 2);
  REQUIRE(h.get_all().size() == 3);
  CHECK(h.get_all()[0].name == "Content-Type");
  CHECK(h.get_all()[2].name == "Set-Cookie");
  h.set("SET-COOKIE", "E=F");
  CHECK(h.get_list("Set-Cookie") == std::vector<std::string>{"E=F"});
  CHECK(h.erase("set-cookie") == 1);
  CHECK_FALSE(h.contains("Set-Cookie"));
  CHECK(h.to_string() == "Content-Type: text/html\r\n");
}

TEST_CASE("httputil: normalize_name (Tornado's _normalize_header)") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {{"content-type", "Content-Type"},
                      {"CONTENT-TYPE", "Content-Type"},
                      {"x-a-b", "X-A-B"},
                      {"etag", "Etag"},
                      {"www-authenticate", "Www-Authenticate"},
                      {"-x", "-X"},
                      {"", ""}};
  for (const Row& r : rows) {
    CAPTURE(r.in);
    CHECK(HTTPHeaders::normalize_name(r.in) == r.out);
  }
}

TEST_CASE("httputil: HTTPHeaders::parse, accepted and refused lines") {
  struct Row {
    const char* name;
    std::string block;
    bool ok;
    const char* header = "";
    const char* value = "";
  };
  const Row rows[] = {
      {"CRLF lines", "Foo: bar\r\nAsdf: qwer\r\n\r\n", true, "Asdf", "qwer"},
      {"optional CR (test_optional_cr)", "Foo: bar\nAsdf: qwer\n\n", true, "Asdf", "qwer"},
      {"value stripped", "Foo:   bar \t\r\n", true, "Foo", "bar"},
      {"empty value", "Foo:\r\n", true, "Foo", ""},
      {"colon in value", "Host: example.com:8080\r\n", true, "Host", "example.com:8080"},
      {"obs-text kept", "X: caf\xc3\xa9\r\n", true, "X", "caf\xc3\xa9"},
      {"no colon", "asdf\r\n", false},
      {"space before colon", "Foo : bar\r\n", false},
      {"tab before colon", "Foo\t: bar\r\n", false},
      {"obs-fold (test_multi_line: refused here)", "Foo: bar\r\n baz\r\n", false},
      {"first line folded", " Foo: bar\r\n", false},
      {"NUL in value", std::string("Foo: a\0b\r\n", 10), false},
      {"bare CR in value", "Foo: a\rb\r\n", false},
      {"DEL in value", "Foo: a\x7f\r\n", false},
      {"empty name", ": bar\r\n", false},
      {"non-token name", "Fo\"o: bar\r\n", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    if (!r.ok) {
      CHECK_THROWS_AS(HTTPHeaders::parse(r.block), HTTPInputError);
      continue;
    }
    HTTPHeaders h;
    CHECK_NOTHROW(h = HTTPHeaders::parse(r.block));
    CHECK(h.get(r.header) == r.value);
  }
}

TEST_CASE("httputil: parse_request_start_line and parse_response_start_line") {
  const RequestStartLine r = parse_request_start_line("GET /foo?bar=1 HTTP/1.1");
  CHECK(r.method == "GET");
  CHECK(r.path == "/foo?bar=1");
  CHECK(r.version == "HTTP/1.1");
  const char* bad_requests[] = {"GET /foo",
                                "GET /foo HTTP/1.1 x",
                                "GET  /foo HTTP/1.1",
                                "GET /foo HTTP/2.0",
                                "GET /foo HTTP/1.x",
                                "G(T /foo HTTP/1.1",
                                " GET /foo HTTP/1.1",
                                "",
                                "GET /fo\x7fo HTTP/1.1"};
  for (const char* line : bad_requests) {
    CAPTURE(line);
    CHECK_THROWS_AS(parse_request_start_line(line), HTTPInputError);
  }
  const ResponseStartLine s = parse_response_start_line("HTTP/1.1 200 OK");
  CHECK(s.version == "HTTP/1.1");
  CHECK(s.code == 200);
  CHECK(s.reason == "OK");
  CHECK(parse_response_start_line("HTTP/1.0 404 Not Found").reason == "Not Found");
  CHECK(parse_response_start_line("HTTP/1.1 204").reason.empty());
  const char* bad_responses[] = {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1200 OK",
                                 "HTTP/2 200 OK",  "HTTP/1.1 abc OK",  "HTTP/1.1 200 O\rK"};
  for (const char* line : bad_responses) {
    CAPTURE(line);
    CHECK_THROWS_AS(parse_response_start_line(line), HTTPInputError);
  }
}

TEST_CASE("httputil: HTTPServerRequest splits the target and reads the host") {
  HTTPHeaders h{{"Host", "Example.com:8080"}};
  HTTPServerRequest req(parse_request_start_line("GET /a/b?x=1&x=2&y= HTTP/1.1"), h);
  CHECK(req.path == "/a/b");
  CHECK(req.query == "x=1&x=2&y=");
  CHECK(req.host == "Example.com:8080");
  CHECK(req.host_name == "example.com");
  CHECK(req.full_url() == "http://Example.com:8080/a/b?x=1&x=2&y=");
  CHECK(req.query_arguments.at("x") == std::vector<std::string>{"1", "2"});
  CHECK(req.query_arguments.at("y") == std::vector<std::string>{""});  // blank values kept
  CHECK(req.arguments == req.query_arguments);
  CHECK(req.request_time() >= 0);

  HTTPServerRequest bare(parse_request_start_line("GET //doubleslash HTTP/1.0"), HTTPHeaders{});
  CHECK(bare.host == "127.0.0.1");      // HTTP/1.0 without Host
  CHECK(bare.path == "//doubleslash");  // a path, not a network location (test_double_slash)
}

TEST_CASE("httputil: HTTPServerRequest parses a form body and cookies") {
  HTTPHeaders h{{"Host", "a"},
                {"Content-Type", "application/x-www-form-urlencoded"},
                {"Cookie", "a=1; b=\"two\""}};
  HTTPServerRequest req(parse_request_start_line("POST /?q=1 HTTP/1.1"), h);
  req.body = "foo=bar&foo=baz&empty=";
  req.parse_body();
  CHECK(req.body_arguments.at("foo") == std::vector<std::string>{"bar", "baz"});
  CHECK(req.body_arguments.at("empty") == std::vector<std::string>{""});
  CHECK(req.arguments.at("q") == std::vector<std::string>{"1"});
  CHECK(req.arguments.at("foo").size() == 2);
  CHECK(req.cookies().at("a") == "1");
  CHECK(req.cookies().at("b") == "two");
}
