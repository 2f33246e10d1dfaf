// tests/web/web_test.cc: Application and RequestHandler through a real connection.
// Mirrors:  tornado/test/web_test.py; each case names the Tornado test it follows.
#include "web/web.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gen/gen.h"
#include "http/escape.h"
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
      {"/args", handler_factory<ArgsHandler>()},
      {"/need", handler_factory<RequiredHandler>()},
      {"/plus/(.*)", handler_factory<PlusHandler>()},
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
    for (std::string_view bad : {std::string_view("foo\r\nX-Bar: baz"), std::string_view("a\nb"),
                                 std::string_view("a\0b", 3), std::string_view("a\x7f"),
                                 std::string_view("tab\tok \xc3\xa9")}) {
      try {
        set_header("X-Foo", bad);
        result += "set;";
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
      {"/h", handler_factory<HeaderHandler>()},
      {"/status", handler_factory<StatusHandler>()},
      {"/204", handler_factory<NoContentHandler>()},
  });
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/h");
  CHECK(r.body == "refused;refused;refused;refused;set;");
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
      {"/e", handler_factory<ErrorsHandler>()},
      {"/bad", handler_factory<BadWriteErrorHandler>()},
      {"/fp", handler_factory<FinishInPrepare>()},
      {"/ap", handler_factory<AsyncPrepare>()},
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
  Application app({{"/e", handler_factory<ErrorsHandler>()}}, s);
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog quiet("Uncaught exception");
  auto r = t.fetch("/e?what=exception");
  CHECK(r.code == 500);
  CHECK(r.headers.get("Content-Type") == "text/plain");
  CHECK(r.body == "boom\n");
}

namespace {

struct RedirectingHandler : RequestHandler {
  void get() {
    const std::string how = get_argument("how", "");
    if (how == "permanent") redirect("/to", true);
    else if (how == "307") redirect("/to", false, 307);
    else redirect("/to");
  }
};

}  // namespace

TEST_CASE("web: redirect and RedirectHandler (test_redirect, RedirectHandlerTest)") {
  Application app({
      {"/r", handler_factory<RedirectingHandler>()},
      {"/old/(.*)", handler_factory<RedirectHandler>(std::string("/new/{0}"))},
      {"/temp", handler_factory<RedirectHandler>(std::string("/t"), false)},
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

TEST_CASE("web: automatic ETag and If-None-Match (CacheTest)") {
  Application app({{"/", handler_factory<HelloHandler>()}});
  AsyncHTTPTestCase t(app);
  const std::string etag = t.fetch("/").headers.get("Etag");
  REQUIRE(etag.size() == 42);  // "\"" + 40 hex + "\""
  struct Row {
    std::string inm;
    int code;
  };
  const Row rows[] = {
      {etag, 304},
      {"*", 304},
      {"W/" + etag, 304},
      {"\"other\", " + etag, 304},
      {"\"other\"", 200},
      {"W/\"other\"", 200},
  };
  for (const Row& row : rows) {
    CAPTURE(row.inm);
    auto r = t.fetch("/", "GET", "", HTTPHeaders{{"If-None-Match", row.inm}});
    CHECK(r.code == row.code);
    if (row.code == 304) {
      CHECK(r.body.empty());
      CHECK_FALSE(r.headers.contains("Content-Length"));
      CHECK_FALSE(r.headers.contains("Content-Type"));
    }
  }
}

namespace {

struct CookieSetter : RequestHandler {
  void get() {
    const std::string what = get_argument("what", "");
    if (what == "attrs") {
      CookieOptions o;
      o.domain = "example.com";
      o.expires = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
      o.path = "/p";
      o.max_age = 10;
      o.httponly = true;
      o.secure = true;
      o.samesite = "Lax";
      set_cookie("a", "b", o);
    } else if (what == "quoting") {
      set_cookie("equals", "a=b");
      set_cookie("quote", "a\"b");
      set_cookie("semicolon", "a;b");
      set_cookie("plain", "abc");
      set_cookie("plain", "replaced");  // the later value replaces the earlier one
    } else if (what == "invalid") {
      std::string r;
      for (auto [n, v] : {std::pair<std::string, std::string>{"a b", "x"}, {"a", "x y"},
                          {"a\x01", "x"}, {"a;", "x"}, {"", "x"}}) {
        try {
          set_cookie(n, v);
          r += "set;";
        } catch (const std::invalid_argument&) {
          r += "refused;";
        }
      }
      CookieOptions o;
      o.path = "/a;b";
      try {
        set_cookie("ok", "v", o);
      } catch (const std::invalid_argument&) {
        r += "bad path refused";
      }
      write(r);
    } else if (what == "clear") {
      clear_cookie("gone");
    } else if (what == "clear_all") {
      clear_all_cookies();
    } else if (what == "get") {
      write(get_cookie("c", "absent"));
    }
  }
};

}  // namespace

TEST_CASE("web: cookies (CookieTest: test_set_cookie, test_cookie_special_char, invalid)") {
  Application app({{"/c", handler_factory<CookieSetter>()}});
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/c?what=attrs");
  CHECK(r.headers.get_list("Set-Cookie") ==
        std::vector<std::string>{"a=b; Domain=example.com; expires=Sun, 06 Nov 1994 08:49:37 GMT; "
                                 "HttpOnly; Max-Age=10; Path=/p; SameSite=Lax; Secure"});
  r = t.fetch("/c?what=quoting");
  CHECK(r.headers.get_list("Set-Cookie") ==
        std::vector<std::string>{"equals=\"a=b\"; Path=/", "quote=\"a\\\"b\"; Path=/",
                                 "semicolon=\"a\\073b\"; Path=/", "plain=replaced; Path=/"});
  CHECK(t.fetch("/c?what=invalid").body == "refused;refused;refused;refused;refused;bad path refused");
  r = t.fetch("/c?what=clear");
  const std::string cleared = r.headers.get("Set-Cookie");
  CHECK(cleared.rfind("gone=; expires=", 0) == 0);
  CHECK(cleared.find("; Path=/") != std::string::npos);
  r = t.fetch("/c?what=clear_all", "GET", "", HTTPHeaders{{"Cookie", "x=1; y=2"}});
  CHECK(r.headers.get_list("Set-Cookie").size() == 2);
  CHECK(t.fetch("/c?what=get", "GET", "", HTTPHeaders{{"Cookie", "c=\"quoted\""}}).body == "quoted");
  CHECK(t.fetch("/c?what=get").body == "absent");
}

TEST_CASE("web: signed values (SignedValueTest)") {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const double now = 1300000000;
  // What Python Tornado 6.2's create_signed_value gives for this secret, name, value and clock.
  const std::string v1_ref = "dmFsdWU=|1300000000|821d0f6bd7716bae8507e1e90240997278fe2643";
  const std::string v2_ref =
      "2|1:0|10:1300000000|3:key|8:dmFsdWU=|"
      "a2124ec0aef6a75a4b866cc46a67da5b7a417687eb0470391032d0934460c3cb";
  CHECK(create_signed_value(secret, "key", "value", 1, std::nullopt, now) == v1_ref);
  CHECK(create_signed_value(secret, "key", "value", 2, std::nullopt, now) == v2_ref);
  CHECK(decode_signed_value(secret, "key", v1_ref, 31, 1, now) == "value");
  CHECK(decode_signed_value(secret, "key", v2_ref, 31, 1, now) == "value");
  // min_version 2 refuses v1.
  CHECK_FALSE(decode_signed_value(secret, "key", v1_ref, 31, 2, now));
  // The wrong name, an expired value, one from the future (v1), tampered fields and signatures.
  CHECK_FALSE(decode_signed_value(secret, "key2", v2_ref, 31, 1, now));
  CHECK_FALSE(decode_signed_value(secret, "key", v2_ref, 31, 1, now + 32 * 86400));
  CHECK(decode_signed_value(secret, "key", v2_ref, 31, 1, now + 30 * 86400) == "value");
  {
    tornado::testing::ExpectLog logged("Cookie timestamp in future");
    CHECK_FALSE(decode_signed_value(secret, "key", v1_ref, 31, 1, now - 32 * 86400));
  }
  const std::string sig = v2_ref.substr(v2_ref.rfind('|') + 1);
  const std::string body = v2_ref.substr(0, v2_ref.rfind('|') + 1);
  const std::string tampered[] = {
      body + sig.substr(0, sig.size() - 1),             // truncated signature
      body + sig + "0",                                 // lengthened
      body + std::string(sig.size(), '0'),              // replaced
      "2|1:1|10:1300000000|3:key|8:dmFsdWU=|" + sig,    // key version changed
      "2|1:0|10:1300000000|3:key|8:dmFsdWX=|" + sig,    // value changed
      "2|1:0|10:130000000|3:key|8:dmFsdWU=|" + sig,     // a length prefix that lies
      "2|1:0|10:1300000000|3:key|8:dmFsdWU=",           // no signature
      "",
  };
  for (const std::string& bad : tampered) {
    CAPTURE(bad);
    CHECK_FALSE(decode_signed_value(secret, "key", bad, 31, 1, now));
  }
  // Key versions: signed with version 1, read with the dict; a missing version is refused.
  const std::map<int, std::string> secrets{{0, "ajklasdf0ojaisdf"}, {1, "aslkjasaolwkjsdf"}};
  const std::string kv = create_signed_value(secrets, 1, "key", "value", now);
  CHECK(kv ==
        "2|1:1|10:1300000000|3:key|8:dmFsdWU=|"
        "df37e8800ccd18603ab77297b99df872de42561f1ebd2512c600c7b19ca1760c");
  CHECK(get_signature_key_version(kv) == 1);
  CHECK(decode_signed_value(secrets, "key", kv, 31, 1, now) == "value");
  CHECK_FALSE(decode_signed_value(std::map<int, std::string>{{0, "x"}}, "key", kv, 31, 1, now));
  CHECK_FALSE(decode_signed_value("aslkjasaolwkjsdf-wrong", "key", kv, 31, 1, now));
}

namespace {

struct SecureCookieHandler : RequestHandler {
  void get() {
    if (get_argument("set", "") == "1") {
      set_secure_cookie("user", get_argument("value"));
      return;
    }
    write(get_secure_cookie("user").value_or("none"));
  }
};

// The Set-Cookie value's name=value part as a Cookie header.
std::string as_cookie(const std::string& set_cookie) { return set_cookie.substr(0, set_cookie.find(';')); }

}  // namespace

TEST_CASE("web: secure cookies through a handler, and interop with Python Tornado") {
  Settings s;
  s.cookie_secret = "0123456789abcdef0123456789abcdef";
  Application app({{"/s", handler_factory<SecureCookieHandler>()}}, s);
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/s?set=1&value=hello%20world");
  const std::string cookie = as_cookie(r.headers.get("Set-Cookie"));
  CHECK(cookie.rfind("user=\"2|1:0|10:", 0) == 0);  // quoted: the value holds "="
  CHECK(r.headers.get("Set-Cookie").find("expires=") != std::string::npos);
  CHECK(t.fetch("/s", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body == "hello world");
  std::string forged = cookie;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'a' ? 'b' : 'a';
  CHECK(t.fetch("/s", "GET", "", HTTPHeaders{{"Cookie", forged}}).body == "none");

  // Python Tornado, when installed, reads ours and writes one we read.
  if (std::system("/usr/bin/python3 -c 'import tornado.web' 2>/dev/null") != 0) {
    MESSAGE("skipped the Python Tornado interop: python3-tornado is not installed");
    return;
  }
  const std::string value = cookie.substr(cookie.find('"') + 1, cookie.rfind('"') - cookie.find('"') - 1);
  const std::string script =
      "/usr/bin/python3 -c 'import sys, tornado.web as w; "
      "v = w.decode_signed_value(\"0123456789abcdef0123456789abcdef\", \"user\", sys.argv[1]); "
      "sys.stdout.write(v.decode() if v else \"REJECTED\"); "
      "sys.stdout.write(\"|\" + w.create_signed_value(\"0123456789abcdef0123456789abcdef\", "
      "\"user\", \"from python\").decode())' '" + value + "'";
  FILE* p = ::popen(script.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
  ::pclose(p);
  const std::string out(buf, n);
  REQUIRE(out.find('|') != std::string::npos);
  CHECK(out.substr(0, out.find('|')) == "hello world");
  const std::string from_python = out.substr(out.find('|') + 1);
  CHECK(decode_signed_value(s.cookie_secret, "user", from_python) == "from python");
  CHECK(t.fetch("/s", "GET", "", HTTPHeaders{{"Cookie", "user=\"" + from_python + "\""}}).body ==
        "from python");
}

namespace {

struct XsrfHandler : RequestHandler {
  void get() {
    if (get_argument("form", "") == "1") {
      write(xsrf_form_html());
      return;
    }
    write(xsrf_token());
  }
  void post() { write("posted"); }
};

struct UserHandler : RequestHandler {
  std::optional<std::string> get_current_user() override {
    ++lookups;
    return get_cookie("user");
  }
  void get() {
    const auto first = current_user();
    const auto again = current_user();  // cached: get_current_user runs once
    write(first.value_or("anonymous") + " " + std::to_string(lookups) + " " +
          (again == first ? "same" : "different"));
  }
  int lookups = 0;
};

}  // namespace

TEST_CASE("web: XSRF (XSRFTest)") {
  Settings s;
  s.xsrf_cookies = true;
  Application app({{"/x", handler_factory<XsrfHandler>()}}, s);
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/x");
  const std::string token = r.body;
  const std::string cookie = as_cookie(r.headers.get("Set-Cookie"));
  CHECK(token.rfind("2|", 0) == 0);
  CHECK(cookie.rfind("_xsrf=", 0) == 0);
  // Each page gets a differently masked token for the same cookie.
  const std::string again = t.fetch("/x", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body;
  CHECK(again != token);
  CHECK(t.fetch("/x", "GET", "", HTTPHeaders{{"Cookie", cookie}}).headers.get("Set-Cookie").empty());
  HTTPHeaders form{{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", cookie}};
  const std::string enc = escape::url_escape(token);
  tornado::testing::ExpectLog quiet("403 POST");
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, form).code == 200);
  CHECK(t.fetch("/x", "POST", "_xsrf=" + escape::url_escape(again), form).code == 200);
  CHECK(t.fetch("/x?_xsrf=" + enc, "POST", "", form).code == 200);
  HTTPHeaders by_header{{"Cookie", cookie}, {"X-Xsrftoken", token}};
  CHECK(t.fetch("/x", "POST", "", by_header).code == 200);
  HTTPHeaders csrf_header{{"Cookie", cookie}, {"X-Csrftoken", token}};
  CHECK(t.fetch("/x", "POST", "", csrf_header).code == 200);
  // Refused: no token, no cookie, a malformed token or cookie, another user's pair.
  CHECK(t.fetch("/x", "POST", "", form).code == 403);
  HTTPHeaders no_cookie{{"Content-Type", "application/x-www-form-urlencoded"}};
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, no_cookie).code == 403);
  CHECK(t.fetch("/x", "POST", "_xsrf=3%7C", form).code == 403);
  HTTPHeaders bad_cookie{{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", "_xsrf=3|"}};
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, bad_cookie).code == 403);
  const auto other = t.fetch("/x");
  HTTPHeaders other_cookie{{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Cookie", as_cookie(other.headers.get("Set-Cookie"))}};
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, other_cookie).code == 403);
  // v1 tokens (the hex cookie itself) are still accepted, mixed with v2.
  HTTPHeaders v1{{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", "_xsrf=0123abcd"}};
  CHECK(t.fetch("/x", "POST", "_xsrf=0123abcd", v1).code == 200);
  // The default 404 handler skips the check: an unknown path is 404, not 403.
  CHECK(t.fetch("/unknown", "POST", "", no_cookie).code == 404);
  // xsrf_form_html: a hidden field carrying an escaped token.
  const std::string html = t.fetch("/x?form=1", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body;
  CHECK(html.rfind("<input type=\"hidden\" name=\"_xsrf\" value=\"2|", 0) == 0);
  CHECK(html.substr(html.size() - 3) == "\"/>");
}

TEST_CASE("web: current_user calls get_current_user once and caches it") {
  Application app({{"/u", handler_factory<UserHandler>()}});
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/u").body == "anonymous 1 same");
  CHECK(t.fetch("/u", "GET", "", HTTPHeaders{{"Cookie", "user=ann"}}).body == "ann 1 same");
}

namespace {

struct NamedHandler : RequestHandler {
  void get(const std::string& year, const std::string& slug) {
    write(year + "/" + slug + " " + path_kwargs().at("year") + " " + reverse_url("post", {"1999", "a b"}));
  }
};

struct HostHandler : RequestHandler {
  void initialize(std::string name) { name_ = std::move(name); }
  void get() { write(name_); }
  std::string name_;
};

}  // namespace

TEST_CASE("web: named groups, reverse_url, host rules, default_host (test_host_matching)") {
  Settings s;
  s.default_host = "www.example.com";
  Application app({
      {R"(/post/(?P<year>\d{4})/(?P<slug>[^/]+))", handler_factory<NamedHandler>(), "post"},
      {"/host", handler_factory<HostHandler>(std::string("wildcard"))},
  }, s);
  app.add_handlers(R"(www\.example\.com)",
                   {{"/host", handler_factory<HostHandler>(std::string("www"))},
                    {"/www-only", handler_factory<HostHandler>(std::string("www only"))}});
  app.add_handlers(R"(.*\.other\.org)", {{"/host", handler_factory<HostHandler>(std::string("other"))}});
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
  CHECK(t.fetch("/www-only", "GET", "", HTTPHeaders{{"Host", "unknown.net"}, {"X-Real-Ip", "1.2.3.4"}})
            .code == 404);
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

int closed_count = 0;
struct NeverFinishes : RequestHandler {
  void get() {
    asynchronous();
    write("waiting");
    (void)flush();
  }
  void on_connection_close() override { ++closed_count; }
};

struct WrongLength : RequestHandler {
  void get() {
    set_header("Content-Length", std::int64_t{42});
    write("ab");
  }
};

struct Finisher : RequestHandler {
  void get() { write("x"); }
  void on_finish() override { ++finished; }
  static inline int finished = 0;
};

}  // namespace

TEST_CASE("web: callback style (Tornado 4's @asynchronous), flush streaming, HEAD, on_finish") {
  Application app({
      {"/cb", handler_factory<CallbackStyle>()},
      {"/stream", handler_factory<Streaming>()},
      {"/f", handler_factory<Finisher>()},
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
  CHECK(r.code == 405);  // Streaming has no head(): HEAD is not routed to get(), as in Tornado
  const int before = Finisher::finished;
  CHECK(t.fetch("/f").body == "x");
  CHECK(Finisher::finished == before + 1);
}

TEST_CASE("web: on_connection_close when the client leaves (test_connection_close)") {
  Application app({{"/wait", handler_factory<NeverFinishes>()}});
  AsyncHTTPTestCase t(app);
  closed_count = 0;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(t.get_http_port()));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  const std::string req = "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  char buf[256];
  REQUIRE(tornado::testing::run_until(t.io_loop(), [&] {
    return ::recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK) > 0;
  }));
  ::close(fd);
  CHECK(tornado::testing::run_until(t.io_loop(), [] { return closed_count == 1; }));
}

TEST_CASE("web: a handler that breaks its own Content-Length closes the connection") {
  Application app({{"/wrong", handler_factory<WrongLength>()}});
  AsyncHTTPTestCase t(app);
  tornado::testing::ExpectLog logged("less than Content-Length");
  CHECK_THROWS(t.fetch("/wrong"));
  CHECK(logged.count() >= 1);
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

int logged_by_function = 0;

}  // namespace

TEST_CASE("web: methods, 405 for those absent or unsupported (test_unimplemented_standard_methods)") {
  Settings s;
  s.log_function = [](RequestHandler&) { ++logged_by_function; };
  Application app({
      {"/m", handler_factory<MethodsHandler>()},
      {"/none", handler_factory<NoMethods>()},
  }, s);
  AsyncHTTPTestCase t(app);
  logged_by_function = 0;
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
  s.default_handler = handler_factory<ErrorHandler>(403);
  Application app({}, s);
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/anything").code == 403);
  Settings gz;
  gz.compress_response = true;
  CHECK_THROWS_AS(Application({}, gz), std::invalid_argument);
}
