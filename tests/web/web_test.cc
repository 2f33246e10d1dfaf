// tests/web/web_test.cc: Application and RequestHandler through a real connection: requests
// that go straight through (arguments, headers, status, redirects, host rules, methods,
// settings, the access line).
// Mirrors:  tornado/test/web_test.py; each case names the Tornado test it follows. Errors and
//           the other turns a request can take are in tests/web/web_lifecycle_test.cc; the
//           response's default fields and its ETag in tests/web/web_fields_test.cc.
#include "tornado/web/web.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/reactor/autoreload.h"
#include "tornado/web/testing.h"

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
      url<HelloHandler>("/"),
      url<EchoArgs>(R"(/args/(\w+)/([^/]+))"),
      url<CoroutineHandler>("/co"),
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

namespace {

struct ArgsHandler : RequestHandler {
  void get() { post(); }
  void post() {
    json::Value v = json::Object{};
    v["one"] = get_argument("one", "none");
    json::Array all;
    for (const std::string& s : get_arguments("one")) all.push_back(s);
    v["all"] = all;
    v["query"] = get_query_argument("one", "none");
    v["body"] = get_body_argument("one", "none");
    v["raw"] = get_argument("raw", "none", false);
    write(v);
  }
};

struct RequiredHandler : RequestHandler {
  void get() { write(get_argument("need")); }
};

struct PlusHandler : RequestHandler {
  void get(const std::string& path) { write(path + "|" + get_argument("q", "")); }
};

}  // namespace

TEST_CASE("web: arguments (test_get_argument, test_decode_argument_plus, invalid unicode)") {
  Application app({
      url<ArgsHandler>("/args"),
      url<RequiredHandler>("/need"),
      url<PlusHandler>("/plus/(.*)"),
  });
  AsyncHTTPTestCase t(app);
  HTTPHeaders form{{"Content-Type", "application/x-www-form-urlencoded"}};
  // The body's value wins for get_argument; get_arguments lists the query's first.
  auto r = t.fetch("/args?one=q", "POST", "one=b", form);
  REQUIRE(r.code == 200);
  auto v = json::decode(r.body);
  CHECK(v["one"].as_string() == "b");
  CHECK(v["all"] == json::Value(json::Array{"q", "b"}));
  CHECK(v["query"].as_string() == "q");
  CHECK(v["body"].as_string() == "b");
  // Stripped by default, control characters become spaces; strip=false keeps the edges.
  r = t.fetch("/args?one=%20x%01y%20&raw=%20r%20");
  v = json::decode(r.body);
  CHECK(v["one"].as_string() == "x y");
  CHECK(v["raw"].as_string() == " r ");
  CHECK(t.fetch("/need").code == 400);
  CHECK(t.fetch("/need?need=ok").body == "ok");
  // A malformed form body never reaches the handler: 400 and the connection closes.
  {
    tornado::testing::ExpectLog logged("Malformed HTTP body");
    HTTPHeaders bad{{"Content-Type", "multipart/form-data; boundary=XX"}};
    r = t.fetch("/args", "POST", "--XX\r\nno disposition\r\n\r\nv\r\n", bad);
    CHECK(r.code == 400);
    CHECK(r.headers.get("Connection") == "close");
    CHECK(logged.count() == 1);
  }
  // "+" in the path is a plus; in the query, a space; %2B is a plus in both.
  CHECK(t.fetch("/plus/a+b%2Bc?q=d+e%2Bf").body == "a+b+c|d e+f");
  // Bytes that are not UTF-8 in a path group or a read argument: 400.
  {
    tornado::testing::ExpectLog quiet("Invalid unicode");
    CHECK(t.fetch("/plus/%FF").code == 400);
    CHECK(t.fetch("/need?need=%FF").code == 400);
  }
}

namespace {

struct HeaderHandler : RequestHandler {
  void get() {
    std::string result;
    // Values past 8 bytes too: they are looked at eight bytes at a time, so a byte to refuse
    // (or a tab to let through) in the second whole block must be found there.
    for (std::string_view bad :
         {std::string_view("foo\r\nX-Bar: baz"), std::string_view("a\nb"),
          std::string_view("a\0b", 3), std::string_view("a\x7f"),
          std::string_view("01234567\x7f"
                           "abcdefgh"),
          std::string_view("01234567\0abcdefgh", 17),
          std::string_view("01234567\tabcdefgh \xc3\xa9"), std::string_view("tab\tok \xc3\xa9")}) {
      try {
        set_header("X-Foo", bad);
        result += "set;";
      } catch (const std::invalid_argument&) {
        result += "refused;";
      }
    }
    // A name with a colon or a control character would forge or end a field: refused at once
    // (not when the headers are written, which would leave the client with no answer).
    for (std::string_view bad : {std::string_view("X-A:b"), std::string_view("X\r\nY"),
                                 std::string_view("X\0Y", 3), std::string_view("X\tY")}) {
      try {
        add_header(bad, "v");
        result += "added;";
      } catch (const std::invalid_argument&) {
        result += "refused;";
      }
    }
    set_header("X-Empty", "");
    add_header("X-Multi", "1");
    add_header("X-Multi", "2");
    set_header("X-Gone", "x");
    clear_header("X-Gone");
    set_header("X-Number", std::int64_t{42});
    write(result);
  }
};

struct StatusHandler : RequestHandler {
  void get() {
    set_status(std::stoi(get_argument("code")), get_argument("reason", ""));
    write("body");
  }
};

struct NoContentHandler : RequestHandler {
  void get() { set_status(204); }
};

}  // namespace

TEST_CASE("web: headers and status (test_header_injection, test_set_header, test_status)") {
  Application app({
      url<HeaderHandler>("/h"),
      url<StatusHandler>("/status"),
      url<NoContentHandler>("/204"),
  });
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/h");
  CHECK(r.body ==
        "refused;refused;refused;refused;refused;refused;set;set;refused;refused;refused;refused;");
  CHECK(r.headers.get("X-Foo") == "tab\tok \xc3\xa9");
  CHECK(r.headers.contains("X-Empty"));
  CHECK(r.headers.get_list("X-Multi") == std::vector<std::string>{"1", "2"});
  CHECK_FALSE(r.headers.contains("X-Gone"));
  CHECK(r.headers.get("X-Number") == "42");
  CHECK(r.headers.get("Server").find("tornado") != std::string::npos);
  CHECK(r.headers.contains("Date"));
  r = t.fetch("/status?code=201&reason=Yes");
  CHECK(r.code == 201);
  CHECK(r.reason == "Yes");
  // Without a reason of its own, the table's phrase for the code, also right after a response
  // that had one (the status line is kept between responses).
  r = t.fetch("/status?code=404");
  CHECK(r.code == 404);
  CHECK(r.reason == "Not Found");
  r = t.fetch("/status?code=201&reason=Yes");
  r = t.fetch("/status?code=200");
  CHECK(r.reason == "OK");
  r = t.fetch("/status?code=682");
  CHECK(r.code == 682);
  CHECK(r.reason == "Unknown");
  r = t.fetch("/status?code=200&reason=OK%0D%0AX-Injection:%20x");
  CHECK(r.reason == "Unknown");
  CHECK_FALSE(r.headers.contains("X-Injection"));
  r = t.fetch("/status?code=200&reason=%3Cscript%3E");
  CHECK(r.reason == "Unknown");
  r = t.fetch("/204");
  CHECK(r.code == 204);
  CHECK_FALSE(r.headers.contains("Content-Length"));
  CHECK_FALSE(r.headers.contains("Transfer-Encoding"));
  CHECK_FALSE(r.headers.contains("Content-Type"));
}

namespace {

struct RedirectingHandler : RequestHandler {
  void get() {
    const std::string how = get_argument("how", "");
    if (how == "permanent")
      redirect("/to", true);
    else if (how == "307")
      redirect("/to", false, 307);
    else
      redirect("/to");
  }
};

}  // namespace

TEST_CASE("web: redirect and RedirectHandler (test_redirect, RedirectHandlerTest)") {
  Application app({
      url<RedirectingHandler>("/r"),
      url<RedirectHandler>("/old/(.*)", std::string("/new/{0}")),
      url<RedirectHandler>("/temp", std::string("/t"), false),
  });
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/r");
  CHECK(r.code == 302);
  CHECK(r.headers.get("Location") == "/to");
  CHECK(t.fetch("/r?how=permanent").code == 301);
  CHECK(t.fetch("/r?how=307").code == 307);
  r = t.fetch("/old/x?a=1&b=2");
  CHECK(r.code == 301);
  CHECK(r.headers.get("Location") == "/new/x?a=1&b=2");
  CHECK(t.fetch("/temp").code == 302);
}

namespace {

// Calls log_request with request times of its own choosing: the access line's milliseconds must
// be what printf's "%.2f" makes of them, ties and all.
struct LogTimesHandler : RequestHandler {
  explicit LogTimesHandler(const std::vector<double>* seconds) : seconds_(seconds) {}
  void get() {
    for (const double s : *seconds_) {
      // finish_time below 0 means "not finished": a negative time starts later instead.
      request().start_time = s < 0 ? -s : 0;
      request().finish_time = s < 0 ? 0 : s;
      application().log_request(*this);
    }
    request().finish_time = -1;
  }
  const std::vector<double>* seconds_;
};

}  // namespace

TEST_CASE("web: the access line's milliseconds are printf's %.2f, ties to even included") {
  std::vector<double> seconds = {0, 0.000125, 0.000375, 0.000005, 0.000015, 0.001005, 0.002675,
                                 1e-300, 5e-324, 123.456785, 86400.0,
                                 // Left to printf: negative, 2^52 ms and up.
                                 -0.5, 1e20};
  std::uint64_t x = 12345;
  for (int i = 0; i < 300; ++i) {  // across magnitudes, from microseconds to days
    x = x * 6364136223846793005u + 1442695040888963407u;
    seconds.push_back(static_cast<double>(x >> 11) / 9007199254740992.0 *
                      std::pow(10.0, i % 12 - 6));
  }
  Application app({url<LogTimesHandler>("/", &seconds)});
  AsyncHTTPTestCase t(app);
  std::vector<std::string> lines;
  log::Sink previous = log::set_sink([&](const log::Record& r) {
    if (r.logger == &log::access_log) lines.emplace_back(r.message);
  });
  (void)t.fetch("/");
  log::set_sink(std::move(previous));
  REQUIRE(lines.size() == seconds.size() + 1);  // and the request's own line
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    char want[400];
    std::snprintf(want, sizeof want, "200 GET / (127.0.0.1) %.2fms", 1000.0 * seconds[i]);
    CAPTURE(seconds[i]);
    CHECK(lines[i] == want);
  }
}

TEST_CASE("web: the access log line: \"%d %s %.2fms\" at a level by status (log_request)") {
  Application app({url<HelloHandler>("/"), url<ErrorHandler>("/unavailable", 503)});
  AsyncHTTPTestCase t(app);
  struct Row {
    std::string path;
    log::Level level;
    std::string start;  // what the line starts with; "<digits>.<2 digits>ms" follows
  };
  // A target longer than the line's stack buffer takes the logger's printf path: same line.
  // The stack path takes method, target and address up to 512 - 42 bytes together: the last
  // target it takes, and the first it leaves to printf.
  const std::string long_path = "/" + std::string(600, 'x');
  const std::string last_stack = "/" + std::string(512 - 42 - 3 - 9 - 1, 'y');
  const std::string first_printf = last_stack + "y";
  const Row rows[] = {
      {"/?a=1", log::Level::kInfo, "200 GET /?a=1 (127.0.0.1) "},
      {"/nope", log::Level::kWarning, "404 GET /nope (127.0.0.1) "},
      {"/unavailable", log::Level::kError, "503 GET /unavailable (127.0.0.1) "},
      {long_path, log::Level::kWarning, "404 GET " + long_path + " (127.0.0.1) "},
      {last_stack, log::Level::kWarning, "404 GET " + last_stack + " (127.0.0.1) "},
      {first_printf, log::Level::kWarning, "404 GET " + first_printf + " (127.0.0.1) "},
  };
  for (const Row& row : rows) {
    CAPTURE(row.path.substr(0, 20));
    std::vector<std::pair<log::Level, std::string>> lines;
    log::Sink previous = log::set_sink([&](const log::Record& r) {
      if (r.logger == &log::access_log) lines.emplace_back(r.level, std::string(r.message));
    });
    (void)t.fetch(row.path);
    log::set_sink(std::move(previous));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].first == row.level);
    const std::string& line = lines[0].second;
    REQUIRE(line.size() > row.start.size());
    CHECK(line.substr(0, row.start.size()) == row.start);
    // The milliseconds as %.2f gives them: digits, a point, two digits, then "ms".
    const std::string ms = line.substr(row.start.size());
    const std::size_t point = ms.find('.');
    REQUIRE(point != std::string::npos);
    CHECK(point > 0);
    CHECK(ms.substr(point + 3) == "ms");
    for (std::size_t i = 0; i < point + 3; ++i)
      if (i != point) CHECK(std::isdigit(static_cast<unsigned char>(ms[i])));
  }
}

namespace {

struct NamedHandler : RequestHandler {
  void get(const std::string& year, const std::string& slug) {
    write(year + "/" + slug + " " + path_kwargs().at("year") + " " +
          reverse_url("post", {"1999", "a b"}));
  }
};

struct HostHandler : RequestHandler {
  void initialize(std::string name) { name_ = std::move(name); }
  void get() {
    // No named group: path_kwargs() is empty (and made of nothing).
    if (!path_kwargs().empty()) throw std::logic_error("path_kwargs without named groups");
    write(name_);
  }
  std::string name_;
};

}  // namespace

TEST_CASE("web: named groups, reverse_url, host rules, default_host (test_host_matching)") {
  Settings s;
  s.default_host = "www.example.com";
  Application app(
      {
          url<NamedHandler>(R"(/post/(?P<year>\d{4})/(?P<slug>[^/]+))").name("post"),
          url<HostHandler>("/host", std::string("wildcard")),
      },
      s);
  app.add_handlers(R"(www\.example\.com)",
                   {url<HostHandler>("/host", std::string("www")),
                    url<HostHandler>("/www-only", std::string("www only"))});
  app.add_handlers(R"(.*\.other\.org)", {url<HostHandler>("/host", std::string("other"))});
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/post/2024/hello").body == "2024/hello 2024 /post/1999/a%20b");
  CHECK(app.reverse_url("post", {"2000", "x"}) == "/post/2000/x");
  CHECK_THROWS_AS(app.reverse_url("nope"), std::invalid_argument);
  CHECK(t.fetch("/host", "GET", "", HTTPHeaders{{"Host", "www.example.com"}}).body == "www");
  CHECK(t.fetch("/host", "GET", "", HTTPHeaders{{"Host", "WWW.Example.com:8080"}}).body == "www");
  CHECK(t.fetch("/host", "GET", "", HTTPHeaders{{"Host", "a.other.org"}}).body == "other");
  // An unknown host gets the application's own rules, then the default host's (unless
  // X-Real-Ip says a proxy forwarded it).
  CHECK(t.fetch("/host", "GET", "", HTTPHeaders{{"Host", "unknown.net"}}).body == "wildcard");
  CHECK(t.fetch("/www-only", "GET", "", HTTPHeaders{{"Host", "unknown.net"}}).body == "www only");
  CHECK(t.fetch("/www-only", "GET", "",
                HTTPHeaders{{"Host", "unknown.net"}, {"X-Real-Ip", "1.2.3.4"}})
            .code == 404);
}

namespace {

struct MethodsHandler : RequestHandler {
  void get() { write("get"); }
  void head() { set_header("X-Head", "1"); }
  void post() { write("post:" + request().body); }
  void put() { write("put"); }
  void delete_() { write("delete"); }
  void patch() { write("patch"); }
  void options() { set_status(204); }
};

struct NoMethods : RequestHandler {};

}  // namespace

TEST_CASE(
    "web: methods, 405 for those absent or unsupported (test_unimplemented_standard_methods)") {
  int logged_by_function = 0;
  Settings s;
  s.log_function = [&](RequestHandler&) { ++logged_by_function; };
  Application app(
      {
          url<MethodsHandler>("/m"),
          url<NoMethods>("/none"),
      },
      s);
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/m").body == "get");
  auto r = t.fetch("/m", "HEAD");
  CHECK(r.code == 200);
  CHECK(r.headers.get("X-Head") == "1");
  CHECK(r.body.empty());
  CHECK(t.fetch("/m", "POST", "abc").body == "post:abc");
  CHECK(t.fetch("/m", "PUT", "").body == "put");
  CHECK(t.fetch("/m", "DELETE").body == "delete");
  CHECK(t.fetch("/m", "PATCH", "").body == "patch");
  CHECK(t.fetch("/m", "OPTIONS").code == 204);
  CHECK(t.fetch("/m", "OTHER").code == 405);
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    CAPTURE(m);
    CHECK(t.fetch("/none", m).code == 405);
  }
  CHECK(logged_by_function == 15);  // 7 + OTHER on /m, 7 on /none
}

TEST_CASE("web: settings: default_handler, compress_response refused") {
  Settings s;
  s.default_handler = url<ErrorHandler>(".*", 403);
  Application app({}, s);
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/anything").code == 403);
  Settings gz;
  gz.compress_response = true;
  CHECK_THROWS_AS(Application({}, gz), std::invalid_argument);
}

// Tornado's Application: debug turns autoreload on unless the autoreload setting says no.
TEST_CASE("web: Settings debug and autoreload start the autoreload checker") {
  struct Row {
    bool debug;
    std::optional<bool> autoreload;
    bool running;
  };
  const Row rows[] = {{false, std::nullopt, false},
                      {true, std::nullopt, true},
                      {true, false, false},
                      {false, true, true}};
  for (const Row& row : rows) {
    CAPTURE(row.debug);
    tornado::testing::LoopCase c;
    web::Settings s;
    s.debug = row.debug;
    s.autoreload = row.autoreload;
    web::Application app({}, s);
    CHECK(autoreload::is_running() == row.running);
    autoreload::stop();
  }
}
