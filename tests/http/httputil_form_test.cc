// tests/http/httputil_form_test.cc: form bodies, multipart, cookies, dates, host:port.
// Mirrors:  tornado/test/httputil_test.py (TestUrlConcat, MultipartFormDataTest,
//           FormatTimestampTest, ParseCookieTest, SplitHostAndPortTest), as tables, with
//           the hostile rows (no final boundary, too many parts, oversized part headers).
#include <doctest/doctest.h>

#include <string>

#include "tornado/http/httputil.h"

using namespace tornado;
using namespace tornado::httputil;

TEST_CASE("httputil form: url_concat") {
  struct Row {
    const char* url;
    std::vector<std::pair<std::string, std::string>> args;
    const char* out;
  };
  const Row rows[] = {
      {"https://localhost/path", {{"y", "y"}, {"z", "z"}}, "https://localhost/path?y=y&z=z"},
      {"https://localhost/path?x", {{"y", "y"}}, "https://localhost/path?x&y=y"},
      {"https://localhost/path?x&", {{"y", "y"}}, "https://localhost/path?x&y=y"},
      {"https://localhost/path?a=1&b=2", {{"y", "y"}}, "https://localhost/path?a=1&b=2&y=y"},
      {"https://localhost/path?", {{"y", "y"}}, "https://localhost/path?y=y"},
      {"https://localhost/path?r=1", {}, "https://localhost/path?r=1"},
      {"/p#frag", {{"a", "b c"}}, "/p?a=b+c#frag"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.url);
    CHECK(url_concat(r.url, r.args) == r.out);
  }
}

TEST_CASE("httputil form: multipart/form-data") {
  const std::string good =
      "--1234\r\n"
      "Content-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"\r\n"
      "\r\n"
      "Foo\r\n"
      "--1234\r\n"
      "Content-Disposition: form-data; name=\"field\"\r\n"
      "\r\n"
      "value\r\n"
      "--1234--\r\n";
  Arguments args;
  Files files;
  parse_multipart_form_data("1234", good, args, files);
  REQUIRE(files.count("files") == 1);
  CHECK(files["files"][0].filename == "ab.txt");
  CHECK(files["files"][0].body == "Foo");
  CHECK(files["files"][0].content_type == "application/unknown");
  CHECK(args["field"] == std::vector<std::string>{"value"});

  // test_boundary_starts_and_ends_with_quotes, test_special_filenames
  Arguments a2;
  Files f2;
  parse_body_arguments("multipart/form-data; boundary=\"1234\"",
                       "--1234\r\nContent-Disposition: form-data; name=\"files\"; "
                       "filename=\"a\\\"b;c.txt\"\r\nContent-Type: text/plain\r\n\r\nx\r\n--1234--",
                       a2, f2);
  REQUIRE(f2.count("files") == 1);
  CHECK(f2["files"][0].filename == "a\"b;c.txt");
  CHECK(f2["files"][0].content_type == "text/plain");

  struct Bad {
    const char* name;
    std::string body;
  };
  const std::string part = "--1234\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n";
  std::string many;
  for (int i = 0; i < 101; ++i) many += part;
  const Bad bad[] = {
      {"no final boundary (test_missing_trailing_boundary)", part},
      {"boundary never found", "garbage"},
      {"missing headers (test_missing_headers)", "--1234\r\n\r\n--1234--"},
      {"invalid content disposition",
       "--1234\r\nContent-Disposition: invalid; name=\"a\"\r\n\r\nv\r\n--1234--"},
      {"line does not end with CRLF (test_line_does_not_end_with_correct_line_break)",
       "--1234\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv--1234--"},
      {"content disposition without name",
       "--1234\r\nContent-Disposition: form-data\r\n\r\nv\r\n--1234--"},
      {"part header too large", "--1234\r\nContent-Disposition: form-data; name=\"a\"\r\nX: " +
                                    std::string(11000, 'x') + "\r\n\r\nv\r\n--1234--"},
      {"too many parts", many + "--1234--"},
      {"NUL in a part header",
       [] {
         static const char kRaw[] =
             "--1234\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\nv\r\n--1234--";
         return std::string(kRaw, sizeof kRaw - 1);
       }()},
      {"empty body", ""},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.name);
    Arguments a;
    Files f;
    CHECK_THROWS_AS(parse_multipart_form_data("1234", b.body, a, f), HTTPInputError);
  }
  Arguments a;
  Files f;
  CHECK_THROWS_AS(parse_body_arguments("multipart/form-data", good, a, f), HTTPInputError);
  HTTPHeaders gz{{"Content-Encoding", "gzip"}};
  CHECK_THROWS_AS(parse_body_arguments("application/x-www-form-urlencoded", "a=b", a, f, &gz),
                  HTTPInputError);
  parse_body_arguments("text/plain", "a=b", a, f);  // other types are ignored
  CHECK(a.empty());
}

TEST_CASE("httputil form: parse_header") {
  const auto [value, params] =
      parse_header("form-data; name=\"a;b\"; filename=\"x\\\"y\"; Size=3; flag");
  CHECK(value == "form-data");
  CHECK(params.at("name") == "a;b");
  CHECK(params.at("filename") == "x\"y");
  CHECK(params.at("size") == "3");
  CHECK(params.count("flag") == 0);
}

TEST_CASE("httputil form: format_timestamp (IMF-fixdate)") {
  CHECK(format_timestamp(std::time_t{784111777}) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(format_timestamp(1359312200.503611) == "Sun, 27 Jan 2013 18:43:20 GMT");
  CHECK(format_timestamp(std::time_t{0}) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("httputil form: parse_cookie (ParseCookieTest)") {
  using Map = std::map<std::string, std::string, std::less<>>;
  struct Row {
    const char* header;
    Map expected;
  };
  const Row rows[] = {
      {"chips=ahoy; vienna=finger", {{"chips", "ahoy"}, {"vienna", "finger"}}},
      {"keebler=\"E=mc2; L=\\\"Loves\\\"; fudge=\\012;\"",
       {{"keebler", "\"E=mc2"}, {"L", "\\\"Loves\\\""}, {"fudge", "\\012"}, {"", "\""}}},
      {"keebler=E=mc2", {{"keebler", "E=mc2"}}},
      {"key:term=value:term", {{"key:term", "value:term"}}},
      {"a=b; c=[; d=r; f=h", {{"a", "b"}, {"c", "["}, {"d", "r"}, {"f", "h"}}},
      {"a=b; a=c", {{"a", "c"}}},  // the last duplicate wins
      {"a=\"b\\\"c\"", {{"a", "b\"c"}}},
      {"a=\"\\101\"", {{"a", "A"}}},
      {"  ; ;", {}},
      {"nokey", {{"", "nokey"}}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.header);
    CHECK(parse_cookie(r.header) == r.expected);
  }
}

TEST_CASE("httputil form: split_host_and_port") {
  struct Row {
    const char* netloc;
    const char* host;
    std::optional<int> port;
  };
  const Row rows[] = {
      {"example.com", "example.com", std::nullopt},
      {"example.com:8080", "example.com", 8080},
      {"[::1]:80", "[::1]", 80},
      {"example.com:", "example.com:", std::nullopt},
      {"example.com:http", "example.com:http", std::nullopt},
      {":80", ":80", std::nullopt},
  };
  for (const Row& r : rows) {
    CAPTURE(r.netloc);
    const auto [host, port] = split_host_and_port(r.netloc);
    CHECK(host == r.host);
    CHECK(port == r.port);
  }
}

TEST_CASE("httputil form: reason_phrase") {
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(404) == "Not Found");
  CHECK(reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(reason_phrase(599) == "Unknown");
}
