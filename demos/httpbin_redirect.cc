// demos/httpbin_redirect.cc: the httpbin endpoints that send the client elsewhere or ask it
// for state: /redirect/n and its relative and absolute forms, /redirect-to, /cookies (set,
// delete) and /basic-auth. Their Location, Set-Cookie and WWW-Authenticate lines are
// Werkzeug's, byte for byte.
#include <cctype>

#include "demos/httpbin.h"
#include "tornado/http/escape.h"

namespace httpbin {
namespace {

using tornado::json::Object;
using tornado::web::Rule;
using tornado::web::url;

// markupsafe's escape, as Werkzeug's redirect page uses it: Tornado's xhtml_escape but for the
// two quotes' spellings (&#34; for &quot;, &#39; for &#x27;). xhtml_escape writes every '&' of
// the input as "&amp;", so each "&quot;" and "&#x27;" in its output stands for a quote.
std::string html_escape(std::string_view s) {
  std::string out = tornado::escape::xhtml_escape(s);
  for (auto [from, to] :
       {std::pair<std::string_view, std::string_view>{"&quot;", "&#34;"}, {"&#x27;", "&#39;"}}) {
    std::size_t at = 0;
    while ((at = out.find(from, at)) != std::string::npos) {
      out.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return out;
}

// Flask's redirect(): 302, the Location, and a page pointing at it.
void redirect_page(Handler& h, const std::string& location) {
  const std::string uri = iri_to_uri(location, true);
  h.set_status(302);
  h.set_header("Location", uri);
  h.write(
      "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
      "<p>You should be redirected automatically to the target URL: <a href=\"" +
      html_escape(uri) + "\">" + html_escape(location) + "</a>. If not, click the link.\n");
}

// A decimal string minus one (n > 0): redirect counts are Python ints, of any size.
std::string decrement(std::string digits) {
  for (std::size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '0') {
      --digits[i];
      break;
    }
    digits[i] = '9';
  }
  const std::size_t nz = digits.find_first_not_of('0');
  return nz == std::string::npos ? "0" : digits.substr(nz);
}

// --- redirects -----------------------------------------------------------------------------------

// /redirect/n (relative unless ?absolute=true), /relative-redirect/n, /absolute-redirect/n.
struct RedirectN : Handler {
  void initialize(std::string kind) { kind_ = std::move(kind); }
  void get(const std::string& n) {
    const std::string count = py_int(n)->digits;
    if (count == "0") crash("assert n > 0");
    bool absolute = kind_ == "absolute";
    if (kind_ == "redirect") {
      std::string a = "false";
      for (const auto& [k, v] : args())
        if (k == "absolute") {
          a = v;
          break;
        }
      for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      absolute = a == "true";
    }
    const std::string target = count == "1" ? "/get"
                               : absolute   ? "/absolute-redirect/" + decrement(count)
                                            : "/relative-redirect/" + decrement(count);
    if (kind_ == "relative") {
      // A bare 302 with the Location, and no page.
      set_status(302);
      set_header("Location", target);
      return;
    }
    redirect_page(*this, absolute ? host_url() + target : target);
  }
  std::string kind_;
};

struct RedirectTo : Handler {
  std::vector<std::string_view> methods() const override {
    return {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE"};
  }
  void trace() override { any(); }
  void any() {
    int status = 302;
    if (const auto s = arg_nocase(args(), "status_code")) {
      const auto code = py_int(*s);
      if (!code) crash("status_code is not an integer: " + *s);
      if (code->clamped() >= 300 && code->clamped() < 400)
        status = static_cast<int>(code->clamped());
    }
    const auto url = arg_nocase(args(), "url");
    if (!url) crash("no url argument");
    set_status(status);
    // httpbin passes the URL as UTF-8 bytes, which Werkzeug reads as Latin-1 before making a
    // URI of it.
    set_header("Location", iri_to_uri(latin1_to_utf8(*url), true));
  }
};

// --- cookies -------------------------------------------------------------------------------------

// The cookies httpbin hides unless the query has show_env (its hosting's analytics).
bool env_cookie(std::string_view name) {
  for (std::string_view c :
       {"_gauges_unique", "_gauges_unique_year", "_gauges_unique_month", "_gauges_unique_day",
        "_gauges_unique_hour", "__utmz", "__utma", "__utmb"})
    if (name == c) return true;
  return false;
}

struct CookiesHandler : Handler {
  void get() {
    bool show_env = false;
    for (const auto& [k, v] : args()) show_env = show_env || k == "show_env";
    Value c = Object{};
    for (const auto& [k, v] : first_values(parse_cookie(header("Cookie").value_or(""))))
      if (show_env || !env_cookie(k)) c[k] = v;
    jsonify(Object{{"cookies", c}});
  }
};

// /cookies/set?name=value..., /cookies/set/name/value and /cookies/delete?name...: Werkzeug's
// Set-Cookie lines, then a redirect to /cookies.
struct CookiesSet : Handler {
  void get(const std::string& name = {}, const std::string& value = {}) {
    if (path_args().empty()) {
      for (const auto& [k, v] : first_values(args()))
        add_header("Set-Cookie", k + "=" + cookie_quote(v) + "; Path=/");
    } else {
      add_header("Set-Cookie", name + "=" + cookie_quote(value) + "; Path=/");
    }
    redirect_page(*this, "/cookies");
  }
};

struct CookiesDelete : Handler {
  void get() {
    for (const auto& [k, v] : first_values(args()))
      add_header("Set-Cookie", k + "=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/");
    redirect_page(*this, "/cookies");
  }
};

// --- /basic-auth ---------------------------------------------------------------------------------

struct BasicAuth : Handler {
  // Werkzeug's parse_authorization_header for "Basic": user and password, or nullopt.
  std::optional<std::pair<std::string, std::string>> credentials() {
    const std::string value = decode_utf8(header("Authorization").value_or(""));
    auto space = [](char c) {
      return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
    };
    std::size_t i = 0;
    while (i < value.size() && space(value[i])) ++i;
    const std::size_t type_end = std::min(value.size(), [&] {
      std::size_t j = i;
      while (j < value.size() && !space(value[j])) ++j;
      return j;
    }());
    std::string type = value.substr(i, type_end - i);
    std::size_t info = type_end;
    while (info < value.size() && space(value[info])) ++info;
    if (type.empty() || info >= value.size()) return std::nullopt;
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type != "basic") return std::nullopt;
    const std::string_view b64 = std::string_view(value).substr(info);
    for (char c : b64)
      if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;  // not ASCII
    const auto decoded = py_b64decode(b64);
    if (!decoded) return std::nullopt;
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string user = decoded->substr(0, colon), password = decoded->substr(colon + 1);
    if (!tornado::escape::utf8_valid(user) || !tornado::escape::utf8_valid(password))
      return std::nullopt;
    return std::pair{user, password};
  }
  void get(const std::string& user, const std::string& passwd) {
    const auto c = credentials();
    if (!c || c->first != user || c->second != passwd) {
      set_status(401);
      clear_header("Content-Type");
      set_header("WWW-Authenticate", "Basic realm=\"Fake Realm\"");
      return;
    }
    jsonify(Object{{"authenticated", true}, {"user", user}});
  }
};

}  // namespace

std::vector<Rule> redirect_rules() {
  return {
      url<RedirectN>(R"(/redirect/(\d+))", "redirect"),
      url<RedirectN>(R"(/relative-redirect/(\d+))", "relative"),
      url<RedirectN>(R"(/absolute-redirect/(\d+))", "absolute"),
      url<RedirectTo>("/redirect-to"),
      url<CookiesHandler>("/cookies"),
      url<CookiesSet>("/cookies/set"),
      url<CookiesSet>("/cookies/set/([^/]+)/([^/]+)"),
      url<CookiesDelete>("/cookies/delete"),
      url<BasicAuth>("/basic-auth/([^/]+)/([^/]+)"),
  };
}

}  // namespace httpbin
