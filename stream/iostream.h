// stream/iostream.h: buffered, non-blocking reads and writes on one fd, as Futures.
//
// Mirrors:  tornado/iostream.py (BaseIOStream, IOStream, PipeIOStream, StreamClosedError,
//           UnsatisfiableReadError, StreamBufferFullError), Tornado 5+'s Future-only API.
//
//   auto stream = tornado::IOStream::create(fd);           // a connected, non-blocking socket
//   co_await stream->write("GET / HTTP/1.0\r\n\r\n");
//   std::string head = co_await stream->read_until("\r\n\r\n");
//   std::string body = co_await stream->read_until_close();
//
// Ownership: streams are always held by std::shared_ptr (create them with create()); the
//           stream owns its fd and closes it, after removing it from the loop, in close() or in
//           its destructor. The loop's fd handler and the stream's timers hold only weak_ptrs,
//           so a stream nobody holds is destroyed (and closed), never leaked.
// Rules:    one read at a time (a second is std::logic_error, as Tornado's assertion). A read
//           that the buffer already satisfies completes without polling. write() hands data to
//           the kernel at once when it can; its Future resolves when all of it has been handed
//           over. close() fails every pending Future with StreamClosedError (a pending read is
//           first completed if the buffered data satisfies it), then runs the close callback
//           on the loop.
// Memory:   an idle stream keeps no read buffer: data is read into a buffer shared by the
//           loop's thread, and only bytes left over after the pending read are kept. Writes
//           taken whole by the kernel are never copied. See man tornado.iostream.
// Thread:   the thread of the loop the stream was created on.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/reactor/callback.h"
#include "tornado/reactor/ioloop.h"

namespace tornado {

namespace regex {
class Matcher;  // stream/regex.h: the library's own regex engine
}

// The stream is closed; `real_error` is the errno that closed it (0 for a clean EOF or a
// close() without an error), as Tornado's StreamClosedError.real_error.
class StreamClosedError : public std::runtime_error {
 public:
  explicit StreamClosedError(int real_error = 0, const std::string& what = "Stream is closed");
  int real_error() const { return real_error_; }

 private:
  int real_error_;
};

// A delimiter or pattern was not found within max_bytes; the stream is closed.
class UnsatisfiableReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The read buffer passed max_buffer_size (the stream is closed), or a write would pass
// max_write_buffer_size (the write is refused, the stream stays open).
class StreamBufferFullError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IOStreamOptions {
  std::size_t max_buffer_size = 100 * 1024 * 1024;  // Tornado's default: 100 MiB
  std::size_t read_chunk_size = 64 * 1024;          // the most read per readiness event
  std::size_t max_write_buffer_size = 0;            // 0: unlimited, as Tornado's None
};

class BaseIOStream : public std::enable_shared_from_this<BaseIOStream> {
 public:
  virtual ~BaseIOStream();
  BaseIOStream(const BaseIOStream&) = delete;
  BaseIOStream& operator=(const BaseIOStream&) = delete;

  // Data up to and including `delimiter`. With max_bytes > 0, UnsatisfiableReadError (and the
  // stream closes) if the delimiter is not within the first max_bytes bytes.
  Future<std::string> read_until(std::string delimiter, std::size_t max_bytes = 0);
  // Data up to and including the first match of `pattern`, a regex in Python's re syntax as
  // Tornado's (re.search(...).end()), within the subset man tornado.iostream lists: an
  // unsupported or malformed pattern is std::invalid_argument, thrown before any read.
  // With max_bytes > 0, as read_until.
  Future<std::string> read_until_regex(const std::string& pattern, std::size_t max_bytes = 0);
  // Exactly n bytes; with partial, whatever is available once at least one byte is (at most n).
  Future<std::string> read_bytes(std::size_t n, bool partial = false);
  // Fills `buffer` (the caller keeps it alive until the Future resolves); with partial, returns
  // once at least one byte was stored. Resolves with the byte count.
  Future<std::size_t> read_into(std::span<char> buffer, bool partial = false);
  // Everything until the peer closes (bounded by max_buffer_size).
  Future<std::string> read_until_close();
  // Waits until there is something to read (buffered bytes, bytes in the kernel, or the peer's
  // end of stream) without reading it, so that nothing is held for bytes that have not come:
  // the HTTP server waits so between keep-alive requests, and then reads into its own buffer
  // (http1connection_server.cc). Resolves with the number of bytes buffered by the stream (0
  // when they are still in the kernel); counts as the pending read until then. Fails with
  // StreamClosedError when the stream closes first.
  Future<std::size_t> wait_for_read();
  // The same with a plain callback instead of a Future, for a wait that costs nothing but the
  // stream's own slot: cb runs once, when there is something to read or the stream has closed
  // (closed() tells). Never inside this call or inside close(): readiness reported by the
  // loop runs it in the loop's handler for the fd, at the end of the stream's own handling;
  // bytes already buffered, or a close, queue it on the loop.
  // A capture of up to 16 bytes (a shared_ptr) is held inline.
  using ReadyCallback = InlineFunction<void(), 16>;
  void wait_for_read(ReadyCallback cb);
  // One read that does not wait, for the callback of wait_for_read(cb): the stream's buffered
  // bytes first, else one read from the fd, into `into`. Returns the count; 0 when nothing was
  // there after all (or a read is pending). At the end of the stream or on an error the stream
  // closes, as it would under a pending read, and it returns 0 (closed() tells). Saves the HTTP
  // server a read_into, its Future and a copy through the scratch buffer per keep-alive request.
  std::size_t read_now(std::span<char> into);

  // Queues data; the Future resolves once all of it has been handed to the kernel. Fails with
  // StreamClosedError if the stream closes first; throws StreamBufferFullError if the write
  // buffer would pass max_write_buffer_size.
  Future<void> write(std::string data);
  // The same, copying only the bytes the kernel does not take at once (none, usually).
  Future<void> write(std::string_view data);
  Future<void> write(const char* data) { return write(std::string(data)); }

  // Runs cb once, on the loop, after the stream closes. From then on the stream watches for
  // the peer closing even while no read is pending. A capture of up to 16 bytes (a weak_ptr)
  // is held inline in the stream; a larger one (or a Callback) goes to the heap.
  using CloseCallback = InlineFunction<void(), 16>;
  void set_close_callback(CloseCallback cb);
  // Closes the stream: removes the fd from the loop, closes it, fails pending Futures.
  // `error` is kept as error() (Tornado's exc_info argument).
  void close(std::exception_ptr error = nullptr);
  bool closed() const { return closed_; }
  // TCP_NODELAY as IOStream::set_nodelay last set it (held here, in a byte that was padding).
  bool nodelay() const { return nodelay_; }
  bool reading() const { return read_.kind != ReadKind::kNone; }
  bool writing() const { return write_bytes_ > 0; }
  // Why the stream closed: StreamClosedError with the errno, or what close() was given.
  std::exception_ptr error() const { return error_; }
  int fileno() const { return fd_; }
  IOLoop& io_loop() const { return *loop_; }

  std::size_t read_buffer_size() const { return rbuf_.size() - rpos_; }
  std::size_t write_buffer_size() const { return write_bytes_; }
  const IOStreamOptions& options() const { return opts_; }

 protected:
  void note_nodelay(bool on) { nodelay_ = on; }

  BaseIOStream(int fd, IOStreamOptions opts);

  // The transport: the subclass hooks of Tornado's BaseIOStream. Each returns a byte count or
  // -errno (read_from_fd returns 0 at EOF); EINTR is retried by the caller.
  virtual ssize_t read_from_fd(char* buf, std::size_t n);
  virtual ssize_t write_to_fd(const struct iovec* iov, int count);
  // The pending error of the fd (SO_ERROR for sockets), or 0.
  virtual int get_fd_error() { return 0; }

  // For IOStream::connect: starts a connect, whose Future the first WRITE event completes;
  // finish_connect() completes it at once (a connect that succeeded in the call).
  Future<void> begin_connect();
  void finish_connect();
  void update_interest();
  void flush_writes();
  void close_with_errno(int err);
  std::exception_ptr closed_error() const;

 private:
  enum class ReadKind : std::uint8_t { kNone, kUntil, kRegex, kBytes, kInto, kUntilClose, kReady };

  void handle_events(std::uint32_t events);
  void handle_connect();
  void handle_read(bool hangup = false);
  void take_in(std::string_view data);
  void append_to_buffer(std::string_view data);
  std::size_t find_read_end(std::string_view data);
  bool try_complete_read();
  void try_inline_read();
  void consume(std::size_t n);
  void start_read(ReadKind kind);
  Future<std::string> begin_text_read(ReadKind kind);
  void finish_text(std::string&& value);
  void finish_count(std::size_t n);
  void start_wait();
  void reset_read();
  void fail_read(const std::exception_ptr& e);
  // Fails the pending writes (and a pending connect) with e, or with closed_error() when e is
  // null; the error is made only when something waits for it.
  void fail_writes(std::exception_ptr e);
  // The kernel's share of a write made with nothing queued: the bytes it took (0 when it would
  // block), or -1 when it failed and the stream is closed.
  ssize_t write_now(std::string_view data);

  // Members are ordered so that none is padded (an idle HTTP connection holds a stream:
  // bench/README.md, "Memory per idle connection").
  IOLoop* loop_;
  int fd_;
  int close_errno_ = 0;
  IOStreamOptions opts_;
  bool closed_ = false;
  bool watching_ = false;
  bool eof_ = false;
  bool connecting_ = false;     // a connect is pending: its Future is rare_->connect
  std::uint16_t interest_ = 0;  // IOLoop::READ and WRITE: poll(2)'s bits
  bool nodelay_ = false;        // TCP_NODELAY was set on by set_nodelay
  std::exception_ptr error_;
  // The read state's buffered bytes are rbuf_[rpos_, size) (rbuf_ is below).
  std::size_t rpos_ = 0;
  std::size_t write_bytes_ = 0;  // queued and not yet written
  // Inline: the HTTP server sets one on every connection, and a heap block of its own cost
  // an idle connection 80 bytes.
  CloseCallback close_callback_;
  ReadyCallback ready_;  // kReady with a callback: run it, not a Promise

  // Read state. An empty rbuf_ means no allocation. What read_into and wait_for_read use is
  // here; the reads that return a string keep the rest in rare_.
  std::string rbuf_;
  struct {
    ReadKind kind = ReadKind::kNone;
    bool partial = false;  // kBytes, kInto
    std::span<char> into;  // kInto
    std::size_t into_filled = 0;
    Promise<std::size_t> count;  // kInto: the pending read's Future (empty when none)
  } read_;

  // State that only some streams need, out of line: made on first use and kept for the
  // stream's life. An HTTP server's stream reads with read_into and wait_for_read, connects
  // nowhere, and the kernel takes its writes whole; so an idle connection holds neither block
  // (the two took 184 bytes of the stream, whose every byte an idle connection pays:
  // bench/README.md, "Memory per idle connection"). Rare is touched only by the text reads
  // and a connect, WriteQueue only by writes that must queue.
  struct Rare {
    Promise<void> connect;      // a pending connect's Future (empty when none)
    std::string delimiter;      // kUntil
    std::size_t scanned = 0;    // kUntil: bytes already known not to start the delimiter
    std::size_t max_bytes = 0;  // kUntil, kRegex
    std::size_t bytes = 0;      // kBytes
    Promise<std::string> text;  // the pending read's Future (empty when none)
    std::shared_ptr<const regex::Matcher> regex;  // kRegex: the compiled pattern
  };
  // Queued pieces from head on (offset bytes of the first already written), and the Futures
  // waiting for the running total of written bytes to reach theirs. A write the kernel takes
  // whole, with nothing queued, counts in neither total: they are equal then.
  struct WriteQueue {
    std::vector<std::string> pieces;
    std::size_t head = 0;
    std::size_t offset = 0;
    std::uint64_t written_total = 0;
    std::uint64_t queued_total = 0;
    std::vector<std::pair<std::uint64_t, Promise<void>>> waiters;
  };
  std::unique_ptr<Rare> rare_;
  std::unique_ptr<WriteQueue> queue_;
};

// A stream over a socket. Tornado's IOStream.
class IOStream : public BaseIOStream {
 public:
  // Takes ownership of a socket fd (made non-blocking here if it is not).
  static std::shared_ptr<IOStream> create(int fd, IOStreamOptions opts = {});
  // Starts a non-blocking connect of this (unconnected) socket; writes made before it completes
  // are queued. Fails with StreamClosedError (real_error ECONNREFUSED, ...).
  Future<void> connect(const struct sockaddr* addr, socklen_t len);
  // TCP_NODELAY on or off; ignored for sockets that are not TCP.
  void set_nodelay(bool on);

 private:
  struct CreateToken {
    explicit CreateToken() = default;
  };

 public:
  // For create() only (make_shared needs a public constructor; the token keeps it private).
  IOStream(CreateToken, int fd, IOStreamOptions opts) : BaseIOStream(fd, opts) {}

 protected:
  // For subclasses that change the transport (a TLS stream, as Tornado's SSLIOStream):
  // they override read_from_fd and write_to_fd, and are made with std::make_shared. The fd
  // must already be non-blocking.
  IOStream(int fd, IOStreamOptions opts) : BaseIOStream(fd, opts) {}
  int get_fd_error() override;
  ssize_t write_to_fd(const struct iovec* iov, int count) override;
};

// A stream over a pipe (or any fd read with read(2) and written with writev(2)).
class PipeIOStream : public BaseIOStream {
 public:
  static std::shared_ptr<PipeIOStream> create(int fd, IOStreamOptions opts = {});

 private:
  struct CreateToken {
    explicit CreateToken() = default;
  };

 public:
  PipeIOStream(CreateToken, int fd, IOStreamOptions opts) : BaseIOStream(fd, opts) {}
};

}  // namespace tornado
