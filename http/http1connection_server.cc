// http/http1connection_server.cc: HTTP1ServerConnection (the keep-alive loop over a stream)
// and the per-stream deadline for request heads.
//
// Mirrors:  tornado/http1connection.py (HTTP1ServerConnection._server_request_loop, and the
//           header_timeout of HTTP1Connection._read_message).
// In loop:  between requests the connection waits with a readiness callback on the stream
//           (wait_for_request), holding nothing of a request and no coroutine; once there is
//           something to read, serve() (a coroutine) reads it, makes an HTTP1Connection and
//           the application's delegate for each request, and co_awaits read_response
//           (http1connection.cc), which answers it; with no more bytes here it goes back to
//           waiting. One timer per stream enforces the head deadline (await_head).
// Thread:   the loop thread of the stream.
#include <sys/ioctl.h>

#include <algorithm>
#include <coroutine>
#include <utility>

#include "tornado/gen/gen.h"
#include "tornado/http/http1connection.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

using http1connection::kHeadReadSize;
using http1connection::read_some;
using http1connection::ReadBuffer;

namespace http1connection {

// serve()'s coroutine type. Nobody awaits serve(): it catches what its requests throw, and
// done_ says when serving ends. So it makes no Future (whose shared state, made and dropped
// for every request, cost about 200 instructions a request); like every coroutine here it
// starts at once, frees its frame when it ends, and takes the frame from the thread's free
// lists. While it is suspended, the Future it awaits holds its frame.
struct ServeLoop {
  struct promise_type {
    ServeLoop get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // What escapes serve()'s own catch (end_serving's delegate, say): logged, as the dropped
    // Future's exception was.
    void unhandled_exception() noexcept {
      log::app_log.error("Uncaught exception in HTTP1ServerConnection: %s",
                         util::exception_message(std::current_exception()).c_str());
    }
    static void* operator new(std::size_t n) { return detail::recycle_allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept {
      detail::recycle_deallocate(p, n);
    }
  };
};

namespace {

void arm_head_timer(const std::shared_ptr<ReadBuffer>& buffer,
                    const std::shared_ptr<IOStream>& stream, double seconds) {
  std::weak_ptr<ReadBuffer> weak_buffer = buffer;
  std::weak_ptr<IOStream> weak_stream = stream;
  buffer->head_timer = stream->io_loop().call_later(seconds, [weak_buffer, weak_stream] {
    const std::shared_ptr<ReadBuffer> b = weak_buffer.lock();
    if (!b) return;
    b->head_timer = Timeout{};
    const std::shared_ptr<IOStream> s = weak_stream.lock();
    if (b->head_deadline == 0 || !s || s->closed()) return;  // no head awaited: lapse
    const double left = b->head_deadline - s->io_loop().time();
    if (left > 0) {
      arm_head_timer(b, s, left);  // a request came since it was armed: wait for its deadline
    } else {
      s->close();  // the read fails with StreamClosedError; a slow head is not logged
    }
  });
}

}  // namespace

void HeadDeadlines::link_other(HTTP1ServerConnection& conn) {
  conn.other_ = true;
  conn.deadline_prev_ = nullptr;
  conn.deadline_next_ = others_;
  if (others_) others_->deadline_prev_ = &conn;
  others_ = &conn;
}

void HeadDeadlines::add(HTTP1ServerConnection& conn) {
  if (conn.listed_ || conn.other_) return;
  link_other(conn);
  ++size_;
}

// Once per request (push_back): inline there. False when `conn` was on neither list.
inline bool HeadDeadlines::take_off(HTTP1ServerConnection& conn) {
  if (conn.listed_) {
    (conn.deadline_prev_ ? conn.deadline_prev_->deadline_next_ : first_) = conn.deadline_next_;
    (conn.deadline_next_ ? conn.deadline_next_->deadline_prev_ : last_) = conn.deadline_prev_;
  } else if (conn.other_) {
    (conn.deadline_prev_ ? conn.deadline_prev_->deadline_next_ : others_) = conn.deadline_next_;
    if (conn.deadline_next_) conn.deadline_next_->deadline_prev_ = conn.deadline_prev_;
  } else {
    return false;
  }
  conn.listed_ = conn.other_ = false;
  return true;
}

void HeadDeadlines::push_back(HTTP1ServerConnection& conn, double deadline) {
  if (!take_off(conn)) ++size_;
  conn.listed_ = true;
  conn.buffer_.head_deadline = deadline;
  conn.deadline_prev_ = last_;
  conn.deadline_next_ = nullptr;
  (last_ ? last_->deadline_next_ : first_) = &conn;
  last_ = &conn;
  if (!timer_) {
    loop_ = &conn.stream_->io_loop();
    std::weak_ptr<HeadDeadlines> weak = weak_from_this();
    timer_ = loop_->call_at(first_->buffer_.head_deadline, [weak] {
      if (const std::shared_ptr<HeadDeadlines> self = weak.lock()) self->expire();
    });
  }
}

void HeadDeadlines::remove(HTTP1ServerConnection& conn) {
  const bool waiting = conn.listed_;
  unlink(conn);
  if (waiting && !first_ && timer_) {
    loop_->remove_timeout(timer_);
    timer_ = Timeout{};
  }
}

void HeadDeadlines::unlink(HTTP1ServerConnection& conn) {
  if (!take_off(conn)) return;
  conn.deadline_prev_ = conn.deadline_next_ = nullptr;
  --size_;
}

void HeadDeadlines::expire() {
  timer_ = Timeout{};
  // Closing a stream only queues its callbacks: nothing changes the list behind this loop.
  const double now = loop_->time();
  while (first_) {
    HTTP1ServerConnection& conn = *first_;
    // 0: the head came (it moves back to the waiting list when its next wait begins).
    const double deadline = conn.buffer_.head_deadline;
    if (deadline > now) break;
    take_off(conn);
    link_other(conn);  // still serving (or closing, when its deadline passed)
    if (deadline != 0) conn.head_deadline_passed();
  }
  if (first_) {
    std::weak_ptr<HeadDeadlines> weak = weak_from_this();
    timer_ = loop_->call_at(first_->buffer_.head_deadline, [weak] {
      if (const std::shared_ptr<HeadDeadlines> self = weak.lock()) self->expire();
    });
  }
}

void await_head(const std::shared_ptr<ReadBuffer>& buffer, const std::shared_ptr<IOStream>& stream,
                double seconds) {
  buffer->head_deadline = stream->io_loop().time() + seconds;
  if (!buffer->head_timer) arm_head_timer(buffer, stream, seconds);
}

void cancel_head_timer(ReadBuffer& buffer, IOLoop& loop) {
  buffer.head_deadline = 0;
  if (buffer.head_timer) loop.remove_timeout(buffer.head_timer);
  buffer.head_timer = Timeout{};
}

}  // namespace http1connection

// ---------------------------------------------------------------- HTTP1ServerConnection

HTTP1ServerConnection::HTTP1ServerConnection(std::shared_ptr<IOStream> stream,
                                             HTTP1ConnectionParameters params,
                                             HTTP1ConnectionContext context)
    : HTTP1ServerConnection(std::move(stream),
                            std::make_shared<const HTTP1ServerSettings>(
                                HTTP1ServerSettings{params, std::move(context.protocol)}),
                            std::move(context.remote_ip)) {}

HTTP1ServerConnection::HTTP1ServerConnection(std::shared_ptr<IOStream> stream,
                                             std::shared_ptr<const HTTP1ServerSettings> settings,
                                             std::string remote_ip)
    : stream_(std::move(stream)),
      settings_(std::move(settings)),
      remote_ip_(std::move(remote_ip)) {}

HTTP1ServerConnection::HTTP1ServerConnection(InBlockToken, IOStream& stream,
                                             std::shared_ptr<const HTTP1ServerSettings> settings,
                                             std::string remote_ip)
    : stream_(std::shared_ptr<void>(), &stream),
      settings_(std::move(settings)),
      remote_ip_(std::move(remote_ip)),
      in_block_(true) {}

// The stream with the connection as a member: std::make_shared hooks the stream's
// enable_shared_from_this (the one base that has it), and the connection's shared_ptr is an
// alias of the stream's. Members go before bases on destruction: the connection first.
struct HTTP1ServerConnection::Block final : IOStream {
  Block(int fd, const IOStreamOptions& options, std::shared_ptr<const HTTP1ServerSettings> settings,
        std::string remote_ip)
      : IOStream(fd, options),
        conn(InBlockToken{}, *this, std::move(settings), std::move(remote_ip)) {}
  HTTP1ServerConnection conn;
};

std::shared_ptr<HTTP1ServerConnection> HTTP1ServerConnection::create(
    int fd, const IOStreamOptions& options, std::shared_ptr<const HTTP1ServerSettings> settings,
    std::string remote_ip) {
  // IOStream's constructor for subclasses takes a non-blocking fd: accept4 made it so.
  auto block = std::make_shared<Block>(fd, options, std::move(settings), std::move(remote_ip));
  return {block, &block->conn};
}

HTTP1ServerConnection::~HTTP1ServerConnection() { settings_->head_deadlines->unlink(*this); }

std::shared_ptr<IOStream> HTTP1ServerConnection::stream() const {
  if (in_block_) return {stream_->shared_from_this(), stream_.get()};
  return stream_;
}

void HTTP1ServerConnection::close() { stream_->close(); }

namespace {

// Bytes of a request that have reached this side: read into the buffers, or held by the kernel
// and not read yet by the loop. The latter were sent before a shutdown began: they are served
// (graceful shutdown must not drop them), not cut off.
bool request_bytes_here(const IOStream& stream, const ReadBuffer& buffer) {
  if (buffer.size() > 0) return true;
  if (stream.closed()) return false;
  if (stream.read_buffer_size() > 0) return true;
  int pending = 0;
  return ::ioctl(stream.fileno(), FIONREAD, &pending) == 0 && pending > 0;
}

}  // namespace

bool HTTP1Connection::awaiting_request() const {
  if (is_client_ || detached_ || request_started_) return false;
  return !stream_ || !request_bytes_here(*stream_, *buffer_);
}

void HTTP1ServerConnection::drain() {
  draining_ = true;
  HTTP1Connection* const conn = current_;
  if (!conn) {
    // Between requests (serve() waits for the next head's first bytes): close, unless those
    // bytes are here already; then that request is served, with Connection: close.
    if (!request_bytes_here(*stream_, buffer_)) close();
  } else if (conn->awaiting_request()) {
    close();
  } else if (!conn->detached()) {
    conn->close_after_response();
  }
}

Future<void> HTTP1ServerConnection::start_serving(HTTPServerConnectionDelegate& delegate) {
  Future<void> done = served();
  start(delegate);
  return done;
}

Future<void> HTTP1ServerConnection::served() {
  if (ended_) return shared_ready_future();
  if (!done_) {
    Future<void> done;
    done_ = std::make_unique<Promise<void>>(done);
    return done;
  }
  return done_->future();
}

void HTTP1ServerConnection::start(HTTPServerConnectionDelegate& delegate) {
  std::weak_ptr<HTTP1ServerConnection> weak = shared_from_this();
  settings_->head_deadlines->add(*this);
  stream_->set_close_callback([weak] {
    if (auto self = weak.lock())
      if (self->current_) self->current_->shared_from_this()->on_stream_closed();
  });
  delegate_ = &delegate;
  serve_now();
}

// Between requests the connection holds no HTTP1Connection, no delegate, no coroutine and no
// Future: the stream holds this callback (and through it the connection) until there is
// something to read or it closes, and serve() starts again then. An idle keep-alive
// connection costs its objects and the stream's slot, no read buffer (bench/README.md,
// "Memory per idle connection"). The head's deadline starts now.
void HTTP1ServerConnection::wait_for_request() {
  // The last request is over (answered and flushed: its close callback would not run); serve()
  // lets it go now.
  current_ = nullptr;
  const double header_timeout = settings_->params.header_timeout;
  // The server's one timer watches this deadline (HeadDeadlines).
  if (header_timeout > 0)
    settings_->head_deadlines->push_back(*this, stream_->io_loop().time() + header_timeout);
  stream_->wait_for_read([self = shared_from_this()] {
    // The head is read here, at once, into the connection's buffer: most often it is all
    // there, and serve() starts on it without a read_into and its Future. When nothing came
    // after all, serve() reads it the usual way.
    ReadBuffer& buffer = self->buffer_;
    IOStream& stream = *self->stream_;
    if (!stream.closed()) buffer.commit(stream.read_now(buffer.space(self->head_read_size())));
    if (buffer.size() > 0) {
      self->serve_now();
    } else if (stream.closed()) {
      self->end_serving(false);  // the peer left, or the idle timeout, drain() or close()
    } else {
      self->serve(ServeWait::kBytes);
    }
  });
}

// Clears current_ when the request it names goes: declared before that request's pointer is
// (locals go in reverse order), so current_ never outlives it, however the function ends.
struct HTTP1ServerConnection::ForgetCurrent {
  HTTP1ServerConnection& c;
  const std::shared_ptr<HTTP1Connection>& conn;
  ~ForgetCurrent() {
    if (c.current_ == conn.get()) c.current_ = nullptr;
  }
};

// The next request's objects: its HTTP1Connection (named by current_) and the application's
// delegate for it.
std::unique_ptr<HTTPMessageDelegate> HTTP1ServerConnection::next_request(
    const std::shared_ptr<HTTP1ServerConnection>& self, std::shared_ptr<HTTP1Connection>& conn) {
  // A head read in the same go as the request before it (pipelined, or there when serving
  // began): its deadline starts now, on the server's list like a wait's, so that the list
  // stays in deadline order and the buffer's own timer is never armed.
  if (buffer_.head_deadline == 0 && settings_->params.header_timeout > 0)
    settings_->head_deadlines->push_back(
        *this, stream_->io_loop().time() + settings_->params.header_timeout);
  // One per request: from the thread's free lists (gen/recycle.h), not malloc.
  // Its stream pointer owns (a WebSocket may take it over): in create()'s allocation, an
  // alias of this connection's. Its buffer pointer is an alias of this connection's too: it
  // keeps remote_ip_ and the settings alive for the context's views.
  current_ = nullptr;  // before the last request's object goes
  conn = std::allocate_shared<HTTP1Connection>(
      detail::RecyclingAllocator<HTTP1Connection>{},
      in_block_ ? std::shared_ptr<IOStream>(self, stream_.get()) : stream_, settings_->params,
      std::shared_ptr<ReadBuffer>(self, &buffer_),
      HTTP1Connection::ContextViews{remote_ip_, settings_->protocol});
  current_ = conn.get();
  std::unique_ptr<HTTPMessageDelegate> message = delegate_->start_request(*this, conn);
  if (draining_) conn->close_after_response();
  return message;
}

// After a request: whether serving goes on (the connection can take another, and is neither
// closed nor draining).
bool HTTP1ServerConnection::serves_on(const HTTP1Connection& conn, bool again, bool& detached) {
  detached = conn.detached();
  return again && !stream_->closed() && !draining_;
}

// Serves the requests whose bytes are here without a coroutine, while each is served at once
// (HTTP1Connection::read_request_now): a keep-alive request costs no frame and no Future.
// When something has to wait (the rest of a head, a request that waits, a turn for other
// connections before a pipelined request), serve() waits for it and then calls this again,
// with the request whose head it read more of, if that was the wait. With no more bytes here
// it goes back to waiting.
void HTTP1ServerConnection::serve_now(std::shared_ptr<HTTP1Connection> conn,
                                      std::unique_ptr<HTTPMessageDelegate> message) {
  const std::shared_ptr<HTTP1ServerConnection> self = shared_from_this();
  bool detached = false;
  const ForgetCurrent forget_current{*this, conn};
  try {
    while (delegate_) {
      if (!message) {
        if (buffer_.size() == 0 && stream_->read_buffer_size() == 0 && !stream_->closed()) {
          wait_for_request();
          return;
        }
        message = next_request(self, conn);
      }
      std::optional<Future<bool>> rest;
      const std::optional<bool> again = conn->read_request_now(*message, rest);
      if (!again) {
        serve(rest ? ServeWait::kRest : ServeWait::kHead, std::move(conn), std::move(message),
              std::move(rest));
        return;
      }
      const bool go_on = serves_on(*conn, *again, detached);
      message.reset();
      if (!go_on) break;
      if (buffer_.size() > 0) {
        serve(ServeWait::kMoment, std::move(conn), nullptr, std::nullopt);
        return;
      }
    }
  } catch (...) {
    log::app_log.error("Uncaught exception in HTTP1ServerConnection: %s",
                       util::exception_message(std::current_exception()).c_str());
  }
  end_serving(detached);
}

// serve_now's waits, as a coroutine: kBytes, the first bytes wait_for_request found coming;
// kHead, more of a head that came in pieces (its deadline is the server's HeadDeadlines');
// kRest, the end of a request that waits; kMoment, a turn of the loop for other connections
// before a pipelined request. Then serve_now goes on, or serving ends.
http1connection::ServeLoop HTTP1ServerConnection::serve(
    ServeWait wait, std::shared_ptr<HTTP1Connection> conn,
    std::unique_ptr<HTTPMessageDelegate> message, std::optional<Future<bool>> rest) {
  const std::shared_ptr<HTTP1ServerConnection> self = shared_from_this();
  bool detached = false;
  bool go_on = true;
  const ForgetCurrent forget_current{*this, conn};
  try {
    if (wait == ServeWait::kRest) {
      go_on = serves_on(*conn, co_await *rest, detached);
      message.reset();
      if (go_on && buffer_.size() > 0) co_await gen::moment;
    } else if (wait == ServeWait::kMoment) {
      co_await gen::moment;
    } else if (wait == ServeWait::kHead ||
               (buffer_.size() == 0 && stream_->read_buffer_size() == 0 && !stream_->closed())) {
      std::size_t room = head_read_size();
      if (wait == ServeWait::kHead) (void)conn->head_ready(room);  // how much more may come
      try {
        buffer_.commit(co_await read_some(*stream_, buffer_, room));
      } catch (const StreamClosedError&) {
        // The peer left (what woke the wait, or in the middle of a head), or the stream was
        // closed since (drain(), the head's deadline): not logged.
        go_on = false;
      }
    }
  } catch (...) {
    log::app_log.error("Uncaught exception in HTTP1ServerConnection: %s",
                       util::exception_message(std::current_exception()).c_str());
    go_on = false;
  }
  if (go_on && delegate_) {
    serve_now(std::move(conn), std::move(message));
  } else {
    end_serving(detached);
  }
}

void HTTP1ServerConnection::head_deadline_passed() {
  if (!stream_->closed()) stream_->close();  // the read fails; a slow head is not logged
}

void HTTP1ServerConnection::end_serving(bool detached) {
  ended_ = true;
  settings_->head_deadlines->remove(*this);
  http1connection::cancel_head_timer(buffer_, stream_->io_loop());
  // A detached stream belongs to whoever took it (a WebSocket).
  if (!detached) stream_->close();
  if (delegate_) delegate_->on_close(*this);
  if (done_) std::exchange(done_, nullptr)->set_result();
}

}  // namespace tornado
