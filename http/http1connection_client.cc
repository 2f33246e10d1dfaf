// http/http1connection_client.cc: the client half of HTTP1Connection: writing a request and
// reading its response.
//
// Mirrors:  tornado/http1connection.py with is_client=True (write_headers for a
//           RequestStartLine, _read_message reading a ResponseStartLine, _read_body_until_close).
// In loop:  the HTTP client (http/simple_httpclient) writes a request with write_headers and
//           finish, then co_awaits read_response. Interim 1xx responses are skipped; the body is
//           delimited as RFC 9112 §6.3 says (response_framing), and a response that says
//           nothing about its length ends when the server closes the connection.
// Errors:   a malformed response fails read_response with HTTPInputError and closes the
//           connection; the client never guesses where a body ends.
// Thread:   the loop thread of the stream.
#include "tornado/http/http1connection.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

using http1connection::ReadBuffer;

std::shared_ptr<HTTP1Connection> HTTP1Connection::client(std::shared_ptr<IOStream> stream,
                                                         HTTP1ConnectionParameters params) {
  auto conn =
      std::make_shared<HTTP1Connection>(std::move(stream), params, std::make_shared<ReadBuffer>());
  conn->is_client_ = true;
  return conn;
}

Future<void> HTTP1Connection::write_headers(const RequestStartLine& start_line,
                                            HTTPHeaders& headers, std::string_view chunk) {
  if (!is_client_) throw HTTPOutputError("a server connection writes responses, not requests");
  if (write_started_) throw HTTPOutputError("write_headers called twice");
  if (detached_ || closed()) {
    return make_failed_future<void>(StreamClosedError());
  }
  write_started_ = true;
  extra_->request_start_line.method = start_line.method;
  extra_->request_start_line.version = start_line.version.empty() ? "HTTP/1.1" : start_line.version;
  request_http11_ = extra_->request_start_line.version == "HTTP/1.1";
  request_http10_ = extra_->request_start_line.version == "HTTP/1.0";
  const std::string* cl = headers.find("Content-Length");
  const bool has_te = headers.contains("Transfer-Encoding");
  chunking_output_ = extra_->request_start_line.version == "HTTP/1.1" &&
                     httputil::body_expected(start_line.method) && !cl && !has_te;
  if (chunking_output_) headers.set("Transfer-Encoding", "chunked");
  if (cl) {
    const std::optional<std::uint64_t> n = http1connection::parse_int(*cl);
    if (!n) fail_output("Only integer Content-Length is allowed: " + *cl);
    expected_content_remaining_ = *n;
  } else if (!chunking_output_ && !has_te) {
    expected_content_remaining_ = 0;  // nothing says where a body would end: send none
  }
  std::string out;
  out.reserve(256 + chunk.size());
  for (const std::string* part : {&start_line.method, &start_line.path})
    if (part->empty() || part->find_first_of(std::string_view(" \r\n\0", 4)) != std::string::npos)
      fail_output("Invalid request line");
  out += start_line.method;
  out += ' ';
  out += start_line.path;
  out += ' ';
  out += extra_->request_start_line.version;
  out += "\r\n";
  append_fields(out, headers);
  if (!chunk.empty()) {
    count_body_bytes(chunk.size());
    append_chunk(out, chunk);
  }
  return send(std::move(out));
}

Future<void> HTTP1Connection::read_body_until_close(HTTPMessageDelegate& delegate) {
  std::uint64_t total = 0;
  for (;;) {
    if (buffer_->size() == 0) {
      std::size_t got = 0;
      try {
        got = co_await stream_->read_into(
            buffer_->space(std::max<std::size_t>(params_.chunk_size, 1), true), true);
      } catch (const StreamClosedError& e) {
        if (e.real_error() != 0) throw;  // a reset is not the end of the body
        break;
      }
      buffer_->commit(got);
    }
    const std::size_t n = std::min(buffer_->size(), params_.chunk_size);
    total += n;
    if (total > max_body_size_) throw HTTPInputError("response body too large", 413);
    std::optional<Future<void>> f = delegate.data_received(buffer_->view().substr(0, n));
    buffer_->consume(n);
    if (f) co_await *f;
  }
}

Future<bool> HTTP1Connection::read_client_response(HTTPMessageDelegate& delegate) {
  const std::shared_ptr<HTTP1Connection> self = shared_from_this();
  bool delegate_active = false;
  std::exception_ptr error;
  try {
    if (params_.header_timeout > 0) arm_timeout(params_.header_timeout, "Timeout reading head");
    ResponseStartLine start_line;
    HTTPHeaders headers;
    for (;;) {
      for (std::size_t room = 0; !head_ready(room);)
        buffer_->commit(co_await stream_->read_into(buffer_->space(room), true));
      headers.clear();
      http1connection::parse_response_head(buffer_->view().substr(0, head_length_), start_line,
                                           headers);
      buffer_->consume(head_length_);
      // Interim responses (100 Continue, 103 Early Hints) precede the real one. A 100 is
      // what an Expect: 100-continue request waits for before it sends its body.
      if (start_line.code >= 100 && start_line.code < 200 && start_line.code != 101) {
        if (start_line.code == 100 && extra_->continue_callback) {
          std::function<Future<void>()> send_body = std::move(extra_->continue_callback);
          extra_->continue_callback = nullptr;
          co_await send_body();
        }
        continue;
      }
      break;
    }
    disarm_timeout();
    const http1connection::Framing framing =
        http1connection::response_framing(extra_->request_start_line.method, start_line, headers);
    const std::string* connection_header = headers.find("Connection");
    bool keep_alive = !params_.no_keep_alive && !framing.until_close;
    if (start_line.version == "HTTP/1.1") {
      keep_alive = keep_alive && !http1connection::has_token(connection_header, "close");
    } else {
      keep_alive = keep_alive && http1connection::has_token(connection_header, "keep-alive");
    }
    delegate_active = true;
    if (std::optional<Future<void>> f =
            delegate.headers_received(std::move(start_line), std::move(headers)))
      co_await *f;
    if (detached_) co_return false;
    if (body_timeout_ > 0) arm_timeout(body_timeout_, "Timeout reading body");
    if (framing.chunked) {
      co_await read_chunked_body(delegate);
    } else if (framing.until_close) {
      co_await read_body_until_close(delegate);
    } else if (framing.content_length > 0) {
      if (framing.content_length > max_body_size_)
        throw HTTPInputError("Content-Length too long", 413);
      co_await read_fixed_body(framing.content_length, delegate);
    }
    disarm_timeout();
    extra_->continue_callback = nullptr;  // no 100 came: the body is never sent
    read_finished_ = true;
    delegate_active = false;
    delegate.finish();
    // Bytes after the response that nobody asked for: the connection's framing is lost.
    if (buffer_->size() != 0) keep_alive = false;
    if (!keep_alive || !write_finished_) close();
    co_return keep_alive&& write_finished_ && !closed();
  } catch (const StreamClosedError& e) {
    error =
        timed_out_ ? std::make_exception_ptr(TimeoutError(timed_out_)) : std::current_exception();
    (void)e;
  } catch (...) {
    error = std::current_exception();
  }
  disarm_timeout();
  extra_->continue_callback = nullptr;
  close();
  if (delegate_active) delegate.on_connection_close();
  std::rethrow_exception(error);
}

}  // namespace tornado
