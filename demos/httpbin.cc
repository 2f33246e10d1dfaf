// demos/httpbin.cc: an HTTP request and response service answering as httpbin does.
//
//   build/demos/httpbin --port=8888            (or: make demo)
//   curl 'http://127.0.0.1:8888/get?a=1'
//   curl -F name=x -F file=@README.md http://127.0.0.1:8888/post
//   curl -i http://127.0.0.1:8888/status/418
//   curl -i -H 'Range: bytes=0-9' http://127.0.0.1:8888/range/1024
//
// The answers are httpbin's byte for byte (python3-httpbin 0.7 on Flask and Werkzeug): the
// same JSON, status codes, headers and error pages, for good input and bad;
// tests/demos/httpbin_sweep.py compares the two and lists the few places where the demo
// differs on purpose. It exercises most of the web layer: path groups, the raw request,
// redirects, cookies, streamed (chunked) output, coroutine handlers, the default handler,
// StaticFileHandler under /static/, and a WebSocket echo under /ws/echo.
//
// This file holds the endpoints that echo the request (/get, /post, /anything, /stream...)
// and main(); httpbin.h says where the rest is.
#include "demos/httpbin.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "demos/demo.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/iostream.h"
#include "tornado/web/websocket.h"

namespace httpbin {
namespace {

using tornado::Future;
using tornado::json::Object;
using tornado::web::HTTPError;

struct GetHandler : Handler {
  void get() { jsonify(get_dict({"url", "args", "headers", "origin"})); }
};

// /post, /put, /patch, /delete: each answers its own method only (405 otherwise). any()
// sees every method but OPTIONS (Handler's own).
struct BodyHandler : Handler {
  explicit BodyHandler(std::string method) : method_(std::move(method)) {}
  std::vector<std::string_view> methods() const override { return {method_}; }
  void any() {
    if (request().method != method_) throw HTTPError(405);
    jsonify(get_dict({"url", "args", "form", "data", "origin", "headers", "files", "json"}));
  }
  std::string method_;
};

struct AnythingHandler : Handler {
  std::vector<std::string_view> methods() const override {
    return {"GET", "POST", "PUT", "DELETE", "PATCH", "TRACE"};
  }
  void trace() override { any(); }
  // Every method (OPTIONS aside), with or without the path's group.
  template <class... S>
  void any(const S&...) {
    jsonify(
        get_dict({"url", "args", "headers", "origin", "method", "form", "data", "files", "json"}));
  }
};

struct HeadersHandler : Handler {
  void get() { jsonify(get_dict({"headers"})); }
};

struct IpHandler : Handler {
  void get() { jsonify(get_dict({"origin"})); }
};

struct UserAgentHandler : Handler {
  void get() {
    // httpbin looks it up among the headers it shows (named by str.title()), null when absent.
    const Value h = get_dict({"headers"})["headers"];
    const Value* ua = h.find("User-Agent");
    jsonify(Object{{"user-agent", ua ? *ua : Value()}});
  }
};

// n JSON lines (100 at most), flushed one by one (chunked). httpbin writes them with
// json.dumps: its default separators, keys in the order it built them.
struct StreamHandler : Handler {
  Future<void> get(const std::string& n) {
    const std::int64_t count = std::min<std::int64_t>(py_int(n)->clamped(), 100);
    Value line = get_dict({"url", "args", "headers", "origin"});
    set_header("Content-Type", "application/json");
    tornado::json::EncodeOptions o;
    o.script_safe = false;
    try {
      co_await flush();
      for (std::int64_t i = 0; i < count; ++i) {
        line["id"] = i;
        write(tornado::json::encode(line, o) + "\n");
        co_await flush();
      }
    } catch (const tornado::StreamClosedError&) {
      // The client left: nobody to stream to (Tornado's idiom around flush()).
    }
  }
};

// /delay/n: float(n) capped at 10 seconds; what time.sleep() refuses (negative, NaN) is a 500.
struct DelayHandler : Handler {
  Future<void> get(const std::string& n) {
    const std::optional<double> d = py_float(n);
    if (!d) crash("delay is not a number: " + n);
    const double seconds = *d > 10 ? 10 : *d;  // min(d, 10): NaN stays NaN
    if (std::isnan(seconds) || seconds < 0) crash("time.sleep() refuses " + n);
    co_await tornado::gen::sleep(std::chrono::duration<double>(seconds));
    jsonify(get_dict({"url", "args", "form", "data", "origin", "headers", "files"}));
  }
};

// Paths no rule matches: Werkzeug's 404 page, whatever the method.
// /ws/echo: each message back unchanged, in order; a close is answered with its code (the
// protocol echoes it, RFC 6455 §5.5.1). httpbin has no WebSocket endpoint: this one is the
// demo's own, and the sweep against the real httpbin leaves it out.
struct WebSocketEcho : tornado::websocket::WebSocketHandler {
  void on_message(std::string message, bool is_binary) { (void)write_message(message, is_binary); }
};

struct NotFound : Handler {
  bool supports_method(std::string_view) const override { return true; }
  void prepare() { throw HTTPError(404); }
};

}  // namespace
}  // namespace httpbin

int main(int argc, char** argv) {
  using httpbin::Handler;
  using tornado::web::url;
  demo::define_server_options(8888);
  tornado::options::define<std::string>("static_path", "demos/static",
                                        "directory served under /static/");
  tornado::options::parse_command_line(argc, argv);
  // The static files get an explicit rule: Settings::static_path would also serve /robots.txt,
  // which is httpbin's own.
  std::vector<tornado::web::Rule> rules = {
      url<httpbin::GetHandler>("/get"),
      url<httpbin::BodyHandler>("/post", "POST"),
      url<httpbin::BodyHandler>("/put", "PUT"),
      url<httpbin::BodyHandler>("/patch", "PATCH"),
      url<httpbin::BodyHandler>("/delete", "DELETE"),
      url<httpbin::AnythingHandler>("/anything"),
      url<httpbin::AnythingHandler>("/anything/([^/].*)"),
      url<httpbin::HeadersHandler>("/headers"),
      url<httpbin::IpHandler>("/ip"),
      url<httpbin::UserAgentHandler>("/user-agent"),
      url<httpbin::StreamHandler>(R"(/stream/(\d+))"),
      url<httpbin::DelayHandler>("/delay/([^/]+)"),
      url<httpbin::WebSocketEcho>("/ws/echo"),
      url<tornado::web::StaticFileHandler>("/static/(.*)",
                                           tornado::options::get<std::string>("static_path")),
  };
  for (auto& r : httpbin::redirect_rules()) rules.push_back(std::move(r));
  for (auto& r : httpbin::response_rules()) rules.push_back(std::move(r));
  tornado::web::Settings settings;
  settings.default_handler = url<httpbin::NotFound>(".*");
  tornado::web::Application app(std::move(rules), settings);
  return demo::serve(app);
}
