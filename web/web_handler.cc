// web/web_handler.cc: RequestHandler's request sequence, its errors and its arguments.
//
// Mirrors:  tornado/web.py RequestHandler (_execute, _handle_request_exception, log_exception,
//           send_error, write_error, get_argument and friends, decode_argument,
//           current_user, get_login_url).
// Role:     the life of a request in a handler: attaching it, running prepare() and the
//           method (at once, or in a coroutine when one returns a Future), turning what it
//           throws into an error page, and reading its arguments. What the handler writes
//           (status, headers, body, flush, finish, ETags) is in web/web_output.cc.
// Thread:   the loop thread.
#include <cstdio>

#include "tornado/http/escape.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/iostream.h"
#include "tornado/web/web.h"

namespace tornado::web {

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

void detail::throw_method_not_allowed() { throw HTTPError(405); }

void detail::throw_wrong_arity(std::size_t count) {
  throw std::invalid_argument("the handler's method does not take " + std::to_string(count) +
                              " path arguments");
}

void detail::throw_too_many_path_arguments() {
  throw std::invalid_argument("a handler method takes at most 6 path arguments");
}

namespace {

// What the next RequestHandler constructed on this thread is attached to (set by
// HandlerAccess::Attaching while url<H>'s factory constructs a handler).
// The request is the factory's, moved from only by the constructor: handed over by pointer,
// it is moved once, where a copy held here was moved in, out, and reset.
struct PendingAttachment {
  Application* app = nullptr;
  std::shared_ptr<HTTPServerRequest>* request = nullptr;
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
    request_ = std::move(*p.request);
    ops_ = p.ops;
  }
}

// The response's fields go to the next handler's clear() on this thread (or their values to
// the thread's spare strings).
RequestHandler::~RequestHandler() { recycle_header_values(); }

detail::HandlerAccess::Attaching::Attaching(Application& app,
                                            std::shared_ptr<HTTPServerRequest>& request,
                                            const HandlerOps* ops) {
  pending_attachment = PendingAttachment{&app, &request, ops, true};
}

detail::HandlerAccess::Attaching::~Attaching() {
  // Still set only when no handler was constructed (its constructor threw first).
  pending_attachment.set = false;
}

void detail::HandlerAccess::attached(RequestHandler& h) {
  if (!h.request_) throw std::logic_error("a handler was constructed without its request");
  h.clear();
}

void detail::HandlerAccess::run(const std::shared_ptr<RequestHandler>& h,
                                std::vector<std::string>&& groups,
                                const std::vector<std::string>* names) {
  h->execute(h, std::move(groups), names);
}

bool detail::HandlerAccess::still_running(const RequestHandler& h) {
  return !h.finished_ && !h.finishing_;
}

const Settings& RequestHandler::settings() const { return application_->settings(); }

bool RequestHandler::supports_method(std::string_view m) const {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "DELETE" || m == "PATCH" || m == "PUT" ||
         m == "OPTIONS";
}

void RequestHandler::execute(const std::shared_ptr<RequestHandler>& self,
                             std::vector<std::string>&& groups,
                             const std::vector<std::string>* names) {
  // Runs at once as far as it can: a handler whose prepare() and method return void (most
  // of them) finishes here, and only one that returns a Future to wait on continues in a
  // coroutine (execute_rest). That spares the common request a coroutine frame and a Future.
  try {
    if (!supports_method(request_->method)) throw HTTPError(405);
    // Groups come %-encoded from the path; as Tornado, "+" stays a plus here.
    for (std::size_t i = 0; i < groups.size(); ++i) {
      std::string v = decode_argument(escape::url_unescape(groups[i], false), "url");
      if (names && i < names->size() && !(*names)[i].empty()) rare().path_kwargs[(*names)[i]] = v;
      path_args_.push_back(std::move(v));
    }
    const std::string_view m = request_->method;  // a view: lengths compared before bytes
    if (m != "GET" && m != "HEAD" && m != "OPTIONS" && settings().xsrf_cookies) {
      check_xsrf_cookie();
    }
    if (std::optional<Future<void>> p = ops_->prepare(*this)) {
      (void)execute_rest(self, std::move(*p), true);
      return;
    }
    if (finished_) return;
    if (std::optional<Future<void>> r = ops_->call(*this, m, path_args_)) {
      (void)execute_rest(self, std::move(*r), false);
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

// --- errors -------------------------------------------------------------------------------------

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
    out.emplace_back(strip ? std::string(util::trim(s, util::kWhitespace)) : std::move(s));
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
  Rare& r = rare();
  if (!r.current_user) r.current_user = get_current_user();
  return *r.current_user;
}

const std::map<std::string, std::string>& RequestHandler::path_kwargs() const {
  static const std::map<std::string, std::string> none;
  return rare_ ? rare_->path_kwargs : none;
}

std::string RequestHandler::get_login_url() const {
  if (settings().login_url.empty())
    throw std::logic_error("the login_url setting is needed to use authentication");
  return settings().login_url;
}

}  // namespace tornado::web
