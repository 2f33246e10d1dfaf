// tests/http/httputil_form_test.cc: form bodies, multipart, cookies, dates, host:port.
// Mirrors:  tornado/test/httputil_test.py (TestUrlConcat, MultipartFormDataTest,
//           FormatTimestampTest, ParseCookieTest, SplitHostAndPortTest), as tables, with
//           the hostile rows (no final boundary, too many parts, oversized part headers).
#include <doctest/doctest.h>
#include <time.h>

#include <optional>
#include <random>
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
  CHECK(format_timestamp(std::time_t{-1}) == "Wed, 31 Dec 1969 23:59:59 GMT");
  CHECK(format_timestamp(951782400.0) == "Tue, 29 Feb 2000 00:00:00 GMT");
  // Past 2038 where time_t has 32 bits (armhf): the date is worked out in 64.
  CHECK(format_timestamp(2147483648.0) == "Tue, 19 Jan 2038 03:14:08 GMT");
  CHECK(format_timestamp(4102444800.0) == "Fri, 01 Jan 2100 00:00:00 GMT");
}

namespace {

// What parse_http_date did before it read dates itself: strptime with the three formats, then
// timegm; kept as the oracle.
std::optional<std::time_t> parse_with_strptime(const std::string& s) {
  for (const char* fmt :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    struct tm tm {};
    const char* end = ::strptime(s.c_str(), fmt, &tm);
    if (end && *end == '\0') return ::timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("httputil form: parse_http_date reads the three HTTP forms") {
  struct Row {
    const char* text;
    std::optional<std::time_t> seconds;
  };
  const Row rows[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
      {"Tue, 29 Feb 2000 12:00:00 GMT", 951825600},
      {"Fri, 31 Dec 9999 23:59:59 GMT", 253402300799},
      {"Sun, 01-Jan-68 00:00:00 GMT", 3092601600},  // a two-digit year below 69 is 20xx
      {"Wed, 01-Jan-69 00:00:00 GMT", -31536000},
      {"sun, 06 NOV 1994 08:49:37 GMT", 784111777},  // names in any case
      {"Sun, 06 Nov 1994 08:49:37 gmt", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 GMT ", std::nullopt},  // nothing may follow
      {"Sun, 06 Nov 1994 08:49:37", std::nullopt},
      {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
      {"Sun, 32 Nov 1994 08:49:37 GMT", std::nullopt},
      {"", std::nullopt},
      {"not a date", std::nullopt},
  };
  for (const Row& r : rows) {
    CAPTURE(std::string(r.text));
    CHECK(parse_http_date(r.text) == r.seconds);
    CHECK(parse_with_strptime(r.text) == r.seconds);
  }
}

// Dates assembled from good and bad pieces (names in other cases and lengths, spacing, one-
// to three-digit fields, out-of-range values, a missing or extra zone), and the three forms
// with one byte changed: parse_http_date accepts what strptime accepts, with the same time.
TEST_CASE("httputil form: parse_http_date agrees with strptime and timegm") {
  const std::vector<std::string> days = {"Sun",   "sun",       "SUNDAY", "Sunday", "Thu",
                                         "Thurs", "Wednesday", "Xyz",    "Su",     ""};
  const std::vector<std::string> commas = {", ", ",", " , ", ",\t", "", " "};
  const std::vector<std::string> mdays = {"06", "6", " 6", "31", "32", "00", "1", "123", "3x"};
  const std::vector<std::string> months = {"Nov",  "nov", "NOVEMBER", "Novem", "Feb",
                                           "Sept", "May", "Ma",       "Foo"};
  const std::vector<std::string> seps = {" ", "  ", "-", "", "\n"};
  const std::vector<std::string> years = {"1994", "94",   "69",    "68",  "0",
                                          "00",   "9999", "10000", "199", "2000"};
  const std::vector<std::string> clocks = {"08:49:37", "8:9:7",    "23:59:60", "23:59:61",
                                           "24:00:00", "08:49",    "08:60:00", "08:49:62",
                                           " 8: 9: 7", "08:49:37x"};
  const std::vector<std::string> zones = {" GMT", "GMT", " gmt", " UTC", "", " GMT ", "\tGMT"};
  std::mt19937 rng(7);
  const auto pick = [&rng](const std::vector<std::string>& v) -> const std::string& {
    return v[rng() % v.size()];
  };
  std::vector<std::string> inputs;
  for (int i = 0; i < 6000; ++i) {
    switch (i % 3) {
      case 0:
        inputs.push_back(pick(days) + pick(commas) + pick(mdays) + pick(seps) + pick(months) +
                         pick(seps) + pick(years) + pick(seps) + pick(clocks) + pick(zones));
        break;
      case 1:
        inputs.push_back(pick(days) + pick(commas) + pick(mdays) + "-" + pick(months) + "-" +
                         pick(years) + pick(seps) + pick(clocks) + pick(zones));
        break;
      default:
        inputs.push_back(pick(days) + pick(seps) + pick(months) + pick(seps) + pick(mdays) +
                         pick(seps) + pick(clocks) + pick(seps) + pick(years));
    }
  }
  const std::string forms[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                               "Sun Nov  6 08:49:37 1994"};
  const std::string bytes = "0123456789 ,:-GMTadfinoSNuvy\t";
  for (const std::string& form : forms) {
    for (std::size_t at = 0; at <= form.size(); ++at) {
      for (const char b : bytes) {
        std::string changed = form;
        if (at < form.size()) changed[at] = b;
        inputs.push_back(changed);
        inputs.push_back(form.substr(0, at) + b + form.substr(at));  // one byte more
      }
      inputs.push_back(form.substr(0, at) + form.substr(std::min(at + 1, form.size())));
    }
  }
  int accepted = 0, differing = 0;
  for (const std::string& text : inputs) {
    const std::optional<std::time_t> ours = parse_http_date(text);
    accepted += ours ? 1 : 0;
    if (ours != parse_with_strptime(text) && ++differing <= 5) {
      CAPTURE(text);
      CHECK(ours == parse_with_strptime(text));
    }
  }
  CHECK(differing == 0);
  CHECK(accepted > 500);  // the pieces make enough good dates for the comparison to mean something
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

TEST_CASE("httputil form: parse_request_range (Tornado's _parse_request_range doctests)") {
  using R = std::optional<long long>;
  struct Row {
    const char* header;
    bool parsed;
    R start, end;
  };
  const Row rows[] = {
      {"bytes=1-2", true, 1, 3},
      {"bytes=6-", true, 6, std::nullopt},
      {"bytes=-6", true, -6, std::nullopt},
      {"bytes=-0", true, std::nullopt, 0},
      {"bytes=", true, std::nullopt, std::nullopt},
      {" bytes = 0-9", true, 0, 10},
      {"foo=42", false, std::nullopt, std::nullopt},
      {"bytes=1-2,6-10", false, std::nullopt, std::nullopt},
      {"bytes=a-b", false, std::nullopt, std::nullopt},
      {"bytes=99999999999999999999-", false, std::nullopt, std::nullopt},
      {"bytes", false, std::nullopt, std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.header);
    const auto r = parse_request_range(row.header);
    REQUIRE(r.has_value() == row.parsed);
    if (!r) continue;
    CHECK(r->start == row.start);
    CHECK(r->end == row.end);
  }
}

TEST_CASE("httputil form: get_content_range (Tornado's _get_content_range doctests)") {
  CHECK(get_content_range(std::nullopt, 1, 4) == "bytes 0-0/4");
  CHECK(get_content_range(1, 3, 4) == "bytes 1-2/4");
  CHECK(get_content_range(std::nullopt, std::nullopt, 4) == "bytes 0-3/4");
}

TEST_CASE("httputil form: reason_phrase knows every code of the table and nothing else") {
  struct Row {
    int code;
    const char* phrase;
  };
  const Row rows[] = {{100, "Continue"},
                      {103, "Early Hints"},
                      {226, "IM Used"},
                      {308, "Permanent Redirect"},
                      {413, "Content Too Large"},
                      {418, "I'm a Teapot"},
                      {511, "Network Authentication Required"},
                      {0, "Unknown"},
                      {99, "Unknown"},
                      {306, "Unknown"},
                      {512, "Unknown"},
                      {-1, "Unknown"}};
  for (const Row& row : rows) {
    CAPTURE(row.code);
    CHECK(reason_phrase(row.code) == row.phrase);
  }
}
