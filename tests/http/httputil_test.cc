// tests/http/httputil_test.cc: HTTPHeaders, the start lines and HTTPServerRequest.
// Mirrors:  tornado/test/httputil_test.py (HTTPHeadersTest: test_multi_line,
//           test_unicode_newlines, test_optional_cr, test_copy, test_pickle_roundtrip's
//           normalization, test_setdefault; ParseRequestStartLineTest;
//           HTTPServerRequestTest), with the stricter header rules of this port as rows.
#include "tornado/http/httputil.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
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

TEST_CASE("httputil: add_normalized appends a field as given, found like any other") {
  HTTPHeaders h;
  h.add_normalized("Etag", "\"abc\"");
  h.add("etag", " \"def\" ");
  h.add_normalized("Content-Length", "12");
  CHECK(h.get_list("ETAG") == std::vector<std::string>{"\"abc\"", "\"def\""});
  REQUIRE(h.find("content-length") != nullptr);
  CHECK(*h.find("content-length") == "12");
  CHECK(h.to_string() == "Etag: \"abc\"\r\nEtag: \"def\"\r\nContent-Length: 12\r\n");
  CHECK(h.erase("Etag") == 2);
  CHECK(h.size() == 1);
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

TEST_CASE("httputil: add stores every name as normalize_name gives it (checked a word at a time)") {
  // Every length up to 23 (whole words, an overlapping last word, short names), each in
  // Http-Header-Case and with one byte's case flipped at every place, and bytes next to the
  // letters' ranges and above ASCII.
  std::vector<std::string> names = {
      "\x80\xc3\xa4-abc-DEF-@[`{", "--a--b--c--d",   "A-B-C-D-E-F-G-H-I",
      "@abcdefg[hijk`lmn{",        "Content-Length", "X-aBcDeFgHiJ"};
  const auto with_flips = [&names](const std::string& name) {
    names.push_back(name);
    for (std::size_t i = 0; i < name.size(); ++i) {
      std::string flipped = name;
      if (flipped[i] != '-') flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
      names.push_back(flipped);
    }
  };
  const std::string base = "Abcdefgh-Ijklmnop-Qrstu";
  for (std::size_t len = 0; len <= base.size(); ++len) with_flips(base.substr(0, len));
  // The names add() knows by sight (compared as their first and last words), others of their
  // lengths, and names that share a first or a last word with one of them.
  for (const char* common : {"Host",
                             "Accept",
                             "User-Agent",
                             "Content-Type",
                             "Cache-Control",
                             "Content-Length",
                             "Accept-Encoding",
                             "Date",
                             "Etag",
                             "Server",
                             "Cookie",
                             "Connection",
                             "Accept-Language",
                             "Hosts",
                             "Ab-c",
                             "Content-Typf",
                             "Content_Length",
                             "Accept-Encodinh",
                             "Hxst",
                             "Hosx",
                             "Bontent-Type",
                             "Content-Xype",
                             "User-Agenx",
                             "Cache-Contro-",
                             "Accept-Xncoding"})
    with_flips(common);
  for (const std::string& name : names) {
    CAPTURE(name);
    HTTPHeaders h;
    h.add(name, "v");
    CHECK(h.get_all().back().name == HTTPHeaders::normalize_name(name));
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

TEST_CASE("httputil: parse_line refuses a control byte anywhere in a value of any length") {
  // Every length up to 20 (whole words, an overlapping last word, short values), with a bad
  // byte or a tab (the one control allowed) at each place.
  for (std::size_t len = 1; len <= 20; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      std::string value(len, 'v');
      for (const char bad : {'\0', '\r', '\n', '\x1f', '\x7f'}) {
        value[at] = bad;
        CAPTURE(len);
        CAPTURE(at);
        CAPTURE(static_cast<int>(bad));
        HTTPHeaders h;
        CHECK_THROWS_WITH_AS(h.parse_line("X-Long-Name: " + value),
                             doctest::Contains("invalid byte in the value of header X-Long-Name"),
                             HTTPInputError);
      }
      value[at] = '\t';
      HTTPHeaders h;
      h.parse_line("X-Long-Name: " + value);
      CHECK(h.get("X-Long-Name") == util::trim(value));
    }
  }
}

TEST_CASE("httputil: what parse_line and parse_request_start_line say is wrong") {
  struct Row {
    std::string line;
    const char* message;
  };
  const Row header_rows[] = {
      {"Foo bar", "no colon in header line: \"Foo bar\""},
      {"", "no colon in header line: \"\""},
      {"Foo : bar", "whitespace before the colon in header line: \"Foo : bar\""},
      {": bar", "invalid header name: \"\""},
      {"F(o: bar", "invalid header name: \"F(o\""},
      {" Foo: bar", "obs-fold (a header line starting with whitespace) is not accepted: "},
      {"Foo: a\x01", "invalid byte in the value of header Foo: \"a\\x01\""},
  };
  for (const Row& r : header_rows) {
    CAPTURE(r.line);
    HTTPHeaders h;
    CHECK_THROWS_WITH_AS(h.parse_line(r.line), doctest::Contains(r.message), HTTPInputError);
    CHECK(h.empty());
  }
  const Row start_rows[] = {
      {"GET /foo", "Malformed HTTP request line: \"GET /foo\""},
      {"GET  /foo HTTP/1.1", "Malformed HTTP request line: "},
      {"GET /foo HTTP/1.1 ", "Malformed HTTP request line: "},
      {"G(T /foo HTTP/1.1", "Malformed HTTP method: \"G(T\""},
      {" /foo HTTP/1.1", "Malformed HTTP method: \"\""},
      {"GET /f\x7fo HTTP/1.1", "Malformed request target: \"/f\\x7fo\""},
      {"GET /foo HTTP/1.x", "Malformed HTTP version in HTTP Request-Line: \"HTTP/1.x\""},
      {"GET /foo HTTP/1.10", "Malformed HTTP version in HTTP Request-Line: \"HTTP/1.10\""},
  };
  for (const Row& r : start_rows) {
    CAPTURE(r.line);
    CHECK_THROWS_WITH_AS(parse_request_start_line(r.line), doctest::Contains(r.message),
                         HTTPInputError);
  }
  const RequestStartLine high = parse_request_start_line("M-1 /caf\xc3\xa9 HTTP/1.0");
  CHECK(high.method == "M-1");
  CHECK(high.path == "/caf\xc3\xa9");
  CHECK(high.version == "HTTP/1.0");
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

TEST_CASE("httputil: parse_request_target, the four forms of RFC 9112 §3.2") {
  using Form = RequestTarget::Form;
  struct Row {
    const char* method;
    const char* target;
    Form form;
    const char* scheme;
    const char* authority;
    const char* path;
  };
  const Row good[] = {
      {"GET", "/", Form::kOrigin, "", "", "/"},
      {"GET", "//a?b", Form::kOrigin, "", "", "//a?b"},
      {"GET", "http://a.example/p?q", Form::kAbsolute, "http", "a.example", "/p?q"},
      {"POST", "HTTPS://A.example:8443", Form::kAbsolute, "HTTPS", "A.example:8443", ""},
      {"GET", "http://h?q=1", Form::kAbsolute, "http", "h", "?q=1"},
      {"GET", "http://h:/p", Form::kAbsolute, "http", "h", "/p"},  // an empty port is dropped
      {"GET", "http://[::1]:80/p", Form::kAbsolute, "http", "[::1]:80", "/p"},
      {"GET", "http://[2001:db8::a.b.c.d]/", Form::kAbsolute, "http", "[2001:db8::a.b.c.d]", "/"},
      {"GET", "http://a%2Db/", Form::kAbsolute, "http", "a%2Db", "/"},
      {"GET", "http://h/p@x:y", Form::kAbsolute, "http", "h", "/p@x:y"},  // '@' in the path
      {"CONNECT", "example.com:443", Form::kAuthority, "", "example.com:443", ""},
      {"CONNECT", "[::1]:443", Form::kAuthority, "", "[::1]:443", ""},
      {"OPTIONS", "*", Form::kAsterisk, "", "", ""},
  };
  for (const Row& r : good) {
    const std::string target = r.target;
    CAPTURE(target);
    const RequestTarget t = parse_request_target(r.method, r.target);
    CHECK(t.form == r.form);
    CHECK(t.scheme == r.scheme);
    CHECK(t.authority == r.authority);
    CHECK(t.path == r.path);
  }
  const std::pair<const char*, const char*> bad[] = {
      {"GET", "a/b"},
      {"GET", "?q"},
      {"GET", "*"},
      {"HEAD", "*"},
      {"OPTIONS", "*/"},
      {"GET", "example.com:443"},
      {"CONNECT", "/"},
      {"CONNECT", "example.com"},  // no default port for CONNECT
      {"CONNECT", "example.com:"},
      {"CONNECT", "http://example.com:443/"},
      {"GET", "ftp://example.com/"},
      {"GET", "http:/p"},
      {"GET", "http:///p"},
      {"GET", "://h/p"},
      {"GET", "1http://h/p"},
      {"GET", "http://user@h/p"},
      {"GET", "http://user:pw@h/p"},
      {"GET", "http://[::1/p"},
      {"GET", "http://[]/p"},
      {"GET", "http://[::g]/p"},
      {"GET", "http://[::1]x/p"},
      {"GET", "http://h:8o/p"},
      {"GET", "http://h:123456/p"},
      {"GET", "http://h:1:2/p"},
      {"GET", "http://a,b/p"},
      {"GET", "http://a%2/p"},
      {"GET", "http://h#f"},
      {"GET", ""},
  };
  for (const auto& [method, target] : bad) {
    const std::string m = method, tg = target;
    CAPTURE(m);
    CAPTURE(tg);
    CHECK_THROWS_AS(parse_request_target(method, target), HTTPInputError);
  }
}

TEST_CASE("httputil: HTTPServerRequest reads an absolute-form target (RFC 9112 §3.2.2)") {
  HTTPHeaders h{{"Host", "ignored.example"}};
  HTTPServerRequest req(parse_request_start_line("GET HTTPS://Example.com:8443/a/b?x=1 HTTP/1.1"),
                        h);
  CHECK(req.host == "Example.com:8443");  // the target's authority, not the Host header
  CHECK(req.host_name == "example.com");
  CHECK(req.uri == "/a/b?x=1");
  CHECK(req.path == "/a/b");
  CHECK(req.query == "x=1");
  CHECK(req.query_arguments.at("x") == std::vector<std::string>{"1"});
  CHECK(req.protocol == "http");  // how it arrived
  CHECK(req.target_scheme == "https");
  CHECK(req.full_url() == "https://Example.com:8443/a/b?x=1");
  CHECK(req.headers.get("Host") == "ignored.example");  // the headers stay as sent

  HTTPServerRequest empty_path(parse_request_start_line("GET http://[::1]?q HTTP/1.0"),
                               HTTPHeaders{});
  CHECK(empty_path.host == "[::1]");
  CHECK(empty_path.uri == "/?q");
  CHECK(empty_path.path == "/");
  CHECK(empty_path.full_url() == "http://[::1]/?q");

  // "*" and CONNECT's host:port are kept as sent; so is a target the server would refuse.
  for (const char* line : {"OPTIONS * HTTP/1.1", "CONNECT a.example:443 HTTP/1.1",
                           "GET ftp://a/b HTTP/1.1", "GET a/b HTTP/1.1"}) {
    CAPTURE(line);
    const RequestStartLine start = parse_request_start_line(line);
    HTTPServerRequest kept(start, HTTPHeaders{{"Host", "h"}});
    CHECK(kept.uri == start.path);
    CHECK(kept.host == "h");
    CHECK(kept.target_scheme.empty());
  }
}

// host_name is split_host_and_port(host.lower())[0]; each row's answer is python3-tornado's.
TEST_CASE("httputil: HTTPServerRequest's host_name, as Tornado splits the host and port") {
  const std::pair<const char*, const char*> rows[] = {
      {"Example.com:8080", "example.com"},
      {"EXAMPLE.COM", "example.com"},
      {"[::1]:8888", "[::1]"},
      {"[::1]", "[::1]"},
      {"::1", ":"},
      {"h:123456789", "h"},
      {"h:1234567890", "h"},
      {":80", ":80"},
      {"h:", "h:"},
      {"h:8a", "h:8a"},
      {"A:B:99", "a:b"},
      {"127.0.0.1:8888", "127.0.0.1"},
      {"h:007", "h"},
      {"lower.example", "lower.example"},
      // Around the word of the last eight bytes.
      {"abcdefgh:12345678", "abcdefgh"},
      {"ab:123456", "ab"},
      {"a:1234567", "a"},
      {":1234567", ":1234567"},
      {"12345678", "12345678"},
      {"1234567:", "1234567:"},
      {"x1234567", "x1234567"},
      {"example.com:1", "example.com"},
      {"Example.COM:80", "example.com"},
      {"h\xc3\xa9:1234567", "h\xc3\xa9"},
      // An upper-case letter only in the overlapping last word, in a name of 4 to 7 bytes
      // (one word of two halves) and of 1 to 3; the bytes just outside 'A' to 'Z' stay.
      {"abcdefghiJ:80", "abcdefghij"},
      {"abcdE", "abcde"},
      {"aB", "ab"},
      {"Q", "q"},
      {"@[`{Z", "@[`{z"},
  };
  for (const auto& row : rows) {
    const std::string host = row.first;
    CAPTURE(host);
    HTTPServerRequest req(parse_request_start_line("GET / HTTP/1.1"), HTTPHeaders{{"Host", host}});
    CHECK(req.host == host);
    CHECK(req.host_name == row.second);
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
  CHECK(bare.query.empty());

  // The Host field found among others of its length, and in another case (as find() finds it).
  HTTPHeaders odd{{"Date", "d"}};
  odd.add_normalized("HOST", "Odd.example:81");
  HTTPServerRequest odd_req(parse_request_start_line("GET /?a?b HTTP/1.1"), odd);
  CHECK(odd_req.host == "Odd.example:81");
  CHECK(odd_req.host_name == "odd.example");
  CHECK(odd_req.path == "/");
  CHECK(odd_req.query == "a?b");
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
