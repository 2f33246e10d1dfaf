// tests/web/web_cookies_test.cc: cookies, signed values and XSRF through real connections.
// Mirrors:  tornado/test/web_test.py CookieTest, SecureCookieV1Test/V2Test, SignedValueTest,
//           XSRFTest, and the current_user caching of RequestHandler.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/async_test.h"
#include "tornado/http/escape.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

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
      for (auto [n, v] : {std::pair<std::string, std::string>{"a b", "x"},
                          {"a", "x y"},
                          {"a\x01", "x"},
                          {"a;", "x"},
                          {"", "x"}}) {
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
  Application app({url<CookieSetter>("/c")});
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/c?what=attrs");
  CHECK(r.headers.get_list("Set-Cookie") ==
        std::vector<std::string>{"a=b; Domain=example.com; expires=Sun, 06 Nov 1994 08:49:37 GMT; "
                                 "HttpOnly; Max-Age=10; Path=/p; SameSite=Lax; Secure"});
  r = t.fetch("/c?what=quoting");
  CHECK(r.headers.get_list("Set-Cookie") ==
        std::vector<std::string>{"equals=\"a=b\"; Path=/", "quote=\"a\\\"b\"; Path=/",
                                 "semicolon=\"a\\073b\"; Path=/", "plain=replaced; Path=/"});
  CHECK(t.fetch("/c?what=invalid").body ==
        "refused;refused;refused;refused;refused;bad path refused");
  r = t.fetch("/c?what=clear");
  const std::string cleared = r.headers.get("Set-Cookie");
  CHECK(cleared.rfind("gone=; expires=", 0) == 0);
  CHECK(cleared.find("; Path=/") != std::string::npos);
  r = t.fetch("/c?what=clear_all", "GET", "", HTTPHeaders{{"Cookie", "x=1; y=2"}});
  CHECK(r.headers.get_list("Set-Cookie").size() == 2);
  CHECK(t.fetch("/c?what=get", "GET", "", HTTPHeaders{{"Cookie", "c=\"quoted\""}}).body ==
        "quoted");
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
      body + sig.substr(0, sig.size() - 1),           // truncated signature
      body + sig + "0",                               // lengthened
      body + std::string(sig.size(), '0'),            // replaced
      "2|1:1|10:1300000000|3:key|8:dmFsdWU=|" + sig,  // key version changed
      "2|1:0|10:1300000000|3:key|8:dmFsdWX=|" + sig,  // value changed
      "2|1:0|10:130000000|3:key|8:dmFsdWU=|" + sig,   // a length prefix that lies
      "2|1:0|10:1300000000|3:key|8:dmFsdWU=",         // no signature
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
std::string as_cookie(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

constexpr const char* kCookieSecret = "0123456789abcdef0123456789abcdef";

Settings cookie_settings() {
  Settings s;
  s.cookie_secret = kCookieSecret;
  return s;
}

}  // namespace

TEST_CASE("web: secure cookies through a handler") {
  Application app({url<SecureCookieHandler>("/s")}, cookie_settings());
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/s?set=1&value=hello%20world");
  const std::string cookie = as_cookie(r.headers.get("Set-Cookie"));
  CHECK(cookie.rfind("user=\"2|1:0|10:", 0) == 0);  // quoted: the value holds "="
  CHECK(r.headers.get("Set-Cookie").find("expires=") != std::string::npos);
  CHECK(t.fetch("/s", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body == "hello world");
  std::string forged = cookie;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'a' ? 'b' : 'a';
  CHECK(t.fetch("/s", "GET", "", HTTPHeaders{{"Cookie", forged}}).body == "none");
}

// Python Tornado reads the cookie this library signs, and writes one this library reads.
TEST_CASE("web: secure cookies interoperate with Python Tornado") {
  if (std::system("/usr/bin/python3 -c 'import tornado.web' 2>/dev/null") != 0)
    TORNADO_SKIP("python3-tornado is not installed");
  const Settings s = cookie_settings();
  Application app({url<SecureCookieHandler>("/s")}, s);
  AsyncHTTPTestCase t(app);
  const std::string cookie =
      as_cookie(t.fetch("/s?set=1&value=hello%20world").headers.get("Set-Cookie"));
  const std::string value =
      cookie.substr(cookie.find('"') + 1, cookie.rfind('"') - cookie.find('"') - 1);
  const std::string script =
      "/usr/bin/python3 -c 'import sys, tornado.web as w; "
      "v = w.decode_signed_value(\"0123456789abcdef0123456789abcdef\", \"user\", sys.argv[1]); "
      "sys.stdout.write(v.decode() if v else \"REJECTED\"); "
      "sys.stdout.write(\"|\" + w.create_signed_value(\"0123456789abcdef0123456789abcdef\", "
      "\"user\", \"from python\").decode())' '" +
      value + "'";
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
  Application app({url<XsrfHandler>("/x")}, s);
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/x");
  const std::string token = r.body;
  const std::string cookie = as_cookie(r.headers.get("Set-Cookie"));
  CHECK(token.rfind("2|", 0) == 0);
  CHECK(cookie.rfind("_xsrf=", 0) == 0);
  // Each page gets a differently masked token for the same cookie.
  const std::string again = t.fetch("/x", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body;
  CHECK(again != token);
  CHECK(
      t.fetch("/x", "GET", "", HTTPHeaders{{"Cookie", cookie}}).headers.get("Set-Cookie").empty());
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
  HTTPHeaders bad_cookie{{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Cookie", "_xsrf=3|"}};
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, bad_cookie).code == 403);
  const auto other = t.fetch("/x");
  HTTPHeaders other_cookie{{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Cookie", as_cookie(other.headers.get("Set-Cookie"))}};
  CHECK(t.fetch("/x", "POST", "_xsrf=" + enc, other_cookie).code == 403);
  // v1 tokens (the hex cookie itself) are still accepted, mixed with v2.
  HTTPHeaders v1{{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Cookie", "_xsrf=0123abcd"}};
  CHECK(t.fetch("/x", "POST", "_xsrf=0123abcd", v1).code == 200);
  // The default 404 handler skips the check: an unknown path is 404, not 403.
  CHECK(t.fetch("/unknown", "POST", "", no_cookie).code == 404);
  // xsrf_form_html: a hidden field carrying an escaped token.
  const std::string html = t.fetch("/x?form=1", "GET", "", HTTPHeaders{{"Cookie", cookie}}).body;
  CHECK(html.rfind("<input type=\"hidden\" name=\"_xsrf\" value=\"2|", 0) == 0);
  CHECK(html.substr(html.size() - 3) == "\"/>");
}

TEST_CASE("web: current_user calls get_current_user once and caches it") {
  Application app({url<UserHandler>("/u")});
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/u").body == "anonymous 1 same");
  CHECK(t.fetch("/u", "GET", "", HTTPHeaders{{"Cookie", "user=ann"}}).body == "ann 1 same");
}
