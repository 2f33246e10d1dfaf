// web/websocket_client.cc: websocket_connect and WebSocketClientConnection.
//
// Mirrors:  tornado/websocket.py websocket_connect and WebSocketClientConnection (which
//           subclasses simple_httpclient's _HTTPConnection: the upgrade request goes out
//           through the HTTP client's connection code, and headers_received takes the stream
//           on a 101).
// In loop:  websocket_connect is a coroutine: it connects (TCPClient, or the options'
//           connect), writes the GET with HTTP1Connection's client half, reads the answer's
//           head, checks it (101, Upgrade, Connection, Sec-WebSocket-Accept, the subprotocol,
//           no extension), detaches the stream and starts a WebSocketProtocol on it. Messages
//           then queue until read_message() takes them, or go to on_message_callback.
#include <algorithm>

#include "tornado/gen/gen.h"
#include "tornado/http/base64.h"
#include "tornado/http/http1connection.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/tcpclient.h"
#include "tornado/web/websocket.h"

namespace tornado::websocket {

namespace detail {
std::uint32_t random_mask();
}

namespace {

// The upgrade answer's head; the stream is taken as soon as a 101 arrives, so that the frames
// behind it stay unread for the WebSocket.
class HandshakeReader : public HTTPMessageDelegate {
 public:
  explicit HandshakeReader(HTTP1Connection& conn) : conn_(conn) {}
  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    start_line_ = std::get<ResponseStartLine>(std::move(start_line));
    headers_ = std::move(headers);
    if (start_line_.code == 101) stream_ = conn_.detach(&unread_);
    return std::nullopt;
  }
  std::optional<Future<void>> data_received(std::string_view) override { return std::nullopt; }
  void finish() override {}
  void on_connection_close() override {}

  HTTP1Connection& conn_;
  ResponseStartLine start_line_;
  HTTPHeaders headers_;
  std::shared_ptr<IOStream> stream_;
  std::string unread_;
};

bool has_upgrade_token(const std::string* header) {
  return http1connection::has_token(header, "upgrade");
}

std::string new_key() {
  std::string raw;
  for (int i = 0; i < 4; ++i) {
    const std::uint32_t r = detail::random_mask();
    for (int s = 24; s >= 0; s -= 8) raw += static_cast<char>((r >> s) & 0xFF);
  }
  return base64_encode(raw);
}

// The checks of RFC 6455 §4.1 on the server's answer; the selected subprotocol.
std::string check_answer(const HandshakeReader& r, const std::string& key,
                         const std::vector<std::string>& offered) {
  if (r.start_line_.code != 101) {
    throw HTTPClientError(r.start_line_.code, r.start_line_.reason.empty()
                                                  ? "Non-websocket response"
                                                  : r.start_line_.reason);
  }
  if (util::ascii_lower(r.headers_.get("Upgrade")) != "websocket" ||
      !has_upgrade_token(r.headers_.find("Connection")))
    throw WebSocketError("the server's 101 lacks Upgrade: websocket or Connection: Upgrade");
  if (r.headers_.get("Sec-Websocket-Accept") != compute_accept_value(key))
    throw WebSocketError("the server's Sec-WebSocket-Accept does not match the key");
  if (r.headers_.contains("Sec-Websocket-Extensions"))
    throw WebSocketError("the server chose an extension that was not offered");
  const std::string chosen = r.headers_.get("Sec-Websocket-Protocol");
  if (!chosen.empty() && std::find(offered.begin(), offered.end(), chosen) == offered.end())
    throw WebSocketError("the server chose a subprotocol that was not offered: " + chosen);
  return chosen;
}

Future<std::shared_ptr<IOStream>> open_stream(const URL& url, const HTTPRequest& req,
                                              const WebSocketClientOptions& options) {
  if (options.connect) {
    Future<std::shared_ptr<IOStream>> f = options.connect(url, req);
    return req.connect_timeout > 0 ? gen::with_timeout(req.connect_timeout, std::move(f)) : f;
  }
  if (url.scheme == "https")
    throw WebSocketError("wss:// needs a TLS stream: set WebSocketClientOptions::connect");
  auto client = std::make_shared<TCPClient>();
  std::optional<double> limit;
  if (req.connect_timeout > 0) limit = req.connect_timeout;
  return client->connect(url.host, url.port, AF_UNSPEC, req.network_interface, 0, limit);
}

}  // namespace

Future<std::shared_ptr<WebSocketClientConnection>> websocket_connect(
    HTTPRequest request, WebSocketClientOptions options) {
  std::string url = request.url;
  if (util::ascii_lower(url.substr(0, 5)) == "ws://") url = "http://" + url.substr(5);
  if (util::ascii_lower(url.substr(0, 6)) == "wss://") url = "https://" + url.substr(6);
  const URL u = parse_url(url);
  std::shared_ptr<IOStream> stream;
  try {
    Future<std::shared_ptr<IOStream>> connecting = open_stream(u, request, options);
    stream = co_await std::move(connecting);
  } catch (const TimeoutError&) {
    throw HTTPClientError(599, "Timeout while connecting");
  }
  // request_timeout bounds the handshake: when it fires, the stream closes under it.
  bool timed_out = false;
  std::optional<Timeout> timer;
  if (request.request_timeout > 0) {
    std::weak_ptr<IOStream> weak = stream;
    timer = IOLoop::current().call_later(request.request_timeout, [weak, &timed_out] {
      timed_out = true;
      if (auto s = weak.lock()) s->close();
    });
  }
  const std::string key = new_key();
  HTTPHeaders headers = request.headers;
  if (!headers.contains("Host")) headers.set("Host", u.netloc);
  headers.set("Upgrade", "websocket");
  headers.set("Connection", "Upgrade");
  headers.set("Sec-WebSocket-Key", key);
  headers.set("Sec-WebSocket-Version", "13");
  if (!options.subprotocols.empty()) {
    std::string list;
    for (const std::string& p : options.subprotocols) list += (list.empty() ? "" : ",") + p;
    headers.set("Sec-WebSocket-Protocol", list);
  }
  auto conn = HTTP1Connection::client(stream);
  HandshakeReader reader(*conn);
  std::exception_ptr error;
  try {
    const RequestStartLine start_line{"GET", u.target, "HTTP/1.1"};
    Future<void> written = conn->write_headers(start_line, headers);
    co_await written;
    Future<void> finished = conn->finish();
    co_await finished;
    Future<bool> read = conn->read_response(reader);
    co_await read;
  } catch (...) {
    error = std::current_exception();
  }
  if (timer) IOLoop::current().remove_timeout(*timer);
  if (timed_out) throw HTTPClientError(599, "Timeout during the WebSocket handshake");
  if (error) {
    stream->close();
    std::rethrow_exception(error);
  }
  std::string subprotocol;
  try {
    subprotocol = check_answer(reader, key, options.subprotocols);
  } catch (...) {
    stream->close();
    throw;
  }
  auto ws = std::make_shared<WebSocketClientConnection>(std::move(options), std::move(subprotocol));
  ws->attach(std::move(reader.stream_), std::move(reader.unread_));
  co_return ws;
}

// --- the connection
// -------------------------------------------------------------------------------

WebSocketClientConnection::WebSocketClientConnection(WebSocketClientOptions options,
                                                     std::string subprotocol)
    : options_(std::move(options)), subprotocol_(std::move(subprotocol)) {}

WebSocketClientConnection::~WebSocketClientConnection() {
  if (ws_) {
    ws_->forget_delegate();
    ws_->abort();
  }
}

void WebSocketClientConnection::attach(std::shared_ptr<IOStream> stream, std::string unread) {
  WebSocketParams params{options_.ping_interval, options_.ping_timeout, options_.max_message_size};
  ws_ = std::make_shared<detail::WebSocketProtocol>(std::move(stream), false, params);
  // The protocol holds only a weak owner here: a client nobody holds is closed by its
  // destructor, as a stream nobody holds is.
  ws_->start(nullptr, this, std::move(unread));
}

Future<std::optional<WebSocketMessage>> WebSocketClientConnection::read_message() {
  if (reader_) throw std::logic_error("read_message called while another read is pending");
  if (pending_head_ < pending_.size()) {
    std::optional<WebSocketMessage> m = std::move(pending_[pending_head_++]);
    if (pending_head_ == pending_.size()) {
      pending_.clear();
      pending_head_ = 0;
    }
    return make_ready_future<std::optional<WebSocketMessage>>(std::move(m));
  }
  if (closed_) return make_ready_future<std::optional<WebSocketMessage>>(std::nullopt);
  Future<std::optional<WebSocketMessage>> f;
  reader_ = Promise<std::optional<WebSocketMessage>>(f);
  return f;
}

void WebSocketClientConnection::deliver(std::optional<WebSocketMessage> m) {
  if (options_.on_message_callback) {
    options_.on_message_callback(std::move(m));
    return;
  }
  if (reader_) {
    Promise<std::optional<WebSocketMessage>> r = std::move(reader_);
    r.set_result(std::move(m));
    return;
  }
  if (m || pending_.empty() || pending_.back()) pending_.push_back(std::move(m));
}

Future<void> WebSocketClientConnection::write_message(std::string_view message, bool binary) {
  if (!ws_ || closed_) throw WebSocketClosedError();
  return ws_->write_message(message, binary);
}

void WebSocketClientConnection::ping(std::string_view data) {
  if (!ws_ || closed_) throw WebSocketClosedError();
  ws_->write_ping(data);
}

void WebSocketClientConnection::close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (!ws_ || closed_) return;
  if (!code && !reason.empty()) code = kCloseNormal;
  ws_->close(code.value_or(0), reason);
}

std::optional<std::uint16_t> WebSocketClientConnection::close_code() const {
  return ws_ ? ws_->close_code() : last_code_;
}

std::string WebSocketClientConnection::close_reason() const {
  return ws_ ? ws_->close_reason() : last_reason_;
}

std::optional<Future<void>> WebSocketClientConnection::ws_message(std::string data,
                                                                  bool is_binary) {
  deliver(WebSocketMessage{std::move(data), is_binary});
  return std::nullopt;
}
void WebSocketClientConnection::ws_ping(std::string_view) {}
void WebSocketClientConnection::ws_pong(std::string_view) { ++pongs_; }

void WebSocketClientConnection::ws_closed() {
  closed_ = true;
  last_code_ = ws_->close_code();
  last_reason_ = ws_->close_reason();
  deliver(std::nullopt);
}

}  // namespace tornado::websocket
