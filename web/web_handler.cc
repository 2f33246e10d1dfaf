// web/web_handler.cc: RequestHandler's request sequence, its output (status, headers, body,
// flush, finish, errors, ETags) and its arguments.
//
// Mirrors:  tornado/web.py RequestHandler (_execute, _handle_request_exception, log_exception,
//           clear, set_status, set_header, write, flush, finish, redirect, send_error,
//           write_error, compute_etag, check_etag_header, get_argument and friends,
//           decode_argument).
// Thread:   the loop thread.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "tornado/http/escape.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/iostream.h"
#include "tornado/web/sha1.h"
#include "tornado/web/web.h"

namespace tornado::web {

namespace {

constexpr std::string_view kServer = "tornado-cpp/0.1";

// The Date header, formatted once per second (it is on every response).
const std::string& http_date_now() {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    cached_at = now;
    cached = httputil::format_timestamp(now);
  }
  return cached;
}

// RFC 9110's field-value: HTAB, SP, VCHAR, obs-text. Anything else (CR, LF, NUL...) would let
// a value end the header or the head. Every value set goes through here (the automatic ETag's
// 42 bytes on each GET), so eight bytes are looked at a time: (x - 0x20..) & ~x & 0x80.. is
// non-zero when some byte of x is below 0x20, and x ^ 0x7f.. has a zero byte where x has DEL;
// only a block with either (a tab, or a byte to refuse) is looked at byte by byte.
bool safe_header_value(std::string_view v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const char* p = v.data();
  std::size_t n = v.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    const std::uint64_t del = x ^ (kOnes * 0x7f);
    if (((x - kOnes * 0x20) & ~x & kHighs) | ((del - kOnes) & ~del & kHighs)) break;
  }
  for (; n > 0; ++p, --n) {
    const auto u = static_cast<unsigned char>(*p);
    if (u != '\t' && (u < 0x20 || u == 0x7f)) return false;
  }
  return true;
}

// A field name with a colon or a control character would end the field early or forge another;
// the connection refuses to write one, so refusing it here, when it is set, lets the error become
// a 500 rather than a connection closed with no answer.
bool safe_header_name(std::string_view n) {
  for (char c : n) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// The reason-phrase ABNF, without "<" (so it cannot carry markup into error pages).
bool valid_reason(std::string_view r) {
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '<' || (u != '\t' && (u < 0x20 || u == 0x7f))) return false;
  }
  return true;
}

std::string_view strip_ascii(std::string_view s) {
  constexpr std::string_view ws = " \t\n\r\f\v";
  const std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

// --- construction and the request sequence ----------------------------------------------------

HTTPError::HTTPError(int status_code, std::string log_message, std::string reason)
    : std::runtime_error(
          "HTTP " + std::to_string(status_code) + ": " +
          (reason.empty() ? std::string(httputil::reason_phrase(status_code)) : reason) +
          (log_message.empty() ? "" : " (" + log_message + ")")),
      status_code_(status_code),
      log_message_(std::move(log_message)),
      reason_(std::move(reason)) {}

MissingArgumentError::MissingArgumentError(std::string arg_name)
    : HTTPError(400, "Missing argument " + arg_name), arg_name_(std::move(arg_name)) {}

namespace {

// What the next RequestHandler constructed on this thread is attached to (set by
// HandlerAccess::Attaching while url<H>'s factory constructs a handler).
struct PendingAttachment {
  Application* app = nullptr;
  std::shared_ptr<HTTPServerRequest> request;
  const detail::HandlerOps* ops = nullptr;
  bool set = false;
};
thread_local PendingAttachment pending_attachment;

}  // namespace

RequestHandler::RequestHandler() {
  // Taken here, before the derived constructor's body runs, so that it can use request().
  PendingAttachment& p = pending_attachment;
  if (p.set) {
    p.set = false;
    application_ = p.app;
    request_ = std::move(p.request);
    ops_ = p.ops;
  }
}

RequestHandler::~RequestHandler() = default;

detail::HandlerAccess::Attaching::Attaching(Application& app,
                                            std::shared_ptr<HTTPServerRequest> request,
                                            const HandlerOps* ops) {
  pending_attachment = PendingAttachment{&app, std::move(request), ops, true};
}

detail::HandlerAccess::Attaching::~Attaching() {
  // Still set only when no handler was constructed (its constructor threw first).
  pending_attachment = PendingAttachment{};
}

void detail::HandlerAccess::attached(RequestHandler& h) {
  if (!h.request_) throw std::logic_error("a handler was constructed without its request");
  h.clear();
}

void detail::HandlerAccess::run(std::shared_ptr<RequestHandler> h, std::vector<std::string> groups,
                                const std::vector<std::string>* names) {
  RequestHandler& handler = *h;
  handler.execute(std::move(h), std::move(groups), names);
}

bool detail::HandlerAccess::still_running(const RequestHandler& h) {
  return !h.finished_ && !h.finishing_;
}

const Settings& RequestHandler::settings() const { return application_->settings(); }

bool RequestHandler::supports_method(std::string_view m) const {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "DELETE" || m == "PATCH" || m == "PUT" ||
         m == "OPTIONS";
}

void RequestHandler::execute(std::shared_ptr<RequestHandler> self, std::vector<std::string> groups,
                             const std::vector<std::string>* names) {
  // Runs at once as far as it can: a handler whose prepare() and method return void (most
  // of them) finishes here, and only one that returns a Future to wait on continues in a
  // coroutine (execute_rest). That spares the common request a coroutine frame and a Future.
  try {
    if (!supports_method(request_->method)) throw HTTPError(405);
    // Groups come %-encoded from the path; as Tornado, "+" stays a plus here.
    for (std::size_t i = 0; i < groups.size(); ++i) {
      std::string v = decode_argument(escape::url_unescape(groups[i], false), "url");
      if (names && i < names->size() && !(*names)[i].empty()) path_kwargs_[(*names)[i]] = v;
      path_args_.push_back(std::move(v));
    }
    const std::string& m = request_->method;
    if (m != "GET" && m != "HEAD" && m != "OPTIONS" && settings().xsrf_cookies) {
      check_xsrf_cookie();
    }
    if (std::optional<Future<void>> p = ops_->prepare(*this)) {
      (void)execute_rest(std::move(self), std::move(*p), true);
      return;
    }
    if (finished_) return;
    if (std::optional<Future<void>> r = ops_->call(*this, m, path_args_)) {
      (void)execute_rest(std::move(self), std::move(*r), false);
      return;
    }
    if (auto_finish_ && !finished_) (void)finish();
  } catch (...) {
    handle_request_exception(std::current_exception());
  }
}

Future<void> RequestHandler::execute_rest(std::shared_ptr<RequestHandler> self,
                                          Future<void> pending, bool method_next) {
  (void)self;  // keeps the handler alive while the sequence runs
  std::exception_ptr error;
  try {
    co_await pending;
    if (method_next && !finished_) {
      if (std::optional<Future<void>> r = ops_->call(*this, request_->method, path_args_))
        co_await *r;
    }
    if (auto_finish_ && !finished_) (void)finish();
  } catch (...) {
    error = std::current_exception();
  }
  if (error) handle_request_exception(error);
}

void RequestHandler::handle_request_exception(std::exception_ptr e) {
  int code = 500;
  bool quiet = false;
  try {
    std::rethrow_exception(e);
  } catch (const Finish&) {
    quiet = true;
  } catch (const StreamClosedError&) {
    // A co_awaited flush() throws this once the client has left, so that the handler can stop:
    // a peer leaving is normal, and nobody is there to read an error page
    // (web_connection_close_test). Another stream's failure is still the handler's error.
    if (request_->connection->closed()) {
      log::gen_log.debug("%s: the client left before the response was finished",
                         request_summary().c_str());
      quiet = true;
    }
  } catch (const HTTPError& h) {
    code = h.status_code();
  } catch (...) {
  }
  if (quiet) {
    if (!finished_) {
      try {
        (void)finish();  // on_finish runs; on a closed connection the output is dropped
      } catch (const std::exception& f) {
        log::gen_log.error("Failed to finish %s: %s", request_summary().c_str(), f.what());
      }
    }
    return;
  }
  log_exception(e);
  if (finished_) return;  // the response went out; nothing more can be said
  send_error(code, e);
}

void RequestHandler::log_exception(std::exception_ptr e) const {
  try {
    std::rethrow_exception(e);
  } catch (const HTTPError& h) {
    if (!h.log_message().empty()) {
      log::gen_log.warning("%d %s: %s", h.status_code(), request_summary().c_str(),
                           h.log_message().c_str());
    }
  } catch (...) {
    log::app_log.error("Uncaught exception %s: %s", request_summary().c_str(),
                       util::exception_message(std::current_exception()).c_str());
  }
}

std::string RequestHandler::request_summary() const {
  return request_->method + " " + request_->uri + " (" + request_->remote_ip + ")";
}

// --- output -------------------------------------------------------------------------------------

void RequestHandler::clear() {
  // Names and values known to be in the form add() would give them: added as they are.
  headers_.clear();
  headers_.add_normalized("Server", std::string(kServer));
  headers_.add_normalized("Content-Type", "text/html; charset=UTF-8");
  headers_.add_normalized("Date", http_date_now());
  set_default_headers();
  write_buffer_.clear();
  status_code_ = 200;
  reason_ = "OK";
}

void RequestHandler::set_status(int status_code, std::string_view reason) {
  status_code_ = status_code;
  if (!reason.empty() && valid_reason(reason)) {
    reason_ = std::string(reason);
  } else if (!reason.empty()) {
    reason_ = "Unknown";  // never echo a reason that could inject a header or markup
  } else {
    reason_ = std::string(httputil::reason_phrase(status_code));
  }
}

void RequestHandler::set_header(std::string_view name, std::string_view value) {
  if (!safe_header_name(name)) throw std::invalid_argument("Unsafe header name");
  if (!safe_header_value(value)) throw std::invalid_argument("Unsafe header value");
  headers_.set(name, value);
}

void RequestHandler::set_header(std::string_view name, std::int64_t value) {
  set_header(name, std::string_view(std::to_string(value)));
}

void RequestHandler::add_header(std::string_view name, std::string_view value) {
  if (!safe_header_name(name)) throw std::invalid_argument("Unsafe header name");
  if (!safe_header_value(value)) throw std::invalid_argument("Unsafe header value");
  headers_.add(name, value);
}

void RequestHandler::clear_header(std::string_view name) { headers_.erase(name); }

void RequestHandler::write(std::string_view chunk) {
  if (finished_) throw std::logic_error("Cannot write() after finish()");
  write_buffer_.append(chunk);
}

void RequestHandler::write(const json::Value& value) {
  if (!value.is_object())
    throw std::invalid_argument(
        "write() takes a JSON object, not an array or a scalar (as Tornado: a top-level array "
        "can be read cross-site by old browsers)");
  write(json::encode(value));
  set_header("Content-Type", "application/json; charset=UTF-8");
}

Future<void> RequestHandler::flush() {
  std::string chunk = std::move(write_buffer_);
  write_buffer_.clear();
  HTTPConnection& conn = *request_->connection;
  if (!headers_written_) {
    headers_written_ = true;
    if (request_->method == "HEAD") chunk.clear();
    for (const auto& [name, cookie] : new_cookies_) headers_.add("Set-Cookie", cookie);
    return conn.write_headers(ResponseStartLine{"", status_code_, reason_}, headers_, chunk);
  }
  if (request_->method == "HEAD") return make_ready_future();
  return conn.write(chunk);
}

void RequestHandler::clear_representation_headers() {
  // A 304 describes a representation the client has; 204 and 1xx have none.
  headers_.erase("Content-Encoding");
  headers_.erase("Content-Language");
  headers_.erase("Content-Type");
}

Future<void> RequestHandler::finish(std::string_view chunk) {
  if (finished_) throw std::logic_error("finish() called twice");
  if (!chunk.empty()) write(chunk);
  if (!headers_written_) {
    const std::string& m = request_->method;
    if (status_code_ == 200 && (m == "GET" || m == "HEAD") && !headers_.contains("Etag")) {
      // Not there yet: added, not set (set would scan the fields to erase it first).
      if (std::optional<std::string> etag = compute_etag()) {
        if (!safe_header_value(*etag)) throw std::invalid_argument("Unsafe header value");
        // A compute_etag() of the handler's own may have spaces around its value, which
        // add() would strip; the default's has none, and is moved in without a copy.
        const std::string_view trimmed = util::trim(*etag);
        headers_.add_normalized(
            "Etag", trimmed.size() == etag->size() ? std::move(*etag) : std::string(trimmed));
        // Compared with the value in hand rather than through check_etag_header(), which
        // would search the fields for it again.
        if (etag_matches(headers_.get_all().back().value,
                         request_->headers.find("If-None-Match"))) {
          write_buffer_.clear();
          set_status(304);
        }
      }
    }
    if (status_code_ == 204 || status_code_ == 304 || (status_code_ >= 100 && status_code_ < 200)) {
      if (!write_buffer_.empty())
        throw std::logic_error("Cannot send a body with a " + std::to_string(status_code_) +
                               " response");
      clear_representation_headers();
    } else if (!headers_.contains("Content-Length")) {
      char n[24];
      const auto r = std::to_chars(n, n + sizeof n, write_buffer_.size());
      headers_.add_normalized("Content-Length",
                              std::string(n, static_cast<std::size_t>(r.ptr - n)));
    }
  }
  // The connection's close callback holds this handler: drop it first, so that the cycle
  // handler -> request -> connection -> callback is broken even when what follows throws
  // (a response shorter than its Content-Length); and once here, the dispatcher does not set
  // it again (HandlerAccess::still_running).
  request_->connection->set_close_callback({});
  finishing_ = true;
  Future<void> sent = flush();
  (void)request_->connection->finish();
  request_->finish_time = IOLoop::current().time();
  finished_ = true;
  application_->log_request(*this);
  on_finish();
  return sent;
}

std::shared_ptr<IOStream> RequestHandler::detach(std::string* unread) {
  return request_->connection->detach(unread);
}

Future<void> RequestHandler::finish(const json::Value& value) {
  write(value);
  return finish();
}

void RequestHandler::redirect(std::string_view url, bool permanent, int status) {
  if (headers_written_) throw std::logic_error("Cannot redirect after headers have been written");
  if (status == 0) status = permanent ? 301 : 302;
  if (status < 300 || status > 399) throw std::invalid_argument("redirect status must be 3xx");
  set_status(status);
  set_header("Location", url);
  (void)finish();
}

void RequestHandler::send_error(int status_code, std::exception_ptr error) {
  if (headers_written_) {
    log::gen_log.error("Cannot send error response after headers written");
    if (!finished_) {
      try {
        (void)finish();
      } catch (const std::exception& e) {
        log::gen_log.error("Failed to flush partial response: %s", e.what());
      }
    }
    return;
  }
  clear();
  std::string reason;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const HTTPError& h) {
      reason = h.reason();
    } catch (...) {
    }
  }
  set_status(status_code, reason);
  try {
    write_error(status_code, error);
  } catch (const std::exception& e) {
    log::app_log.error("Uncaught exception in write_error: %s", e.what());
    write_buffer_.clear();  // as Tornado: the error page is then empty
  }
  if (!finished_) {
    try {
      (void)finish();
    } catch (const std::exception& e) {
      log::gen_log.error("Failed to finish the error response: %s", e.what());
    }
  }
}

void RequestHandler::write_error(int status_code, std::exception_ptr error) {
  if (error && (settings().serve_traceback || settings().debug)) {
    set_header("Content-Type", "text/plain");
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      write(e.what());
      write("\n");
    } catch (...) {
      write("unknown exception\n");
    }
    return;
  }
  char page[512];
  const int n =
      std::snprintf(page, sizeof page, "<html><title>%d: %s</title><body>%d: %s</body></html>",
                    status_code, reason_.c_str(), status_code, reason_.c_str());
  write(std::string_view(page, n > 0 ? static_cast<std::size_t>(n) : 0));
}

std::optional<std::string> RequestHandler::compute_etag() const {
  // Written in place into one string: the quotes and 40 hex digits (no concatenations).
  const Sha1::Digest d = sha1(write_buffer_);
  std::string etag(2 * d.size() + 2, '"');
  hex_encode(d.data(), d.size(), etag.data() + 1);
  return etag;
}

void RequestHandler::set_etag_header() {
  if (std::optional<std::string> etag = compute_etag()) set_header("Etag", *etag);
}

bool RequestHandler::check_etag_header() const {
  const std::string* computed = headers_.find("Etag");
  return computed && etag_matches(*computed, request_->headers.find("If-None-Match"));
}

bool RequestHandler::etag_matches(std::string_view computed, const std::string* inm) {
  if (computed.empty() || !inm) return false;
  // The entity tags in If-None-Match: "*", or a list of [W/]"..." (RFC 9110 §13.1.2).
  auto weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
  const std::string_view want = weak(computed);
  std::string_view rest = *inm;
  bool first = true;
  while (!rest.empty()) {
    const std::size_t star = rest.find('*');
    const std::size_t quote = rest.find('"');
    if (star != std::string_view::npos && (quote == std::string_view::npos || star < quote)) {
      if (first) return true;
      rest.remove_prefix(star + 1);
      continue;
    }
    if (quote == std::string_view::npos) break;
    const std::size_t end = rest.find('"', quote + 1);
    if (end == std::string_view::npos) break;
    std::size_t begin = quote;
    if (begin >= 2 && rest.substr(begin - 2, 2) == "W/") begin -= 2;
    if (weak(rest.substr(begin, end + 1 - begin)) == want) return true;
    first = false;
    rest.remove_prefix(end + 1);
  }
  return false;
}

// --- input --------------------------------------------------------------------------------------

std::string RequestHandler::decode_argument(std::string_view value, std::string_view name) const {
  if (!escape::utf8_valid(value)) {
    throw HTTPError(400, "Invalid unicode in " + std::string(name.empty() ? "url" : name) + ": " +
                             std::string(value.substr(0, 40)));
  }
  return std::string(value);
}

namespace {

// Tornado's _get_arguments: decode, replace control characters with spaces, strip.
std::vector<std::string> collect(const RequestHandler& h, const Arguments& source,
                                 std::string_view name, bool strip) {
  std::vector<std::string> out;
  const auto it = source.find(name);
  if (it == source.end()) return out;
  for (const std::string& raw : it->second) {
    std::string s = h.decode_argument(raw, name);
    for (char& c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x08 || (u >= 0x0e && u <= 0x1f)) c = ' ';
    }
    out.emplace_back(strip ? std::string(strip_ascii(s)) : std::move(s));
  }
  return out;
}

std::string last_or_throw(std::vector<std::string> values, std::string_view name) {
  if (values.empty()) throw MissingArgumentError(std::string(name));
  return std::move(values.back());
}

std::string last_or(std::vector<std::string> values, std::string_view fallback) {
  if (values.empty()) return std::string(fallback);
  return std::move(values.back());
}

}  // namespace

std::string RequestHandler::get_argument(std::string_view name) const {
  return last_or_throw(collect(*this, request_->arguments, name, true), name);
}
std::string RequestHandler::get_argument(std::string_view name, std::string_view default_value,
                                         bool strip) const {
  return last_or(collect(*this, request_->arguments, name, strip), default_value);
}
std::vector<std::string> RequestHandler::get_arguments(std::string_view name, bool strip) const {
  return collect(*this, request_->arguments, name, strip);
}
std::string RequestHandler::get_query_argument(std::string_view name) const {
  return last_or_throw(collect(*this, request_->query_arguments, name, true), name);
}
std::string RequestHandler::get_query_argument(std::string_view name,
                                               std::string_view default_value, bool strip) const {
  return last_or(collect(*this, request_->query_arguments, name, strip), default_value);
}
std::vector<std::string> RequestHandler::get_query_arguments(std::string_view name,
                                                             bool strip) const {
  return collect(*this, request_->query_arguments, name, strip);
}
std::string RequestHandler::get_body_argument(std::string_view name) const {
  return last_or_throw(collect(*this, request_->body_arguments, name, true), name);
}
std::string RequestHandler::get_body_argument(std::string_view name, std::string_view default_value,
                                              bool strip) const {
  return last_or(collect(*this, request_->body_arguments, name, strip), default_value);
}
std::vector<std::string> RequestHandler::get_body_arguments(std::string_view name,
                                                            bool strip) const {
  return collect(*this, request_->body_arguments, name, strip);
}

std::optional<std::string> RequestHandler::current_user() {
  if (!current_user_) current_user_ = get_current_user();
  return *current_user_;
}

std::string RequestHandler::get_login_url() const {
  if (settings().login_url.empty())
    throw std::logic_error("the login_url setting is needed to use authentication");
  return settings().login_url;
}

}  // namespace tornado::web
