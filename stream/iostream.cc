// stream/iostream.cc: buffered, non-blocking reads and writes on one fd.
//
// Mirrors:  tornado/iostream.py (BaseIOStream, IOStream, PipeIOStream), Tornado 5+.
// In loop:  handle_events() is this stream's fd handler; it runs connect, read, write, error in
//           that order and re-checks closed() after each step. Reads and writes are first tried
//           inline (no poll) and register interest only for what is left.
// Callers:  tcpserver/tcpclient create streams; http1connection and websocket read and write.
// Owns:     the fd (closed after its handler is removed), the read buffer, the write queue,
//           and the producer claims of every pending Future.
// Rules:    - fairness: at most read_chunk_size bytes are read per event; the loop is
//             level-triggered, so the rest is read on a later iteration;
//           - flow control: with no read pending, the stream stops reading once it holds any
//             data (it keeps watching READ on an empty buffer only to notice a peer close);
//           - memory: bytes are read into a buffer shared by the thread; the stream keeps
//             only what the pending read does not consume, and frees its buffer when empty;
//           - close() completes a pending read the buffer satisfies, fails the rest with
//             StreamClosedError(real_error), and runs the close callback on the loop.
// Thread:   the loop thread of the stream.
// See:      stream/iostream_write.cc for the write path, connect, and the two stream kinds.
#include "tornado/stream/iostream.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "tornado/reactor/log.h"
#include "tornado/stream/regex.h"

namespace tornado {

namespace {

constexpr std::size_t kScratchSize = 64 * 1024;
// Direct reads of at least this much go straight into the stream's buffer (see handle_read).
constexpr std::size_t kDirectReadMin = 32 * 1024;

// The thread's read buffer: every stream on this thread reads into it first (muduo's extra
// buffer), so a stream that consumes what it reads never allocates a buffer of its own.
char* scratch() {
  thread_local std::unique_ptr<char[]> buf(new char[kScratchSize]);
  return buf.get();
}

std::string errno_message(int err) {
  return err == 0 ? std::string("Stream is closed") : std::string(std::strerror(err));
}

}  // namespace

StreamClosedError::StreamClosedError(int real_error, const std::string& what)
    : std::runtime_error(real_error == 0 || what != "Stream is closed"
                             ? what
                             : "Stream is closed: " + std::string(std::strerror(real_error))),
      real_error_(real_error) {}

// ---------------------------------------------------------------- life cycle

BaseIOStream::BaseIOStream(int fd, IOStreamOptions opts)
    : loop_(&IOLoop::current()), fd_(fd), opts_(opts) {
  // As Tornado: never read more per event than half of what the buffer may hold.
  opts_.read_chunk_size =
      std::min(opts_.read_chunk_size, std::max<std::size_t>(1, opts_.max_buffer_size / 2));
  opts_.read_chunk_size = std::min(opts_.read_chunk_size, kScratchSize);
}

BaseIOStream::~BaseIOStream() {
  if (fd_ >= 0) {
    if (watching_ && !loop_->closed()) (void)loop_->remove_handler(fd_);
    ::close(fd_);
  }
}

void BaseIOStream::set_close_callback(CloseCallback cb) {
  close_callback_ = std::move(cb);
  // A stream served only inline may not be registered with the loop at all; the callback
  // would then never learn of a peer that leaves while nothing is read (Tornado's
  // _maybe_add_error_listener). One registration per stream, not per read.
  if (close_callback_ && !closed_) update_interest();
}

void BaseIOStream::close_with_errno(int err) {
  if (closed_) return;
  close_errno_ = err;
  if (err != 0) error_ = std::make_exception_ptr(StreamClosedError(err, errno_message(err)));
  close();
}

void BaseIOStream::close(std::exception_ptr error) {
  if (closed_) return;
  if (error) error_ = std::move(error);
  closed_ = true;
  eof_ = true;
  // Stop watching before the fd is closed (DESIGN §4), then close it.
  if (watching_) {
    (void)loop_->remove_handler(fd_);
    watching_ = false;
  }
  interest_ = 0;
  ::close(fd_);
  fd_ = -1;
  // A pending read the buffer satisfies completes (read_until_close takes everything);
  // anything else fails.
  if (reading() && !try_complete_read()) fail_read(closed_error());
  fail_writes(nullptr);
  if (close_callback_) loop_->add_callback(std::exchange(close_callback_, nullptr));
}

std::exception_ptr BaseIOStream::closed_error() const {
  return std::make_exception_ptr(StreamClosedError(close_errno_));
}

void BaseIOStream::fail_read(const std::exception_ptr& e) {
  Promise<std::string> text = rare_ ? std::move(rare_->text) : Promise<std::string>{};
  Promise<std::size_t> count = std::move(read_.count);
  if (ready_) loop_->add_callback(std::move(ready_));  // it looks at closed()
  ready_ = nullptr;
  reset_read();
  if (text) text.set_exception(e);
  if (count) count.set_exception(e);
}

void BaseIOStream::fail_writes(std::exception_ptr e) {
  std::vector<std::pair<std::uint64_t, Promise<void>>> waiters;
  if (queue_) {
    waiters = std::move(queue_->waiters);
    queue_->waiters.clear();
    queue_->pieces.clear();
    queue_->head = queue_->offset = 0;
  }
  write_bytes_ = 0;
  if (!connecting_ && waiters.empty()) return;
  // Made only when someone waits for it: an exception_ptr is an allocation and a throw-sized
  // object, and most streams close with no write pending (every Connection: close response).
  if (!e) e = closed_error();
  if (connecting_) {
    connecting_ = false;
    std::exchange(rare_->connect, Promise<void>{}).set_exception(e);
  }
  for (auto& [target, r] : waiters) r.set_exception(e);
}

// ---------------------------------------------------------------- interest in the loop

// Registers the fd with the loop the first time something has to wait (Tornado registers
// lazily too): a stream that is only ever served inline never costs an epoll_ctl.
void BaseIOStream::update_interest() {
  if (closed_) return;
  std::uint32_t want = 0;
  if (connecting_ || write_bytes_ > 0) want |= IOLoop::WRITE;
  if (reading()) want |= IOLoop::READ;
  // Nothing buffered and no read pending: still watch READ, to notice the peer closing.
  if (!connecting_ && read_buffer_size() == 0 && !eof_) want |= IOLoop::READ;
  if (want == interest_ && watching_) return;
  if (!watching_) {
    if (want == 0) return;
    const int rc = loop_->add_handler(
        fd_,
        [weak = weak_from_this()](int, std::uint32_t events) {
          if (auto self = weak.lock()) self->handle_events(events);  // alive for the dispatch
        },
        want);
    if (rc != 0) {
      close_with_errno(-rc);
      return;
    }
    watching_ = true;
  } else {
    (void)loop_->update_handler(fd_, want);
  }
  interest_ = static_cast<std::uint16_t>(want);
}

void BaseIOStream::handle_events(std::uint32_t events) {
  if (closed_) return;
  if (connecting_ && (events & (IOLoop::WRITE | IOLoop::ERROR))) {
    handle_connect();
    if (closed_) return;
  }
  // On ERROR, read anyway: the read reports the real cause (ECONNRESET, or EOF after the last
  // bytes the peer sent), which is what a pending read must fail or complete with. A
  // wait_for_read(cb) reads nothing: its callback runs below, once the stream's own work here
  // is done.
  bool ready_due = false;
  if (events & (IOLoop::READ | IOLoop::ERROR)) {
    if (read_.kind == ReadKind::kReady && ready_ && !eof_) {
      ready_due = true;
    } else {
      handle_read((events & IOLoop::ERROR) != 0);
      if (closed_) return;
    }
  }
  if (events & IOLoop::WRITE) {
    flush_writes();
    if (closed_) return;
  }
  if (events & IOLoop::ERROR) {
    const int err = get_fd_error();
    if (err != 0 || (events & POLLERR)) {
      close_with_errno(err != 0 ? err : EPIPE);
      return;
    }
  }
  update_interest();
  // The wait ends here, in the loop's handler for this fd, rather than through the loop's
  // callback queue: one trip through the queue less for each keep-alive request. (When the
  // stream closed above, close() has queued it instead.)
  if (ready_due && ready_ && read_.kind == ReadKind::kReady) {
    ReadyCallback cb = std::move(ready_);
    ready_ = nullptr;
    reset_read();
    cb();
  }
}

void BaseIOStream::handle_connect() {
  const int err = get_fd_error();
  if (err != 0) {
    close_with_errno(err);
    return;
  }
  finish_connect();
}

Future<void> BaseIOStream::begin_connect() {
  if (!rare_) rare_ = std::make_unique<Rare>();
  Future<void> f;
  rare_->connect = Promise<void>(f);
  rare_->connect.set_running();
  connecting_ = true;
  return f;
}

void BaseIOStream::finish_connect() {
  connecting_ = false;
  std::exchange(rare_->connect, Promise<void>{}).set_result();
  if (write_bytes_ > 0) flush_writes();
}

// ---------------------------------------------------------------- reading

ssize_t BaseIOStream::read_from_fd(char* buf, std::size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return r;
    if (errno != EINTR) return -errno;
  }
}

void BaseIOStream::handle_read(bool hangup) {
  if (eof_) return;
  // Something to read has come: the waiter reads it itself, into its own buffer.
  if (read_.kind == ReadKind::kReady) {
    finish_count(read_buffer_size());
    return;
  }
  // Flow control: with no read pending and data already buffered, leave the rest in the kernel.
  // Not after a hang-up: the poller reports it whatever the interest mask, so the loop would
  // wake for it at every iteration; read on to the EOF instead (into the buffer, which
  // max_buffer_size bounds), and the stream closes with its data still readable.
  if (!reading() && read_buffer_size() > 0 && !hangup) return;
  // A read that hands every byte to the caller (read_bytes, read_until_close) ends in the
  // stream's buffer, which try_complete_read gives away whole. A small one (an HTTP head)
  // lands in the thread's scratch buffer and only the bytes that came are appended: growing
  // the buffer by the whole chunk first would zero-fill it (16 KiB of memset for a 40-byte
  // request). Others read into the scratch buffer and keep only what the read leaves over.
  const bool direct = read_.kind == ReadKind::kBytes || read_.kind == ReadKind::kUntilClose;
  std::size_t want = opts_.read_chunk_size;
  if (read_.kind == ReadKind::kBytes && rare_->bytes > read_buffer_size())
    want = std::min(want, rare_->bytes - read_buffer_size());
  ssize_t n;
  if (direct && want >= kDirectReadMin) {
    // A large read: straight into the buffer. Zero-filling the growth costs less here than the
    // copy out of the scratch buffer does (echo throughput fell by half with the copy).
    const std::size_t old = rbuf_.size();
    rbuf_.resize(old + want);
    n = read_from_fd(rbuf_.data() + old, want);
    rbuf_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (rbuf_.empty()) rbuf_ = std::string();
  } else {
    n = read_from_fd(scratch(), want);
    if (direct && n > 0) append_to_buffer(std::string_view(scratch(), static_cast<std::size_t>(n)));
  }
  if (n == -EAGAIN || n == -EWOULDBLOCK) return;
  if (n < 0) {
    close_with_errno(static_cast<int>(-n));
    return;
  }
  if (n == 0) {
    eof_ = true;
    close_with_errno(0);  // completes read_until_close and satisfiable reads
    return;
  }
  if (direct) {
    if (read_buffer_size() > opts_.max_buffer_size) {
      close(std::make_exception_ptr(StreamBufferFullError("Reached maximum read buffer size")));
      return;
    }
    (void)try_complete_read();
    return;
  }
  take_in(std::string_view(scratch(), static_cast<std::size_t>(n)));
}

// New bytes from the fd: serve the pending read straight from them when the stream has nothing
// buffered (one copy, into the result), and keep only what is left over.
void BaseIOStream::take_in(std::string_view data) {
  if (read_.kind == ReadKind::kInto) {
    const std::size_t room = read_.into.size() - read_.into_filled;
    const std::size_t now = std::min(room, data.size());
    std::memcpy(read_.into.data() + read_.into_filled, data.data(), now);
    read_.into_filled += now;
    data.remove_prefix(now);
  } else if (read_buffer_size() == 0 && reading()) {
    const std::size_t end = find_read_end(data);
    const bool bounded = read_.kind == ReadKind::kUntil || read_.kind == ReadKind::kRegex;
    // A match past max_bytes must fail, not complete: leave that to try_complete_read below
    // (iostream_test: "read_until with max_bytes: a delimiter past the limit in one chunk").
    if (end != std::string_view::npos &&
        (!bounded || rare_->max_bytes == 0 || end <= rare_->max_bytes)) {
      std::string result(data.substr(0, end));
      data.remove_prefix(end);
      if (!data.empty()) append_to_buffer(data);
      finish_text(std::move(result));
      return;
    }
  }
  if (!data.empty()) append_to_buffer(data);
  if (read_buffer_size() > opts_.max_buffer_size) {
    close(std::make_exception_ptr(StreamBufferFullError("Reached maximum read buffer size")));
    return;
  }
  (void)try_complete_read();
}

void BaseIOStream::append_to_buffer(std::string_view data) {
  if (rpos_ > 0 && rpos_ >= rbuf_.size() / 2) {  // reclaim consumed space before growing
    rbuf_.erase(0, rpos_);
    rpos_ = 0;
  }
  rbuf_.append(data);
}

// Where the pending read would end in `data` (an offset past its last byte), or npos.
std::size_t BaseIOStream::find_read_end(std::string_view data) {
  constexpr auto npos = std::string_view::npos;
  switch (read_.kind) {
    case ReadKind::kNone:
    case ReadKind::kInto:
    case ReadKind::kReady:
      return npos;
    case ReadKind::kBytes:
      if (data.size() >= rare_->bytes) return rare_->bytes;
      if (read_.partial && !data.empty()) return data.size();
      return npos;
    case ReadKind::kUntilClose:
      return eof_ ? data.size() : npos;
    case ReadKind::kUntil: {
      const std::string& delimiter = rare_->delimiter;
      const std::size_t from = std::min(rare_->scanned, data.size());
      const std::size_t at = data.find(delimiter, from);
      if (at != npos) return at + delimiter.size();
      // The next search need not look again at bytes that cannot start a match.
      rare_->scanned = data.size() >= delimiter.size() ? data.size() - delimiter.size() + 1 : 0;
      return npos;
    }
    case ReadKind::kRegex: {
      const std::size_t end = rare_->regex->search(data);
      return end == regex::Matcher::npos ? npos : end;
    }
  }
  return npos;
}

// Completes the pending read from the buffer if it can; fails it if it never can (max_bytes,
// or the stream is at EOF). Returns true when the read is over either way.
bool BaseIOStream::try_complete_read() {
  if (!reading()) return false;
  if (read_.kind == ReadKind::kReady) {
    if (read_buffer_size() > 0) {
      finish_count(read_buffer_size());
      return true;
    }
    if (eof_) {
      fail_read(closed_error());
      return true;
    }
    return false;
  }
  if (read_.kind == ReadKind::kInto) {
    std::size_t room = read_.into.size() - read_.into_filled;
    const std::size_t now = std::min(room, read_buffer_size());
    if (now > 0) {
      std::memcpy(read_.into.data() + read_.into_filled, rbuf_.data() + rpos_, now);
      read_.into_filled += now;
      consume(now);
      room -= now;
    }
    if (room == 0 || (read_.partial && read_.into_filled > 0)) {
      finish_count(read_.into_filled);
      return true;
    }
    if (eof_) {
      fail_read(closed_error());
      return true;
    }
    return false;
  }
  const std::string_view data(rbuf_.data() + rpos_, read_buffer_size());
  const std::size_t end = find_read_end(data);
  const bool bounded = read_.kind == ReadKind::kUntil || read_.kind == ReadKind::kRegex;
  if (end != std::string_view::npos &&
      (!bounded || rare_->max_bytes == 0 || end <= rare_->max_bytes)) {
    std::string result;
    if (rpos_ == 0 && end == rbuf_.size()) {
      result = std::move(rbuf_);  // the whole buffer: hand it over without a copy
      rbuf_ = std::string();
    } else {
      result.assign(rbuf_, rpos_, end);
      consume(end);
    }
    finish_text(std::move(result));
    return true;
  }
  if (bounded && rare_->max_bytes > 0 &&
      (end != std::string_view::npos || data.size() >= rare_->max_bytes)) {
    // Tornado: "delimiter not found within max_bytes": the read fails and the stream closes.
    auto e = std::make_exception_ptr(UnsatisfiableReadError(
        "delimiter not found within " + std::to_string(rare_->max_bytes) + " bytes"));
    fail_read(e);
    close(e);
    return true;
  }
  if (eof_) {
    fail_read(closed_error());
    return true;
  }
  return false;
}

void BaseIOStream::consume(std::size_t n) {
  rpos_ += n;
  if (rpos_ >= rbuf_.size()) {
    rbuf_ = std::string();  // an idle stream holds no buffer at all
    rpos_ = 0;
  }
}

void BaseIOStream::finish_text(std::string&& value) {
  Promise<std::string> r = std::move(rare_->text);
  reset_read();
  r.set_result(std::move(value));
}

void BaseIOStream::finish_count(std::size_t n) {
  if (ready_) {
    reset_read();
    loop_->add_callback(std::move(ready_));
    ready_ = nullptr;
    return;
  }
  Promise<std::size_t> r = std::move(read_.count);
  reset_read();
  r.set_result(n);
}

void BaseIOStream::reset_read() {
  read_.kind = ReadKind::kNone;
  read_.partial = false;
  read_.into = {};
  read_.into_filled = 0;
  read_.count = {};
  if (rare_) {
    rare_->delimiter.clear();
    rare_->scanned = rare_->max_bytes = rare_->bytes = 0;
    rare_->text = {};
    rare_->regex.reset();
  }
}

void BaseIOStream::start_read(ReadKind kind) {
  if (reading()) throw std::logic_error("IOStream: a read is already pending (one at a time)");
  read_.kind = kind;
}

// Tornado's _try_inline_read: the buffer first, then one read from the fd, and only then wait.
void BaseIOStream::try_inline_read() {
  if (try_complete_read()) return;
  if (closed_) {
    fail_read(closed_error());
    return;
  }
  handle_read();
  if (closed_ || !reading()) return;
  update_interest();
}

Future<std::string> BaseIOStream::begin_text_read(ReadKind kind) {
  if (!rare_) rare_ = std::make_unique<Rare>();
  start_read(kind);
  Future<std::string> f;
  // The stream is working on it: cancel() refuses, so no bytes are consumed into a read that
  // nobody will take (iostream_test: "stream Futures cannot be cancelled").
  rare_->text = Promise<std::string>(f);
  rare_->text.set_running();
  return f;
}

Future<std::string> BaseIOStream::read_until(std::string delimiter, std::size_t max_bytes) {
  if (delimiter.empty()) throw std::invalid_argument("read_until: empty delimiter");
  Future<std::string> f = begin_text_read(ReadKind::kUntil);
  rare_->delimiter = std::move(delimiter);
  rare_->max_bytes = max_bytes;
  try_inline_read();
  return f;
}

Future<std::string> BaseIOStream::read_until_regex(const std::string& pattern,
                                                   std::size_t max_bytes) {
  // Compiled before the read starts, so that a refused pattern leaves the stream as it was.
  auto compiled = std::make_shared<const regex::Matcher>(
      regex::Matcher::compile("read_until_regex pattern \"" + pattern + "\"", pattern));
  Future<std::string> f = begin_text_read(ReadKind::kRegex);
  rare_->regex = std::move(compiled);
  rare_->max_bytes = max_bytes;
  try_inline_read();
  return f;
}

Future<std::string> BaseIOStream::read_bytes(std::size_t n, bool partial) {
  if (n == 0) {
    if (reading()) throw std::logic_error("IOStream: a read is already pending (one at a time)");
    return make_ready_future<std::string>();
  }
  Future<std::string> f = begin_text_read(ReadKind::kBytes);
  rare_->bytes = n;
  read_.partial = partial;
  try_inline_read();
  return f;
}

Future<std::size_t> BaseIOStream::read_into(std::span<char> buffer, bool partial) {
  start_read(ReadKind::kInto);
  Future<std::size_t> f;
  read_.count = Promise<std::size_t>(f);
  read_.count.set_running();
  read_.into = buffer;
  read_.partial = partial;
  if (buffer.empty()) {
    reset_read();
    f.set_result(std::size_t{0});
    return f;
  }
  try_inline_read();
  return f;
}

Future<std::string> BaseIOStream::read_until_close() {
  Future<std::string> f = begin_text_read(ReadKind::kUntilClose);
  try_inline_read();
  return f;
}

Future<std::size_t> BaseIOStream::wait_for_read() {
  start_read(ReadKind::kReady);
  Future<std::size_t> f;
  read_.count = Promise<std::size_t>(f);
  read_.count.set_running();
  start_wait();
  return f;
}

void BaseIOStream::wait_for_read(ReadyCallback cb) {
  start_read(ReadKind::kReady);
  ready_ = std::move(cb);
  start_wait();
}

std::size_t BaseIOStream::read_now(std::span<char> into) {
  if (closed_ || reading() || into.empty()) return 0;
  if (const std::size_t buffered = read_buffer_size(); buffered > 0) {
    const std::size_t n = std::min(buffered, into.size());
    std::memcpy(into.data(), rbuf_.data() + rpos_, n);
    consume(n);
    return n;
  }
  if (eof_) return 0;
  const ssize_t n = read_from_fd(into.data(), into.size());
  if (n > 0) return static_cast<std::size_t>(n);
  if (n == -EAGAIN || n == -EWOULDBLOCK) return 0;
  if (n == 0) eof_ = true;
  close_with_errno(static_cast<int>(-n));  // 0 at the end of the stream
  return 0;
}

void BaseIOStream::start_wait() {
  // Not try_inline_read: that would read from the fd, into the stream's buffer.
  if (try_complete_read()) return;
  if (closed_) {
    fail_read(closed_error());
    return;
  }
  update_interest();
}

}  // namespace tornado
