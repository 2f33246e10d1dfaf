// http/httpclient.h: a non-blocking HTTP/1.1 client.
//
// Mirrors:  tornado/httpclient.py (HTTPRequest, HTTPResponse, HTTPClientError,
//           AsyncHTTPClient.fetch) and simple_httpclient.py (_HTTPConnection: the request
//           written with HTTP1Connection's client half, redirects, timeouts).
//
//   tornado::AsyncHTTPClient client;
//   tornado::HTTPResponse r = co_await client.fetch("http://127.0.0.1:8888/get?a=1");
//   r.code;   r.headers.get("Content-Type");   r.body;
//
// Role:     each fetch waits for one of max_clients slots (FIFO), takes an idle keep-alive
//           connection to the same (scheme, host, port) or connects with TCPClient, writes the
//           request with HTTP1Connection's client half, reads the response (Content-Length,
//           chunked, or until close; HEAD, 204 and 304 carry no body), and follows redirects by
//           Tornado's rules: 301, 302, 303, 307 and 308 up to max_redirects; 303 (but for HEAD)
//           and 301/302 after a POST become GET without a body; a relative Location is
//           resolved against the URL that sent it.
// Pooling:  beyond Tornado's simple client (which sends Connection: close), a connection whose
//           response allows it goes back to a per-origin idle pool (at most max_idle_per_host,
//           each closed after idle_timeout seconds or when the server closes it). A request
//           that fails on a reused connection before any response byte arrives (the server
//           closed it meanwhile) is sent once more on a new connection, if its method is
//           idempotent and its body is not produced by a callback; a POST never is.
// Timeouts: as Tornado's: a request waiting for a slot fails with 599 "Timeout in request
//           queue" after min(connect_timeout, request_timeout); connect_timeout bounds the
//           resolution and the connection; request_timeout bounds the exchange, counted from
//           when the request leaves the queue (ending during the connection, it too is
//           "Timeout while connecting"). 0 means no limit.
// Errors:   with raise_error (the default, as Tornado 6) a non-2xx answer throws
//           HTTPClientError carrying the response; a timeout throws HTTPClientError 599;
//           a connection error or a malformed response (HTTPInputError) is rethrown as it is.
//           Without raise_error, every outcome is an HTTPResponse: code 599 and `error` set
//           when there was no answer. https:// URLs fail with a clear error: TLS is not built
//           in (no dependency beyond libc); HTTPClientOptions::connect is the seam where a
//           TLS stream (an IOStream subclass) plugs in.
// Ownership: the client's state is shared with its fetches, so destroying the client (or
//           close()) while fetches run is safe: they finish, and their connections are not
//           kept. Idle connections are streams of the loops the client fetched on, so a
//           client must go before those loops; instance() is one client per loop, destroyed
//           when that loop closes.
// Blocking: HTTPClient wraps AsyncHTTPClient in a private loop, for scripts
//           (demos/httpclient is Tornado's `python -m tornado.httpclient`).
// Thread:   the loop thread; a fetch runs on the loop current when it starts.
// See:      man tornado.httpclient.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tornado/gen/concurrent.h"
#include "tornado/http/httputil.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/stream/iostream.h"

namespace tornado {

struct HTTPRequest {
  HTTPRequest() = default;
  HTTPRequest(std::string u) : url(std::move(u)) {}  // NOLINT: a URL is a request
  HTTPRequest(const char* u) : url(u) {}             // NOLINT
  std::string url;
  std::string method = "GET";
  HTTPHeaders headers;
  std::string body;
  std::string auth_username;
  std::string auth_password;
  std::string auth_mode = "basic";  // the only mode
  double connect_timeout = 20;
  double request_timeout = 20;
  bool follow_redirects = true;
  int max_redirects = 5;
  std::string user_agent;
  bool use_gzip = false;  // refused: no zlib
  // Each piece of the body as it arrives; the response's body stays empty.
  std::function<void(std::string_view)> streaming_callback;
  // Each header line as it arrives ("HTTP/1.1 200 OK", "Name: value", and "" at the end).
  std::function<void(std::string_view)> header_callback;
  // Writes the body in pieces instead of `body` (Tornado's body_producer): called with a
  // writer whose Future resolves when the piece is flushed; without a Content-Length header
  // the body is sent chunked.
  using BodyWriter = std::function<Future<void>(std::string_view)>;
  std::function<Future<void>(BodyWriter)> body_producer;
  // Sends "Expect: 100-continue" and the body only after the server's 100 Continue; a final
  // answer instead (a 413, a 401) is the response and the body is never sent.
  bool expect_100_continue = false;
  // Methods other than the standard ones, and bodies where HTTP has none (a GET's).
  bool allow_nonstandard_methods = false;
  // The local address to connect from (Tornado's network_interface), e.g. "127.0.0.1".
  std::string network_interface;
  // Tornado sends Accept-Encoding: gzip and inflates a gzip answer. Without zlib this client
  // never asks for gzip; true (the default) promises a body that is not gzip-encoded, so a
  // gzip body that comes anyway (the server ignored the missing Accept-Encoding, or the
  // caller's headers asked for it) fails the fetch with a std::runtime_error saying so. False:
  // the body as the server sent it, Content-Encoding header included, as Tornado gives it.
  bool decompress_response = true;
  // TLS settings for https://, which is refused unless HTTPClientOptions::connect supplies the
  // encrypted stream: that hook gets this request and must honour them (the CA file to verify
  // against, empty for the system's; whether to verify the peer's certificate and name).
  std::string ca_certs;
  bool validate_cert = true;
};

struct HTTPResponse {
  HTTPRequest request;
  int code = 0;
  std::string reason;
  HTTPHeaders headers;
  std::string body;
  std::string effective_url;  // after redirects
  std::exception_ptr error;   // set for 599 and, without raise_error, for non-2xx answers
  double request_time = 0;    // seconds, from fetch() to the end
  // Where the time went, in seconds (Tornado's time_info, which only its curl client fills):
  // waiting for a slot, connecting (0 on a reused connection), both for the last hop; and all
  // the redirect hops before it.
  struct TimeInfo {
    double queue = 0;
    double connect = 0;
    double redirect = 0;
  } time_info;
  bool reused_connection = false;  // the last hop went over an idle keep-alive connection
  // Throws `error` if there is one (Tornado's rethrow).
  void rethrow() const {
    if (error) std::rethrow_exception(error);
  }
};

class HTTPClientError : public std::runtime_error {
 public:
  HTTPClientError(int code, std::string message, std::shared_ptr<HTTPResponse> response = nullptr);
  int code() const { return code_; }
  // The response, when there was one (nullptr for 599).
  const std::shared_ptr<HTTPResponse>& response() const { return response_; }

 private:
  int code_;
  std::shared_ptr<HTTPResponse> response_;
};

// A URL split the way the client needs it.
struct URL {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 80;
  std::string target;  // path and query, "/" at least; no fragment
  std::string netloc;  // host[:port] as written, for the Host header
};
// Throws std::invalid_argument for a URL that is not absolute http(s).
URL parse_url(std::string_view url);
// `location` resolved against `base` (an absolute URL), as a browser would.
std::string resolve_url(std::string_view base, std::string_view location);

// SimpleAsyncHTTPClient's constructor arguments, and the pool's.
struct HTTPClientOptions {
  int max_clients = 10;                           // requests in flight; the rest wait in order
  std::size_t max_header_size = 64 * 1024;        // a response head larger fails the fetch
  std::size_t max_body_size = 100 * 1024 * 1024;  // a larger body fails it (Tornado's default)
  bool keep_alive = true;                         // false: Connection: close, as Tornado
  std::size_t max_idle_per_host = 0;  // idle connections kept per origin; 0: max_clients
  double idle_timeout = 60;           // seconds an idle connection is kept
  // How a new connection is made, when set: called with the URL (scheme, host, port) and the
  // request, it resolves to the stream HTTP is spoken over. This is the seam for TLS (return
  // an IOStream subclass that encrypts, connected and past its handshake, verified as the
  // request's ca_certs and validate_cert say; https:// URLs are refused while this is unset)
  // and for other transports (a Unix socket, a proxy tunnel).
  // connect_timeout bounds it. Unset: TCPClient connects to host and port.
  std::function<Future<std::shared_ptr<IOStream>>(const URL&, const HTTPRequest&)> connect = {};
};

namespace detail {
struct HTTPClientState;
}

class AsyncHTTPClient {
 public:
  explicit AsyncHTTPClient(HTTPClientOptions options = {});
  ~AsyncHTTPClient();  // close()
  AsyncHTTPClient(const AsyncHTTPClient&) = delete;
  AsyncHTTPClient& operator=(const AsyncHTTPClient&) = delete;

  // The current loop's shared client (Tornado's AsyncHTTPClient() without force_instance),
  // made with default options on first use; it lives until the loop closes.
  static AsyncHTTPClient& instance();

  // Fetches `request` (a URL converts to one). The Future fails with std::invalid_argument
  // for a request that cannot be sent (a GET with a body, an unknown method, use_gzip), and
  // with std::logic_error after close().
  Future<HTTPResponse> fetch(HTTPRequest request, bool raise_error = true);
  // Closes the idle connections; fetches already started finish, new ones are refused.
  void close();

  // For tests and tools: requests in flight, waiting for a slot, and idle connections kept.
  std::size_t active() const;
  std::size_t queued() const;
  std::size_t idle_connections() const;
  const HTTPClientOptions& options() const;

 private:
  std::shared_ptr<detail::HTTPClientState> state_;
};

// The blocking client for scripts and tools (Tornado's HTTPClient): it runs a private IOLoop
// for each fetch, so it must not be used on a thread whose loop is running.
class HTTPClient {
 public:
  HTTPClient();
  ~HTTPClient();
  HTTPClient(const HTTPClient&) = delete;
  HTTPClient& operator=(const HTTPClient&) = delete;

  HTTPResponse fetch(HTTPRequest request, bool raise_error = true);

 private:
  std::unique_ptr<IOLoop> loop_;
  AsyncHTTPClient client_;
};

}  // namespace tornado
