// http/http1connection_write.cc: HTTP1Connection's output: the response head (or, on a
// client connection, the request head), the body, chunked or not, and the end of the message.
//
// Mirrors:  tornado/http1connection.py (HTTP1Connection.write_headers, write, finish,
//           _format_chunk, _on_write_complete).
// In loop:  the application (or the web layer's flush) calls write_headers, write and finish
//           on the loop thread; each hands its bytes to the stream, which gives them to the
//           kernel at once when nothing is queued. finish resolves when they are all out.
// Rules:    a name or value holding CR, LF or NUL (a name holding a colon), a body longer or
//           shorter than its Content-Length, or a write after finish is an HTTPOutputError and
//           closes the connection: nothing malformed is sent.
// Thread:   the loop thread of the stream.
#include <cstdio>
#include <cstring>
#include <string>

#include "tornado/http/http1connection.h"
#include "tornado/reactor/util.h"

namespace tornado {

using http1connection::kHeadReadSize;

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

// What a write to a connection the peer has left returns. The peer leaving is normal, so, as
// Tornado's write() does with future.exception(), the error is marked retrieved: a handler
// that drops the Future (as auto-finish does) logs nothing, one that co_awaits it still learns
// the client is gone (web_connection_close_test).
Future<void> peer_gone() {
  Future<void> f = make_failed_future<void>(StreamClosedError());
  (void)f.exception();
  return f;
}

}  // namespace

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
