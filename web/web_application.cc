// web/web_application.cc: Application (rules, hosts, the per-request dispatcher, the access
// log) and the small handlers that come with it.
//
// Mirrors:  tornado/web.py (Application, _ApplicationRouter, _HandlerDelegate, ErrorHandler,
//           RedirectHandler) and routing.py's host rules.
// In loop:  HTTP1ServerConnection calls start_request once per request; the dispatcher
//           collects the body, then makes the handler and starts its sequence as a coroutine
//           that owns it.
// Thread:   the loop thread.
#include <bit>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>

#include "tornado/reactor/autoreload.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/web/web.h"

namespace tornado::web {

namespace {

// The methods a handler class can have (RequestHandler::supports_method).
constexpr std::string_view kAllowed = "GET, HEAD, POST, DELETE, PATCH, PUT, OPTIONS";

// Answers the requests that name the server rather than a resource, which no rule sees:
// OPTIONS * (RFC 9110 §9.3.7) gets 200 with Allow listing the methods handlers can have;
// CONNECT (this is not a proxy) gets 405, which must carry Allow too (RFC 9110 §15.5.6).
class ServerWideHandler : public RequestHandler {
 public:
  void options() {
    set_header("Allow", kAllowed);
    clear_header("Content-Type");  // there is no content
  }
  void write_error(int status_code, std::exception_ptr error) override {
    if (status_code == 405) set_header("Allow", kAllowed);
    RequestHandler::write_error(status_code, error);
  }
};

// Feeds one request to its handler (Tornado's _HandlerDelegate, without streaming bodies).
class RequestDispatcher : public HTTPMessageDelegate {
 public:
  RequestDispatcher(Application& app, std::shared_ptr<HTTPConnection> conn)
      : app_(app), conn_(std::move(conn)) {}

  // One dispatcher and one request per request: both from the thread's free lists
  // (gen/recycle.h), as the bare server's adapter, so that a keep-alive request does not go to
  // malloc for them.
  static void* operator new(std::size_t n) { return tornado::detail::recycle_allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept {
    tornado::detail::recycle_deallocate(p, n);
  }

  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    // The connection goes to the request, which holds it from here: moved, not copied (a
    // count up now and down at the end).
    request_ = std::allocate_shared<HTTPServerRequest>(
        tornado::detail::RecyclingAllocator<HTTPServerRequest>{},
        std::get<RequestStartLine>(std::move(start_line)), std::move(headers), std::move(conn_));
    return std::nullopt;
  }

  std::optional<Future<void>> data_received(std::string_view chunk) override {
    request_->body.append(chunk);
    return std::nullopt;
  }

  void finish() override {
    if (!parse_body_or_reject(*request_, *request_->connection)) return;
    std::vector<std::string> groups;
    // A target that is not a path gets here only as OPTIONS * or CONNECT host:port (the
    // connection refuses the rest, parse_request_target): no rule names either.
    // (As views: a std::string compared with a literal calls memcmp before it compares the
    // lengths; a view compares the lengths first.)
    const bool server_wide =
        std::string_view(request_->method) == "CONNECT" || std::string_view(request_->uri) == "*";
    const URLSpec* spec = server_wide ? nullptr : app_.find_handler(*request_, groups);
    // The request goes to the handler, which owns it from here (this dispatcher has no more
    // use for it): moved, not shared, which spares a count up now and down at the end.
    std::shared_ptr<RequestHandler> handler;
    if (server_wide) {
      handler = detail::make_handler<ServerWideHandler>(app_, std::move(request_));
    } else if (spec) {
      handler = spec->handler().make(app_, std::move(request_));
    } else {
      handler = detail::make_handler<ErrorHandler>(app_, std::move(request_), 404);
    }
    // Errors are handled inside; a sequence that waits holds the handler until it ends.
    detail::HandlerAccess::run(handler, std::move(groups), spec ? &spec->group_names() : nullptr);
    // As Tornado's bound method, the close callback holds the handler: a handler that keeps
    // the request open (asynchronous(), or a coroutine still waiting) lives until it
    // finishes or the client leaves; finish() removes the callback, which breaks the cycle
    // through the request's connection. It is set only now, for a handler still running: a
    // connection's close is reported from the loop, never during the handler's synchronous
    // part, so one that finished at once (most) would only set and remove it. (Nor is it set
    // for one whose finish() failed past dropping it: a response shorter than its
    // Content-Length; the callback would keep the handler and connection alive in a cycle.)
    if (detail::HandlerAccess::still_running(*handler)) {
      handler->request().connection->set_close_callback([handler] {
        if (!handler->finished()) handler->on_connection_close();
      });
    }
  }

  void on_connection_close() override { request_.reset(); }

 private:
  Application& app_;
  std::shared_ptr<HTTPConnection> conn_;  // until the request takes it (headers_received)
  std::shared_ptr<HTTPServerRequest> request_;
};

// x * 100 rounded to an integer as printf's "%.2f" rounds x (its exact binary value, a tie to
// even), for the access line's milliseconds; nullopt for what this leaves to printf (negative,
// not finite, 2^52 and up). Integer arithmetic on the bits, not floating-point to_chars, whose
// tables (~120 KB) would be most of a static helloworld's growth.
std::optional<std::uint64_t> hundredths(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const auto biased = static_cast<int>(bits >> 52);  // the sign is bit 11 of this
  if (biased >= 0x7ff) return std::nullopt;          // negative, infinite or NaN
  std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
  int e = -1074;  // x = m * 2^e
  if (biased != 0) {
    m |= std::uint64_t{1} << 52;
    e = biased - 1075;
  }
  if (e >= 0) return std::nullopt;
  const int shift = -e;
  if (shift >= 64) return 0;             // x * 100 < 2^60 / 2^64
  const std::uint64_t scaled = m * 100;  // below 2^60: exact
  const std::uint64_t q = scaled >> shift;
  const std::uint64_t r = scaled & ((std::uint64_t{1} << shift) - 1);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  return q + ((r > half || (r == half && (q & 1) != 0)) ? 1 : 0);
}

std::vector<URLSpec> to_specs(const std::vector<Rule>& rules) {
  std::vector<URLSpec> specs;
  specs.reserve(rules.size());
  for (const Rule& r : rules) specs.emplace_back(r);
  return specs;
}

}  // namespace

std::vector<Rule> (*detail::static_rules)(const Settings&) = nullptr;

Application::Application(std::vector<Rule> handlers, Settings settings)
    : settings_(std::move(settings)) {
  if (settings_.compress_response)
    throw std::invalid_argument(
        "compress_response needs zlib, which this library does not use; compress in a proxy");
  // Tornado's debug mode: tracebacks in error pages and, unless said otherwise, autoreload
  // (which makes the loop now: debug does not go with fork_processes, as in Tornado).
  if (settings_.debug) settings_.serve_traceback = true;
  if (settings_.autoreload.value_or(settings_.debug)) autoreload::start();
  if (!settings_.static_path.empty()) {
    if (detail::static_rules == nullptr)
      throw std::invalid_argument(
          "static_path was changed without being assigned: assign it (static_path = ...)");
    // As Tornado: the static prefix, /favicon.ico and /robots.txt, before the user's rules.
    std::vector<Rule> statics = detail::static_rules(settings_);
    for (Rule& r : handlers) statics.push_back(std::move(r));
    handlers = std::move(statics);
  }
  hosts_.push_back(HostRules{PathRegex(".*"), to_specs(handlers), true});
  if (settings_.default_handler) default_spec_.emplace(settings_.default_handler);
}

Application::~Application() = default;

void Application::add_handlers(std::string host_pattern, std::vector<Rule> handlers) {
  if (host_pattern.empty() || host_pattern.back() != '$') host_pattern += '$';
  HostRules rules{PathRegex(std::move(host_pattern)), to_specs(handlers), false};
  // Before the wildcard rules, which stay last (Tornado's insert at -1).
  auto it = hosts_.end();
  if (!hosts_.empty() && hosts_.back().wildcard) --it;
  hosts_.insert(it, std::move(rules));
}

const URLSpec* Application::find_handler(const HTTPServerRequest& request,
                                         std::vector<std::string>& groups) const {
  // Tornado's order: the rules of hosts that match, then the application's own (wildcard)
  // rules, then, when default_host is set and no proxy forwarded the request, the rules of
  // hosts whose pattern matches default_host; last, the default_handler setting's rule.
  // The host in lower case, made only when a host rule needs it: an application without
  // add_handlers has only the wildcard rules, and the copy would be for nothing.
  std::optional<std::string> host;
  auto lower_host = [&]() -> const std::string& {
    if (!host) host = util::ascii_lower(request.host_name);
    return *host;
  };
  auto search = [&](const HostRules& rules) -> const URLSpec* {
    for (const URLSpec& spec : rules.specs) {
      if (spec.match(request.path, groups)) return &spec;
    }
    return nullptr;
  };
  if (hosts_.size() == 1) {
    // Only the application's own rules (no add_handlers(), as most applications): no host
    // rule to try before them or after.
    if (const URLSpec* spec = search(hosts_.front())) return spec;
    if (default_spec_ && default_spec_->match(request.path, groups)) return &*default_spec_;
    return nullptr;
  }
  for (const HostRules& rules : hosts_) {
    if (rules.wildcard || !rules.host.match(lower_host(), nullptr)) continue;
    if (const URLSpec* spec = search(rules)) return spec;
  }
  for (const HostRules& rules : hosts_) {
    if (!rules.wildcard) continue;
    if (const URLSpec* spec = search(rules)) return spec;
  }
  if (!settings_.default_host.empty() && !request.headers.contains("X-Real-Ip")) {
    for (const HostRules& rules : hosts_) {
      if (rules.wildcard || !rules.host.match(settings_.default_host, nullptr)) continue;
      if (const URLSpec* spec = search(rules)) return spec;
    }
  }
  if (default_spec_ && default_spec_->match(request.path, groups)) return &*default_spec_;
  return nullptr;
}

std::string Application::reverse_url(std::string_view name,
                                     const std::vector<std::string>& args) const {
  for (const HostRules& rules : hosts_) {
    for (const URLSpec& spec : rules.specs) {
      if (spec.name() == name) return spec.reverse(args);
    }
  }
  throw std::invalid_argument(std::string(name) + " not found in named urls");
}

HTTPServer& Application::listen(int port, const std::string& address, HTTPServerOptions options) {
  auto server = std::make_unique<HTTPServer>(*this, std::move(options));
  server->listen(port, address);
  servers_.push_back(std::move(server));
  return *servers_.back();
}

std::unique_ptr<HTTPMessageDelegate> Application::start_request(
    HTTP1ServerConnection& /*server_conn*/, std::shared_ptr<HTTPConnection> request_conn) {
  return std::make_unique<RequestDispatcher>(*this, std::move(request_conn));
}

void Application::log_request(RequestHandler& handler) const {
  if (settings_.log_function) {
    settings_.log_function(handler);
    return;
  }
  const int status = handler.get_status();
  const log::Level level = status < 400   ? log::Level::kInfo
                           : status < 500 ? log::Level::kWarning
                                          : log::Level::kError;
  if (!log::access_log.enabled(level)) return;
  // Tornado's "%d %s %.2fms": the status, the request summary ("GET /path (127.0.0.1)") and
  // the milliseconds. Put together on the stack, with printf's digits: snprintf's machinery
  // cost 2,800 instructions a line, more than the rest of a small request, and the summary
  // made as a string first a malloc, and a bounds check per piece ~300 more (bench/README.md).
  // A line too long for the buffer, or a time hundredths() leaves to printf, goes through the
  // logger's printf path.
  const HTTPServerRequest& request = handler.request();
  const double ms = 1000.0 * request.request_time();
  const std::optional<std::uint64_t> h = hundredths(ms);
  // The numbers take at most 11 (an int) and 20 (the milliseconds' whole part) characters, the
  // fixed text 11 (" ", " ", " (", ") ", ".dd", "ms"): a line whose strings leave room for
  // them is written without a check per piece, the constant pieces as plain stores.
  char line[512];
  constexpr std::size_t kNumbersAndText = 11 + 20 + 11;
  if (h && request.method.size() + request.uri.size() + request.remote_ip.size() <=
               sizeof line - kNumbersAndText) {
    char* p = line;
    auto put = [&p](std::string_view s) {
      std::memcpy(p, s.data(), s.size());
      p += s.size();
    };
    p = std::to_chars(p, line + sizeof line, status).ptr;
    *p++ = ' ';
    put(request.method);
    *p++ = ' ';
    put(request.uri);
    put(" (");
    put(request.remote_ip);
    put(") ");
    p = std::to_chars(p, line + sizeof line, *h / 100).ptr;
    const char cents[5] = {'.', static_cast<char>('0' + *h % 100 / 10),
                           static_cast<char>('0' + *h % 10), 'm', 's'};
    put(std::string_view(cents, sizeof cents));
    log::access_log.write(level, SourceLocation::current(),
                          std::string_view(line, static_cast<std::size_t>(p - line)));
  } else {
    log::access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method.c_str(),
                        request.uri.c_str(), request.remote_ip.c_str(), ms);
  }
}

std::string RequestHandler::reverse_url(std::string_view name,
                                        const std::vector<std::string>& args) const {
  return application_->reverse_url(name, args);
}

void RedirectHandler::redirect_to() {
  // "{0}", "{1}"... are the groups (str.format in Tornado); the query string is kept.
  std::string target;
  for (std::size_t i = 0; i < url_.size(); ++i) {
    if (url_[i] == '{') {
      const std::size_t end = url_.find('}', i);
      if (end != std::string::npos && end > i + 1) {
        bool digits = true;
        for (std::size_t k = i + 1; k < end; ++k)
          digits = digits && std::isdigit(static_cast<unsigned char>(url_[k]));
        if (digits) {
          const std::size_t n = std::stoul(url_.substr(i + 1, end - i - 1));
          if (n >= path_args().size())
            throw std::invalid_argument("RedirectHandler: no group {" + std::to_string(n) + "}");
          target += path_args()[n];
          i = end;
          continue;
        }
      }
    }
    target += url_[i];
  }
  if (!request().query.empty()) {
    target += target.find('?') == std::string::npos ? '?' : '&';
    target += request().query;
  }
  redirect(target, permanent_);
}

}  // namespace tornado::web
