// http/http1connection.h: HTTP/1.x framing over an IOStream: reading message heads and
// bodies, writing responses, keep-alive.
//
// Mirrors:  tornado/http1connection.py (HTTP1ConnectionParameters, HTTP1Connection,
//           HTTP1ServerConnection, parse_int, parse_hex_int, is_transfer_encoding_chunked).
//
//   auto conn = std::make_shared<tornado::HTTP1ServerConnection>(stream, params, context);
//   conn->start_serving(delegate);      // reads requests, one at a time, until the peer leaves
//
// Role:     HTTPServer makes one HTTP1ServerConnection per accepted stream. It reads each
//           request head (find_head_end, parse_request_head), decides the body's framing
//           (request_framing), feeds the body through ChunkedDecoder or by length to the
//           application's HTTPMessageDelegate, and waits for the application to finish() its
//           response on the HTTP1Connection before reading the next request, so pipelined
//           requests are answered in order.
// Ownership: an HTTP1ServerConnection owns its stream (or, made by create() as HTTPServer makes
//           them, lives inside the stream's allocation) and is kept alive by its serving
//           coroutine, or between requests by the stream's readiness callback; each request's
//           HTTP1Connection is shared by the connection and whoever holds the request. The bytes
//           read but not yet parsed (a pipelined request) live in a buffer the two share.
// Errors:   a malformed request is answered 400 (431 for a head over max_header_size, 413 for
//           a body over max_body_size) with Connection: close, and the connection closes; the
//           application never sees it. A response that breaks its own framing (more or less
//           than its Content-Length) throws HTTPOutputError and closes the connection.
// Thread:   the loop thread of the stream.
// See:      man tornado.http1connection (the limits, and what each kind of bad input gets).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tornado/gen/concurrent.h"
#include "tornado/gen/recycle.h"
#include "tornado/http/httputil.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/stream/iostream.h"

namespace tornado {

// Tornado's HTTP1ConnectionParameters. Zero means "none" for the timeouts, and "the stream's
// max_buffer_size" for max_body_size.
struct HTTP1ConnectionParameters {
  bool no_keep_alive = false;
  std::size_t chunk_size = 64 * 1024;       // the most given to data_received at once
  std::size_t max_header_size = 64 * 1024;  // start line + headers + blank line
  double header_timeout = 0;                // seconds to wait for a complete head
  std::size_t max_body_size = 0;
  double body_timeout = 0;  // seconds to wait for a complete body
  bool decompress = false;  // gzip request bodies: needs zlib, so refused (invalid_argument)
};

// Where a server connection is (Tornado's _HTTPRequestContext): the peer's address as text
// ("0.0.0.0" for a Unix socket, as Tornado) and the scheme.
struct HTTP1ConnectionContext {
  std::string remote_ip;
  std::string protocol = "http";
};

class HTTP1ServerConnection;

namespace http1connection {

// The connections of one server: those that wait for their next request, in the order their
// waits began, and the rest, in no order. Each wait's deadline for the head is its start plus
// the server's one header_timeout, so that is also the order of the deadlines: one timer
// serves them all, armed for the first, instead of a timer per connection (about 100 bytes in
// the loop's timeout heap, which an idle keep-alive connection would hold: bench/README.md,
// "Memory per idle connection"). The deadline is the connection's ReadBuffer::head_deadline,
// set only here (push_back) and reset to 0 when the head has come. A connection stays on the
// waiting list after that and moves to its end when its next wait begins; when the timer
// fires, the connections at the front whose head came go to the other list, and those whose
// deadline has passed go to it too and are closed (as the per-stream timer of ReadBuffer does).
// Both lists run through the same two links in each connection, so that HTTPServer finds its
// connections here at no cost per connection, where a set's node cost 32 bytes.
class HeadDeadlines : public std::enable_shared_from_this<HeadDeadlines> {
 public:
  HeadDeadlines() = default;
  HeadDeadlines(const HeadDeadlines&) = delete;
  HeadDeadlines& operator=(const HeadDeadlines&) = delete;

  // Lists `conn` (it starts serving), on the list that is in no order.
  void add(HTTP1ServerConnection& conn);
  // Moves `conn` to the end of the waiting list: its wait for a head begins, until `deadline`
  // (which no listed connection's passes). Lists it if it was not.
  void push_back(HTTP1ServerConnection& conn, double deadline);
  // Takes `conn` off the lists (it stops serving); the timer goes with the last waiting one.
  void remove(HTTP1ServerConnection& conn);
  // Takes `conn` off the lists without touching the loop, which may be being destroyed (a
  // connection destroyed without having ended: its loop's queue held the last reference). A
  // timer left armed finds nothing when it fires; it holds only a weak_ptr to the lists.
  void unlink(HTTP1ServerConnection& conn);

  // The listed connections: how many, and each (for a snapshot: closing one may unlist it).
  std::size_t size() const { return size_; }
  HTTP1ServerConnection* front() const { return first_ ? first_ : others_; }
  template <class F>
  void for_each(F&& f) const;

 private:
  void expire();
  void link_other(HTTP1ServerConnection& conn);
  bool take_off(HTTP1ServerConnection& conn);

  HTTP1ServerConnection* first_ = nullptr;  // the waiting list
  HTTP1ServerConnection* last_ = nullptr;
  HTTP1ServerConnection* others_ = nullptr;  // the rest
  std::size_t size_ = 0;
  IOLoop* loop_ = nullptr;
  Timeout timer_;
};

}  // namespace http1connection

// What the connections of one server share (HTTPServer holds one): an idle connection then
// holds a pointer, not its own copy of the parameters and of the scheme.
struct HTTP1ServerSettings {
  HTTP1ConnectionParameters params;
  std::string protocol = "http";
  // Changes as connections come and go (the settings themselves do not).
  std::shared_ptr<http1connection::HeadDeadlines> head_deadlines =
      std::make_shared<http1connection::HeadDeadlines>();
};

namespace http1connection {

// The coroutine type of HTTP1ServerConnection::serve (defined in http1connection_server.cc):
// one nobody awaits, so no Future is made for it.
struct ServeLoop;

// The offset just past the blank line that ends a message head in `data` (CRLF CRLF, or bare
// LF line ends), or npos if it is not there yet. Scanning starts at `from`, so a caller that
// gets more bytes need not rescan what it has seen; leading blank lines are not a head end.
std::size_t find_head_end(std::string_view data, std::size_t from = 0);

// The number of leading CRLF / LF bytes (RFC 9112 §2.2: a server ignores empty lines before
// a request line).
std::size_t leading_blank_lines(std::string_view data);

// Parses a complete request head (what find_head_end delimits); the target must be one of
// RFC 9112's forms and fit the method (parse_request_target). Throws HTTPInputError.
// Returns the start line, made where the caller keeps it (the server's path: no move of its
// strings into an existing one).
RequestStartLine parse_request_head(std::string_view head, HTTPHeaders& headers);
inline void parse_request_head(std::string_view head, RequestStartLine& start_line,
                               HTTPHeaders& headers) {
  start_line = parse_request_head(head, headers);
}

// How a message's body is delimited (RFC 9112 §6).
struct Framing {
  bool chunked = false;
  std::uint64_t content_length = 0;  // when not chunked; 0 for no body
  bool until_close = false;          // responses only: the body ends when the connection does
};

// Decides the framing of a request and checks what would make it ambiguous: Content-Length
// and Transfer-Encoding together, unequal or non-numeric Content-Length values, a
// Transfer-Encoding other than a lone chunked, Transfer-Encoding on HTTP/1.0, a missing,
// repeated or malformed Host on HTTP/1.1. A declared length over max_body_size is 413.
// Throws HTTPInputError.
Framing request_framing(const RequestStartLine& start_line, const HTTPHeaders& headers,
                        std::uint64_t max_body_size);

// Parses a complete response head. Throws HTTPInputError.
void parse_response_head(std::string_view head, ResponseStartLine& start_line,
                         HTTPHeaders& headers);

// Decides the framing of a response to a request with `request_method` (RFC 9112 §6.3): no
// body after HEAD, 1xx, 204 and 304 (a 204 or 304 declaring a non-zero length, or any
// Transfer-Encoding, is an error); a lone chunked; a Content-Length, checked as for requests;
// otherwise until the connection closes. Throws HTTPInputError.
Framing response_framing(std::string_view request_method, const ResponseStartLine& start_line,
                         const HTTPHeaders& headers);

// Whether a comma-separated header value (Connection, Expect) holds `token`, any case;
// `token` is given in lower case.
bool has_token(const std::string* list, std::string_view token);

// Tornado's parse_int: digits only ("+1", "1_0", " 1", "" are errors); nullopt on error or on
// a value that does not fit in 64 bits.
std::optional<std::uint64_t> parse_int(std::string_view s);

// An incremental decoder of the chunked transfer coding (RFC 9112 §7.1). Chunk extensions
// and trailer fields are accepted and ignored; chunk lines must end in CRLF.
class ChunkedDecoder {
 public:
  // What one feed() did: `consumed` bytes of the input were used, and `data` (a slice of the
  // input) is body to deliver; it may be empty.
  struct Step {
    std::size_t consumed = 0;
    std::string_view data;
  };

  explicit ChunkedDecoder(std::size_t max_trailer_size = 64 * 1024)
      : max_trailer_size_(max_trailer_size) {}

  // Decodes from the start of `in`. Call again with the rest while consumed < in.size() and
  // !done(). Throws HTTPInputError on a malformed chunk line, a chunk not followed by CRLF, a
  // size over 2^60, or trailers over max_trailer_size.
  Step feed(std::string_view in);
  bool done() const { return state_ == State::kDone; }
  // Body bytes decoded so far.
  std::uint64_t body_size() const { return body_size_; }
  // The sum of the chunk sizes declared so far, counted as soon as a size line ends, before
  // the chunk's bytes arrive (never less than body_size(); it stops growing at UINT64_MAX).
  // A reader checks its body limit against this, as Tornado's _read_chunked_body does, so a
  // chunk that promises more than the limit is refused without waiting for its bytes.
  std::uint64_t declared_size() const { return declared_size_; }

 private:
  enum class State : std::uint8_t { kSizeLine, kData, kDataCR, kDataLF, kTrailer, kDone };
  static constexpr std::size_t kMaxSizeLine = 4096;  // size, extensions, CRLF

  void end_size_line();
  void end_trailer_line();

  State state_ = State::kSizeLine;
  std::string line_;
  std::uint64_t remaining_ = 0;
  std::uint64_t body_size_ = 0;
  std::uint64_t declared_size_ = 0;
  std::size_t trailer_size_ = 0;
  std::size_t max_trailer_size_;
};

// The bytes read from a stream and not yet parsed, shared by the successive HTTP1Connections
// of one stream (a pipelined request waits here). The stream reads straight into it
// (read_into), so a request's bytes are copied once, from the thread's scratch buffer to here,
// and no string is made per read. Its block comes from the thread's free lists (gen/recycle.h)
// and goes back whenever the buffer is empty, so an idle keep-alive connection holds none, and
// a keep-alive request whose head fits one block costs no malloc.
//
// It also keeps the stream's deadline for a request head (header_timeout, which HTTPServer
// sets from idle_connection_timeout). Arming a timer for each request and cancelling it when
// the head comes costs a push and a pop of the loop's timeout heap per request (about 650
// instructions, bench/README.md "Instructions per request"); instead each request moves the
// deadline, and one timer per stream stays armed: when it fires early (a request came since)
// it re-arms itself for the deadline, when no head is awaited it lapses, and when the deadline
// has passed it closes the stream. HTTP1ServerConnection sets the deadline itself before each
// head and keeps it on its server's HeadDeadlines (one timer for all its connections), so the
// buffer's own timer is never armed there.
class ReadBuffer {
 public:
  // The block a head is first read into: the largest the free lists keep. A head longer than
  // this doubles it as it comes (up to max_header_size).
  static constexpr std::size_t kBlock = detail::kMaxRecycled;
  // The largest block: a body read asks for no more than this at once (its reads are partial
  // anyway), and a head is bounded by max_header_size long before it.
  static constexpr std::size_t kMaxBlock = std::size_t{1} << 30;

  ReadBuffer() = default;
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  ~ReadBuffer() { release(); }

  std::string_view view() const { return {block_ + pos_, end_ - pos_}; }
  std::size_t size() const { return end_ - pos_; }
  void consume(std::size_t n);
  // Room after the unread bytes for a read of up to `want` (> 0) bytes: at least one byte,
  // at most `want`. An empty buffer takes a block of kBlock bytes, or of `want` with `whole`
  // (a body read, which asks for what it will hand on at once; at most kMaxBlock); a full one
  // moves its bytes to the front or doubles. The span stays valid until commit() or consume().
  std::span<char> space(std::size_t want, bool whole = false);
  // n bytes were read into space().
  void commit(std::size_t n);

  double head_deadline = 0;  // loop time by which a head must be complete; 0: none awaited
  Timeout head_timer;        // the stream's one timer for head_deadline, when armed

 private:
  void release();

  // 32-bit offsets (a block is at most kMaxBlock bytes): the buffer is part of every idle
  // keep-alive connection, and these make it 40 bytes rather than 48 (bench/README.md,
  // "Memory per idle connection").
  char* block_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::uint32_t pos_ = 0;  // the unread bytes are block_[pos_, end_)
  std::uint32_t end_ = 0;
};

// The most one read of a request head asks for.
inline constexpr std::size_t kHeadReadSize = 16 * 1024;

// Reads up to `want` bytes from the stream into `buffer` (its space(want, whole)), resolving
// with the count as soon as some have come; the caller commits them. The read fails when the
// peer leaves or the server closes the stream, which is normal; and when that happens as the
// program ends (the loop closed or destroyed before the server, with a keep-alive connection
// waiting for its next request), the coroutine awaiting it is destroyed without being
// resumed, so nobody ever looks at the error. So it is marked retrieved up front: no "Future
// exception was never retrieved" in the log (httpserver_shutdown_test: "destroyed holding an
// idle keep-alive connection logs nothing"); a resumed coroutine still gets the error.
Future<std::size_t> read_some(IOStream& stream, ReadBuffer& buffer, std::size_t want,
                              bool whole = false);

// Starts waiting for a head on `stream`: the deadline is now + seconds.
void await_head(const std::shared_ptr<ReadBuffer>& buffer, const std::shared_ptr<IOStream>& stream,
                double seconds);
// Removes the head timer from the loop (the stream is closing or handed over).
void cancel_head_timer(ReadBuffer& buffer, IOLoop& loop);

}  // namespace http1connection

// One request/response exchange on a stream (Tornado's HTTP1Connection, server side).
class HTTP1Connection : public HTTPConnection,
                        public std::enable_shared_from_this<HTTP1Connection> {
 public:
  // The context is moved in (an rvalue reference: its strings moved once, not twice, for
  // every request), or copied from an lvalue.
  HTTP1Connection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params,
                  std::shared_ptr<http1connection::ReadBuffer> buffer,
                  HTTP1ConnectionContext&& context = {});
  HTTP1Connection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params,
                  std::shared_ptr<http1connection::ReadBuffer> buffer,
                  const HTTP1ConnectionContext& context)
      : HTTP1Connection(std::move(stream), params, std::move(buffer),
                        HTTP1ConnectionContext(context)) {}
  // For HTTP1ServerConnection: the context as views of the server connection's own strings,
  // which `buffer` (an alias of that connection's pointer) keeps alive: no copy of them per
  // request. context() copies them the first time it is asked for.
  struct ContextViews {
    std::string_view remote_ip;
    std::string_view protocol;
  };
  HTTP1Connection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params,
                  std::shared_ptr<http1connection::ReadBuffer> buffer, ContextViews context);
  // The client side (Tornado's is_client=True): write a request with the RequestStartLine
  // write_headers, finish() it, then read_response() reads the answer.
  static std::shared_ptr<HTTP1Connection> client(std::shared_ptr<IOStream> stream,
                                                 HTTP1ConnectionParameters params = {});
  ~HTTP1Connection() override;

  // Server: reads one request and feeds it to `delegate`. Resolves true when the connection
  // may read another request (keep-alive, and the response is finished), false when it has
  // closed. Client: reads the response to the request written, skipping interim 1xx ones;
  // true when the connection may carry another request; a malformed response fails the
  // Future with HTTPInputError (the connection is closed).
  Future<bool> read_response(HTTPMessageDelegate& delegate);
  // Client: writes the request head (and the first piece of the body). A POST, PUT or PATCH
  // without Content-Length is sent chunked; other requests without one carry no body.
  Future<void> write_headers(const RequestStartLine& start_line, HTTPHeaders& headers,
                             std::string_view chunk = {});

  Future<void> write_headers(const ResponseStartLine& start_line, HTTPHeaders& headers,
                             std::string_view chunk = {}) override;
  Future<void> write(std::string_view chunk) override;
  Future<void> finish() override;
  std::string_view remote_ip() const override {
    return extra_ ? std::string_view(extra_->context.remote_ip) : views_.remote_ip;
  }
  std::string_view protocol() const override {
    return extra_ ? std::string_view(extra_->context.protocol) : views_.protocol;
  }
  // This request's view of where it came from; xheaders rewrites it per request.
  HTTP1ConnectionContext& context();

  // Runs cb once the response is finished and handed to the kernel (the access log).
  void set_finish_callback(Callback cb);
  // Runs cb if the connection closes before the response is finished (Tornado's
  // set_close_callback; RequestHandler.on_connection_close comes from here). An empty cb
  // removes it (what it holds is released).
  void set_close_callback(Callback cb) override;
  // Client: runs cb (which writes the body and finishes the request) when a 100 Continue
  // arrives, for a request sent with Expect: 100-continue and read_response called before
  // its body was written. Without a 100 the body is never sent and the connection closes.
  void set_continue_callback(std::function<Future<void>()> cb) {
    if (!extra_) extra_ = std::make_unique<Extra>();
    extra_->continue_callback = std::move(cb);
  }
  // Per-request overrides, from headers_received (for a streaming handler's prepare()).
  void set_body_timeout(double seconds) { body_timeout_ = seconds; }
  void set_max_body_size(std::size_t bytes) { max_body_size_ = bytes; }
  // Closes the stream.
  void close();
  // Server: the connection ends after this response (with Connection: close when the
  // response head is still to be written). For graceful shutdown.
  void close_after_response() {
    close_requested_ = true;
    disconnect_on_finish_ = true;
  }
  // Server: no byte of a request has come yet (an idle keep-alive connection).
  bool awaiting_request() const;
  // Hands the stream (and the bytes read past this request's head) to the caller; the
  // connection stops reading and writing. For protocol upgrades (WebSocket).
  std::shared_ptr<IOStream> detach(std::string* unread = nullptr) override;

  const std::shared_ptr<IOStream>& stream() const { return stream_; }
  // The response's status code once write_headers ran, else 0 (for the access log).
  int response_code() const { return response_code_; }
  bool closed() const override { return !stream_ || stream_->closed(); }
  bool detached() const { return detached_; }

  // For HTTP1ServerConnection: the stream closed.
  void on_stream_closed();

 private:
  // Calls read_request itself: read_response would also name the client's reader, and link
  // it into every server.
  friend class HTTP1ServerConnection;
  bool head_ready(std::size_t& room);
  Future<bool> read_request(HTTPMessageDelegate& delegate);
  // For HTTP1ServerConnection: the request, served at once when its head is here and nothing
  // in it waits: the result. Otherwise nothing; `rest` then resolves to the result, or, left
  // unset, says that more of the head has to come first.
  std::optional<bool> read_request_now(HTTPMessageDelegate& delegate,
                                       std::optional<Future<bool>>& rest);
  std::optional<bool> serve_head(HTTPMessageDelegate& delegate, std::optional<Future<bool>>& rest);
  Future<bool> read_rest(HTTPMessageDelegate& delegate, std::optional<Future<void>> received,
                         http1connection::Framing framing, bool expect_continue, bool answered);
  bool request_end();
  Future<bool> fail_request(HTTPMessageDelegate& delegate, bool delegate_active,
                            std::exception_ptr failure);
  Future<bool> read_client_response(HTTPMessageDelegate& delegate);
  Future<void> read_fixed_body(std::uint64_t length, HTTPMessageDelegate& delegate);
  Future<void> read_body_until_close(HTTPMessageDelegate& delegate);
  Future<void> read_chunked_body(HTTPMessageDelegate& delegate);
  Future<void> deliver(HTTPMessageDelegate& delegate, std::string_view chunk);
  void arm_timeout(double seconds, const char* what);
  void disarm_timeout();
  // The phases of read_request around the delegate: what the request head means for the
  // connection (keep-alive, HEAD, 100-continue) and its body's framing; after a failure, the
  // log line and the error response to send (empty: none).
  http1connection::Framing start_request(const RequestStartLine& start_line,
                                         const HTTPHeaders& headers, bool& expect_continue);
  std::string read_failed(const std::exception_ptr& failure);
  void fail_output(const std::string& why);
  // Takes n body bytes off the declared Content-Length; fail_output when they overrun it.
  void count_body_bytes(std::size_t n);
  char* put_fields(char* p, const HTTPHeaders& headers);
  void append_fields(std::string& out, const HTTPHeaders& headers);
  void append_chunk(std::string& out, std::string_view chunk) const;
  Future<void> send(std::string data);
  Future<void> send_view(std::string_view data);  // the stream copies what it cannot write now
  void resolve_finish();

  std::shared_ptr<IOStream> stream_;
  HTTP1ConnectionParameters params_;
  std::shared_ptr<http1connection::ReadBuffer> buffer_;
  // What a server's request rarely needs, made on first use: a client's connection makes it
  // at once (its request line and 100-continue callback live here), a server's when context()
  // is asked for. Left out of every server request, whose construction and destruction then
  // skip three strings, a std::function and the context's two.
  struct Extra {
    static void* operator new(std::size_t n) { return detail::recycle_allocate(n); }
    static void operator delete(void* p, std::size_t n) noexcept {
      detail::recycle_deallocate(p, n);
    }
    HTTP1ConnectionContext context;
    RequestStartLine request_start_line;              // the client's request
    std::function<Future<void>()> continue_callback;  // client: Expect: 100-continue
  };
  std::unique_ptr<Extra> extra_;
  ContextViews views_;  // a server's context until context() copies it into extra_
  double body_timeout_;
  std::size_t max_body_size_;

  // What the response needs of the request: flags rather than a copy of its method and
  // version (two string copies on every request).
  bool request_started_ = false;     // server: a request head has been read
  bool request_http11_ = false;      // its version is HTTP/1.1
  bool request_http10_ = false;      // its version is HTTP/1.0
  bool request_keep_alive_ = false;  // HTTP/1.0 asked for keep-alive
  bool disconnect_on_finish_ = false;
  bool close_requested_ = false;  // close_after_response()
  bool read_finished_ = false;
  bool write_started_ = false;
  bool write_finished_ = false;
  bool chunking_output_ = false;
  bool head_request_ = false;
  bool is_client_ = false;
  bool detached_ = false;
  int response_code_ = 0;
  std::optional<std::uint64_t> expected_content_remaining_;
  bool flushed_ = false;                        // finished, and every byte handed to the kernel
  std::optional<Future<void>> last_write_;      // the newest write; none before write_headers
  std::optional<Promise<void>> finish_waiter_;  // read_response waits on it
  std::unique_ptr<Callback> close_callback_;
  Callback finish_callback_;  // inline: set for every request of the callback form
  Timeout timeout_;
  const char* timed_out_ = nullptr;  // what the fired timeout was waiting for
  std::size_t head_scanned_ = 0;
  std::size_t head_length_ = 0;
  std::size_t blank_skipped_ = 0;
};

// The keep-alive request loop over one stream (Tornado's HTTP1ServerConnection).
class HTTP1ServerConnection : public std::enable_shared_from_this<HTTP1ServerConnection> {
 public:
  HTTP1ServerConnection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params = {},
                        HTTP1ConnectionContext context = {});
  // With settings shared by the connections of one server.
  HTTP1ServerConnection(std::shared_ptr<IOStream> stream,
                        std::shared_ptr<const HTTP1ServerSettings> settings, std::string remote_ip);
  // HTTPServer's form: an IOStream over the accepted, non-blocking socket `fd` and its
  // connection in one allocation (one heap chunk and one control block, not two of each:
  // bench/README.md, "Memory per idle connection"). The connection's shared_ptr shares the
  // stream's control block, and the stream's shared_from_this works as for a created stream.
  // Owns `fd` once it returns; when it throws, the caller still owns it.
  static std::shared_ptr<HTTP1ServerConnection> create(
      int fd, const IOStreamOptions& options, std::shared_ptr<const HTTP1ServerSettings> settings,
      std::string remote_ip);
  ~HTTP1ServerConnection();

  // Serves requests until the peer leaves or close() is called; the Future resolves then.
  // `delegate` must outlive the connection.
  Future<void> start_serving(HTTPServerConnectionDelegate& delegate);
  // The same, with no Future: HTTPServer's form, so that an idle connection holds no Future
  // state (bench/README.md, "Memory per idle connection"); ask served() when one is needed.
  void start(HTTPServerConnectionDelegate& delegate);
  // Resolves when serving ends (already resolved if it has).
  Future<void> served();
  // Serving has ended (the peer left, close(), or a detach).
  bool ended() const { return ended_; }
  // Closes the stream; the serving Future resolves soon after.
  void close();
  // The delegate is going away: make no more calls to it (HTTPServer's destructor).
  void forget_delegate() { delegate_ = nullptr; }
  // Graceful shutdown: closes the connection now if it is between requests (nothing of a
  // request has arrived), else once the response in progress is finished, which then
  // carries Connection: close. Pipelined requests behind it are not read.
  void drain();

  HTTP1ConnectionContext context() const { return {remote_ip_, settings_->protocol}; }
  std::shared_ptr<IOStream> stream() const;

 private:
  friend class http1connection::HeadDeadlines;
  struct Block;  // create()'s allocation: the stream with the connection inside

 public:
  struct InBlockToken {
    explicit InBlockToken() = default;
  };
  // For create() only: the connection inside `stream`'s own object.
  HTTP1ServerConnection(InBlockToken, IOStream& stream,
                        std::shared_ptr<const HTTP1ServerSettings> settings, std::string remote_ip);

  // This connection's shared_ptr: its own control block's (std::make_shared), or, in create()'s
  // allocation, the stream's (these hide enable_shared_from_this's, which know only the first).
  std::shared_ptr<HTTP1ServerConnection> shared_from_this() {
    if (in_block_) return {stream_->shared_from_this(), this};
    return enable_shared_from_this::shared_from_this();
  }
  std::shared_ptr<const HTTP1ServerConnection> shared_from_this() const {
    if (in_block_) return {stream_->shared_from_this(), this};
    return enable_shared_from_this::shared_from_this();
  }
  std::weak_ptr<HTTP1ServerConnection> weak_from_this() { return shared_from_this(); }

 private:
  struct ForgetCurrent;
  void wait_for_request();
  void serve_now(std::shared_ptr<HTTP1Connection> conn = nullptr,
                 std::unique_ptr<HTTPMessageDelegate> message = nullptr);
  enum class ServeWait { kBytes, kHead, kRest, kMoment };
  http1connection::ServeLoop serve(ServeWait wait, std::shared_ptr<HTTP1Connection> conn = nullptr,
                                   std::unique_ptr<HTTPMessageDelegate> message = nullptr,
                                   std::optional<Future<bool>> rest = std::nullopt);
  std::unique_ptr<HTTPMessageDelegate> next_request(
      const std::shared_ptr<HTTP1ServerConnection>& self, std::shared_ptr<HTTP1Connection>& conn);
  bool serves_on(const HTTP1Connection& conn, bool again, bool& detached);
  void end_serving(bool detached);
  // The deadline for the head awaited has passed (HeadDeadlines): closes the stream.
  void head_deadline_passed();
  // The most one read of a head asks for: a byte past max_header_size tells a head too long.
  std::size_t head_read_size() const {
    return std::min(settings_->params.max_header_size + 1, http1connection::kHeadReadSize);
  }

  // In create()'s allocation, a pointer that owns nothing (the stream holds this connection,
  // not the other way round); stream() and the requests get an owning one.
  std::shared_ptr<IOStream> stream_;
  std::shared_ptr<const HTTP1ServerSettings> settings_;
  std::string remote_ip_;
  // Held by value, not in a block of its own (one malloc header and control block fewer per
  // idle connection); the request's HTTP1Connection and the head timer get it through an
  // aliasing shared_ptr, which keeps this connection alive.
  http1connection::ReadBuffer buffer_;
  // The request being served: serve() holds it (its `conn`) for as long as this names it, and
  // clears this before letting it go. A plain pointer, where a weak one cost 8 bytes more per
  // idle connection.
  HTTP1Connection* current_ = nullptr;
  HTTPServerConnectionDelegate* delegate_ = nullptr;
  bool draining_ = false;
  bool ended_ = false;
  bool in_block_ = false;  // made by create(): lives inside its stream's object
  bool listed_ = false;    // on the server's HeadDeadlines waiting list
  bool other_ = false;     // on its other list
  // served()'s Future, made only when asked for (out of line: 8 bytes, not 16, in every
  // connection, which then fits a 208-byte heap chunk with its control block, not 224).
  std::unique_ptr<Promise<void>> done_;
  // The neighbours on the list it is on; the deadline is buffer_.head_deadline.
  HTTP1ServerConnection* deadline_prev_ = nullptr;
  HTTP1ServerConnection* deadline_next_ = nullptr;
};

template <class F>
void http1connection::HeadDeadlines::for_each(F&& f) const {
  for (HTTP1ServerConnection* c = first_; c; c = c->deadline_next_) f(*c);
  for (HTTP1ServerConnection* c = others_; c; c = c->deadline_next_) f(*c);
}

}  // namespace tornado
