// web/websocket.h: WebSocket (RFC 6455) for the web framework: the server handler and the
// client.
//
// Mirrors:  tornado/websocket.py (WebSocketHandler, WebSocketProtocol13,
//           WebSocketClientConnection, websocket_connect, WebSocketError,
//           WebSocketClosedError).
//
//   struct Echo : tornado::websocket::WebSocketHandler {
//     void open(const std::string& room) { room_ = room; }   // the pattern's group
//     Future<void> on_message(std::string message, bool is_binary) {
//       co_await write_message(room_ + ": " + message, is_binary);
//     }
//     std::string room_;
//   };
//   tornado::web::Application app({tornado::web::url<Echo>(R"(/ws/(\w+))")});
//
//   auto conn = co_await tornado::websocket::websocket_connect("ws://127.0.0.1:8888/ws/lobby");
//   co_await conn->write_message("hello");
//   std::optional<tornado::websocket::WebSocketMessage> m = co_await conn->read_message();
//
// Role:     WebSocketHandler is a RequestHandler whose get() checks the upgrade request
//           (Upgrade, Connection, Origin, Sec-WebSocket-Key and -Version), answers 101, takes
//           the stream from the HTTP connection (RequestHandler::detach), calls open and hands
//           the stream to a WebSocketProtocol, which reads frames (web/websocket_protocol.h)
//           and calls on_message, on_ping, on_pong and on_close. open and on_message are
//           found in the handler's own class, as get() is, through url<H>.
//           websocket_connect writes the upgrade request with the HTTP client's connection
//           code (HTTP1Connection's client half), checks the 101 answer, and takes the stream
//           the same way.
// Ownership: while the connection is open its protocol object keeps the handler (or the
//           client connection) alive; both are released once on_close has run.
// Errors:   see web/websocket_protocol.h for the close codes sent on bad frames. write_message
//           on a closed connection throws WebSocketClosedError; its Future fails with
//           StreamClosedError if the peer leaves before the bytes are written.
// Limits:   no extensions: permessage-deflate needs zlib, so it is never offered or accepted.
// Thread:   the loop thread.
// See:      man tornado.websocket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/http/httpclient.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/stream/iostream.h"
#include "tornado/web/web.h"
#include "tornado/web/websocket_protocol.h"

namespace tornado::websocket {

class WebSocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised by operations on a closed connection.
class WebSocketClosedError : public WebSocketError {
 public:
  WebSocketClosedError() : WebSocketError("WebSocket is closed") {}
};

struct WebSocketMessage {
  std::string data;
  bool is_binary = false;
};

// Tornado's _WebSocketParams: 0 for ping_interval means no pings; 0 for ping_timeout means
// max(3 * ping_interval, 30) seconds.
struct WebSocketParams {
  double ping_interval = 0;
  double ping_timeout = 0;
  std::size_t max_message_size = 10 * 1024 * 1024;
};

namespace detail {

// What the protocol calls (Tornado's _WebSocketDelegate).
class WebSocketDelegate {
 public:
  virtual ~WebSocketDelegate() = default;
  // A message; the Future, if any, must resolve before the next frame is read (Tornado
  // awaits a coroutine on_message in its frame loop).
  virtual std::optional<Future<void>> ws_message(std::string data, bool is_binary) = 0;
  virtual void ws_ping(std::string_view data) = 0;
  virtual void ws_pong(std::string_view data) = 0;
  virtual void ws_closed() = 0;
};

// One open WebSocket over a stream (Tornado's WebSocketProtocol13): reads frames, answers
// pings and closes, keeps the connection alive with pings, writes frames.
class WebSocketProtocol : public std::enable_shared_from_this<WebSocketProtocol> {
 public:
  WebSocketProtocol(std::shared_ptr<IOStream> stream, bool server, WebSocketParams params);
  ~WebSocketProtocol();

  // Starts reading (the bytes in `unread` first) and pinging. `owner` is held, and `delegate`
  // called, until the connection closes. With `opened` (a coroutine open()), no frame is read
  // before it resolves; if it fails, the error is logged and the connection aborted without
  // a call to ws_closed (Tornado runs no on_close after a failed open).
  void start(std::shared_ptr<void> owner, WebSocketDelegate* delegate, std::string unread,
             std::optional<Future<void>> opened = std::nullopt);
  Future<void> write_message(std::string_view message, bool is_binary);
  void write_ping(std::string_view data);
  // Starts the closing handshake (code 0: none sent). The stream closes when the peer answers,
  // or after 5 seconds.
  void close(std::uint16_t code, std::string_view reason);
  // Closes the stream at once.
  void abort();
  // Ends the connection now: the stream closes and the delegate's ws_closed runs (the loop is
  // closing and will run nothing more).
  void shutdown();
  WebSocketProtocol* next_open() const { return next_; }
  // The delegate is going away: no more calls to it.
  void forget_delegate() { delegate_ = nullptr; }
  bool is_closing() const;
  std::optional<std::uint16_t> close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  const std::shared_ptr<IOStream>& stream() const { return stream_; }

 private:
  Future<void> receive_loop(std::shared_ptr<WebSocketProtocol> self,
                            std::optional<Future<void>> opened);
  // Acts on one event; a message's handler may return a Future to wait for.
  std::optional<Future<void>> handle(Event e);
  void send_frame(Opcode op, std::string_view payload);
  void periodic_ping();
  void finish();
  void list_open();
  void unlist();

  std::shared_ptr<IOStream> stream_;
  bool server_;
  WebSocketParams params_;
  FrameReader reader_;
  std::shared_ptr<void> owner_;
  WebSocketDelegate* delegate_ = nullptr;
  std::unique_ptr<PeriodicCallback> ping_callback_;
  std::optional<Timeout> close_timeout_;
  double last_ping_ = 0;
  double last_pong_ = 0;
  bool client_terminated_ = false;  // the peer's close arrived (or its stream ended)
  bool server_terminated_ = false;  // our close was sent
  bool finished_ = false;
  bool listed_ = false;  // in this thread's list of open connections
  WebSocketProtocol* prev_ = nullptr;
  WebSocketProtocol* next_ = nullptr;
  std::optional<std::uint16_t> close_code_;
  std::string close_reason_;
};

}  // namespace detail

// --- the server side
// ------------------------------------------------------------------------------

class WebSocketHandler;

namespace detail {

// Calls the `open` and `on_message` a handler class H declares, found at compile time as
// web/web_binding.h finds get(): they need not be virtual, so they may return void or
// Future<void> and take the path's groups as parameters.
struct WebSocketCalls {
  // Bit n set: H's open() can take n path groups (n <= 6).
  unsigned open_arities;
  std::optional<Future<void>> (*open)(WebSocketHandler&, const std::vector<std::string>& args);
  std::optional<Future<void>> (*on_message)(WebSocketHandler&, std::string message, bool is_binary);
};

struct CallOpen {
  template <class H, class... S>
  static auto call(H& h, const S&... s) -> decltype(h.open(s...)) {
    return h.open(s...);
  }
};

template <class H, std::size_t... I>
constexpr bool open_takes(std::index_sequence<I...>) {
  return requires(H & h, const std::vector<std::string>& a) { CallOpen::call(h, a[I]...); };
}

template <class H>
constexpr unsigned open_arities() {
  return (open_takes<H>(std::make_index_sequence<0>{}) ? 1u : 0u) |
         (open_takes<H>(std::make_index_sequence<1>{}) ? 2u : 0u) |
         (open_takes<H>(std::make_index_sequence<2>{}) ? 4u : 0u) |
         (open_takes<H>(std::make_index_sequence<3>{}) ? 8u : 0u) |
         (open_takes<H>(std::make_index_sequence<4>{}) ? 16u : 0u) |
         (open_takes<H>(std::make_index_sequence<5>{}) ? 32u : 0u) |
         (open_takes<H>(std::make_index_sequence<6>{}) ? 64u : 0u);
}

// open(groups...) when H's open takes that many, else open() (the groups stay in
// path_args()). WebSocketHandler checks before the 101 that one of the two exists.
template <class H>
std::optional<Future<void>> call_open(WebSocketHandler& base, const std::vector<std::string>& a) {
  constexpr unsigned arities = open_arities<H>();
  if (a.size() < 7 && (arities >> a.size()) & 1u)
    return web::detail::call_method<CallOpen, H>(base, a);
  return web::detail::call_with<CallOpen>(static_cast<H&>(base), a, std::make_index_sequence<0>{});
}

template <class H>
std::optional<Future<void>> call_on_message(WebSocketHandler& base, std::string message,
                                            bool is_binary) {
  H& h = static_cast<H&>(base);
  using R = decltype(h.on_message(std::move(message), is_binary));
  static_assert(std::is_void_v<R> || std::is_convertible_v<R, Future<void>>,
                "on_message returns void or Future<void>");
  if constexpr (std::is_void_v<R>) {
    h.on_message(std::move(message), is_binary);
    return std::nullopt;
  } else {
    return Future<void>(h.on_message(std::move(message), is_binary));
  }
}

}  // namespace detail

// Tornado's WebSocketHandler. Route it like any handler; its get() performs the handshake.
// The derived class declares, as it declares get() on a RequestHandler (not virtual):
//   void on_message(std::string message, bool is_binary);      // required
//   void open(const std::string& group1, ...);                  // optional
// Either may return Future<void> instead (a coroutine, Tornado >= 5.1): no message reaches
// on_message until open's Future resolves, and each message waits for the previous
// on_message's Future. open() takes the pattern's groups (Tornado's open(*args)), or none
// (they are in path_args() too).
class WebSocketHandler : public web::RequestHandler, private detail::WebSocketDelegate {
 public:
  // The handshake: 400 for a request that is not an upgrade or lacks its headers, 403 when
  // check_origin refuses the Origin, 426 (with Sec-WebSocket-Version: 7, 8, 13) for another
  // version; otherwise 101, then open().
  template <class... S>
  void get(const S&...) {
    handshake();
  }

  // --- hooks ---
  // The default open: nothing to do. A derived open(...) hides it.
  void open() {}
  virtual void on_ping(std::string_view data) { (void)data; }
  virtual void on_pong(std::string_view data) { (void)data; }
  // The connection closed (either side); close_code() and close_reason() say what the peer
  // sent, when it sent a close frame.
  virtual void on_close() {}
  // One of the client's subprotocols, or nullopt for none (the header is then not sent).
  virtual std::optional<std::string> select_subprotocol(const std::vector<std::string>& offered);
  // Whether to accept a browser's Origin: by default only the same host and port as the Host
  // header (Tornado's same-origin rule). Override to allow others.
  virtual bool check_origin(std::string_view origin);
  // Tornado's hook to enable permessage-deflate. This library has no zlib: returning true
  // is refused (the handshake answers 500), and the extension is never negotiated.
  virtual bool get_compression_options() { return false; }
  // From the settings (websocket_ping_interval, _ping_timeout, _max_message_size).
  virtual WebSocketParams params() const;

  // --- actions ---
  // Sends a message; the Future resolves once it is handed to the kernel. Throws
  // WebSocketClosedError when the connection is closed or closing.
  Future<void> write_message(std::string_view message, bool binary = false);
  // Throws WebSocketClosedError when closed.
  void ping(std::string_view data = {});
  // Starts the closing handshake. A reason without a code sends 1000.
  void close(std::optional<std::uint16_t> code = std::nullopt, std::string_view reason = {});
  std::optional<std::uint16_t> close_code() const;
  std::string close_reason() const;
  const std::string& selected_subprotocol() const { return subprotocol_; }
  void set_nodelay(bool on);
  // Whether the WebSocket is open (the handshake is done and neither side has closed).
  bool is_open() const { return ws_ && !ws_->is_closing(); }

  // Called by url<H> (web/web_binding.h) once H is made: finds H's open and on_message.
  template <class H>
  void bind_handler_class() {
    static_assert(
        requires(H & h, std::string m) { h.on_message(std::move(m), true); },
        "a WebSocketHandler declares on_message(std::string message, bool is_binary)");
    static constexpr detail::WebSocketCalls calls{detail::open_arities<H>(), &detail::call_open<H>,
                                                  &detail::call_on_message<H>};
    calls_ = &calls;
  }

 private:
  void handshake();
  bool refuse(int status, const char* why);
  std::optional<Future<void>> ws_message(std::string data, bool is_binary) override;
  void ws_ping(std::string_view data) override;
  void ws_pong(std::string_view data) override;
  void ws_closed() override;

  const detail::WebSocketCalls* calls_ = nullptr;
  std::shared_ptr<detail::WebSocketProtocol> ws_;
  std::string subprotocol_;
  std::optional<std::uint16_t> last_code_;
  std::string last_reason_;
};

// --- the client side
// ------------------------------------------------------------------------------

struct WebSocketClientOptions {
  // Called with each message, and with nullopt once the connection closes; read_message()
  // is then not used (Tornado's on_message_callback).
  std::function<void(std::optional<WebSocketMessage>)> on_message_callback;
  double ping_interval = 0;
  double ping_timeout = 0;
  std::size_t max_message_size = 10 * 1024 * 1024;
  std::vector<std::string> subprotocols;
  // How the connection is made (see HTTPClientOptions::connect): unset, TCPClient.
  std::function<Future<std::shared_ptr<IOStream>>(const URL&, const HTTPRequest&)> connect;
};

// Tornado's WebSocketClientConnection.
class WebSocketClientConnection : public std::enable_shared_from_this<WebSocketClientConnection>,
                                  private detail::WebSocketDelegate {
 public:
  WebSocketClientConnection(WebSocketClientOptions options, std::string subprotocol);
  ~WebSocketClientConnection() override;

  // The next message, or nullopt once the connection is closed. Messages that arrive before
  // they are asked for wait in order.
  Future<std::optional<WebSocketMessage>> read_message();
  Future<void> write_message(std::string_view message, bool binary = false);
  void ping(std::string_view data = {});
  void close(std::optional<std::uint16_t> code = std::nullopt, std::string_view reason = {});
  std::optional<std::uint16_t> close_code() const;
  std::string close_reason() const;
  const std::string& selected_subprotocol() const { return subprotocol_; }
  bool is_open() const { return ws_ && !ws_->is_closing(); }
  // For the tests: pongs received so far, and the payload of the last one.
  int pongs() const { return pongs_; }

  // websocket_connect's second half: takes over the stream after the 101.
  void attach(std::shared_ptr<IOStream> stream, std::string unread);

 private:
  std::optional<Future<void>> ws_message(std::string data, bool is_binary) override;
  void ws_ping(std::string_view data) override;
  void ws_pong(std::string_view data) override;
  void ws_closed() override;
  void deliver(std::optional<WebSocketMessage> m);

  WebSocketClientOptions options_;
  std::string subprotocol_;
  std::shared_ptr<detail::WebSocketProtocol> ws_;
  std::vector<std::optional<WebSocketMessage>> pending_;  // arrived, not yet read
  std::size_t pending_head_ = 0;
  tornado::Promise<std::optional<WebSocketMessage>> reader_;
  bool closed_ = false;
  int pongs_ = 0;
  std::optional<std::uint16_t> last_code_;
  std::string last_reason_;
};

// Connects to a ws:// URL (or an HTTPRequest whose url is ws:// or http://; its headers are
// sent, its connect_timeout and request_timeout bound the handshake). Fails with
// WebSocketError when the server does not answer 101 with the right Sec-WebSocket-Accept,
// HTTPClientError 599 on a timeout, or the connection's error.
Future<std::shared_ptr<WebSocketClientConnection>> websocket_connect(
    HTTPRequest request, WebSocketClientOptions options = {});

}  // namespace tornado::websocket
