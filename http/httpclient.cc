// http/httpclient.cc: AsyncHTTPClient: URLs, one exchange per connection, redirects, timeouts.
//
// Mirrors:  tornado/simple_httpclient.py (_HTTPConnection.run, headers_received,
//           data_received, finish, _should_follow_redirect, _on_timeout) and httpclient.py
//           (HTTPClientError, the raise_error rules).
// In loop:  fetch() is a coroutine on the current loop; the exchange is another, raced against
//           the request timeout with gen::with_timeout, which closes the stream when it fires.
#include "http/httpclient.h"

#include <sys/socket.h>

#include <cctype>

#include "gen/gen.h"
#include "http/base64.h"
#include "http/http1connection.h"
#include "reactor/ioloop.h"
#include "reactor/util.h"
#include "stream/tcpclient.h"

namespace tornado {

HTTPClientError::HTTPClientError(int code, std::string message,
                                 std::shared_ptr<HTTPResponse> response)
    : std::runtime_error("HTTP " + std::to_string(code) + ": " + message),
      code_(code),
      response_(std::move(response)) {}

URL parse_url(std::string_view url) {
  URL u;
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos)
    throw std::invalid_argument("not an absolute URL: " + std::string(url));
  for (char c : url.substr(0, colon))
    u.scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "http" && u.scheme != "https")
    throw std::invalid_argument("unsupported URL scheme: " + u.scheme);
  std::string_view rest = url.substr(colon + 3);
  const std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  const std::size_t slash = rest.find_first_of("/?");
  u.netloc = std::string(rest.substr(0, slash));
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target[0] == '?') u.target.insert(0, "/");
  std::string_view hostport = u.netloc;
  if (const std::size_t at = hostport.rfind('@'); at != std::string_view::npos)
    hostport = hostport.substr(at + 1);  // user:password@ is not sent as part of Host
  auto [host, port] = httputil::split_host_and_port(hostport);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) throw std::invalid_argument("no host in URL: " + std::string(url));
  u.host = host;
  u.port = port ? *port : (u.scheme == "https" ? 443 : 80);
  u.netloc = std::string(hostport);
  return u;
}

std::string resolve_url(std::string_view base, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return std::string(location);
  const URL b = parse_url(base);
  const std::string origin = b.scheme + "://" + b.netloc;
  if (location.substr(0, 2) == "//") return b.scheme + ":" + std::string(location);
  if (!location.empty() && location.front() == '/') return origin + std::string(location);
  // Relative to the base's directory (RFC 3986 §5.2.3, without dot segments).
  std::string path = b.target.substr(0, b.target.find('?'));
  path = path.substr(0, path.rfind('/') + 1);
  if (!location.empty() && location.front() == '?') path = b.target.substr(0, b.target.find('?'));
  return origin + path + std::string(location);
}

namespace {

bool standard_method(std::string_view m) {
  for (const char* s : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (m == s) return true;
  return false;
}

// Collects a response, or hands its pieces to the request's callbacks.
class Collector : public HTTPMessageDelegate {
 public:
  Collector(HTTPResponse& r, const HTTPRequest& req) : r_(r), req_(req) {}
  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    const auto& line = std::get<ResponseStartLine>(start_line);
    r_.code = line.code;
    r_.reason = line.reason.empty() ? std::string(httputil::reason_phrase(line.code)) : line.reason;
    if (req_.header_callback) {
      req_.header_callback(line.version + " " + std::to_string(line.code) + " " + r_.reason);
      for (const auto& f : headers.get_all()) req_.header_callback(f.name + ": " + f.value);
      req_.header_callback("");
    }
    r_.headers = std::move(headers);
    return std::nullopt;
  }
  std::optional<Future<void>> data_received(std::string_view chunk) override {
    // A redirect that will be followed keeps its body to itself (Tornado does the same).
    if (req_.streaming_callback && !(req_.follow_redirects && is_redirect())) {
      req_.streaming_callback(chunk);
    } else {
      r_.body.append(chunk);
    }
    return std::nullopt;
  }
  void finish() override {}
  void on_connection_close() override {}

 private:
  bool is_redirect() const {
    return (r_.code == 301 || r_.code == 302 || r_.code == 303 || r_.code == 307 ||
            r_.code == 308) &&
           req_.max_redirects > 0 && r_.headers.contains("Location");
  }
  HTTPResponse& r_;
  const HTTPRequest& req_;
};

struct Exchange {
  std::shared_ptr<IOStream> stream;
};

// One request on one connection.
Future<HTTPResponse> exchange(HTTPRequest req, URL url, std::shared_ptr<Exchange> ex) {
  TCPClient client;
  std::shared_ptr<IOStream> stream;
  try {
    stream = co_await client.connect(url.host, url.port, AF_UNSPEC, {}, 0, req.connect_timeout);
  } catch (const TimeoutError&) {
    throw HTTPClientError(599, "Timeout while connecting");
  }
  ex->stream = stream;
  HTTP1ConnectionParameters params;
  params.max_body_size = req.max_body_size;
  auto conn = HTTP1Connection::client(stream, params);
  HTTPHeaders headers = req.headers;
  if (!headers.contains("Host")) headers.set("Host", url.netloc);
  if (!headers.contains("Connection")) headers.set("Connection", "close");
  if (!headers.contains("User-Agent"))
    headers.set("User-Agent", req.user_agent.empty() ? "tornado-cpp/0.1" : req.user_agent);
  if (!req.auth_username.empty()) {
    headers.set("Authorization",
                "Basic " + base64_encode(req.auth_username + ":" + req.auth_password));
  }
  const std::string& m = req.method;
  const bool body_expected = m == "POST" || m == "PUT" || m == "PATCH";
  if (!req.allow_nonstandard_methods) {
    if (body_expected && req.body.empty() && !headers.contains("Content-Length"))
      headers.set("Content-Length", "0");
    if (!body_expected && !req.body.empty())
      throw std::invalid_argument("Body must be empty for a " + m + " request");
  }
  if (!req.body.empty() && !headers.contains("Content-Length"))
    headers.set("Content-Length", std::to_string(req.body.size()));
  HTTPResponse r;
  Collector collector(r, req);
  std::exception_ptr error;
  // Named, not a temporary inside the co_await: g++ 12 destroys such temporaries twice.
  const RequestStartLine start_line{m, url.target, "HTTP/1.1"};
  try {
    co_await conn->write_headers(start_line, headers, req.body);
    co_await conn->finish();
    (void)co_await conn->read_response(collector);
  } catch (...) {
    error = std::current_exception();
  }
  conn->close();
  stream->close();
  if (error) std::rethrow_exception(error);
  co_return r;
}

bool should_follow(const HTTPRequest& req, const HTTPResponse& r) {
  return req.follow_redirects && req.max_redirects > 0 &&
         (r.code == 301 || r.code == 302 || r.code == 303 || r.code == 307 || r.code == 308) &&
         r.headers.contains("Location");
}

}  // namespace

Future<HTTPResponse> AsyncHTTPClient::fetch(HTTPRequest request, bool raise_error) {
  IOLoop& loop = IOLoop::current();
  const double start = loop.time();
  if (request.use_gzip)
    throw std::invalid_argument("use_gzip needs zlib, which this library does not use");
  if (request.auth_mode != "basic")
    throw std::invalid_argument("unsupported auth_mode " + request.auth_mode);
  if (!request.allow_nonstandard_methods && !standard_method(request.method))
    throw std::invalid_argument("unknown method " + request.method);
  const HTTPRequest original = request;
  HTTPResponse response;
  std::exception_ptr failure;
  for (;;) {
    URL url;
    try {
      url = parse_url(request.url);
    } catch (...) {
      failure = std::current_exception();
      break;
    }
    if (url.scheme == "https") {
      failure = std::make_exception_ptr(std::runtime_error(
          "https:// needs TLS, which is not built in (no dependency beyond libc): " + request.url));
      break;
    }
    auto ex = std::make_shared<Exchange>();
    const double left = request.request_timeout - (loop.time() - start);
    try {
      if (left <= 0) throw TimeoutError();
      response = co_await gen::with_timeout(left, exchange(request, url, ex));
    } catch (const TimeoutError&) {
      if (ex->stream) ex->stream->close();
      failure = std::make_exception_ptr(HTTPClientError(599, "Timeout during request"));
      break;
    } catch (...) {
      failure = std::current_exception();
      break;
    }
    response.effective_url = request.url;
    if (!should_follow(request, response)) break;
    HTTPRequest next = request;
    next.url = resolve_url(request.url, response.headers.get("Location"));
    next.max_redirects = request.max_redirects - 1;
    next.headers.erase("Host");
    if ((response.code == 303 && request.method != "HEAD") ||
        ((response.code == 301 || response.code == 302) && request.method == "POST")) {
      next.method = "GET";
      next.body.clear();
      for (const char* h :
           {"Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding"})
        next.headers.erase(h);
    }
    // Credentials do not follow a redirect to another origin.
    const URL a = parse_url(request.url), b = parse_url(next.url);
    if (a.scheme != b.scheme || a.host != b.host || a.port != b.port) {
      next.headers.erase("Authorization");
      next.headers.erase("Cookie");
      next.auth_username.clear();
      next.auth_password.clear();
    }
    request = std::move(next);
  }
  response.request = original;
  response.request_time = loop.time() - start;
  if (failure) {
    if (raise_error) std::rethrow_exception(failure);
    response.code = 599;
    response.error = failure;
    co_return response;
  }
  if (response.code < 200 || response.code >= 300) {
    auto shared = std::make_shared<HTTPResponse>(response);
    HTTPClientError e(response.code, response.reason, shared);
    if (raise_error) throw e;
    response.error = std::make_exception_ptr(e);
  }
  co_return response;
}

HTTPClient::HTTPClient() {
  IOLoop* previous = IOLoop::current_or_null();
  loop_ = std::make_unique<IOLoop>();
  // A new loop makes itself current when the thread had none; leave the thread as it was.
  if (previous) {
    previous->make_current();
  } else {
    IOLoop::clear_current();
  }
}

HTTPClient::~HTTPClient() = default;

HTTPResponse HTTPClient::fetch(HTTPRequest request, bool raise_error) {
  IOLoop* previous = IOLoop::current_or_null();
  loop_->make_current();
  struct Restore {
    IOLoop* previous;
    ~Restore() {
      if (previous) {
        previous->make_current();
      } else {
        IOLoop::clear_current();
      }
    }
  } restore{previous};
  return gen::run_sync(*loop_, [&] { return client_.fetch(std::move(request), raise_error); });
}

}  // namespace tornado
