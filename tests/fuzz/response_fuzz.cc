// tests/fuzz/response_fuzz.cc: libFuzzer target for the HTTP client's response reader.
//
//   make fuzz && build/fuzz/response_fuzz tests/fuzz/corpus/response -max_total_time=600
//
// The bytes are what a server sends back: they go down one end of a socketpair (then the
// server end shuts down its writing side), and HTTP1Connection's client half reads them as the
// response to a GET (or a HEAD, when the first byte is odd) on a real IOLoop, as AsyncHTTPClient
// does. Whatever arrives, read_response must end in one of three ways: a response (the delegate saw
// the head, the body and finish), HTTPInputError (malformed), or StreamClosedError (cut short);
// never another exception, a crash, a hang, or a body longer than max_body_size. After a HEAD
// no body is delivered at all.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tornado/gen/gen.h"
#include "tornado/http/http1connection.h"
#include "tornado/reactor/ioloop.h"

namespace {

constexpr std::size_t kMaxBody = 4096;

struct Delegate : tornado::HTTPMessageDelegate {
  bool head = false;
  bool finished = false;
  std::size_t body = 0;
  std::optional<tornado::Future<void>> headers_received(tornado::HTTPMessageDelegate::StartLine,
                                                        tornado::HTTPHeaders) override {
    if (head) std::abort();  // twice
    head = true;
    return std::nullopt;
  }
  std::optional<tornado::Future<void>> data_received(std::string_view chunk) override {
    if (!head || finished) std::abort();
    body += chunk.size();
    return std::nullopt;
  }
  void finish() override {
    if (!head || finished) std::abort();
    finished = true;
  }
  void on_connection_close() override {}
};

tornado::IOLoop& loop() {
  static tornado::IOLoop* l = new tornado::IOLoop("poll");  // one for the whole run
  return *l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return 0;
  const bool head_request = data[0] & 1;
  const std::string_view reply(reinterpret_cast<const char*>(data + 1), size - 1);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  // The whole reply fits in the socket buffer (at most 64 KiB), then the "server" leaves.
  int big = 1 << 18;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  std::size_t off = 0;
  while (off < reply.size()) {
    const ssize_t n = ::write(fds[1], reply.data() + off, reply.size() - off);
    if (n <= 0) std::abort();
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(fds[1], SHUT_WR);  // the reply ends; the request can still be written to it
  auto stream = tornado::IOStream::create(fds[0]);
  tornado::HTTP1ConnectionParameters params;
  params.max_body_size = kMaxBody;
  params.max_header_size = 8192;
  auto conn = tornado::HTTP1Connection::client(stream, params);
  tornado::HTTPHeaders headers{{"Host", "fuzz"}};
  const tornado::RequestStartLine start{head_request ? "HEAD" : "GET", "/", "HTTP/1.1"};
  (void)conn->write_headers(start, headers);
  (void)conn->finish();
  Delegate d;
  try {
    (void)tornado::gen::run_sync(
        loop(), [&] { return conn->read_response(d); }, tornado::gen::Duration(5));
    if (!d.finished) std::abort();
    if (head_request && d.body != 0) std::abort();
  } catch (const tornado::HTTPInputError&) {
  } catch (const tornado::StreamClosedError&) {
  }  // anything else (a TimeoutError: the reader hung) escapes and is reported
  if (d.body > kMaxBody) std::abort();
  conn->close();
  stream->close();
  ::close(fds[1]);
  loop().run_once(0);
  return 0;
}
