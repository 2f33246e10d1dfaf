// web/websocket.cc: one open WebSocket over a stream: the frame loop, the closing handshake
// and the keepalive pings, shared by the server handler and the client.
//
// Mirrors:  tornado/websocket.py WebSocketProtocol13 (_receive_frame_loop, _handle_message,
//           _write_frame, write_message, write_ping, close, _abort, start_pinging,
//           periodic_ping).
// In loop:  receive_loop is a coroutine that waits for a coroutine open(), then reads what
//           the stream has, feeds it to a FrameReader and acts on each event: messages go to
//           the delegate (whose Future, from a coroutine on_message, it awaits before the next
//           event, as Tornado's frame loop does), pings are answered, a close is echoed and
//           ends the stream, a protocol error sends its close code and then waits for the
//           peer's close (at most 5 s, as Tornado). The stream's end ends the loop, which
//           then calls the delegate's ws_closed once and releases the owner it was holding.
#include "tornado/web/websocket.h"

#include <sys/random.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "tornado/reactor/log.h"

namespace tornado::websocket::detail {

namespace {

// Seconds the closing side waits for the peer's close frame before it drops the connection.
constexpr double kCloseTimeout = 5.0;
// An idle connection waits with a small read, which the stream serves from its thread's
// scratch buffer: a 64 KiB read would hold 64 KiB per connection (1,761 bytes per idle
// connection against about 67 KB, bench/README.md). A read that comes back full says more is
// coming, and the next one is large.
constexpr std::size_t kSmallRead = 4 * 1024;
constexpr std::size_t kLargeRead = 64 * 1024;

void log_callback_error(const char* where) {
  try {
    throw;
  } catch (const std::exception& e) {
    log::app_log.error("Uncaught exception in WebSocket %s: %s", where, e.what());
  } catch (...) {
    log::app_log.error("Uncaught exception in WebSocket %s", where);
  }
}

// The open connections of this thread, so that a loop closing with some still open (a server
// stopped by a signal) ends them: each is held by its own frame loop and by its handler, a
// cycle that only the end of the connection breaks. A plain list and a plain pointer: the
// loop itself may be a thread_local destroyed after any container declared here would be.
thread_local WebSocketProtocol* open_head = nullptr;
thread_local IOLoop* hooked_loop = nullptr;

void close_open_connections(IOLoop* loop) {
  if (hooked_loop == loop) hooked_loop = nullptr;
  std::vector<std::shared_ptr<WebSocketProtocol>> doomed;
  for (WebSocketProtocol* p = open_head; p; p = p->next_open())
    if (&p->stream()->io_loop() == loop) doomed.push_back(p->shared_from_this());
  for (const std::shared_ptr<WebSocketProtocol>& p : doomed) p->shutdown();
}

}  // namespace

// The masking keys of client frames must be unpredictable (RFC 6455 §10.3): from the kernel's
// generator, 64 keys per system call.
std::uint32_t random_mask() {
  thread_local std::uint32_t pool[64];
  thread_local std::size_t left = 0;
  if (left == 0) {
    std::size_t got = 0;
    auto* p = reinterpret_cast<char*>(pool);
    while (got < sizeof pool) {
      const ssize_t n = getrandom(p + got, sizeof pool - got, 0);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    left = got / sizeof pool[0];
    if (left == 0) {
      // No getrandom (a kernel before 3.17): the clock, mixed. Masks only need to differ.
      thread_local std::uint64_t x = 0x9E3779B97F4A7C15ULL;
      x ^= static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      x *= 0xBF58476D1CE4E5B9ULL;
      return static_cast<std::uint32_t>(x >> 32);
    }
  }
  return pool[--left];
}

WebSocketProtocol::WebSocketProtocol(std::shared_ptr<IOStream> stream, bool server,
                                     WebSocketParams params)
    : stream_(std::move(stream)),
      server_(server),
      params_(params),
      reader_(server, params.max_message_size) {}

void WebSocketProtocol::list_open() {
  next_ = open_head;
  if (open_head) open_head->prev_ = this;
  open_head = this;
  listed_ = true;
}

void WebSocketProtocol::unlist() {
  if (!listed_) return;
  listed_ = false;
  if (prev_) prev_->next_ = next_;
  if (next_) next_->prev_ = prev_;
  if (open_head == this) open_head = next_;
  prev_ = next_ = nullptr;
}

WebSocketProtocol::~WebSocketProtocol() {
  unlist();
  if (close_timeout_) IOLoop::current().remove_timeout(*close_timeout_);
}

void WebSocketProtocol::start(std::shared_ptr<void> owner, WebSocketDelegate* delegate,
                              std::string unread, std::optional<Future<void>> opened) {
  owner_ = std::move(owner);
  delegate_ = delegate;
  reader_.feed(unread);
  last_ping_ = last_pong_ = IOLoop::current().time();
  if (params_.ping_interval > 0) {
    std::weak_ptr<WebSocketProtocol> weak = weak_from_this();
    ping_callback_ = std::make_unique<PeriodicCallback>(
        [weak] {
          if (auto self = weak.lock()) self->periodic_ping();
        },
        params_.ping_interval * 1000);
    ping_callback_->start();
  }
  // The stream no longer belongs to HTTP: its close callback (the HTTP connection's) is
  // replaced, and the loop below notices the end by its read failing.
  stream_->set_close_callback([] {});
  list_open();
  IOLoop* loop_ptr = &stream_->io_loop();
  if (hooked_loop != loop_ptr) {
    hooked_loop = loop_ptr;
    loop_ptr->add_close_hook([loop_ptr] { close_open_connections(loop_ptr); });
  }
  Future<void> loop = receive_loop(shared_from_this(), std::move(opened));
  (void)loop;
}

Future<void> WebSocketProtocol::receive_loop(std::shared_ptr<WebSocketProtocol> self,
                                             std::optional<Future<void>> opened) {
  (void)self;  // the connection lives while its loop runs
  if (opened) {
    // Tornado >= 5.1: a coroutine open() finishes before any message is read. The handler
    // stays alive while its coroutine may still resume, even if the connection ends first
    // (a loop closing ends it with the coroutine suspended).
    const std::shared_ptr<void> keep = owner_;
    try {
      co_await std::move(*opened);
    } catch (...) {
      log_callback_error("open");
      delegate_ = nullptr;  // as Tornado: no on_close after a failed open
      abort();
    }
  }
  std::size_t read_size = kSmallRead;
  try {
    for (;;) {
      while (std::optional<Event> e = reader_.next()) {
        if (std::optional<Future<void>> handled = handle(std::move(*e))) {
          // A coroutine on_message: the next frame waits for it (Tornado's rule), which also
          // holds back reading, so a slow handler slows its peer instead of queueing.
          const std::shared_ptr<void> keep = owner_;
          try {
            co_await std::move(*handled);
          } catch (...) {
            log_callback_error("on_message");
            abort();
          }
        }
        if (stream_->closed()) break;
      }
      if (stream_->closed()) break;
      Future<std::string> reading = stream_->read_bytes(read_size, true);
      // If the loop closes while this read waits, the frame loop never resumes to take the
      // read's StreamClosedError: that is expected, not an error to report. (Resumed, it
      // still gets the error: silencing only stops the "never retrieved" report.)
      reading.silence_exception();
      std::string got = co_await std::move(reading);
      read_size = got.size() >= read_size ? kLargeRead : kSmallRead;
      reader_.feed(got);
    }
  } catch (const StreamClosedError&) {
    // The peer went away, or close()/abort() closed the stream: both end the connection.
  } catch (...) {
    log_callback_error("receive loop");
  }
  finish();
}

std::optional<Future<void>> WebSocketProtocol::handle(Event e) {
  using K = Event::Kind;
  switch (e.kind) {
    case K::kText:
    case K::kBinary:
      if (client_terminated_ || !delegate_) return std::nullopt;
      try {
        return delegate_->ws_message(std::move(e.data), e.kind == K::kBinary);
      } catch (...) {
        log_callback_error("on_message");
        abort();
      }
      return std::nullopt;
    case K::kPing:
      send_frame(Opcode::kPong, e.data);
      if (delegate_) delegate_->ws_ping(e.data);
      return std::nullopt;
    case K::kPong:
      last_pong_ = IOLoop::current().time();
      if (delegate_) delegate_->ws_pong(e.data);
      return std::nullopt;
    case K::kClose:
      client_terminated_ = true;
      if (e.code) close_code_ = e.code;
      close_reason_ = std::move(e.data);
      // Echo the peer's code (RFC 6455 §5.5.1), then end the stream.
      close(e.code, {});
      return std::nullopt;
    case K::kError:
      if (server_terminated_) {
        abort();  // not even a close could be read from the peer
        return std::nullopt;
      }
      log::gen_log.debug("WebSocket protocol error from the peer: %s (closing with %u)",
                         e.data.c_str(), static_cast<unsigned>(e.code));
      close(e.code, e.data);
      reader_.drain_until_close();
      return std::nullopt;
  }
  return std::nullopt;
}

void WebSocketProtocol::send_frame(Opcode op, std::string_view payload) {
  if (stream_->closed()) return;
  std::optional<std::uint32_t> mask;
  if (!server_) mask = random_mask();
  Future<void> f = stream_->write(encode_frame(op, payload, true, mask));
  // The peer leaving while a control frame is queued is normal, not an error to report.
  f.silence_exception();
}

Future<void> WebSocketProtocol::write_message(std::string_view message, bool is_binary) {
  if (is_closing()) throw WebSocketClosedError();
  std::optional<std::uint32_t> mask;
  if (!server_) mask = random_mask();
  return stream_->write(
      encode_frame(is_binary ? Opcode::kBinary : Opcode::kText, message, true, mask));
}

void WebSocketProtocol::write_ping(std::string_view data) {
  if (is_closing()) throw WebSocketClosedError();
  if (data.size() > 125) throw std::invalid_argument("a ping's payload is at most 125 bytes");
  send_frame(Opcode::kPing, data);
}

void WebSocketProtocol::close(std::uint16_t code, std::string_view reason) {
  if (!server_terminated_) {
    server_terminated_ = true;
    send_frame(Opcode::kClose, close_payload(code, reason));
  }
  ping_callback_.reset();
  if (client_terminated_) {
    if (close_timeout_) {
      IOLoop::current().remove_timeout(*close_timeout_);
      close_timeout_.reset();
    }
    // After the close frame is written: closing at once could drop it from the queue.
    if (!stream_->writing()) {
      stream_->close();
    } else {
      std::weak_ptr<IOStream> weak = stream_;
      stream_->write(std::string()).add_done_callback([weak](Future<void>& f) {
        f.silence_exception();
        if (auto s = weak.lock()) s->close();
      });
    }
  } else if (!close_timeout_ && !stream_->closed()) {
    std::weak_ptr<WebSocketProtocol> weak = weak_from_this();
    close_timeout_ = IOLoop::current().call_later(kCloseTimeout, [weak] {
      if (auto self = weak.lock()) {
        self->close_timeout_.reset();
        self->abort();
      }
    });
  }
}

void WebSocketProtocol::abort() {
  client_terminated_ = server_terminated_ = true;
  ping_callback_.reset();
  stream_->close();
}

bool WebSocketProtocol::is_closing() const {
  return stream_->closed() || client_terminated_ || server_terminated_;
}

// Tornado's periodic_ping: a peer that answered no ping within ping_timeout is gone (unless
// the loop itself was too busy to ping, which says nothing of the peer).
void WebSocketProtocol::periodic_ping() {
  if (is_closing()) {
    ping_callback_.reset();
    return;
  }
  const double now = IOLoop::current().time();
  const double timeout =
      params_.ping_timeout > 0 ? params_.ping_timeout : std::max(3 * params_.ping_interval, 30.0);
  if (now - last_ping_ < 2 * params_.ping_interval && now - last_pong_ > timeout) {
    log::gen_log.debug("WebSocket peer answered no ping for %.3f s: closing", now - last_pong_);
    abort();
    return;
  }
  send_frame(Opcode::kPing, {});
  last_ping_ = now;
}

void WebSocketProtocol::shutdown() {
  abort();
  finish();
}

void WebSocketProtocol::finish() {
  if (finished_) return;
  finished_ = true;
  unlist();
  client_terminated_ = server_terminated_ = true;
  ping_callback_.reset();
  if (close_timeout_) {
    IOLoop::current().remove_timeout(*close_timeout_);
    close_timeout_.reset();
  }
  if (!stream_->closed()) stream_->close();
  WebSocketDelegate* d = std::exchange(delegate_, nullptr);
  std::shared_ptr<void> owner = std::move(owner_);  // released when this returns
  if (d) {
    try {
      d->ws_closed();
    } catch (...) {
      log_callback_error("on_close");
    }
  }
}

}  // namespace tornado::websocket::detail
