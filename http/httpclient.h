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
// Role:     each fetch resolves and connects with TCPClient, writes the request, reads the
//           response (Content-Length, chunked, or until close; HEAD, 204 and 304 carry no
//           body), and follows redirects by Tornado's rules: 301, 302, 303, 307 and 308 up
//           to max_redirects; 303 (but for HEAD) and 301/302 after a POST become GET without
//           a body; a relative Location is resolved against the URL that sent it.
// Errors:   with raise_error (the default, as Tornado 6) a non-2xx answer throws
//           HTTPClientError carrying the response; a timeout throws HTTPClientError 599;
//           a connection error is rethrown as it is. Without raise_error, every outcome is an
//           HTTPResponse: code 599 and `error` set when there was no answer. https:// URLs
//           fail with a clear error: TLS is not built in (no dependency beyond libc).
// Not yet:  connection reuse (every fetch opens one connection and sends Connection: close),
//           the max_clients queue, body_producer and expect_100_continue.
// Blocking: HTTPClient wraps AsyncHTTPClient in a private loop, for scripts
//           (demos/httpclient is Tornado's `python -m tornado.httpclient`).
// Thread:   the loop thread; a fetch runs on the loop current when it starts.
// See:      man tornado.httpclient (to come).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gen/concurrent.h"
#include "http/httputil.h"
#include "reactor/ioloop.h"

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
  // Methods other than the standard ones, and bodies where HTTP has none (a GET's).
  bool allow_nonstandard_methods = false;
  std::size_t max_body_size = 100 * 1024 * 1024;
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

class AsyncHTTPClient {
 public:
  AsyncHTTPClient() = default;
  AsyncHTTPClient(const AsyncHTTPClient&) = delete;
  AsyncHTTPClient& operator=(const AsyncHTTPClient&) = delete;

  Future<HTTPResponse> fetch(HTTPRequest request, bool raise_error = true);
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
