// web/web.h: the web framework: Application, RequestHandler and the handlers that come with
// them.
//
// Mirrors:  tornado/web.py (RequestHandler, Application, HTTPError, Finish,
//           MissingArgumentError, ErrorHandler, RedirectHandler, StaticFileHandler,
//           create_signed_value, decode_signed_value).
//
//   struct MainHandler : tornado::web::RequestHandler {
//     void get() { write("Hello, world"); }
//   };
//   struct UserHandler : tornado::web::RequestHandler {
//     explicit UserHandler(Database* db) : db_(db) {}      // the rule's arguments
//     tornado::Future<void> get(const std::string& id) {   // a coroutine, as in Tornado
//       co_await tornado::gen::sleep(std::chrono::milliseconds(10));
//       write(tornado::json::Object{{"id", id}, {"name", db_->name(id)}});
//     }
//     Database* db_;
//   };
//   using tornado::web::url;
//   tornado::web::Application app({
//       url<MainHandler>("/"),
//       url<UserHandler>(R"(/user/(\d+))", &db).name("user"),
//   });
//   app.listen(8888);
//   tornado::IOLoop::current().start();
//
// Role:     Application is an HTTPServerConnectionDelegate: for each request it finds the
//           rule whose pattern matches (web/routing.h), makes a new handler of the rule's
//           class, and runs Tornado's sequence on it: its constructor or initialize (with the
//           rule's arguments), the XSRF check, prepare, the method named by the request (with the
//           pattern's groups as arguments), finish unless the handler kept the request open,
//           on_finish, the access log line. OPTIONS * (200 with Allow) and CONNECT (405) name
//           the server, not a path, and are answered without consulting the rules.
// Rules:    url<H>(pattern, args...) routes a pattern to handler class H, and .name("x")
//           names the rule for reverse_url (Tornado's url(pattern, H, kwargs, name)). The
//           arguments are stored in the rule and reach each request's handler through H's
//           constructor when it takes them, otherwise through initialize(args...); shared state
//           goes as a pointer, std::reference_wrapper or std::shared_ptr (web_binding.h says
//           how they are copied, and that request() works in the constructor).
// Handlers: a handler is a class derived from RequestHandler. Its HTTP methods (get, head,
//           post, delete_, patch, put, options; delete is a C++ keyword) and prepare are found
//           by name at compile time by url<H>(): each may return void or Future<void> (a
//           coroutine), and takes one string-like argument per group of its pattern. A method
//           the class does not have answers 405, as Tornado's default methods do, except HEAD:
//           without head(), get() runs and the response goes out without its body (RFC 9110
//           §9.1; Tornado answers 405). A class that defines any() (Tornado has no such
//           method) has it called for every method it does not define itself, custom methods
//           its supports_method() accepts included (HEAD still prefers get()); it reads the
//           method from request().method.
//           The other hooks (on_finish, on_connection_close, write_error,
//           set_default_headers, compute_etag, get_current_user, check_xsrf_cookie) are
//           virtual.
// Ownership: the Application owns its rules and settings and must outlive its servers. Each
//           handler is owned by a shared_ptr held while its request runs; a handler that
//           calls asynchronous() and finishes later from a callback keeps itself alive by
//           capturing shared_from_this().
// Errors:   an exception from a handler becomes an error response: HTTPError(code) gives that
//           code, MissingArgumentError 400, anything else 500 and an error log line with the
//           request; write_error renders the page (with the exception's text when
//           serve_traceback or debug is set). Header values with CR, LF or other control
//           characters, and names with those or a colon, are refused with
//           std::invalid_argument, never sent.
// Thread:   the loop thread.
// See:      man tornado.web, man tornado.routing.
#pragma once

#include <cstdint>
#include <ctime>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/gen/recycle.h"
#include "tornado/http/httpserver.h"
#include "tornado/http/httputil.h"
#include "tornado/http/json.h"
#include "tornado/web/routing.h"
#include "tornado/web/template.h"

namespace tornado::web {

// --- control-flow exceptions ------------------------------------------------------------------

// Ends the request with an error response (Tornado's HTTPError). log_message goes to the log,
// never to the client; reason replaces the standard reason phrase.
class HTTPError : public std::runtime_error {
 public:
  explicit HTTPError(int status_code = 500, std::string log_message = {}, std::string reason = {});
  int status_code() const { return status_code_; }
  const std::string& log_message() const { return log_message_; }
  const std::string& reason() const { return reason_; }

 private:
  int status_code_;
  std::string log_message_;
  std::string reason_;
};

// A required argument was absent: 400 (Tornado's MissingArgumentError).
class MissingArgumentError : public HTTPError {
 public:
  explicit MissingArgumentError(std::string arg_name);
  const std::string& arg_name() const { return arg_name_; }

 private:
  std::string arg_name_;
};

// Ends the request without an error: what was set and written is sent (Tornado's Finish).
class Finish : public std::exception {
 public:
  const char* what() const noexcept override { return "Finish"; }
};

// --- settings ---------------------------------------------------------------------------------

class RequestHandler;
struct Settings;

namespace detail {
// The rules Settings::static_path adds before the application's (web_static.cc). Set only
// when a program gives static_path a value, so that a program that never does links no
// StaticFileHandler.
extern std::vector<Rule> (*static_rules)(const Settings& settings);
std::vector<Rule> make_static_rules(const Settings& settings);
}  // namespace detail

// Settings::static_path: a std::string that, given a value (in the Settings initializer or by
// assignment), links in StaticFileHandler to serve it. Changed only through std::string's own
// functions (append, +=, ...) it would not: the Application then refuses it.
class StaticPath : public std::string {
 public:
  StaticPath() = default;
  template <class T>
  requires std::is_constructible_v<std::string, T> StaticPath(T&& value)
      : std::string(std::forward<T>(value)) {  // NOLINT: implicit, as a string
    use();
  }
  template <class T>
  requires std::is_assignable_v<std::string&, T> StaticPath& operator=(T&& value) {
    std::string::operator=(std::forward<T>(value));
    use();
    return *this;
  }

 private:
  static void use() { detail::static_rules = &detail::make_static_rules; }
};

// Application settings, as Tornado's keyword arguments.
struct Settings {
  bool debug = false;  // implies serve_traceback, and autoreload unless it is set
  // Restarts the program when its executable (or a file given to autoreload::watch)
  // changes: autoreload::start() on IOLoop::current(). Unset: as debug.
  std::optional<bool> autoreload;
  bool serve_traceback = false;  // error pages carry the exception's text
  // Templates (RequestHandler::render): the folder they are loaded from, the escape function
  // of {{ }} ("" for none), the whitespace mode ("" for Tornado's default by file name), and
  // whether loaded templates are kept (unset: yes, unless debug).
  std::string template_path;
  std::string autoescape = "xhtml_escape";
  std::string template_whitespace;
  std::optional<bool> compiled_template_cache;
  StaticPath static_path;  // serves /static/... (and /favicon.ico, /robots.txt) from here
  std::string static_url_prefix = "/static/";
  // Signs cookies. cookie_secrets maps key versions to secrets (Tornado's dict form); when it
  // is not empty, key_version picks the one that signs.
  std::string cookie_secret;
  std::map<int, std::string> cookie_secrets;
  std::optional<int> key_version;
  bool xsrf_cookies = false;
  std::string xsrf_cookie_name = "_xsrf";
  int xsrf_cookie_version = 2;
  std::string login_url;
  // Replaces the access log line (Tornado's log_function).
  std::function<void(RequestHandler&)> log_function;
  // gzip needs zlib, which this library does not use: true is refused when the Application is
  // built (std::invalid_argument).
  bool compress_response = false;
  // Host patterns added with add_handlers also serve requests for this host name.
  std::string default_host;
  // Serves requests no other rule matches (Tornado's default_handler_class and _args), e.g.
  // url<NotFoundHandler>(".*"); its pattern is matched as any rule's. 404 when empty.
  Rule default_handler;
  // WebSocketHandler (web/websocket.h): seconds between keepalive pings (0: none); seconds
  // without a pong before the connection is closed (0: max(3 * interval, 30), as Tornado);
  // the largest message accepted (bigger ones are refused with close code 1009).
  double websocket_ping_interval = 0;
  double websocket_ping_timeout = 0;
  std::size_t websocket_max_message_size = 10 * 1024 * 1024;
};

// --- cookies ----------------------------------------------------------------------------------

// Attributes of a Set-Cookie header (Tornado's set_cookie keyword arguments).
struct CookieOptions {
  std::string domain;
  std::optional<std::time_t> expires;  // seconds since the epoch
  std::optional<double> expires_days;  // from now; ignored when expires is set
  std::string path = "/";
  std::optional<long> max_age;
  bool httponly = false;
  bool secure = false;
  std::string samesite;  // "Strict", "Lax" or "None"
};

// Tornado's signed values, byte-compatible with Python Tornado: version 2 (HMAC-SHA256, key
// versions) is written; versions 1 (HMAC-SHA1) and 2 are read. `now` is seconds since the
// epoch (0: the current time).
std::string create_signed_value(std::string_view secret, std::string_view name,
                                std::string_view value, int version = 2,
                                std::optional<int> key_version = std::nullopt, double now = 0);
std::string create_signed_value(const std::map<int, std::string>& secrets, int key_version,
                                std::string_view name, std::string_view value, double now = 0);
// The value, or nullopt when the signature, the name, the age or the format is wrong.
std::optional<std::string> decode_signed_value(std::string_view secret, std::string_view name,
                                               std::string_view value, double max_age_days = 31,
                                               int min_version = 1, double now = 0);
std::optional<std::string> decode_signed_value(const std::map<int, std::string>& secrets,
                                               std::string_view name, std::string_view value,
                                               double max_age_days = 31, int min_version = 1,
                                               double now = 0);
// The key version of a v2 signed value (0 when it has none), nullopt for other values.
std::optional<int> get_signature_key_version(std::string_view value);

// --- the handler ------------------------------------------------------------------------------

class Application;
namespace detail {
struct HandlerOps;
struct HandlerAccess;
}  // namespace detail

class RequestHandler : public std::enable_shared_from_this<RequestHandler> {
 public:
  RequestHandler();
  virtual ~RequestHandler();
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  Application& application() const { return *application_; }
  HTTPServerRequest& request() const { return *request_; }
  const Settings& settings() const;
  // The pattern's groups, %-decoded. With named groups, path_kwargs holds them by name (and
  // the method still receives them in order).
  const std::vector<std::string>& path_args() const { return path_args_; }
  const std::map<std::string, std::string>& path_kwargs() const;

  // --- hooks ---
  // The methods this handler accepts (Tornado's SUPPORTED_METHODS); others get 405.
  virtual bool supports_method(std::string_view method) const;
  // Called by clear(), at the start of each response: headers every response carries.
  virtual void set_default_headers() {}
  // After the response is finished (cleanup, metrics).
  virtual void on_finish() {}
  // The client went away before the response was finished (long polling, streaming).
  virtual void on_connection_close() {}
  // Renders an error page for send_error. `error` is the exception that caused it, if any.
  virtual void write_error(int status_code, std::exception_ptr error);
  // The ETag of the written body: "\"<sha1 hex>\"", or nullopt for none.
  virtual std::optional<std::string> compute_etag() const;
  // The authenticated user (Tornado's get_current_user), or nullopt; cached by current_user().
  virtual std::optional<std::string> get_current_user() { return std::nullopt; }
  // Throws HTTPError(403) unless the request carries the XSRF token (argument _xsrf, or the
  // X-Xsrftoken or X-Csrftoken header) matching the _xsrf cookie.
  virtual void check_xsrf_cookie();
  virtual std::string get_login_url() const;

  // --- input ---
  // The last value of argument `name` (body or query), stripped of surrounding whitespace;
  // throws MissingArgumentError (400) when absent. Values must be UTF-8 (400 otherwise).
  // (The required form has no `strip` flag: a bool there would capture a string literal meant
  // as the default. get_arguments(name, false) gives unstripped values.)
  std::string get_argument(std::string_view name) const;
  // The same, or `default_value` when absent.
  std::string get_argument(std::string_view name, std::string_view default_value,
                           bool strip = true) const;
  std::vector<std::string> get_arguments(std::string_view name, bool strip = true) const;
  std::string get_query_argument(std::string_view name) const;
  std::string get_query_argument(std::string_view name, std::string_view default_value,
                                 bool strip = true) const;
  std::vector<std::string> get_query_arguments(std::string_view name, bool strip = true) const;
  std::string get_body_argument(std::string_view name) const;
  std::string get_body_argument(std::string_view name, std::string_view default_value,
                                bool strip = true) const;
  std::vector<std::string> get_body_arguments(std::string_view name, bool strip = true) const;
  // Checks that an argument (or a path group) is UTF-8: HTTPError(400) otherwise. Override to
  // accept another charset.
  virtual std::string decode_argument(std::string_view value, std::string_view name) const;
  // The cookie's value, or nullopt.
  std::optional<std::string> get_cookie(std::string_view name) const;
  std::string get_cookie(std::string_view name, std::string_view default_value) const;
  // The value of a cookie signed with cookie_secret, or nullopt (absent, forged, expired).
  std::optional<std::string> get_secure_cookie(std::string_view name, double max_age_days = 31,
                                               int min_version = 1) const;
  std::optional<std::string> current_user();

  // --- output ---
  void set_status(int status_code, std::string_view reason = {});
  int get_status() const { return status_code_; }
  const std::string& reason() const { return reason_; }
  // Throws std::invalid_argument for a value holding a control character (CR, LF, NUL...), or
  // a name holding one or a colon: no header injection.
  void set_header(std::string_view name, std::string_view value);
  void set_header(std::string_view name, std::int64_t value);
  void add_header(std::string_view name, std::string_view value);
  void clear_header(std::string_view name);
  const HTTPHeaders& response_headers() const { return headers_; }
  // Appends to the output buffer. A json::Value object is encoded and sets Content-Type to
  // application/json; an array is refused (std::invalid_argument), as Tornado refuses lists.
  void write(std::string_view chunk);
  void write(const json::Value& value);
  void write(const char* chunk) { write(std::string_view(chunk)); }
  void write(const std::string& chunk) { write(std::string_view(chunk)); }
  // Sends what is buffered: the headers first, then the body so far (chunked, for HTTP/1.1).
  // Once the client has gone it fails with StreamClosedError; left to escape the handler,
  // that ends the request quietly (a peer leaving is not an error).
  Future<void> flush();
  // Ends the response (and sets Content-Length, the ETag and 304 when nothing was flushed).
  Future<void> finish(std::string_view chunk = {});
  Future<void> finish(const json::Value& value);
  Future<void> finish(const char* chunk) { return finish(std::string_view(chunk)); }
  Future<void> finish(const std::string& chunk) { return finish(std::string_view(chunk)); }
  // 301 (permanent), 302, or `status` (3xx), with Location, and finishes.
  void redirect(std::string_view url, bool permanent = false, int status = 0);
  // Clears the response and renders status_code with write_error.
  void send_error(int status_code = 500, std::exception_ptr error = nullptr);
  // Resets headers, status and body to a fresh response's.
  void clear();
  void set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});
  void clear_cookie(std::string_view name, std::string_view path = "/",
                    std::string_view domain = {});
  void clear_all_cookies(std::string_view path = "/", std::string_view domain = {});
  // Signs with cookie_secret (create_signed_value) and sets it, expiring in 30 days by default.
  void set_secure_cookie(std::string_view name, std::string_view value,
                         std::optional<double> expires_days = 30, CookieOptions options = {});
  std::string create_signed_value(std::string_view name, std::string_view value) const;
  // The XSRF token for forms (a masked version-2 token; sets the _xsrf cookie when absent).
  const std::string& xsrf_token();
  // <input type="hidden" name="_xsrf" value="...">
  std::string xsrf_form_html();
  // Sets the Etag header from compute_etag(); whether If-None-Match matches it (weak
  // comparison, lists, "*").
  void set_etag_header();
  bool check_etag_header() const;
  std::string reverse_url(std::string_view name, const std::vector<std::string>& args = {}) const;
  std::string static_url(std::string_view path, bool include_host = false);

  // --- templates ---
  // Renders the template `name` (from get_template_path()) with `values` over
  // get_template_namespace(), and finishes with it (Tornado's render). A syntax or render
  // error throws TemplateError: a 500 whose log line names the template and line.
  Future<void> render(std::string_view template_name, const Namespace& values = {});
  std::string render_string(std::string_view template_name, const Namespace& values = {});
  // The names every template of this handler sees: request (method, uri, path, query,
  // version, remote_ip, protocol, host, headers), current_user (None when nobody), and the
  // functions static_url(path), xsrf_form_html(), reverse_url(name, args...). Not virtual:
  // a handler class adds values or C++ functions (Namespace::set_function) by declaring its
  // own `Namespace get_template_namespace()` (no `override`; it usually starts from
  // RequestHandler::get_template_namespace()), which url<H> records for render and
  // render_string. A call through a RequestHandler& reaches this one, not the class's.
  Namespace get_template_namespace();
  // settings().template_path by default.
  virtual std::string get_template_path() const;

  // Tornado 4's @asynchronous: the request stays open when the method returns; the handler
  // calls finish() later (from a callback, keeping itself alive with shared_from_this()).
  void asynchronous() { auto_finish_ = false; }
  bool finished() const { return finished_; }
  bool headers_written() const { return headers_written_; }
  // The bytes buffered by write() and not flushed yet.
  std::size_t buffered_size() const { return write_buffer_.size(); }
  // Takes the connection's stream once the response is finished (Tornado's _detach_stream):
  // the server stops treating it as HTTP. `unread` receives the bytes the client sent after
  // its request. For protocols that start with an HTTP handshake (web/websocket.h).
  std::shared_ptr<IOStream> detach(std::string* unread = nullptr);

 protected:
  // "GET /path (127.0.0.1)".
  std::string request_summary() const;
  // What finish() would send; for subclasses computing ETags over it.
  const std::string& write_buffer() const { return write_buffer_; }

 private:
  friend struct detail::HandlerAccess;
  friend class Application;

  // Tornado's _execute: the XSRF check, prepare, the method, finish.
  // `self` is the handler's owner, alive while execute() runs, copied by a sequence that
  // continues after it (so that a request that finishes at once takes no reference more);
  // `names` are the pattern's group names.
  void execute(const std::shared_ptr<RequestHandler>& self, std::vector<std::string>&& groups,
               const std::vector<std::string>* names);
  // The rest of the sequence once prepare() (method_next) or the method returned `pending`.
  Future<void> execute_rest(std::shared_ptr<RequestHandler> self, Future<void> pending,
                            bool method_next);
  void handle_request_exception(std::exception_ptr e);
  void log_exception(std::exception_ptr e) const;
  void clear_representation_headers();
  // Empties headers_: the list goes to the next handler's clear() on this thread, or its
  // values' storage to later ones (gen/recycle.h).
  void recycle_header_values();
  // RequestHandler's compute_etag(): "\"<sha1 hex of the body>\"".
  std::string sha1_etag() const;
  // Whether the If-None-Match value `inm` (nullptr when absent) names the ETag `computed`.
  static bool etag_matches(std::string_view computed, const std::string* inm);
  std::optional<std::string> raw_xsrf_token();

  Application* application_ = nullptr;
  const detail::HandlerOps* ops_ = nullptr;
  std::shared_ptr<HTTPServerRequest> request_;
  std::vector<std::string> path_args_;
  HTTPHeaders headers_;
  std::string write_buffer_;
  std::string reason_ = "OK";
  int status_code_ = 200;
  // Whether reason_ is the table's phrase for status_code_ (no reason given to set_status):
  // the status line then leaves it to the connection, which writes the same phrase without
  // checking it again.
  bool table_reason_ = true;
  bool headers_written_ = false;
  bool finished_ = false;
  bool finishing_ = false;  // finish() got as far as dropping the connection's close callback
  bool auto_finish_ = true;
  // Whether headers_ starts with the default fields as clear() set them, unchanged since (no
  // set_header or clear_header), and the second their Date names: the next clear() then
  // keeps them without comparing their values.
  bool defaults_intact_ = false;
  std::time_t date_at_ = 0;
  // What few requests use, made on first use: a handler is made and dropped for every
  // request, and these members' construction, destruction and zeroing (make_shared
  // value-initializes the handler) cost ~45 instructions each time (bench/README.md, web:
  // instructions per request). Its block comes from the thread's free lists, as the handler's.
  struct Rare {
    static void* operator new(std::size_t n) { return tornado::detail::recycle_allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept {
      tornado::detail::recycle_deallocate(p, n);
    }
    std::map<std::string, std::string> path_kwargs;
    std::vector<std::pair<std::string, std::string>> new_cookies;  // name, Set-Cookie value
    std::optional<std::optional<std::string>> current_user;
    std::optional<std::string> xsrf_token;
    std::optional<std::string> raw_xsrf;  // the unmasked token, once known
  };
  Rare& rare() {
    if (!rare_) rare_ = std::make_unique<Rare>();
    return *rare_;
  }
  std::unique_ptr<Rare> rare_;
};

}  // namespace tornado::web

#include "tornado/web/web_binding.h"  // IWYU pragma: export

namespace tornado::web {

// --- the application --------------------------------------------------------------------------

class Application : public HTTPServerConnectionDelegate {
 public:
  explicit Application(std::vector<Rule> handlers = {}, Settings settings = {});
  ~Application() override;

  // Rules for hosts matching host_pattern (a regex on the Host header's name, anchored),
  // tried before the rules given to the constructor; later calls come first among equals, as
  // Tornado inserts them before the wildcard.
  void add_handlers(std::string host_pattern, std::vector<Rule> handlers);
  // The path of the rule named `name` with these arguments (std::invalid_argument when there
  // is none, or it cannot be reversed).
  std::string reverse_url(std::string_view name, const std::vector<std::string>& args = {}) const;
  // Starts an HTTPServer for this application (Tornado's listen); returns it. The server is
  // owned by the application.
  HTTPServer& listen(int port, const std::string& address = {}, HTTPServerOptions options = {});

  const Settings& settings() const { return settings_; }
  // Writes the access log line (or calls settings().log_function).
  virtual void log_request(RequestHandler& handler) const;

  // Finds the rule for a request (default_handler's last): the rule and the path groups;
  // nullptr when none.
  const URLSpec* find_handler(const HTTPServerRequest& request,
                              std::vector<std::string>& groups) const;

  std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection& server_conn, std::shared_ptr<HTTPConnection> request_conn) override;

  // Content hashes of static files, for static_url's ?v= (Tornado's static_hash_cache).
  std::map<std::string, std::string, std::less<>>& static_hashes() { return static_hashes_; }
  // The template loader for a folder, made on first use with the template settings (Tornado's
  // create_template_loader); reset before each use when compiled_template_cache is off.
  BaseLoader& template_loader(const std::string& template_path);

 private:
  struct HostRules {
    PathRegex host;
    std::vector<URLSpec> specs;
    bool wildcard = false;
  };
  Settings settings_;
  std::vector<HostRules> hosts_;
  std::optional<URLSpec> default_spec_;
  std::vector<std::unique_ptr<HTTPServer>> servers_;
  std::map<std::string, std::string, std::less<>> static_hashes_;
  std::map<std::string, std::unique_ptr<BaseLoader>, std::less<>> template_loaders_;
};

// --- handlers that come with the framework ----------------------------------------------------

// Answers every request with one status (Tornado's ErrorHandler), e.g. the 404 handler.
class ErrorHandler : public RequestHandler {
 public:
  void initialize(int status_code) { status_ = status_code; }
  void prepare() { throw HTTPError(status_); }
  void check_xsrf_cookie() override {}

 private:
  int status_ = 404;
};

// Redirects to a URL template (Tornado's RedirectHandler): "{0}", "{1}"... take the
// pattern's groups; the query string is kept.
class RedirectHandler : public RequestHandler {
 public:
  void initialize(std::string url, bool permanent = true) {
    url_ = std::move(url);
    permanent_ = permanent;
  }
  // Any number of groups: they come from path_args().
  template <class... S>
  void get(const S&...) {
    redirect_to();
  }

 private:
  void redirect_to();
  std::string url_;
  bool permanent_ = true;
};

// Serves files under a directory (Tornado's StaticFileHandler): the rule's one group is the
// path below `root`. Paths that leave the root (.., %2e%2e, absolute paths, symlinks pointing
// out) get 403; missing files 404. Answers HEAD, conditional requests (If-None-Match,
// If-Modified-Since -> 304) and single byte ranges (206, 416), with a Content-Type from a
// built-in table, and streams the file in 64 KiB pieces (never read whole). The ETag is the
// SHA-256 of the content, cached per file until its size or mtime changes (Tornado uses
// SHA-512; the value is opaque to clients).
class StaticFileHandler : public RequestHandler {
 public:
  void initialize(std::string root, std::string default_filename = {});
  Future<void> get(const std::string& path) { return serve(path, true); }
  Future<void> head(const std::string& path) { return serve(path, false); }
  std::optional<std::string> compute_etag() const override;

  // prefix + path, with "?v=<hash>" when the file exists (Tornado's make_static_url).
  static std::string make_static_url(Application& app, std::string_view path,
                                     bool include_version = true);
  // The content hash of a file below the application's static_path ("" when unreadable).
  static std::string get_version(Application& app, std::string_view path);
  // The Content-Type for a file name, from the built-in table ("application/octet-stream" when
  // unknown; "application/gzip" for .gz, as Tornado).
  static std::string content_type_for(std::string_view filename);

 private:
  Future<void> serve(std::string path, bool include_body);
  // The file's absolute path, or empty after answering (redirect); throws HTTPError.
  std::string validate(const std::string& path);
  bool should_return_304() const;

  std::string root_;
  std::string default_filename_;
  std::string absolute_path_;
  std::string version_;
  std::time_t modified_ = 0;
  std::uint64_t size_ = 0;
};

}  // namespace tornado::web
