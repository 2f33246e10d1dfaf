// http/httpserver.h: a non-blocking HTTP/1.1 server.
//
// Mirrors:  tornado/httpserver.py (HTTPServer, _CallableAdapter, _HTTPRequestContext,
//           _ProxyAdapter).
//
//   tornado::HTTPServer server([](std::shared_ptr<tornado::HTTPServerRequest> req) {
//     tornado::HTTPHeaders h{{"Content-Type", "text/plain"}, {"Content-Length", "5"}};
//     req->connection->write_headers({"HTTP/1.1", 200, "OK"}, h, "hello");
//     req->connection->finish();
//   });
//   server.listen(8888);
//   tornado::IOLoop::current().start();
//
// Role:     a TCPServer that serves each connection with an HTTP1ServerConnection, made in one
//           allocation with its stream (handle_connection; handle_stream for streams made
//           elsewhere).
//           Requests go to an HTTPServerConnectionDelegate (web's Application is one) which
//           may stream bodies, or to a callback that gets each HTTPServerRequest whole, body
//           and arguments parsed. The callback form writes one access log line per request.
// Ownership: the server owns its listening sockets and tracks its open connections without
//           owning them (each is kept alive by its serving coroutine or by its stream's readiness
//           callback, and lists itself on the server's lists while it serves). The delegate must
//           outlive the server; the server must outlive the loop iterations that use it: destroy
//           it after close_all_connections() has resolved, or after the loop has stopped.
// Errors:   bad requests are answered by http1connection (400, 413, 431) and never reach the
//           application. An exception thrown by the callback is logged and closes that
//           connection.
// Thread:   the loop thread.
// See:      man tornado.httpserver.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/http/http1connection.h"
#include "tornado/http/httputil.h"
#include "tornado/stream/tcpserver.h"

namespace tornado {

// Tornado's HTTPServer keyword arguments.
struct HTTPServerOptions {
  bool no_keep_alive = false;
  // Trust X-Real-Ip / X-Forwarded-For and X-Scheme / X-Forwarded-Proto (behind a proxy).
  bool xheaders = false;
  // Forces request.protocol ("http" when empty).
  std::string protocol;
  bool decompress_request = false;  // refused: no zlib
  std::size_t chunk_size = 64 * 1024;
  std::size_t max_header_size = 64 * 1024;
  // Closes a connection with no request in progress after this many seconds (Tornado: 3600).
  // It also bounds the time a client may take to send a request head (slowloris).
  double idle_connection_timeout = 3600;
  double body_timeout = 0;        // 0: none
  std::size_t max_body_size = 0;  // 0: max_buffer_size
  std::size_t max_buffer_size = 100 * 1024 * 1024;
  // Proxies whose addresses are skipped in X-Forwarded-For.
  std::vector<std::string> trusted_downstream;
};

// For delegates that take whole requests (the callback form, web's Application): parses the
// body into the request's arguments and files; on a malformed body logs it, answers 400 with
// Connection: close on `conn`, and returns false.
bool parse_body_or_reject(HTTPServerRequest& request, HTTPConnection& conn);

class HTTPServer : public TCPServer, private HTTPServerConnectionDelegate {
 public:
  using RequestCallback = std::function<void(std::shared_ptr<HTTPServerRequest>)>;

  // Requests go to `delegate` (an Application): it sees headers and body as they arrive.
  explicit HTTPServer(HTTPServerConnectionDelegate& delegate, HTTPServerOptions options = {});
  // Each complete request goes to `callback`, which answers through request->connection.
  explicit HTTPServer(RequestCallback callback, HTTPServerOptions options = {});
  ~HTTPServer() override;

  // Stops nothing by itself: call stop() first to stop accepting. Closes every open
  // connection; resolves once each has stopped serving (tests, and the end of shutdown()).
  Future<void> close_all_connections();
  // Graceful shutdown: stops accepting, closes idle keep-alive connections at once, lets each
  // request in progress finish (its response carries Connection: close) for up to `deadline`
  // seconds, then closes the connections left; resolves when none is left. Not in Tornado
  // (its users wrote this by hand around close_all_connections).
  Future<void> shutdown(double deadline = 30) override;
  std::size_t connection_count() const { return settings_->head_deadlines->size(); }

  const HTTPServerOptions& options() const { return options_; }

  // Serves a stream made elsewhere. Accepted sockets do not come this way: handle_connection
  // makes each one's stream and connection in one allocation.
  Future<void> handle_stream(std::shared_ptr<IOStream> stream, Address address) override;

 protected:
  void handle_connection(int fd, const Address& address) override;

 private:
  void serve(const std::shared_ptr<HTTP1ServerConnection>& conn);
  // The open connections, for a walk that may close them (closing one may unlist it).
  std::vector<std::shared_ptr<HTTP1ServerConnection>> snapshot() const;

  std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection& server_conn, std::shared_ptr<HTTPConnection> request_conn) override;
  void on_close(HTTP1ServerConnection& server_conn) override;

  HTTPServerOptions options_;
  // The parameters and scheme every connection shares.
  std::shared_ptr<const HTTP1ServerSettings> settings_;
  HTTPServerConnectionDelegate* delegate_ = nullptr;
  std::shared_ptr<RequestCallback> callback_;
  // Set by the callback constructor only, so that a server with a delegate (an Application)
  // does not link the callback form's adapter.
  std::unique_ptr<HTTPMessageDelegate> (*adapt_callback_)(
      std::shared_ptr<RequestCallback>, std::shared_ptr<HTTP1Connection>) = nullptr;
  // The open connections are settings_->head_deadlines's (two links in each connection, no
  // set node: bench/README.md, "Memory per idle connection"). No Future per connection:
  // close_all_connections asks the one it waits for (HTTP1ServerConnection::served).
  // While shutdown() waits: resolved when the last connection ends.
  std::optional<Future<void>> drained_;
};

}  // namespace tornado
