// demos/httpbin.cc: an HTTP request and response service answering as httpbin.org does.
//
//   build/demos/httpbin --port=8888            (or: make demo)
//   curl 'http://127.0.0.1:8888/get?a=1'
//   curl -F name=x -F file=@README.md http://127.0.0.1:8888/post
//   curl -i http://127.0.0.1:8888/status/418
//   curl -i -H 'Range: bytes=0-9' http://127.0.0.1:8888/range/1024
//
// The JSON field names, shapes and status codes follow httpbin (tests/demos/httpbin_test.cc
// compares them with Debian's python3-httpbin). It exercises most of the web layer: path
// groups, query and form arguments, multipart files, cookies, redirects, Basic
// authentication, streamed (chunked) output, ranges, and StaticFileHandler under /static/.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "demos/demo.h"
#include "tornado/gen/gen.h"
#include "tornado/http/base64.h"
#include "tornado/http/json.h"

namespace {

using tornado::Future;
using tornado::HTTPServerRequest;
using tornado::json::Array;
using tornado::json::Object;
using tornado::json::Value;
using tornado::web::handler_factory;
using tornado::web::HTTPError;
using tornado::web::RequestHandler;

// name -> value, or name -> [values] when repeated (httpbin's multi-dict rendering).
Value multi(const tornado::Arguments& args) {
  Value out = Object{};
  for (const auto& [name, values] : args) {
    if (values.size() == 1) {
      out[name] = values.front();
    } else {
      Array a;
      for (const std::string& v : values) a.push_back(v);
      out[name] = std::move(a);
    }
  }
  return out;
}

Value headers_of(const HTTPServerRequest& r) {
  Value out = Object{};
  for (const auto& f : r.headers.get_all()) {
    if (out.find(f.name)) continue;
    out[f.name] = r.headers.get(f.name);
  }
  return out;
}

int to_int(const std::string& s, int lo, int hi) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(s, &used);
    if (used == s.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  throw HTTPError(400, "bad number " + s);
}

class Httpbin : public RequestHandler {
 public:
  void set_default_headers() override {
    set_header("Access-Control-Allow-Origin", "*");
    set_header("Access-Control-Allow-Credentials", "true");
  }

 protected:
  // The fields every echo endpoint carries.
  Value echo(bool with_body, bool with_method = false) {
    const HTTPServerRequest& r = request();
    Value v = Object{};
    v["args"] = multi(r.query_arguments);
    if (with_body) {
      const std::string type = r.headers.get("Content-Type");
      const bool form = type.rfind("application/x-www-form-urlencoded", 0) == 0 ||
                        type.rfind("multipart/form-data", 0) == 0;
      v["data"] = form ? std::string() : r.body;
      Value files = Object{};
      for (const auto& [name, list] : r.files) {
        if (list.size() == 1) {
          files[name] = list.front().body;
        } else {
          Array a;
          for (const auto& f : list) a.push_back(f.body);
          files[name] = std::move(a);
        }
      }
      v["files"] = std::move(files);
      v["form"] = multi(r.body_arguments);
    }
    v["headers"] = headers_of(r);
    if (with_body) {
      Value parsed;
      try {
        if (!r.body.empty()) parsed = tornado::json::decode(r.body);
      } catch (const tornado::json::DecodeError&) {
      }
      v["json"] = std::move(parsed);
    }
    if (with_method) v["method"] = r.method;
    v["origin"] = r.remote_ip;
    v["url"] = r.full_url();
    return v;
  }
  void json(const Value& v) {
    write(tornado::json::encode(v));
    set_header("Content-Type", "application/json");
  }
};

struct GetHandler : Httpbin {
  void get() { json(echo(false)); }
};

// /post, /put, /patch, /delete: each answers its own method only (405 otherwise).
struct BodyHandler : Httpbin {
  void initialize(std::string method) { method_ = std::move(method); }
  void any() {
    if (request().method != method_) throw HTTPError(405);
    json(echo(true));
  }
  void post() { any(); }
  void put() { any(); }
  void patch() { any(); }
  void delete_() { any(); }
  std::string method_;
};

struct AnythingHandler : Httpbin {
  template <class... S>
  void any(const S&...) {
    json(echo(true, true));
  }
  template <class... S>
  void get(const S&... s) {
    any(s...);
  }
  template <class... S>
  void post(const S&... s) {
    any(s...);
  }
  template <class... S>
  void put(const S&... s) {
    any(s...);
  }
  template <class... S>
  void patch(const S&... s) {
    any(s...);
  }
  template <class... S>
  void delete_(const S&... s) {
    any(s...);
  }
};

struct HeadersHandler : Httpbin {
  void get() { json(Object{{"headers", headers_of(request())}}); }
};

struct IpHandler : Httpbin {
  void get() { json(Object{{"origin", request().remote_ip}}); }
};

struct UserAgentHandler : Httpbin {
  void get() { json(Object{{"user-agent", request().headers.get("User-Agent")}}); }
};

struct UuidHandler : Httpbin {
  void get() {
    std::random_device rd;
    unsigned char b[16];
    for (auto& c : b) c = static_cast<unsigned char>(rd());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char s[40];
    std::snprintf(s, sizeof s,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    json(Object{{"uuid", s}});
  }
};

// /status/418 or /status/500,201 (one of them at random, as httpbin).
struct StatusHandler : Httpbin {
  void any(const std::string& codes) {
    std::vector<int> choices;
    for (std::size_t at = 0; at <= codes.size();) {
      const std::size_t comma = std::min(codes.find(',', at), codes.size());
      choices.push_back(to_int(codes.substr(at, comma - at), 100, 599));
      at = comma + 1;
    }
    std::random_device rd;
    const int code = choices[rd() % choices.size()];
    set_status(code);
    if (code == 418) {
      set_header("x-more-info", "http://tools.ietf.org/html/rfc2324");
      write("\n    I'm a teapot: short and stout.\n");
    } else if (code == 401) {
      set_header("WWW-Authenticate", "Basic realm=\"Fake Realm\"");
    } else if (code == 407) {
      set_header("Proxy-Authenticate", "Basic realm=\"Fake Realm\"");
    } else if (code >= 300 && code < 400 && code != 304) {
      set_header("Location", "/redirect/1");
    }
  }
  void get(const std::string& c) { any(c); }
  void post(const std::string& c) { any(c); }
  void put(const std::string& c) { any(c); }
  void patch(const std::string& c) { any(c); }
  void delete_(const std::string& c) { any(c); }
};

struct RedirectN : Httpbin {
  // /redirect/n and /relative-redirect/n: relative Locations; /absolute-redirect/n: absolute.
  void initialize(bool absolute) { absolute_ = absolute; }
  void get(const std::string& n) {
    const int left = to_int(n, 1, 100);
    const std::string base = absolute_ ? request().protocol + "://" + request().host : "";
    const std::string next = absolute_ ? "/absolute-redirect/" : "/relative-redirect/";
    redirect(left == 1 ? base + "/get" : base + next + std::to_string(left - 1));
  }
  bool absolute_ = false;
};

struct RedirectTo : Httpbin {
  void any() {
    const std::string url = get_argument("url");
    const int code = to_int(get_argument("status_code", "302"), 300, 399);
    set_status(code);
    set_header("Location", url);
  }
  void get() { any(); }
  void post() { any(); }
  void put() { any(); }
  void patch() { any(); }
  void delete_() { any(); }
};

struct CookiesHandler : Httpbin {
  void get() {
    Value c = Object{};
    for (const auto& [k, v] : request().cookies()) c[k] = v;
    json(Object{{"cookies", c}});
  }
};

struct CookiesSet : Httpbin {
  void get() {
    for (const auto& [name, values] : request().query_arguments) set_cookie(name, values.back());
    redirect("/cookies");
  }
};

struct CookiesDelete : Httpbin {
  void get() {
    for (const auto& [name, values] : request().query_arguments) clear_cookie(name);
    redirect("/cookies");
  }
};

struct BasicAuth : Httpbin {
  void get(const std::string& user, const std::string& passwd) {
    const std::string auth = request().headers.get("Authorization");
    bool ok = false;
    if (auth.rfind("Basic ", 0) == 0) {
      const auto decoded = tornado::base64_decode(auth.substr(6));
      ok = decoded && *decoded == user + ":" + passwd;
    }
    if (!ok) {
      set_status(401);
      set_header("WWW-Authenticate", "Basic realm=\"Fake Realm\"");
      return;
    }
    json(Object{{"authenticated", true}, {"user", user}});
  }
};

struct Base64Handler : Httpbin {
  void get(const std::string& value) {
    std::optional<std::string> d = tornado::base64_decode(value, true);
    if (!d) d = tornado::base64_decode(value);
    write(d ? *d : std::string("Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l"));
  }
};

struct JsonHandler : Httpbin {
  void get() {
    json(Object{
        {"slideshow",
         Object{{"author", "Yours Truly"},
                {"date", "date of publication"},
                {"slides", Array{Object{{"title", "Wake up to WonderWidgets!"}, {"type", "all"}},
                                 Object{{"items", Array{"Why <em>WonderWidgets</em> are great",
                                                        "Who <em>buys</em> WonderWidgets"}},
                                        {"title", "Overview"},
                                        {"type", "all"}}}},
                {"title", "Sample Slide Show"}}}});
  }
};

struct HtmlHandler : Httpbin {
  void get() {
    write(
        "<!DOCTYPE html>\n<html>\n  <head></head>\n  <body>\n"
        "    <h1>A page to test HTML clients with</h1>\n"
        "    <p>This page is served by the httpbin demo of tornado-cpp.</p>\n"
        "  </body>\n</html>");
  }
};

struct ResponseHeaders : Httpbin {
  void get() {
    Value body = multi(request().query_arguments);
    for (const auto& [name, values] : request().query_arguments) {
      for (const std::string& v : values) add_header(name, v);
    }
    body["Content-Type"] = "application/json";
    json(body);
  }
};

struct BytesHandler : Httpbin {
  void get(const std::string& n) {
    const int count = to_int(n, 0, 100 * 1024);
    const std::string seed = get_argument("seed", "");
    std::mt19937 rng(seed.empty() ? std::random_device{}()
                                  : static_cast<unsigned>(to_int(seed, 0, 1 << 30)));
    std::string out(static_cast<std::size_t>(count), '\0');
    for (char& c : out) c = static_cast<char>(rng() & 0xff);
    set_header("Content-Type", "application/octet-stream");
    write(out);
  }
};

// n JSON lines, flushed one by one (chunked), as httpbin's /stream.
struct StreamHandler : Httpbin {
  Future<void> get(const std::string& n) {
    const int count = to_int(n, 0, 100);
    Value line = echo(false);
    set_header("Content-Type", "application/json");
    for (int i = 0; i < count; ++i) {
      line["id"] = i;
      write(tornado::json::encode(line) + "\n");
      co_await flush();
    }
  }
};

struct DelayHandler : Httpbin {
  Future<void> any(const std::string& n) {
    const int seconds = to_int(n, 0, 10);
    co_await tornado::gen::sleep(std::chrono::seconds(seconds));
    json(echo(true));
  }
  Future<void> get(const std::string& n) { return any(n); }
  Future<void> post(const std::string& n) { return any(n); }
  Future<void> put(const std::string& n) { return any(n); }
  Future<void> patch(const std::string& n) { return any(n); }
  Future<void> delete_(const std::string& n) { return any(n); }
};

// /range/n: n bytes of the alphabet, with byte ranges as httpbin serves them.
struct RangeHandler : Httpbin {
  void get(const std::string& n) {
    const long long size = to_int(n, 0, 100 * 1024);
    set_header("ETag", "range" + std::to_string(size));
    set_header("Accept-Ranges", "bytes");
    set_header("Content-Type", "application/octet-stream");
    long long first = 0, last = size - 1;
    const std::string range = request().headers.get("Range");
    if (!range.empty()) {
      long long a = -1, b = -1;
      char dash = 0;
      const int got = std::sscanf(range.c_str(), "bytes=%lld%c%lld", &a, &dash, &b);
      if (got >= 2 && dash == '-') {
        first = a;
        if (got == 3) last = b;
      } else if (std::sscanf(range.c_str(), "bytes=-%lld", &b) == 1) {
        first = size - b;
      }
      if (first < 0 || first > last || last >= size) {
        set_status(416);
        set_header("Content-Range", "bytes */" + std::to_string(size));
        return;
      }
      set_status(206);
      set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                      "/" + std::to_string(size));
    }
    std::string out;
    for (long long i = first; i <= last; ++i) out += static_cast<char>('a' + i % 26);
    write(out);
  }
};

}  // namespace

int main(int argc, char** argv) {
  demo::define_server_options(8888);
  tornado::options::define<std::string>("static_path", "demos/static",
                                        "directory served under /static/");
  tornado::options::parse_command_line(argc, argv);
  tornado::web::Settings settings;
  settings.static_path = tornado::options::get<std::string>("static_path");
  tornado::web::Application app(
      {
          {"/get", handler_factory<GetHandler>()},
          {"/post", handler_factory<BodyHandler>(std::string("POST"))},
          {"/put", handler_factory<BodyHandler>(std::string("PUT"))},
          {"/patch", handler_factory<BodyHandler>(std::string("PATCH"))},
          {"/delete", handler_factory<BodyHandler>(std::string("DELETE"))},
          {"/anything", handler_factory<AnythingHandler>()},
          {"/anything/(.*)", handler_factory<AnythingHandler>()},
          {"/headers", handler_factory<HeadersHandler>()},
          {"/ip", handler_factory<IpHandler>()},
          {"/user-agent", handler_factory<UserAgentHandler>()},
          {"/uuid", handler_factory<UuidHandler>()},
          {"/status/([0-9,]+)", handler_factory<StatusHandler>()},
          {R"(/redirect/(\d+))", handler_factory<RedirectN>(false)},
          {R"(/relative-redirect/(\d+))", handler_factory<RedirectN>(false)},
          {R"(/absolute-redirect/(\d+))", handler_factory<RedirectN>(true)},
          {"/redirect-to", handler_factory<RedirectTo>()},
          {"/cookies", handler_factory<CookiesHandler>()},
          {"/cookies/set", handler_factory<CookiesSet>()},
          {"/cookies/delete", handler_factory<CookiesDelete>()},
          {"/basic-auth/([^/]+)/([^/]+)", handler_factory<BasicAuth>()},
          {"/base64/(.*)", handler_factory<Base64Handler>()},
          {"/json", handler_factory<JsonHandler>()},
          {"/html", handler_factory<HtmlHandler>()},
          {"/response-headers", handler_factory<ResponseHeaders>()},
          {R"(/bytes/(\d+))", handler_factory<BytesHandler>()},
          {R"(/stream/(\d+))", handler_factory<StreamHandler>()},
          {R"(/delay/(\d+))", handler_factory<DelayHandler>()},
          {R"(/range/(\d+))", handler_factory<RangeHandler>()},
      },
      settings);
  return demo::serve(app);
}
