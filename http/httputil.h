// http/httputil.h: the vocabulary of HTTP shared by the server, the client and the web layer.
//
// Mirrors:  tornado/httputil.py (HTTPHeaders, HTTPServerRequest, HTTPInputError,
//           HTTPOutputError, HTTPServerConnectionDelegate, HTTPMessageDelegate, HTTPConnection,
//           RequestStartLine, ResponseStartLine, parse_request_start_line,
//           parse_response_start_line, url_concat, parse_body_arguments,
//           parse_multipart_form_data, HTTPFile, format_timestamp, parse_cookie,
//           parse_http_date (email.utils.parsedate for the three HTTP forms),
//           split_host_and_port, and http.client.responses).
//
//   tornado::HTTPHeaders h = tornado::HTTPHeaders::parse("content-type: text/html\r\n");
//   h.add("Set-Cookie", "A=B");
//   h.add("Set-Cookie", "C=D");
//   h.get("Content-Type");        // "text/html"
//   h.get("set-cookie");          // "A=B,C=D", as Tornado's h["Set-Cookie"]
//   h.get_list("Set-Cookie");     // {"A=B", "C=D"}
//   auto line = tornado::parse_request_start_line("GET /foo HTTP/1.1");   // method, path, version
//
// Role:     http1connection parses a message head into a start line and HTTPHeaders and hands
//           them to an HTTPMessageDelegate; httpserver builds an HTTPServerRequest from them;
//           web reads the request's arguments, files and cookies.
// Errors:   every parser here takes hostile input (DESIGN §6): malformed input throws
//           HTTPInputError with a message saying what was wrong; nothing reads out of bounds.
// Thread:   plain values; no loop is involved.
// See:      man tornado.httputil.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/gen/recycle.h"

namespace tornado {

class IOStream;

// Malformed input from the peer (a bad request line, header, chunk size...). The server
// answers with code() (400, or 413 and 431 for a body or head over its limit) and closes the
// connection.
class HTTPInputError : public std::runtime_error {
 public:
  explicit HTTPInputError(const std::string& what, int code = 400)
      : std::runtime_error(what), code_(code) {}
  // A constant message: no std::string made where it is thrown.
  explicit HTTPInputError(const char* what, int code = 400)
      : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// The application broke HTTP's framing: wrote more or less than its Content-Length, wrote a
// body on a 304, wrote after finish(). The connection is closed, never corrupted.
class HTTPOutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Case-insensitive, ordered, multi-valued header fields. Names are stored normalized as
// Tornado does ("content-type" becomes "Content-Type"); values keep their bytes, with the
// surrounding whitespace stripped.
class HTTPHeaders {
 public:
  struct Field {
    Field() = default;
    // Each string made once by its constructor, where it lives (add() runs for every field
    // of every message; building strings and moving them in copies each twice).
    Field(std::string_view n, std::string_view v) : name(n), value(v) {}
    Field(std::string_view n, std::string&& v) : name(n), value(std::move(v)) {}
    std::string name;   // normalized: Http-Header-Case
    std::string value;  // stripped of leading and trailing spaces and tabs
  };
  // The fields in arrival order. Their storage comes from the thread's free lists
  // (gen/recycle.h): a server makes two header sets per request (the request's and the
  // response's) and drops them with it, and a free list serves them without malloc.
  using FieldList = std::vector<Field, detail::RecyclingAllocator<Field>>;

  HTTPHeaders() = default;
  HTTPHeaders(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  // Appends a value (a name may appear several times).
  void add(std::string_view name, std::string_view value);
  // add() for a name already in Http-Header-Case and a value without surrounding spaces or
  // tabs, taken as they are (the value moved in): a program's own fields (the web layer's
  // Server, Date, Etag...) skip the rewriting that add() does for every field, which costs
  // more than the copy.
  void add_normalized(std::string_view name, std::string value);
  // Replaces every value of `name` with one (Tornado's h[name] = value).
  void set(std::string_view name, std::string_view value);
  // Removes every value of `name`; returns how many were removed (Tornado's del h[name]).
  std::size_t erase(std::string_view name);
  void clear() { fields_.clear(); }
  // Moves every field out, leaving none: for a caller that reuses the strings' storage
  // (gen/recycle.h's recycle_string).
  FieldList take_fields() {
    FieldList taken = std::move(fields_);
    fields_.clear();
    return taken;
  }
  // Puts back fields taken with take_fields() (replacing any there): for a caller that reuses
  // a previous list, fields kept in add_normalized()'s form.
  void restore_fields(FieldList fields) { fields_ = std::move(fields); }

  bool contains(std::string_view name) const;
  // All values joined with "," (Tornado's h[name]); `fallback` when absent.
  std::string get(std::string_view name, std::string_view fallback = {}) const;
  // The first value, without a copy; nullptr when absent.
  const std::string* find(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;
  // Every field in arrival order (Tornado's get_all()).
  const FieldList& get_all() const { return fields_; }
  // The number of distinct names (Tornado's len(h)).
  std::size_t size() const;
  bool empty() const { return fields_.empty(); }

  // Parses one header line ("Name: value", no line ending). Strict, as the server must be
  // (RFC 9112 §5): throws HTTPInputError for a line with no colon, an empty or non-token name,
  // whitespace before the colon, a NUL, CR or other control byte in the value, and for a
  // line starting with whitespace (obs-fold, which Tornado still joins).
  void parse_line(std::string_view line);
  // Parses a header block: lines ending in CRLF or a bare LF; a blank line ends it.
  static HTTPHeaders parse(std::string_view block);

  // "Name: value\r\n" for every field, in order.
  std::string to_string() const;

  // Tornado's _normalize_header: "content-TYPE" -> "Content-Type".
  static std::string normalize_name(std::string_view name);

 private:
  // add() for a value already trimmed (the parser trims it while checking it).
  void append_field(std::string_view name, std::string_view value);

  FieldList fields_;
};

struct RequestStartLine {
  std::string method;
  std::string path;  // the request target as sent
  std::string version;
};

struct ResponseStartLine {
  std::string version;
  int code = 0;
  std::string reason;
};

// "GET /path HTTP/1.1": exactly three parts split by single spaces, a token method, a target
// of visible characters, and a version HTTP/1.<digit>. Throws HTTPInputError otherwise.
RequestStartLine parse_request_start_line(std::string_view line);
// "HTTP/1.1 200 OK": a version HTTP/1.<digit>, a three-digit code, an optional reason.
ResponseStartLine parse_response_start_line(std::string_view line);

// A request target split by its form (RFC 9112 §3.2). The views point into the target.
struct RequestTarget {
  enum class Form : std::uint8_t {
    kOrigin,     // "/path?query"
    kAbsolute,   // "http://authority/path?query" (a proxy's form, which servers accept)
    kAuthority,  // "host:port", for CONNECT
    kAsterisk,   // "*", for OPTIONS about the server itself
  };
  Form form = Form::kOrigin;
  std::string_view scheme;     // absolute-form: "http" or "https", in the case sent
  std::string_view authority;  // absolute- and authority-form: host[:port] (an empty port
                               // is dropped: "h:" gives "h")
  std::string_view path;       // origin-form: the target; absolute-form: what follows the
                               // authority, "" or starting with '/' or '?'
};

// Classifies `target` for `method`: CONNECT takes only authority-form (with a port); "*" is
// only for OPTIONS; otherwise origin-form, or absolute-form with the scheme http or https (any
// case) and a valid authority: a bracketed IPv6 literal or a host name, an optional numeric
// port, no userinfo. Throws HTTPInputError (400) for anything else.
RequestTarget parse_request_target(std::string_view method, std::string_view target);

// A file from a multipart/form-data body.
struct HTTPFile {
  std::string filename;
  std::string body;
  std::string content_type;
};

// Query and form arguments: name -> every value, in order (Tornado's dict of lists of bytes).
using Arguments = std::map<std::string, std::vector<std::string>, std::less<>>;
using Files = std::map<std::string, std::vector<HTTPFile>, std::less<>>;

namespace httputil {

// Tornado 6.5's ParseMultipartConfig: limits on a multipart body.
struct MultipartLimits {
  std::size_t max_parts = 100;
  std::size_t max_part_header_size = 10 * 1024;
};

// Appends query arguments to a URL that may already have some (Tornado's url_concat).
std::string url_concat(std::string_view url,
                       const std::vector<std::pair<std::string, std::string>>& args);

// Parses an application/x-www-form-urlencoded or multipart/form-data body into `arguments`
// and `files` (appending to what is there). Throws HTTPInputError for a body that is not
// well formed, for a Content-Encoding (no decompression here), and past `limits`. Another
// content type is ignored, as in Tornado.
void parse_body_arguments(std::string_view content_type, std::string_view body,
                          Arguments& arguments, Files& files, const HTTPHeaders* headers = nullptr,
                          const MultipartLimits& limits = {});
// The multipart/form-data half of parse_body_arguments, given the boundary parameter (quoted
// or not). A missing final boundary is an HTTPInputError.
void parse_multipart_form_data(std::string_view boundary, std::string_view data,
                               Arguments& arguments, Files& files,
                               const MultipartLimits& limits = {});

// Splits a header value with parameters: "form-data; name=\"a\"; filename=\"b\"" gives
// "form-data" and {name: a, filename: b}, quotes removed (Tornado's _parse_header).
std::pair<std::string, std::map<std::string, std::string, std::less<>>> parse_header(
    std::string_view line);

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_timestamp(std::time_t t);
std::string format_timestamp(double seconds_since_epoch);

// An HTTP date as seconds since the epoch: the IMF-fixdate above and the two obsolete forms
// RFC 9110 §5.6.7 asks a recipient to accept ("Sunday, 06-Nov-94 08:49:37 GMT" and asctime's
// "Sun Nov  6 08:49:37 1994"), read as strptime(3) reads "%a, %d %b %Y %H:%M:%S GMT",
// "%A, %d-%b-%y %H:%M:%S GMT" and "%a %b %d %H:%M:%S %Y" in the C locale (names in any case,
// full or abbreviated; white space where the format has a space; a two-digit year below 69 is
// 20xx). Nothing else may follow. nullopt when none of the three fits.
std::optional<std::time_t> parse_http_date(std::string_view text);

// A Cookie header as browsers send it: every ";" separates, a pair without "=" is a value
// with an empty name, quotes are removed, the last duplicate wins (Tornado's parse_cookie).
std::map<std::string, std::string, std::less<>> parse_cookie(std::string_view header);

// "example.com:8080" -> {"example.com", 8080}; "[::1]:80" -> {"::1", 80}; no port -> nullopt.
std::pair<std::string, std::optional<int>> split_host_and_port(std::string_view netloc);

namespace detail {
// Where Tornado's ^(.+):(\d+)$ puts the colon before the port in `netloc`, or npos: the one
// rule of split_host_and_port and of HTTPServerRequest's host_name.
std::size_t port_colon(std::string_view netloc);
// Whether every byte of a field value is one RFC 9110 allows (HTAB, SP, VCHAR, obs-text): the
// rule of the parser for a request's values and of RequestHandler::set_header for a response's.
bool is_field_value(std::string_view value);
}  // namespace detail

// Whether requests of this method carry a body: POST, PUT and PATCH (Tornado's simple_httpclient
// body_expected, and what HTTP1Connection.write_headers chunks).
bool body_expected(std::string_view method);

// One byte range of a Range header, as slice indexes rather than HTTP's inclusive positions
// (Tornado's _parse_request_range): "bytes=1-2" -> {1, 3}, "bytes=6-" -> {6, none},
// "bytes=-6" -> {-6, none} (the last six), "bytes=-0" -> {none, 0}, "bytes=" -> {none, none}.
// Another unit, several ranges ("bytes=1-2,6-10") or a bound that is not a number -> nullopt,
// and the caller sends the whole entity.
struct RequestRange {
  std::optional<long long> start, end;
};
std::optional<RequestRange> parse_request_range(std::string_view range_header);
// The Content-Range value for slice [start, end) of `total` bytes: "bytes 1-2/4" (Tornado's
// _get_content_range; a missing or zero end is the end of the entity).
std::string get_content_range(std::optional<long long> start, std::optional<long long> end,
                              long long total);

// The reason phrase of a status code ("Not Found"); "Unknown" for a code it does not know.
std::string_view reason_phrase(int code);

}  // namespace httputil

class HTTPConnection;
class HTTP1ServerConnection;

// One request as the server received it (Tornado's HTTPServerRequest). Built by HTTPServer
// from the start line and headers; body, arguments and files are filled once the body is
// read. Values are bytes as sent (no charset decoding).
class HTTPServerRequest {
 public:
  HTTPServerRequest() = default;
  // The start line's strings are moved in (an rvalue reference rather than a value: one move
  // of each instead of two, for every request), or copied from an lvalue.
  HTTPServerRequest(RequestStartLine&& start_line, HTTPHeaders headers,
                    std::shared_ptr<HTTPConnection> connection = nullptr);
  HTTPServerRequest(const RequestStartLine& start_line, HTTPHeaders h,
                    std::shared_ptr<HTTPConnection> conn = nullptr)
      : HTTPServerRequest(RequestStartLine(start_line), std::move(h), std::move(conn)) {}

  std::string method;
  // The request target: path and query. An absolute-form target ("http://host/p?q") is
  // reduced to its path and query ("/p?q"), so routing and arguments see what an origin-form
  // request gives; "*" and CONNECT's "host:port" are kept as sent.
  std::string uri;
  std::string version;  // "HTTP/1.1"
  HTTPHeaders headers;
  std::string body;
  std::string remote_ip;  // the peer's address, or what X-Real-Ip says with xheaders
  std::string protocol;   // "http" or "https"
  // The authority of an absolute-form target (RFC 9112 §3.2.2: it replaces the Host
  // header's value), else the Host header, else "127.0.0.1". request.headers keep the Host
  // header as sent.
  std::string host;
  std::string host_name;  // host without the port, lower case
  // The scheme of an absolute-form target, lower case ("http" or "https"); empty otherwise.
  // protocol still says how the request arrived.
  std::string target_scheme;
  std::string path;     // uri before "?"
  std::string query;    // uri after "?"
  Arguments arguments;  // query and body arguments together
  Arguments query_arguments;
  Arguments body_arguments;
  Files files;
  // The connection the response goes to. It outlives the exchange if the request is kept:
  // writes to it then fail with StreamClosedError.
  std::shared_ptr<HTTPConnection> connection;
  double start_time = 0;  // IOLoop time when the head arrived
  double finish_time = -1;

  // protocol://host + uri; for an absolute-form target, the target itself (its scheme,
  // authority, path and query; "/" for an empty path).
  std::string full_url() const;
  // Seconds from start_time to finish (or to now while unfinished).
  double request_time() const;
  // The Cookie header, parsed once.
  const std::map<std::string, std::string, std::less<>>& cookies() const;
  // Parses the body into body_arguments, files and arguments (HTTPInputError on a bad body).
  void parse_body(const httputil::MultipartLimits& limits = {});

 private:
  mutable std::optional<std::map<std::string, std::string, std::less<>>> cookies_;
};

// What a connection tells the application about one message (Tornado's
// HTTPMessageDelegate). headers_received and data_received may return a pending Future:
// the connection reads no more of the body until it resolves (flow control). A ready or
// default-constructed result continues at once.
class HTTPMessageDelegate {
 public:
  using StartLine = std::variant<RequestStartLine, ResponseStartLine>;
  virtual ~HTTPMessageDelegate() = default;
  virtual std::optional<Future<void>> headers_received(StartLine start_line,
                                                       HTTPHeaders headers) = 0;
  virtual std::optional<Future<void>> data_received(std::string_view chunk) = 0;
  // The whole message has arrived.
  virtual void finish() = 0;
  // The connection closed before finish().
  virtual void on_connection_close() = 0;
};

// The server side of an application (Tornado's HTTPServerConnectionDelegate): a factory of
// one HTTPMessageDelegate per request.
class HTTPServerConnectionDelegate {
 public:
  virtual ~HTTPServerConnectionDelegate() = default;
  virtual std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection& server_conn, std::shared_ptr<HTTPConnection> request_conn) = 0;
  virtual void on_close(HTTP1ServerConnection& /*server_conn*/) {}
};

// Where an application writes its response (Tornado's HTTPConnection). The Futures resolve
// once the bytes are handed to the kernel; they fail if the connection closes first.
class HTTPConnection {
 public:
  virtual ~HTTPConnection() = default;
  virtual Future<void> write_headers(const ResponseStartLine& start_line, HTTPHeaders& headers,
                                     std::string_view chunk = {}) = 0;
  virtual Future<void> write(std::string_view chunk) = 0;
  virtual Future<void> finish() = 0;
  // Where the request came from: the peer's address (or what X-Real-Ip says with xheaders)
  // and "http" or "https".
  virtual std::string_view remote_ip() const { return {}; }
  virtual std::string_view protocol() const { return "http"; }
  // Runs cb if the connection closes before the response is finished (the web layer's
  // on_connection_close). A connection that cannot tell ignores it.
  virtual void set_close_callback(Callback cb) { (void)cb; }
  // Whether the peer has gone: writes then fail with StreamClosedError (whose Futures log
  // nothing when dropped). A connection that cannot tell says false.
  virtual bool closed() const { return false; }
  // Hands the stream to the caller and stops HTTP processing on it (Tornado's detach), for a
  // protocol that takes over after the response head (WebSocket); `unread` receives the bytes
  // already read past the request. A connection without a stream returns nullptr.
  virtual std::shared_ptr<IOStream> detach(std::string* unread = nullptr) {
    (void)unread;
    return nullptr;
  }
};

}  // namespace tornado
