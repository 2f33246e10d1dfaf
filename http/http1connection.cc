// http/http1connection.cc: HTTP1Connection, one request and its response: the reading side
// (the head, the framing, the body, and what a bad request gets); the writing side is in
// http1connection_write.cc, the client's in http1connection_client.cc.
//
// Mirrors:  tornado/http1connection.py (HTTP1Connection._read_message, _can_keep_alive,
//           _read_fixed_body, _read_chunked_body).
// In loop:  HTTP1ServerConnection (http1connection_server.cc) makes one per request. When the
//           head is already buffered, read_request_now and serve_head parse it and hand it to
//           the application's delegate with plain calls; read_rest, a coroutine, feeds it the
//           body and waits until the application has finished its response and the bytes are
//           handed to the kernel. Only then is the next request parsed, so pipelined requests
//           are answered in order and one slow response holds back only its own connection.
// Rules:    the application never sees a request whose head or framing is bad: it gets 400,
//           431 or 413 from here, with Connection: close, and the connection ends. Timeouts
//           close the stream, which fails the pending read; `timed_out_` says why.
// Thread:   the loop thread of the stream.
#include "tornado/http/http1connection.h"

#include <algorithm>

#include "tornado/gen/gen.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

using http1connection::ReadBuffer;

namespace {

std::string error_response(int code) {
  std::string out = "HTTP/1.1 ";
  out += std::to_string(code);
  out += ' ';
  out += httputil::reason_phrase(code);
  out += "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  return out;
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

}  // namespace tornado
