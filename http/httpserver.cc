// http/httpserver.cc: HTTPServer, its callback adapter and the xheaders adapter.
//
// Mirrors:  tornado/httpserver.py (HTTPServer.handle_stream, start_request, on_close,
//           close_all_connections; _CallableAdapter; _HTTPRequestContext; _ProxyAdapter).
// In loop:  TCPServer accepts and calls handle_connection, which makes the stream and its
//           HTTP1ServerConnection in one allocation and starts it (handle_stream does the same
//           for a stream made elsewhere); that calls start_request once per request, and
//           on_close when it ends.
// Thread:   the loop thread.
#include "tornado/http/httpserver.h"

#include <algorithm>
#include <stdexcept>

#include "tornado/gen/gen.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/netutil.h"

namespace tornado {

namespace {

// Tornado's access log line: "200 GET /path (127.0.0.1) 0.52ms", at a level by status.
void log_request(int code, const HTTPServerRequest& request) {
  const double ms = 1000.0 * request.request_time();
  const char* fmt = "%d %s %s (%s) %.2fms";
  if (code < 400) {
    log::access_log.info(fmt, code, request.method.c_str(), request.uri.c_str(),
                         request.remote_ip.c_str(), ms);
  } else if (code < 500) {
    log::access_log.warning(fmt, code, request.method.c_str(), request.uri.c_str(),
                            request.remote_ip.c_str(), ms);
  } else {
    log::access_log.error(fmt, code, request.method.c_str(), request.uri.c_str(),
                          request.remote_ip.c_str(), ms);
  }
}

// Collects a whole request, parses its body, then calls the callback (_CallableAdapter).
class CallableAdapter : public HTTPMessageDelegate {
 public:
  CallableAdapter(std::shared_ptr<HTTPServer::RequestCallback> callback,
                  std::shared_ptr<HTTP1Connection> conn)
      : callback_(std::move(callback)), conn_(std::move(conn)) {}

  // One adapter and one request per request: both come from the thread's free lists
  // (gen/recycle.h), so that a keep-alive request does not go to malloc for them.
  static void* operator new(std::size_t n) { return detail::recycle_allocate(n); }
  static void operator delete(void* p, std::size_t n) noexcept { detail::recycle_deallocate(p, n); }

  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    request_ = std::allocate_shared<HTTPServerRequest>(
        detail::RecyclingAllocator<HTTPServerRequest>{},
        std::get<RequestStartLine>(std::move(start_line)), std::move(headers), conn_);
    std::weak_ptr<HTTPServerRequest> weak = request_;
    // The connection by plain pointer: the callback is held by that connection and only it
    // runs it (resolve_finish), so it is alive then; a weak pointer would cost a count and a
    // lock on every request. The request may be gone (dropped after a close): weak.
    conn_->set_finish_callback([weak, c = conn_.get()] {
      auto request = weak.lock();
      if (!request) return;
      request->finish_time = request->start_time + request->request_time();
      log_request(c->response_code(), *request);
    });
    return std::nullopt;
  }

  std::optional<Future<void>> data_received(std::string_view chunk) override {
    request_->body.append(chunk);
    return std::nullopt;
  }

  void finish() override {
    if (parse_body_or_reject(*request_, *conn_)) (*callback_)(request_);
  }

  void on_connection_close() override { request_.reset(); }

 private:
  std::shared_ptr<HTTPServer::RequestCallback> callback_;
  std::shared_ptr<HTTP1Connection> conn_;
  std::shared_ptr<HTTPServerRequest> request_;
};

// With xheaders: rewrites the request's remote_ip and protocol from the proxy's headers before
// the application sees them (_ProxyAdapter + _HTTPRequestContext._apply_xheaders).
class ProxyAdapter : public HTTPMessageDelegate {
 public:
  ProxyAdapter(std::unique_ptr<HTTPMessageDelegate> inner, std::shared_ptr<HTTP1Connection> conn,
               const std::vector<std::string>* trusted)
      : inner_(std::move(inner)), conn_(std::move(conn)), trusted_(trusted) {}

  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    HTTP1ConnectionContext& ctx = conn_->context();
    // The last X-Forwarded-For entry that is not a trusted proxy; X-Real-Ip wins over it.
    std::string ip = headers.get("X-Forwarded-For", ctx.remote_ip);
    std::string_view candidate = ip;
    for (std::string_view rest = ip;;) {
      const std::size_t comma = rest.rfind(',');
      candidate = util::trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      bool is_trusted = false;
      for (const std::string& t : *trusted_) is_trusted = is_trusted || t == candidate;
      if (!is_trusted || comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
    std::string chosen(candidate);
    if (const std::string* real = headers.find("X-Real-Ip")) chosen = *real;
    if (netutil::is_valid_ip(chosen)) ctx.remote_ip = chosen;
    std::string proto = headers.get("X-Scheme", headers.get("X-Forwarded-Proto", ctx.protocol));
    const std::size_t comma = proto.rfind(',');
    const std::string_view last =
        util::trim(comma == std::string::npos ? std::string_view(proto)
                                              : std::string_view(proto).substr(comma + 1));
    if (last == "http" || last == "https") ctx.protocol = std::string(last);
    return inner_->headers_received(std::move(start_line), std::move(headers));
  }
  std::optional<Future<void>> data_received(std::string_view chunk) override {
    return inner_->data_received(chunk);
  }
  void finish() override { inner_->finish(); }
  void on_connection_close() override { inner_->on_connection_close(); }

 private:
  std::unique_ptr<HTTPMessageDelegate> inner_;
  std::shared_ptr<HTTP1Connection> conn_;
  const std::vector<std::string>* trusted_;
};

}  // namespace

bool parse_body_or_reject(HTTPServerRequest& request, HTTPConnection& conn) {
  try {
    request.parse_body();
    return true;
  } catch (const HTTPInputError& e) {
    log::gen_log.info("Malformed HTTP body from %s: %s", request.remote_ip.c_str(), e.what());
    HTTPHeaders h{{"Content-Length", "0"}, {"Connection", "close"}};
    (void)conn.write_headers(ResponseStartLine{"HTTP/1.1", 400, ""}, h);
    (void)conn.finish();
    return false;
  }
}

namespace {

std::shared_ptr<const HTTP1ServerSettings> settings_of(const HTTPServerOptions& o) {
  if (o.decompress_request)
    throw std::invalid_argument(
        "HTTPServer: decompress_request needs zlib, which this library does not use");
  HTTP1ConnectionParameters p;
  p.no_keep_alive = o.no_keep_alive;
  p.chunk_size = o.chunk_size;
  p.max_header_size = o.max_header_size;
  p.header_timeout = o.idle_connection_timeout;
  p.max_body_size = o.max_body_size ? o.max_body_size : o.max_buffer_size;
  p.body_timeout = o.body_timeout;
  return std::make_shared<const HTTP1ServerSettings>(
      HTTP1ServerSettings{p, o.protocol.empty() ? "http" : o.protocol});
}

IOStreamOptions stream_options_of(const HTTPServerOptions& o) {
  IOStreamOptions s;
  s.max_buffer_size = o.max_buffer_size;
  s.read_chunk_size = std::min(o.chunk_size, o.max_buffer_size / 2 ? o.max_buffer_size / 2 : 1);
  return s;
}

}  // namespace

HTTPServer::HTTPServer(HTTPServerConnectionDelegate& delegate, HTTPServerOptions options)
    : TCPServer(stream_options_of(options)),
      options_(std::move(options)),
      settings_(settings_of(options_)),
      delegate_(&delegate) {}

HTTPServer::HTTPServer(RequestCallback callback, HTTPServerOptions options)
    : TCPServer(stream_options_of(options)),
      options_(std::move(options)),
      settings_(settings_of(options_)),
      callback_(std::make_shared<RequestCallback>(std::move(callback))),
      adapt_callback_(
          [](std::shared_ptr<RequestCallback> cb,
             std::shared_ptr<HTTP1Connection> conn) -> std::unique_ptr<HTTPMessageDelegate> {
            return std::make_unique<CallableAdapter>(std::move(cb), std::move(conn));
          }) {}

HTTPServer::~HTTPServer() {
  stop();
  for (const auto& conn : snapshot()) {
    conn->forget_delegate();
    conn->close();
  }
}

std::vector<std::shared_ptr<HTTP1ServerConnection>> HTTPServer::snapshot() const {
  std::vector<std::shared_ptr<HTTP1ServerConnection>> conns;
  conns.reserve(connection_count());
  settings_->head_deadlines->for_each(
      [&conns](HTTP1ServerConnection& conn) { conns.push_back(conn.shared_from_this()); });
  return conns;
}

namespace {

std::string remote_ip_of(const netutil::SocketAddress& address) {
  return (address.family == AF_INET || address.family == AF_INET6) ? address.host() : "0.0.0.0";
}

}  // namespace

void HTTPServer::serve(const std::shared_ptr<HTTP1ServerConnection>& conn) {
  conn->start(*this);  // lists it on settings_->head_deadlines until it ends
  if (!conn->ended() && drained_) conn->drain();  // add_sockets after shutdown() began
}

Future<void> HTTPServer::handle_stream(std::shared_ptr<IOStream> stream, Address address) {
  serve(
      std::make_shared<HTTP1ServerConnection>(std::move(stream), settings_, remote_ip_of(address)));
  // serve() catches and logs what it throws: nothing for TCPServer to watch.
  return shared_ready_future();
}

void HTTPServer::handle_connection(int fd, const Address& address) {
  std::shared_ptr<HTTP1ServerConnection> conn;
  try {
    conn = HTTP1ServerConnection::create(fd, stream_options(), settings_, remote_ip_of(address));
  } catch (...) {
    ::close(fd);  // create() owns the fd only once it has succeeded
    log_connection_error(std::current_exception());
    return;
  }
  try {
    serve(conn);
  } catch (...) {
    log_connection_error(std::current_exception());
  }
}

std::unique_ptr<HTTPMessageDelegate> HTTPServer::start_request(
    HTTP1ServerConnection& server_conn, std::shared_ptr<HTTPConnection> request_conn) {
  auto conn = std::static_pointer_cast<HTTP1Connection>(std::move(request_conn));
  std::unique_ptr<HTTPMessageDelegate> delegate;
  if (callback_) {
    delegate = adapt_callback_(callback_, conn);
  } else {
    delegate = delegate_->start_request(server_conn, conn);
  }
  if (options_.xheaders)
    delegate =
        std::make_unique<ProxyAdapter>(std::move(delegate), conn, &options_.trusted_downstream);
  return delegate;
}

void HTTPServer::on_close(HTTP1ServerConnection& server_conn) {
  if (delegate_) delegate_->on_close(server_conn);
  // end_serving has unlisted it.
  if (connection_count() == 0 && drained_ && !drained_->done()) drained_->set_result();
}

Future<void> HTTPServer::close_all_connections() {
  // As Tornado: close one, wait until it has stopped serving, then the next (a connection
  // may open while waiting; it is closed too).
  while (connection_count() > 0) {
    const std::shared_ptr<HTTP1ServerConnection> conn =
        settings_->head_deadlines->front()->shared_from_this();
    const Future<void> done = conn->served();
    conn->close();
    co_await done;         // it is unlisted when serving ends
    co_await gen::moment;  // the stream's close callback runs on the next iteration
  }
}

}  // namespace tornado

namespace tornado {

Future<void> HTTPServer::shutdown(double deadline) {
  stop();
  if (connection_count() > 0) {
    drained_.emplace();
    const Future<void> drained = *drained_;
    // drain() may close a connection, and its serving end unlist it, while the list is walked.
    for (const auto& conn : snapshot()) conn->drain();
    try {
      co_await gen::with_timeout(deadline, drained);
    } catch (const TimeoutError&) {
      log::gen_log.warning("shutdown: %zu connections still busy after %.3g s; closing them",
                           connection_count(), deadline);
    }
    drained_.reset();
  }
  co_await close_all_connections();
}

}  // namespace tornado
