// http/httpclient.cc: AsyncHTTPClient: URLs, the slot queue, the idle pool, redirects, timeouts.
//
// Mirrors:  tornado/simple_httpclient.py (_HTTPConnection.run, headers_received,
//           data_received, finish, _should_follow_redirect, _on_timeout) and httpclient.py
//           (HTTPClientError, the raise_error rules).
// In loop:  fetch() is a coroutine on the current loop. For each hop it waits for a slot
//           (fetch_once), then runs the exchange raced against the request timeout
//           (gen::with_timeout, whose timeout closes the stream). A finished exchange puts
//           its stream in the idle pool, where a close callback and a timer watch it. Results
//           travel up by `co_await std::move(f)`, so a response is moved, never copied.
#include "tornado/http/httpclient.h"

#include <sys/socket.h>

#include <cctype>

#include "tornado/gen/gen.h"
#include "tornado/http/base64.h"
#include "tornado/http/http1connection.h"
#include "tornado/http/httpclient_pool.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/tcpclient.h"

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

// What one hop brings back; fetch() makes the HTTPResponse from the last one. (An
// HTTPResponse carries its HTTPRequest, which is dear to move at every level.)
struct Answer {
  int code = 0;
  std::string reason;
  HTTPHeaders headers;
  std::string body;
  HTTPResponse::TimeInfo time_info;
  bool reused_connection = false;
};

// Tornado's simple_httpclient follows 301, 302, 303, 307 and 308 with a Location, while
// max_redirects lasts.
bool should_follow(const HTTPRequest& req, const Answer& r) {
  return req.follow_redirects && req.max_redirects > 0 &&
         (r.code == 301 || r.code == 302 || r.code == 303 || r.code == 307 || r.code == 308) &&
         r.headers.contains("Location");
}

// Collects a response, or hands its pieces to the request's callbacks.
class Collector : public HTTPMessageDelegate {
 public:
  Collector(Answer& r, const HTTPRequest& req) : r_(r), req_(req) {}
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
    // Tornado inflates a gzip body when decompress_response is set (its default); with no
    // zlib here, such a body cannot be given as asked, and handing over the compressed bytes
    // as if they were the body would be a silent lie.
    gzipped_ = req_.decompress_response &&
               util::iequals(util::trim(r_.headers.get("Content-Encoding")), "gzip");
    return std::nullopt;
  }
  std::optional<Future<void>> data_received(std::string_view chunk) override {
    if (gzipped_ && !chunk.empty() && !should_follow(req_, r_))
      throw std::runtime_error(
          "the response is gzip-encoded and this client cannot inflate it (no zlib); set "
          "decompress_response = false to receive the encoded body");
    // A redirect that will be followed keeps its body to itself (Tornado does the same).
    if (req_.streaming_callback && !should_follow(req_, r_)) {
      req_.streaming_callback(chunk);
    } else {
      r_.body.append(chunk);
    }
    return std::nullopt;
  }
  void finish() override {}
  void on_connection_close() override {}

 private:
  Answer& r_;
  const HTTPRequest& req_;
  bool gzipped_ = false;
};

bool idempotent(std::string_view m) {
  for (const char* s : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
    if (m == s) return true;
  return false;
}

bool is_stream_closed(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const StreamClosedError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// What the request timeout closes when it fires: the stream the exchange is using. A
// connection still being made has no stream to close yet: it is bounded by the same deadline
// instead, and the timeout waits for it to end (see fetch_once).
struct Exchange {
  std::shared_ptr<IOStream> stream;
  bool abandoned = false;          // the timeout fired: a connection made after it is not used
  bool connecting = false;         // open_connection is running
  Future<void> connect_ended;      // resolved when open_connection ends, either way
  std::optional<double> deadline;  // the request timeout's, on the loop's clock
};

}  // namespace

namespace {

using detail::HTTPClientState;

// Throws std::invalid_argument for a body where the method has none (Tornado's ValueError).
// Methods whose requests carry a body (Tornado's body_expected), and whether this one has one.
bool body_expected(const HTTPRequest& req) { return httputil::body_expected(req.method); }
bool body_present(const HTTPRequest& req) { return !req.body.empty() || req.body_producer; }

void check_body(const HTTPRequest& req) {
  if (!req.allow_nonstandard_methods && !body_expected(req) && body_present(req))
    throw std::invalid_argument("Body must be empty for a " + req.method + " request");
}

// The request's head, as sent on the wire (check_body has passed).
HTTPHeaders request_headers(const HTTPRequest& req, const URL& url, bool keep_alive) {
  HTTPHeaders headers = req.headers;
  if (!headers.contains("Host")) headers.set("Host", url.netloc);
  if (!keep_alive && !headers.contains("Connection")) headers.set("Connection", "close");
  if (!headers.contains("User-Agent"))
    headers.set("User-Agent", req.user_agent.empty() ? "tornado-cpp/0.1" : req.user_agent);
  if (!req.auth_username.empty()) {
    headers.set("Authorization",
                "Basic " + base64_encode(req.auth_username + ":" + req.auth_password));
  }
  if (!req.allow_nonstandard_methods && body_expected(req) && !body_present(req) &&
      !headers.contains("Content-Length"))
    headers.set("Content-Length", "0");
  if (!req.body.empty() && !headers.contains("Content-Length"))
    headers.set("Content-Length", std::to_string(req.body.size()));
  if (req.expect_100_continue) headers.set("Expect", "100-continue");
  return headers;
}

// Writes the body (a string or the producer's pieces) and ends the request.
Future<void> write_body(std::shared_ptr<HTTP1Connection> conn, const HTTPRequest& req,
                        bool in_head) {
  if (req.body_producer) {
    HTTPRequest::BodyWriter writer = [conn](std::string_view piece) { return conn->write(piece); };
    Future<void> produced = req.body_producer(std::move(writer));
    co_await produced;
  } else if (!in_head && !req.body.empty()) {
    co_await conn->write(req.body);
  }
  co_await conn->finish();
}

// A new connection for req: through the options' connect hook when there is one, else a
// TCPClient; a 599 HTTPClientError when connect_timeout, or the request's deadline, passes
// first. On that deadline TCPClient closes its own attempts: a connection in progress is never
// left to a cycle of its stream and the callbacks waiting on it, which nothing would break once
// the loop is gone. `req` and `url` are the exchange's, which awaits this at once.
Future<std::shared_ptr<IOStream>> open_connection(const HTTPClientState& st, const HTTPRequest& req,
                                                  const URL& url, std::optional<double> deadline) {
  TCPClient client;
  std::optional<double> limit;
  if (req.connect_timeout > 0) limit = req.connect_timeout;
  if (deadline) {
    const double left = std::max(0.0, *deadline - IOLoop::current().time());
    limit = limit ? std::min(*limit, left) : left;
  }
  try {
    Future<std::shared_ptr<IOStream>> connecting;
    if (st.options.connect) {
      connecting = st.options.connect(url, req);
      if (limit) connecting = gen::with_timeout(*limit, std::move(connecting));
    } else {
      connecting = client.connect(url.host, url.port, AF_UNSPEC, req.network_interface, 0, limit);
    }
    co_return co_await std::move(connecting);
  } catch (const TimeoutError&) {
    throw HTTPClientError(599, "Timeout while connecting");
  }
}

// One request on one connection: an idle one to the same origin if there is one, else a new
// one; once more on a new connection if a reused one turns out to be closed.
Future<Answer> exchange(std::shared_ptr<HTTPClientState> st,
                        std::shared_ptr<const HTTPRequest> shared_req, URL url,
                        std::shared_ptr<Exchange> ex) {
  const HTTPRequest& req = *shared_req;
  const bool keep_alive = st->options.keep_alive &&
                          !http1connection::has_token(req.headers.find("Connection"), "close");
  const std::string key = HTTPClientState::key(url, req.network_interface);
  HTTP1ConnectionParameters params;
  params.max_body_size = st->options.max_body_size;
  params.max_header_size = st->options.max_header_size;
  // g++ 12 destroys the temporaries of a full expression holding co_await twice (a by-value
  // argument, an aggregate): every coroutine call below is made into a named Future first.
  const RequestStartLine start_line{req.method, url.target, "HTTP/1.1"};
  const bool may_retry = idempotent(req.method) && !req.body_producer;
  for (int attempt = 0;; ++attempt) {
    // An idle connection serves even a request that asks to close it afterwards.
    std::shared_ptr<IOStream> stream =
        st->options.keep_alive && attempt == 0 ? st->take_idle(key) : nullptr;
    const bool reused = stream != nullptr;
    const double connect_start = IOLoop::current().time();
    if (!stream) {
      ex->connecting = true;
      struct Done {
        Exchange& ex;
        ~Done() {
          ex.connecting = false;
          if (!ex.connect_ended.done()) ex.connect_ended.set_result();
        }
      } done{*ex};
      Future<std::shared_ptr<IOStream>> connecting = open_connection(*st, req, url, ex->deadline);
      stream = co_await std::move(connecting);
    }
    if (ex->abandoned) {
      stream->close();
      throw TimeoutError("request timed out while connecting");
    }
    ex->stream = stream;
    auto conn = HTTP1Connection::client(stream, params);
    Answer r;
    r.reused_connection = reused;
    r.time_info.connect = reused ? 0 : IOLoop::current().time() - connect_start;
    Collector collector(r, req);
    std::exception_ptr error;
    bool reusable = false;
    try {
      // The body goes in the head's write when it is a plain string and nothing waits for 100.
      const bool in_head = !req.expect_100_continue && !req.body_producer;
      HTTPHeaders sent = request_headers(req, url, keep_alive);  // write_headers adds to it
      co_await conn->write_headers(start_line, sent, in_head ? std::string_view(req.body) : "");
      if (req.expect_100_continue) {
        // Weak: the connection holds this callback until a 100 arrives, which may be never.
        std::weak_ptr<HTTP1Connection> weak = conn;
        conn->set_continue_callback([weak, &req] {
          if (auto c = weak.lock()) return write_body(c, req, false);
          return make_failed_future<void>(StreamClosedError());
        });
      } else {
        Future<void> written = write_body(conn, req, in_head);
        co_await written;
      }
      reusable = co_await conn->read_response(collector);
    } catch (...) {
      error = std::current_exception();
    }
    if (!error) {
      if (reusable && keep_alive) {
        st->put_idle(key, std::move(stream));
      } else {
        stream->close();
      }
      co_return r;
    }
    conn->close();
    stream->close();
    // A reused connection the server had closed: nothing of this request was taken.
    if (reused && r.code == 0 && may_retry && is_stream_closed(error)) continue;
    std::rethrow_exception(error);
  }
}

// One hop (no redirects): a slot from the queue, then the exchange under request_timeout.
// `request` and `url` are the caller's, which awaits this at once; the exchange, which may
// outlive it after a timeout, shares one copy of the request.
Future<Answer> fetch_once(std::shared_ptr<HTTPClientState> st, const HTTPRequest& request,
                          const URL& url) {
  const double queued_at = IOLoop::current().time();
  if (std::shared_ptr<HTTPClientState::Waiter> w = st->acquire()) {
    double limit = 0;
    for (double t : {request.connect_timeout, request.request_timeout})
      if (t > 0) limit = limit > 0 ? std::min(limit, t) : t;
    try {
      if (limit > 0) {
        co_await gen::with_timeout(limit, w->granted_future);
      } else {
        co_await w->granted_future;
      }
    } catch (const TimeoutError&) {
      st->abandon(w);
      throw HTTPClientError(599, "Timeout in request queue");
    }
  }
  struct Slot {
    std::shared_ptr<HTTPClientState> st;
    ~Slot() { st->release(); }
  } slot{st};
  const double queue_time = IOLoop::current().time() - queued_at;
  auto ex = std::make_shared<Exchange>();
  if (request.request_timeout > 0)
    ex->deadline = IOLoop::current().time() + request.request_timeout;
  auto shared = std::make_shared<const HTTPRequest>(request);
  try {
    Future<Answer> f = exchange(st, std::move(shared), url, ex);
    if (request.request_timeout > 0) {
      // When the time is up the exchange is abandoned and its stream closed; the failure
      // that follows is the stream closed under it, nobody's news.
      f = gen::with_timeout(
          request.request_timeout, std::move(f),
          [ex] {
            ex->abandoned = true;
            if (ex->stream) ex->stream->close();
            return std::make_exception_ptr(TimeoutError("request timeout"));
          },
          [](const std::exception_ptr&) {});
    }
    Answer r = co_await std::move(f);
    r.time_info.queue = queue_time;
    co_return r;
  } catch (const TimeoutError&) {
    ex->abandoned = true;
    if (ex->stream) ex->stream->close();
  }
  // A connection in progress ends on the same deadline, a moment later: wait for it, so that
  // the caller, who may close the loop as soon as it has the 599, leaves nothing running.
  // It is reported as Tornado does, whichever of the two limits ended it.
  if (ex->connecting) {
    const Future<void> ended = ex->connect_ended;
    co_await ended;
    throw HTTPClientError(599, "Timeout while connecting");
  }
  throw HTTPClientError(599, "Timeout during request");
}

// What fetch() refuses before anything is sent (Tornado raises these at once, too).
void check_request(const HTTPRequest& request) {
  if (request.use_gzip)
    throw std::invalid_argument("use_gzip needs zlib, which this library does not use");
  if (request.auth_mode != "basic")
    throw std::invalid_argument("unsupported auth_mode " + request.auth_mode);
  if (!request.allow_nonstandard_methods && !standard_method(request.method))
    throw std::invalid_argument("unknown method " + request.method);
  if (!request.body.empty() && request.body_producer)
    throw std::invalid_argument("body and body_producer are mutually exclusive");
}

// The URL of one hop, or what makes it fail (a 599): a malformed URL, a body the method does
// not take, https:// without a TLS stream.
URL hop_url(const HTTPClientState& st, const HTTPRequest& request) {
  URL url = parse_url(request.url);
  check_body(request);
  if (url.scheme == "https" && !st.options.connect)
    throw std::runtime_error(
        "https:// needs TLS, which is not built in (no dependency beyond libc; a TLS stream "
        "plugs in through HTTPClientOptions::connect): " +
        request.url);
  return url;
}

// The request of the next hop after a redirect (Tornado's _HTTPConnection.finish): 303 but for
// HEAD, and 301/302 after a POST, become a GET without a body; credentials do not follow a
// redirect to another origin.
HTTPRequest redirected(const HTTPRequest& request, const Answer& answer) {
  HTTPRequest next = request;
  next.url = resolve_url(request.url, answer.headers.get("Location"));
  next.max_redirects = request.max_redirects - 1;
  next.headers.erase("Host");
  if ((answer.code == 303 && request.method != "HEAD") ||
      ((answer.code == 301 || answer.code == 302) && request.method == "POST")) {
    next.method = "GET";
    next.body.clear();
    next.body_producer = nullptr;
    next.expect_100_continue = false;
    for (const char* h :
         {"Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding"})
      next.headers.erase(h);
  }
  const URL a = parse_url(request.url), b = parse_url(next.url);
  if (a.scheme != b.scheme || a.host != b.host || a.port != b.port) {
    next.headers.erase("Authorization");
    next.headers.erase("Cookie");
    next.auth_username.clear();
    next.auth_password.clear();
  }
  return next;
}

}  // namespace

AsyncHTTPClient::AsyncHTTPClient(HTTPClientOptions options)
    : state_(std::make_shared<HTTPClientState>(options)) {}

AsyncHTTPClient::~AsyncHTTPClient() { close(); }

void AsyncHTTPClient::close() {
  state_->closed = true;
  state_->close_idle();
}

std::size_t AsyncHTTPClient::active() const { return static_cast<std::size_t>(state_->active); }
std::size_t AsyncHTTPClient::queued() const { return state_->queue.size(); }
std::size_t AsyncHTTPClient::idle_connections() const { return state_->idle_count; }
const HTTPClientOptions& AsyncHTTPClient::options() const { return state_->options; }

AsyncHTTPClient& AsyncHTTPClient::instance() {
  thread_local std::map<IOLoop*, std::unique_ptr<AsyncHTTPClient>> clients;
  IOLoop& loop = IOLoop::current();
  std::unique_ptr<AsyncHTTPClient>& slot = clients[&loop];
  if (!slot) {
    slot = std::make_unique<AsyncHTTPClient>();
    IOLoop* key = &loop;
    loop.add_close_hook([key] { clients.erase(key); });
  }
  return *slot;
}

Future<HTTPResponse> AsyncHTTPClient::fetch(HTTPRequest request, bool raise_error) {
  if (state_->closed) throw std::logic_error("fetch() called on a closed AsyncHTTPClient");
  std::shared_ptr<HTTPClientState> st = state_;
  IOLoop& loop = IOLoop::current();
  const double start = loop.time();
  check_request(request);
  std::optional<HTTPRequest> original;  // the caller's request, kept once a redirect changes it
  Answer answer;
  std::exception_ptr failure;
  for (;;) {
    URL url;
    try {
      url = hop_url(*st, request);
    } catch (...) {
      failure = std::current_exception();
      break;
    }
    try {
      const double redirects = loop.time() - start;
      Future<Answer> hop = fetch_once(st, request, url);
      answer = co_await std::move(hop);
      answer.time_info.redirect = redirects;
    } catch (...) {
      failure = std::current_exception();
      break;
    }
    if (!should_follow(request, answer)) break;
    if (!original) original = request;
    request = redirected(request, answer);
  }
  HTTPResponse response;
  response.effective_url = request.url;  // the last hop's, or the one that failed
  response.request = original ? std::move(*original) : std::move(request);
  response.request_time = loop.time() - start;
  if (failure) {
    if (raise_error) std::rethrow_exception(failure);
    response.code = 599;
    response.error = failure;
    co_return response;
  }
  response.code = answer.code;
  response.reason = std::move(answer.reason);
  response.headers = std::move(answer.headers);
  response.body = std::move(answer.body);
  response.time_info = answer.time_info;
  response.reused_connection = answer.reused_connection;
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
