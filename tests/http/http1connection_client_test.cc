// tests/http/http1connection_client_test.cc: the client half of HTTP1Connection.
// Mirrors:  the response-reading cases of tornado/test/simple_httpclient_test.py and
//           http1connection_test.py (test_http10_no_content_length, test_chunked_close,
//           test_204_no_content, test_304_with_content_length, test_100_continue), as a table:
//           the server side is a plain socket that sends each row's bytes.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/http/http1connection.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

// Collects what the connection delivers.
struct Collector : HTTPMessageDelegate {
  int code = 0;
  HTTPHeaders headers;
  std::string body;
  bool finished = false;
  bool closed = false;
  std::optional<Future<void>> headers_received(StartLine line, HTTPHeaders h) override {
    code = std::get<ResponseStartLine>(line).code;
    headers = std::move(h);
    return std::nullopt;
  }
  std::optional<Future<void>> data_received(std::string_view chunk) override {
    body.append(chunk);
    return std::nullopt;
  }
  void finish() override { finished = true; }
  void on_connection_close() override { closed = true; }
};

struct Outcome {
  bool keep_alive = false;
  std::string error;  // what() of the exception, when read_response failed
};

// Sends `request` through a client connection over a socketpair, lets the "server" answer
// `response` (then close, when `close_after`), and reads the response.
Outcome exchange(LoopCase& c, const RequestStartLine& request, const std::string& response,
                 bool close_after, Collector& got, std::string* sent = nullptr) {
  FdPair fds = make_socketpair();
  auto stream = IOStream::create(fds.a);
  fds.a = -1;
  auto conn = HTTP1Connection::client(stream);
  HTTPHeaders h{{"Host", "example.com"}};
  (void)conn->write_headers(request, h);
  (void)conn->finish();
  REQUIRE(::write(fds.b, response.data(), response.size()) ==
          static_cast<ssize_t>(response.size()));
  if (close_after) ::shutdown(fds.b, SHUT_WR);
  Outcome o;
  try {
    o.keep_alive = testing::run_sync(c.loop(), [&] { return conn->read_response(got); });
  } catch (const std::exception& e) {
    o.error = e.what();
  }
  if (sent) {
    char buf[512];
    const ssize_t n = ::recv(fds.b, buf, sizeof buf, MSG_DONTWAIT);
    sent->assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  conn->close();
  stream->close();
  c.loop().run_once(0);
  return o;
}

}  // namespace

TEST_CASE("http1connection client: responses, one row per framing") {
  struct Row {
    const char* name;
    const char* method;
    std::string response;
    bool close_after;
    int code;  // 0: read_response must fail
    std::string body;
    bool keep_alive;
  };
  const Row rows[] = {
      {"Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200,
       "hello", true},
      {"chunked, with an extension and a trailer", "GET",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
       false, 200, "abc", true},
      {"until close (test_http10_no_content_length)", "GET", "HTTP/1.0 200 OK\r\n\r\nall of it",
       true, 200, "all of it", false},
      {"Connection: close", "GET",
       "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", false, 200, "x",
       false},
      {"HTTP/1.0 keep-alive", "GET",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false, 200, "x",
       true},
      {"HEAD: no body despite Content-Length", "HEAD",
       "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", false, 200, "", true},
      {"204 (test_204_no_content)", "GET", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, "", true},
      {"304 with Content-Length (test_304_with_content_length)", "GET",
       "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n", false, 304, "", true},
      {"100 Continue first", "POST",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", false,
       201, "ok", true},
      {"bare LF line ends", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, 200, "ok",
       true},
      {"malformed status line", "GET", "HTTP/1.1 2000 OK\r\n\r\n", false, 0, "", false},
      {"not HTTP", "GET", "SSH-2.0-OpenSSH_9.2\r\n\r\n", false, 0, "", false},
      {"Content-Length and Transfer-Encoding", "GET",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false,
       0, "", false},
      {"unequal Content-Lengths", "GET",
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", false, 0, "", false},
      {"204 with a body length", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",
       false, 0, "", false},
      {"bad chunk", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, 0,
       "", false},
      {"closed before the body ends", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
       true, 0, "", false},
      {"closed before any response", "GET", "", true, 0, "", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    LoopCase c;
    Collector got;
    const Outcome o = exchange(c, RequestStartLine{row.method, "/", "HTTP/1.1"}, row.response,
                               row.close_after, got);
    if (row.code == 0) {
      CHECK_FALSE(o.error.empty());
      CHECK_FALSE(got.finished);
      continue;
    }
    CHECK(o.error.empty());
    CHECK(got.code == row.code);
    CHECK(got.body == row.body);
    CHECK(got.finished);
    CHECK(o.keep_alive == row.keep_alive);
  }
}

TEST_CASE("http1connection client: the request as written") {
  LoopCase c;
  Collector got;
  std::string sent;
  (void)exchange(c, RequestStartLine{"GET", "/path?q=1", "HTTP/1.1"},
                 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, got, &sent);
  CHECK(sent == "GET /path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");

  // A POST without a length is sent chunked.
  FdPair fds = make_socketpair();
  auto stream = IOStream::create(fds.a);
  fds.a = -1;
  auto conn = HTTP1Connection::client(stream);
  HTTPHeaders h{{"Host", "a"}};
  (void)conn->write_headers(RequestStartLine{"POST", "/up", "HTTP/1.1"}, h, "abc");
  (void)conn->write("de");
  (void)conn->finish();
  c.loop().run_once(0);
  char buf[256];
  const ssize_t n = ::recv(fds.b, buf, sizeof buf, MSG_DONTWAIT);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)) ==
        "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
        "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  // A GET has no body: writing one is an error, not a corrupted stream.
  auto get = HTTP1Connection::client(stream);
  HTTPHeaders g{{"Host", "a"}};
  CHECK_THROWS_AS((void)get->write_headers(RequestStartLine{"GET", "/", "HTTP/1.1"}, g, "body"),
                  HTTPOutputError);
  stream->close();
  c.loop().run_once(0);
}

// write_headers looks through each name and value eight bytes at a time, its last word
// overlapping the one before and a name or value of 4 to 7 bytes read as one word: a byte to
// refuse at any place of any length up to 20 is found, and nothing of the head is sent.
TEST_CASE("http1connection: write_headers refuses CR, LF or NUL in a field, or a colon in a name") {
  LoopCase c;
  // Writes one header `name: value`; returns whether write_headers took it, and what the
  // peer got (nothing once it is refused: the connection is closed).
  auto try_write = [&](const std::string& name, const std::string& value, std::string& got) {
    FdPair fds = make_socketpair();
    auto stream = IOStream::create(fds.a);
    fds.a = -1;
    auto conn = HTTP1Connection::client(stream);
    HTTPHeaders h{{"Host", "a"}};
    h.add(name, value);
    bool taken = true;
    try {
      (void)conn->write_headers(RequestStartLine{"GET", "/", "HTTP/1.1"}, h);
    } catch (const HTTPOutputError&) {
      taken = false;
    }
    c.loop().run_once(0);
    char buf[512];
    const ssize_t n = ::recv(fds.b, buf, sizeof buf, MSG_DONTWAIT);
    got.assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    stream->close();
    c.loop().run_once(0);
    return taken;
  };
  std::string got;
  for (std::size_t len = 1; len <= 20; ++len) {
    CAPTURE(len);
    for (std::size_t at = 0; at < len; ++at) {
      CAPTURE(at);
      for (const char bad : {'\r', '\n', '\0', ':'}) {
        CAPTURE(static_cast<int>(bad));
        std::string name(len, 'n');
        name[at] = bad;
        CHECK_FALSE(try_write(name, "v", got));
        CHECK(got.empty());
        if (bad == ':') continue;  // a colon is allowed in a value
        std::string value(len, 'v');
        value[at] = bad;
        CHECK_FALSE(try_write("X-Name", value, got));
        CHECK(got.empty());
      }
      // A tab is the control a value may hold (a word with one is then looked at byte by byte).
      std::string value(len, 'v');
      value[at] = '\t';
      if (at == 0 || at == len - 1) value[at] = 'w';  // add() trims the value's ends
      REQUIRE(try_write("X-Name", value, got));
      CHECK(got.find("\r\nX-Name: " + value + "\r\n") != std::string::npos);
    }
  }
}
