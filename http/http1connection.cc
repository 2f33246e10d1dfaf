// http/http1connection.cc: HTTP1Connection, one request and its response.
//
// Mirrors:  tornado/http1connection.py (HTTP1Connection._read_message, write_headers, write,
//           finish, _can_keep_alive).
// In loop:  HTTP1ServerConnection::serve (http1connection_server.cc) makes one per request
//           and co_awaits read_response, which reads the head (in pieces as they arrive),
//           hands it to the application's delegate, feeds it the body, and then waits until
//           the application has finished its response and the bytes are handed to the kernel.
//           Only then is the next request parsed, so pipelined requests are answered in order
//           and one slow response holds back only its own connection.
// Rules:    the application never sees a request whose head or framing is bad: it gets 400,
//           431 or 413 from here, with Connection: close, and the connection ends. Timeouts
//           close the stream, which fails the pending read; `timed_out_` says why.
// Thread:   the loop thread of the stream.
#include "tornado/http/http1connection.h"

#include <algorithm>
#include <cstring>

#include "tornado/gen/gen.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

using http1connection::ReadBuffer;

namespace {

// A response line or header that would let the application split the response: CR, LF or
// NUL; a header name must not hold a colon either. put_fields looks for them eight bytes at a
// time (kLineBreakFlags, kNameFlags: a word with a byte below 14, or a colon), and only a
// name or value it flags is looked at byte by byte here (a value may hold a tab).
constexpr auto kLineBreakFlags = [](std::uint64_t x) { return util::bytes_below(x, 14); };
constexpr auto kNameFlags = [](std::uint64_t x) {
  return util::bytes_below(x, 14) | util::bytes_below(x ^ (util::kByteOnes * ':'), 1);
};

bool has_line_break(std::string_view s) {
  for (const char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return true;
  return false;
}

bool has_line_break_or_colon(std::string_view s) {
  for (const char c : s)
    if (c == '\r' || c == '\n' || c == '\0' || c == ':') return true;
  return false;
}

// s copied to p; returns the end. An empty s may have a null data(), which memcpy must not
// be given, even for no bytes (a HEAD response's dropped body).
char* copy_to(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// The header block's size, with the blank line after it.
std::size_t fields_size(const HTTPHeaders& headers) {
  std::size_t size = 2;
  for (const auto& f : headers.get_all()) size += f.name.size() + f.value.size() + 4;
  return size;
}

// write_headers's buffer for a head past its stack buffer: a per-thread string that keeps its
// capacity (up to kHeadReadSize: a large first chunk must not stay on the thread).
std::string& large_head_buffer() {
  thread_local std::string scratch;
  return scratch;
}

std::string error_response(int code) {
  std::string out = "HTTP/1.1 ";
  out += std::to_string(code);
  out += ' ';
  out += httputil::reason_phrase(code);
  out += "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  return out;
}

// What a write to a connection the peer has left returns. The peer leaving is normal, so, as
// Tornado's write() does with future.exception(), the error is marked retrieved: a handler
// that drops the Future (as auto-finish does) logs nothing, one that co_awaits it still learns
// the client is gone (web_connection_close_test).
Future<void> peer_gone() {
  Future<void> f = make_failed_future<void>(StreamClosedError());
  (void)f.exception();
  return f;
}

void log_uncaught(const char* where, const std::exception_ptr& e) {
  log::app_log.error("Uncaught exception in %s: %s", where, util::exception_message(e).c_str());
}

}  // namespace

namespace http1connection {

Future<std::size_t> read_some(IOStream& stream, ReadBuffer& buffer, std::size_t want, bool whole) {
  Future<std::size_t> f = stream.read_into(buffer.space(want, whole), true);
  f.silence_exception();
  return f;
}

}  // namespace http1connection

using http1connection::kHeadReadSize;
using http1connection::read_some;

// ---------------------------------------------------------------- HTTP1Connection

HTTP1Connection::HTTP1Connection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params,
                                 std::shared_ptr<ReadBuffer> buffer,
                                 HTTP1ConnectionContext&& context)
    : HTTP1Connection(std::move(stream), params, std::move(buffer), ContextViews{}) {
  extra_ = std::make_unique<Extra>();
  extra_->context = std::move(context);
}

HTTP1Connection::HTTP1Connection(std::shared_ptr<IOStream> stream, HTTP1ConnectionParameters params,
                                 std::shared_ptr<ReadBuffer> buffer, ContextViews context)
    : stream_(std::move(stream)),
      params_(params),
      buffer_(std::move(buffer)),
      views_(context),
      body_timeout_(params.body_timeout),
      max_body_size_(params.max_body_size ? params.max_body_size
                                          : stream_->options().max_buffer_size) {
  if (params_.decompress)
    throw std::invalid_argument(
        "HTTP1ConnectionParameters::decompress: gzip needs zlib, which this library does not "
        "use");
}

HTTP1Connection::~HTTP1Connection() { disarm_timeout(); }

HTTP1ConnectionContext& HTTP1Connection::context() {
  if (!extra_) {
    extra_ = std::make_unique<Extra>();
    extra_->context.remote_ip.assign(views_.remote_ip);
    extra_->context.protocol.assign(views_.protocol);
  }
  return extra_->context;
}

void HTTP1Connection::set_close_callback(Callback cb) {
  close_callback_ = cb ? std::make_unique<Callback>(std::move(cb)) : nullptr;
}

void HTTP1Connection::set_finish_callback(Callback cb) { finish_callback_ = std::move(cb); }

void HTTP1Connection::close() {
  if (stream_ && !detached_) stream_->close();
}

std::shared_ptr<IOStream> HTTP1Connection::detach(std::string* unread) {
  detached_ = true;
  disarm_timeout();
  if (!is_client_) http1connection::cancel_head_timer(*buffer_, stream_->io_loop());
  close_callback_.reset();
  if (unread) {
    unread->assign(buffer_->view());
    buffer_->consume(buffer_->size());
  }
  // A request loop waiting for the response to be flushed learns that it never will be.
  if (finish_waiter_) {
    auto w = std::move(*finish_waiter_);
    finish_waiter_.reset();
    w.set_result();
  }
  return stream_;
}

void HTTP1Connection::on_stream_closed() {
  disarm_timeout();
  // Released whether or not it runs: it may hold what holds this connection.
  if (auto cb = std::move(close_callback_); cb && !flushed_) (*cb)();
  if (finish_waiter_) {
    auto w = std::move(*finish_waiter_);
    finish_waiter_.reset();
    w.set_result();
  }
}

void HTTP1Connection::arm_timeout(double seconds, const char* what) {
  disarm_timeout();
  std::weak_ptr<HTTP1Connection> weak = weak_from_this();
  timeout_ = stream_->io_loop().call_later(seconds, [weak, what] {
    if (auto self = weak.lock()) {
      self->timeout_ = Timeout{};
      self->timed_out_ = what;
      self->close();
    }
  });
}

void HTTP1Connection::disarm_timeout() {
  if (timeout_) stream_->io_loop().remove_timeout(timeout_);
  timeout_ = Timeout{};
}

// Whether a complete head is at the front of the buffer (its length then in head_length_);
// otherwise how much more may be read is in `room`. Throws HTTPInputError (431) past
// max_header_size. Leading blank lines are dropped on the way (RFC 9112 §2.2).
bool HTTP1Connection::head_ready(std::size_t& room) {
  ReadBuffer& b = *buffer_;
  if (head_scanned_ == 0) {
    const std::size_t blank = http1connection::leading_blank_lines(b.view());
    if (blank) {
      blank_skipped_ += blank;
      b.consume(blank);
      if (blank_skipped_ > params_.max_header_size)
        throw HTTPInputError("too many blank lines before the request line");
    }
  }
  const std::string_view data = b.view();
  const std::size_t end = http1connection::find_head_end(data, head_scanned_);
  if (end != std::string_view::npos) {
    if (end > params_.max_header_size)
      throw HTTPInputError("request head larger than max_header_size", 431);
    head_length_ = end;
    head_scanned_ = 0;
    return true;
  }
  if (data.size() > params_.max_header_size)
    throw HTTPInputError("request head larger than max_header_size", 431);
  // Only a terminator spanning old and new bytes needs the last two bytes rescanned.
  head_scanned_ = data.size() >= 2 ? data.size() - 2 : 0;
  room = std::min(params_.max_header_size + 1 - data.size(), kHeadReadSize);
  return false;
}

Future<void> HTTP1Connection::read_fixed_body(std::uint64_t length, HTTPMessageDelegate& delegate) {
  std::uint64_t remaining = length;
  while (remaining > 0) {
    if (buffer_->size() == 0)
      buffer_->commit(co_await read_some(
          *stream_, *buffer_,
          std::max<std::size_t>(
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining, params_.chunk_size)), 1),
          true));
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>({remaining, buffer_->size(), params_.chunk_size}));
    std::optional<Future<void>> f = delegate.data_received(buffer_->view().substr(0, n));
    buffer_->consume(n);
    remaining -= n;
    if (f) co_await *f;
  }
}

Future<void> HTTP1Connection::read_chunked_body(HTTPMessageDelegate& delegate) {
  http1connection::ChunkedDecoder decoder(params_.max_header_size);
  while (!decoder.done()) {
    if (buffer_->size() == 0)
      buffer_->commit(co_await read_some(*stream_, *buffer_,
                                         std::max<std::size_t>(params_.chunk_size, 1), true));
    const auto step = decoder.feed(buffer_->view());
    // Checked against what the sender declared, not what has come: a chunk-size line
    // promising 1 GiB is refused at once instead of waiting for bytes that may never come
    // (httpserver_test and httpclient_pool_test: "a declared chunk size past max_body_size").
    if (decoder.declared_size() > max_body_size_)
      throw HTTPInputError("chunked body too large", 413);
    // Pieces of at most chunk_size, keeping the sender's chunk boundaries. The views stay
    // valid across the awaits: only this coroutine changes the buffer.
    std::string_view data = step.data;
    while (!data.empty()) {
      const std::size_t n = std::min(data.size(), params_.chunk_size);
      std::optional<Future<void>> f = delegate.data_received(data.substr(0, n));
      data.remove_prefix(n);
      if (f) co_await *f;
    }
    buffer_->consume(step.consumed);
  }
}

Future<bool> HTTP1Connection::read_response(HTTPMessageDelegate& delegate) {
  return is_client_ ? read_client_response(delegate) : read_request(delegate);
}

// The server's request, from its head to its end (Tornado's _read_message for a request):
// the head read in pieces as they arrive (inline rather than in a helper coroutine: this runs
// for every request whose head does not come in one go), then serve_head. Resolves to whether
// the connection can take another request.
Future<bool> HTTP1Connection::read_request(HTTPMessageDelegate& delegate) {
  const std::shared_ptr<HTTP1Connection> self = shared_from_this();
  std::exception_ptr failure;
  try {
    // The deadline may be running already: HTTP1ServerConnection::serve waited for the first
    // bytes under it.
    if (params_.header_timeout > 0 && buffer_->head_deadline == 0)
      http1connection::await_head(buffer_, stream_, params_.header_timeout);
    for (std::size_t room = 0; !head_ready(room);)
      buffer_->commit(co_await read_some(*stream_, *buffer_, room));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_return co_await fail_request(delegate, false, failure);
  std::optional<Future<bool>> rest;
  if (const std::optional<bool> again = serve_head(delegate, rest)) co_return *again;
  co_return co_await *rest;
}

// read_request without a coroutine, for HTTP1ServerConnection, when its head is here (nearly
// every request of a keep-alive connection): the request is then served at once when nothing
// in it waits. When the head is not all here, nothing is returned and `rest` is left unset:
// the server reads more (head_ready tells how much may come) and calls this again.
std::optional<bool> HTTP1Connection::read_request_now(HTTPMessageDelegate& delegate,
                                                      std::optional<Future<bool>>& rest) {
  try {
    std::size_t room = 0;
    if (!head_ready(room)) return std::nullopt;
  } catch (...) {
    rest = fail_request(delegate, false, std::current_exception());
    return std::nullopt;
  }
  return serve_head(delegate, rest);
}

// The request whose head is at the front of the buffer, from its parsing to its end. A request
// with no body, whose delegate answers without a Future and whose response the kernel takes
// at once, is served here, with no coroutine, no frame and no Future: the result is returned.
// Otherwise `rest` is set to the part that waits (read_rest or fail_request), and nothing is
// returned.
std::optional<bool> HTTP1Connection::serve_head(HTTPMessageDelegate& delegate,
                                                std::optional<Future<bool>>& rest) {
  bool delegate_active = false;
  try {
    buffer_->head_deadline = 0;
    HTTPHeaders headers;
    RequestStartLine start_line =
        http1connection::parse_request_head(buffer_->view().substr(0, head_length_), headers);
    buffer_->consume(head_length_);
    bool expect_continue = false;
    const http1connection::Framing framing = start_request(start_line, headers, expect_continue);
    delegate_active = true;
    std::optional<Future<void>> received =
        delegate.headers_received(std::move(start_line), std::move(headers));
    if (received || framing.chunked || framing.content_length > 0) {
      rest = read_rest(delegate, std::move(received), framing, expect_continue, false);
      return std::nullopt;
    }
    if (detached_) return false;
    read_finished_ = true;
    delegate_active = false;
    if (!closed()) delegate.finish();
    if (!flushed_ && !closed() && !detached_) {
      rest = read_rest(delegate, std::nullopt, framing, false, true);
      return std::nullopt;
    }
    return request_end();
  } catch (...) {
    rest = fail_request(delegate, delegate_active, std::current_exception());
  }
  return std::nullopt;
}

// serve_head's part that waits: the delegate's Future from headers_received, the body, then
// the response's last byte handed to the kernel; only that last wait when `answered` (the
// delegate has finished).
Future<bool> HTTP1Connection::read_rest(HTTPMessageDelegate& delegate,
                                        std::optional<Future<void>> received,
                                        http1connection::Framing framing, bool expect_continue,
                                        bool answered) {
  const std::shared_ptr<HTTP1Connection> self = shared_from_this();
  bool delegate_active = !answered;
  std::exception_ptr failure;
  try {
    if (!answered) {
      if (received) co_await *received;
      if (detached_) co_return false;
      if ((framing.chunked || framing.content_length > 0) && !closed()) {
        // The client waits for this before sending the body (RFC 9110 §10.1.1); not if the
        // application has already answered.
        if (expect_continue && !write_started_) (void)send("HTTP/1.1 100 Continue\r\n\r\n");
        if (body_timeout_ > 0) arm_timeout(body_timeout_, "Timeout reading body");
        if (framing.chunked) {
          co_await read_chunked_body(delegate);
        } else {
          if (framing.content_length > max_body_size_)
            throw HTTPInputError("Content-Length too long", 413);
          co_await read_fixed_body(framing.content_length, delegate);
        }
        disarm_timeout();
      }
      read_finished_ = true;
      delegate_active = false;
      if (!closed()) delegate.finish();
    }
    if (!flushed_ && !closed() && !detached_) {
      Future<void> wait;
      finish_waiter_.emplace(wait);
      co_await wait;
    }
    co_return request_end();
  } catch (...) {
    failure = std::current_exception();
  }
  co_return co_await fail_request(delegate, delegate_active, failure);
}

// Whether the connection can take another request once this one has ended.
bool HTTP1Connection::request_end() {
  // The application took the stream (a WebSocket upgrade): it is no longer HTTP.
  if (detached_) return false;
  if (disconnect_on_finish_ || closed()) {
    close();
    return false;
  }
  return true;
}

// A request that failed (bad input, the peer gone, a timeout, an exception): the log line and
// the error response read_failed gives, then the stream closed and the delegate told.
Future<bool> HTTP1Connection::fail_request(HTTPMessageDelegate& delegate, bool delegate_active,
                                           std::exception_ptr failure) {
  const std::shared_ptr<HTTP1Connection> self = shared_from_this();
  disarm_timeout();
  if (std::string response = read_failed(failure); !response.empty()) {
    try {
      co_await send(std::move(response));
    } catch (const StreamClosedError&) {
    }
  }
  close();
  if (delegate_active) delegate.on_connection_close();
  co_return false;
}

http1connection::Framing HTTP1Connection::start_request(const RequestStartLine& start_line,
                                                        const HTTPHeaders& headers,
                                                        bool& expect_continue) {
  const std::string_view version = start_line.version;
  request_started_ = true;
  request_http11_ = version == "HTTP/1.1";
  request_http10_ = version == "HTTP/1.0";
  head_request_ = std::string_view(start_line.method) == "HEAD";
  const std::string* connection_header = headers.find("Connection");
  const bool http11 = request_http11_;
  request_keep_alive_ = !http11 && http1connection::has_token(connection_header, "keep-alive");
  // Tornado's _can_keep_alive.
  bool keep_alive;
  if (params_.no_keep_alive) {
    keep_alive = false;
  } else if (http11) {
    keep_alive = !http1connection::has_token(connection_header, "close");
  } else {
    keep_alive = request_keep_alive_ && (headers.contains("Content-Length") ||
                                         start_line.method == "GET" || start_line.method == "HEAD");
  }
  disconnect_on_finish_ = !keep_alive || close_requested_;
  const std::string* expect = headers.find("Expect");
  expect_continue = http11 && expect && http1connection::has_token(expect, "100-continue");
  // The size limit is checked after headers_received: the application may raise it for this
  // request (set_max_body_size, as a streaming handler's prepare() does).
  return http1connection::request_framing(start_line, headers, UINT64_MAX);
}

std::string HTTP1Connection::read_failed(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const HTTPInputError& e) {
    log::gen_log.info("Malformed HTTP message from %s: %s", std::string(remote_ip()).c_str(),
                      e.what());
    if (!write_started_ && !closed()) {
      write_started_ = true;
      response_code_ = e.code();
      return error_response(e.code());
    }
  } catch (const StreamClosedError&) {
    // The peer left (normal: nothing logged), or a timeout closed the stream.
    if (timed_out_) log::gen_log.info("%s from %s", timed_out_, std::string(remote_ip()).c_str());
  } catch (...) {
    log_uncaught("HTTP1Connection", failure);
  }
  return {};
}

// ---------------------------------------------------------------- writing

Future<void> HTTP1Connection::send(std::string data) {
  last_write_ = stream_->write(std::move(data));
  // A stream write fails only when the peer goes, which is normal: as peer_gone(), its error
  // is marked retrieved before it can happen (Tornado's _on_write_complete looks at every
  // write's exception), so a response still queued when the client resets logs nothing
  // (web_connection_close_test). A caller that co_awaits the write still gets the error.
  last_write_->silence_exception();
  return *last_write_;
}

Future<void> HTTP1Connection::send_view(std::string_view data) {
  last_write_ = stream_->write(data);
  last_write_->silence_exception();  // as in send()
  return *last_write_;
}

void HTTP1Connection::count_body_bytes(std::size_t n) {
  if (!expected_content_remaining_) return;
  if (n > *expected_content_remaining_) fail_output("Tried to write more data than Content-Length");
  *expected_content_remaining_ -= n;
}

void HTTP1Connection::fail_output(const std::string& why) {
  close();
  throw HTTPOutputError(why);
}

// The header block and the blank line after it, written at p (fields_size bytes); returns
// the end. A name or value holding CR, LF or NUL (or a name holding a colon) would let the
// application forge headers: refused (fail_output), never sent.
char* HTTP1Connection::put_fields(char* p, const HTTPHeaders& headers) {
  for (const auto& f : headers.get_all()) {
    // Copied and checked in the same words; a name or value flagged (a tab in a value is
    // allowed) is then looked at byte by byte.
    char* const value_at = p + f.name.size() + 2;
    const bool name_clean = util::copy_words_clean(p, f.name, kNameFlags);
    const bool value_clean = util::copy_words_clean(value_at, f.value, kLineBreakFlags);
    if (!(name_clean && value_clean) &&
        (has_line_break_or_colon(f.name) || has_line_break(f.value)))
      fail_output("Newline in header: " + f.name);
    p[f.name.size()] = ':';
    p[f.name.size() + 1] = ' ';
    p = value_at + f.value.size();
    *p++ = '\r';
    *p++ = '\n';
  }
  p[0] = '\r';
  p[1] = '\n';
  return p + 2;
}

void HTTP1Connection::append_fields(std::string& out, const HTTPHeaders& headers) {
  // The block's size first: the string grows once and each piece is copied straight in.
  const std::size_t at = out.size();
  out.resize(at + fields_size(headers));
  try {
    put_fields(out.data() + at, headers);
  } catch (...) {
    out.resize(at);
    throw;
  }
}

void HTTP1Connection::append_chunk(std::string& out, std::string_view chunk) const {
  if (!chunking_output_) {
    out.append(chunk);
    return;
  }
  if (chunk.empty()) return;  // an empty chunk would end the body
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  out.append(size, static_cast<std::size_t>(n));
  out.append(chunk);
  out.append("\r\n");
}

// The response head. Started even when nothing can be sent: the application's later write()
// and finish() are then dropped quietly, not refused as coming "before write_headers". One
// pass over the fields finds Content-Length and Transfer-Encoding (names are stored
// normalized, so plain comparison finds them); without a length or chunking, the body ends
// when the connection does. The version is taken as a view on both sides of its ?: (with a
// char array on one side it would make a temporary string); the application's reason phrase
// is checked, the table's are known to be clean. The head, with the first chunk (and its size
// line when chunked), is written once, in its final size, into a buffer on the stack when it
// fits (nearly every response), else into a per-thread string that keeps its capacity, and
// handed to the stream as a view: the kernel takes it whole nearly always, and then nothing
// is allocated or copied again (the stream copies only what the kernel leaves).
Future<void> HTTP1Connection::write_headers(const ResponseStartLine& start_line,
                                            HTTPHeaders& headers, std::string_view chunk) {
  if (write_started_) throw HTTPOutputError("write_headers called twice");
  write_started_ = true;
  response_code_ = start_line.code;
  if (detached_ || closed()) return peer_gone();
  const int code = start_line.code;
  const bool bodiless = head_request_ || code == 204 || code == 304 || (code >= 100 && code < 200);
  const std::string* cl = nullptr;
  bool has_te = false;
  for (const auto& f : headers.get_all()) {
    const std::string_view name = f.name;  // compared by length first, then bytes
    if (!cl && name == "Content-Length") cl = &f.value;
    if (name == "Transfer-Encoding") has_te = true;
  }
  chunking_output_ = request_http11_ && !bodiless && !cl && !has_te;
  if (code == 204 || code == 304 || (code >= 100 && code < 200)) {
    expected_content_remaining_ = 0;
  } else if (cl) {
    const std::optional<std::uint64_t> n = http1connection::parse_int(*cl);
    if (!n) fail_output("Only integer Content-Length is allowed: " + *cl);
    expected_content_remaining_ = head_request_ ? 0 : *n;
  } else if (head_request_) {
    expected_content_remaining_ = 0;
  } else {
    expected_content_remaining_.reset();
  }
  if (!bodiless && !chunking_output_ && !expected_content_remaining_) disconnect_on_finish_ = true;
  if (request_http11_ && disconnect_on_finish_) {
    headers.set("Connection", "close");
  } else if (request_http10_ && request_keep_alive_ && !disconnect_on_finish_) {
    headers.set("Connection", "Keep-Alive");
  }
  if (chunking_output_) headers.set("Transfer-Encoding", "chunked");
  if (code < 100 || code > 999) fail_output("Invalid status code " + std::to_string(code));
  const std::string_view version = start_line.version.empty()
                                       ? std::string_view("HTTP/1.1")
                                       : std::string_view(start_line.version);
  const std::string_view reason =
      start_line.reason.empty() ? httputil::reason_phrase(code) : start_line.reason;
  if (!start_line.reason.empty() && has_line_break(reason))
    fail_output("Newline in the reason phrase");
  if (!chunk.empty()) {
    if (head_request_) {
      chunk = {};
    } else {
      count_body_bytes(chunk.size());
    }
  }
  char size_line[20];
  std::size_t size_line_length = 0;
  if (chunking_output_ && !chunk.empty())
    size_line_length = static_cast<std::size_t>(
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size()));
  const std::size_t size = version.size() + 5 + reason.size() + 2 + fields_size(headers) +
                           size_line_length + chunk.size() + (size_line_length ? 2 : 0);
  char stack[1024];
  std::string* const large = size <= sizeof stack ? nullptr : &large_head_buffer();
  if (large) large->resize(size);
  char* const begin = large ? large->data() : stack;
  char* p = copy_to(begin, version);
  const char status[5] = {' ', static_cast<char>('0' + code / 100),
                          static_cast<char>('0' + code / 10 % 10),
                          static_cast<char>('0' + code % 10), ' '};
  std::memcpy(p, status, sizeof status);
  p = copy_to(p + sizeof status, reason);
  *p++ = '\r';
  *p++ = '\n';
  p = put_fields(p, headers);
  if (size_line_length) p = copy_to(p, {size_line, size_line_length});
  p = copy_to(p, chunk);
  if (size_line_length) {
    *p++ = '\r';
    *p++ = '\n';
  }
  Future<void> sent = send_view({begin, size});
  if (large && large->capacity() > kHeadReadSize) std::string().swap(*large);
  return sent;
}
Future<void> HTTP1Connection::write(std::string_view chunk) {
  if (!write_started_) throw HTTPOutputError("write called before write_headers");
  if (write_finished_) throw HTTPOutputError("write called after finish");
  if (closed() || detached_) return peer_gone();
  if (head_request_ || chunk.empty()) return last_write_ ? *last_write_ : make_ready_future();
  count_body_bytes(chunk.size());
  std::string out;
  out.reserve(chunk.size() + (chunking_output_ ? 20 : 0));
  append_chunk(out, chunk);
  return send(std::move(out));
}

Future<void> HTTP1Connection::finish() {
  if (!write_started_) throw HTTPOutputError("finish called before write_headers");
  if (write_finished_) throw HTTPOutputError("finish called twice");
  write_finished_ = true;
  if (expected_content_remaining_ && *expected_content_remaining_ != 0 && !closed())
    fail_output("Tried to write " + std::to_string(*expected_content_remaining_) +
                " bytes less than Content-Length");
  if (chunking_output_ && !closed()) (void)send("0\r\n\r\n");
  // The request body was not read: the next request cannot be found after it.
  if (!read_finished_ && !is_client_) disconnect_on_finish_ = true;
  // No more data is coming: as Tornado does here, ask TCP to send what it holds back (Nagle)
  // now, and leave it so for the next response on this connection (it is set once). A
  // connection that closes after this response needs nothing: close(2) sends what is left
  // with the FIN at once. So a Connection: close request costs no setsockopt.
  if (!is_client_ && !disconnect_on_finish_ && !stream_->nodelay()) stream_->set_nodelay(true);
  const Future<void> done = last_write_ ? *last_write_ : make_ready_future();
  if (done.done()) {
    // The kernel took it all at once (the common case): no callback, no trip through the loop.
    resolve_finish();
    return done;
  }
  std::weak_ptr<HTTP1Connection> weak = weak_from_this();
  done.add_done_callback([weak](Future<void>&) {
    if (auto self = weak.lock()) self->resolve_finish();
  });
  return done;
}

void HTTP1Connection::resolve_finish() {
  if (flushed_) return;
  flushed_ = true;
  if (finish_callback_) {
    Callback cb = std::move(finish_callback_);
    finish_callback_ = Callback{};
    cb();
  }
  if (finish_waiter_) {
    auto w = std::move(*finish_waiter_);
    finish_waiter_.reset();
    w.set_result();
  }
}

}  // namespace tornado
