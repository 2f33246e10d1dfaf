// tests/http/httpserver_test.cc: HTTPServer against raw sockets.
// Mirrors:  tornado/test/httpserver_test.py (HTTPConnectionTest, KeepAliveTest,
//           XHeaderTest, MaxHeaderSizeTest, IdleTimeoutTest, BodyLimitsTest,
//           BadRequestTest), with the bad-input table of this port: one row per malformed
//           request, each checking the status and that the connection is closed and that the
//           application never saw it. python3's http.client and curl: httpserver_peer_test.cc.
#include "tornado/http/httpserver.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/http/httpserver_test.h"
#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"
#include "tornado/http/http1connection.h"

using namespace httpserver_test;
// The raw response read off the socket (httpserver_test.h), also where tornado/web/testing.h,
// whose testing::Response is a handler's, is in sight.
using httpserver_test::Response;

TEST_CASE("httpserver: a GET and a second request on the same connection (test_two_requests)") {
  LoopCase c;
  EchoServer echo;
  StreamPtr s = echo.open(c);
  (void)s->write(host_head("GET /a?x=1 HTTP/1.1"));
  Response r = run(c, [&] { return read_response(s); });
  CHECK(r.code == 200);
  CHECK(r.body == "GET /a?x=1 ");
  CHECK_FALSE(r.headers.contains("Connection"));
  (void)s->write(host_head("POST /b HTTP/1.1", "Content-Length: 5\r\n") + "hello");
  r = run(c, [&] { return read_response(s); });
  CHECK(r.body == "POST /b hello");
  CHECK(echo.app.requests == 2);
  s->close();
  echo.close_all(c);
}

// The bad-input table (DESIGN §6; Tornado's BadRequestTest, HTTPServerRawTest and more):
// each malformed request gets its status with Connection: close, the connection is closed,
// and the application never sees it.
TEST_CASE("httpserver: bad input, one row per case: status, closed, never forwarded") {
  struct Row {
    const char* name;
    std::string request;
    int code;
  };
  const std::string host = "Host: 127.0.0.1\r\n";
  const Row rows[] = {
      {"malformed request line", "asdf\r\n\r\n", 400},
      {"garbage (test_unix_socket_bad_request)", "garbage\r\n\r\n", 400},
      {"header without colon", "GET / HTTP/1.0\r\nasdf\r\n\r\n", 400},
      {"whitespace in Host", "GET / HTTP/1.1\r\nHost: foo bar\r\n\r\n", 400},
      {"method not a token", "FOO,BAR / HTTP/1.1\r\n" + host + "\r\n", 400},
      {"HTTP/2.0 in the request line", "GET / HTTP/2.0\r\n" + host + "\r\n", 400},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"target without a slash", "GET a/b HTTP/1.1\r\n" + host + "\r\n", 400},
      {"host:port target without CONNECT", "GET a:80 HTTP/1.1\r\n" + host + "\r\n", 400},
      {"absolute-form with another scheme", "GET ftp://a/b HTTP/1.1\r\n" + host + "\r\n", 400},
      {"two Host headers", "GET / HTTP/1.1\r\n" + host + host + "\r\n", 400},
      {"whitespace before the colon", "GET / HTTP/1.1\r\n" + host + "X-Foo : b\r\n\r\n", 400},
      {"NUL in a header", "GET / HTTP/1.1\r\n" + host + std::string("X-A: a\0b\r\n\r\n", 12), 400},
      {"bare CR in a header", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n", 400},
      {"Content-Length and Transfer-Encoding",
       "POST / HTTP/1.1\r\n" + host +
           "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"unequal Content-Lengths",
       "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"Content-Length foo", "POST / HTTP/1.1\r\n" + host + "Content-Length: foo\r\n\r\n", 400},
      {"Content-Length +10", "POST / HTTP/1.1\r\n" + host + "Content-Length: +10\r\n\r\n", 400},
      {"Content-Length -1", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
      {"Transfer-Encoding gzip, chunked",
       "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 400},
      {"two Transfer-Encoding: chunked",
       "POST / HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       400},
      {"Transfer-Encoding on HTTP/1.0",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"invalid chunk size",
       "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1_a\r\n", 400},
      {"chunk not followed by CRLF",
       "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n", 400},
      {"head over max_header_size",
       "GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(2000, 'a') + "\r\n\r\n", 431},
      {"head never ending past max_header_size",
       "GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(2000, 'a'), 431},
      {"Content-Length over max_body_size",
       "POST / HTTP/1.1\r\n" + host + "Content-Length: 4097\r\n\r\n", 413},
      {"chunked body over max_body_size",
       "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1001\r\n" +
           std::string(4097, 'x') + "\r\n0\r\n\r\n",
       413},
  };
  LoopCase c;
  HTTPServerOptions opts;
  opts.max_header_size = 1024;
  opts.max_body_size = 4096;
  EchoServer echo(opts);
  for (const Row& row : rows) {
    CAPTURE(row.name);
    ExpectLog quiet("Malformed HTTP message");
    const std::string got = run(c, [&] { return exchange_until_close(echo.addr, row.request); });
    const std::string status = "HTTP/1.1 " + std::to_string(row.code) + " ";
    CHECK(got.substr(0, status.size()) == status);
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
    CHECK(got.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(quiet.count() == 1);
  }
  CHECK(echo.app.requests == 0);
  echo.close_all(c);
}

// A chunked body is refused for the sizes it declares, not the bytes that came (Tornado's
// _read_chunked_body): a chunk line promising 1 GiB once left the server waiting for bytes
// that never come. Each client sends only up to a chunk-size line and then waits.
TEST_CASE("httpserver: a declared chunk size past max_body_size is 413 at once") {
  struct Row {
    const char* name;
    std::size_t max_body_size;  // 0: the default, max_buffer_size (100 MiB)
    std::string body;           // what follows the head; it always ends with a chunk-size line
  };
  const std::string kib(1024, 'x');
  const Row rows[] = {
      {"one 1 GiB chunk", 0, "40000000\r\n"},
      {"one 128 MiB chunk", 0, "8000000\r\n"},
      {"four 1 KiB chunks, then one more byte past 4 KiB", 4096,
       "400\r\n" + kib + "\r\n400\r\n" + kib + "\r\n400\r\n" + kib + "\r\n400\r\n" + kib +
           "\r\n1\r\n"},
  };
  LoopCase c;
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    HTTPServerOptions opts;
    opts.max_body_size = row.max_body_size;
    EchoServer echo(opts);
    ExpectLog logged("chunked body too large");
    const std::string got = run(c, [&] {
      return exchange_until_close(
          echo.addr, host_head("POST / HTTP/1.1", "Transfer-Encoding: chunked\r\n") + row.body);
    });
    CHECK(got.substr(0, 13) == "HTTP/1.1 413 ");
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
    CHECK(logged.count() == 1);
    CHECK(echo.app.requests == 0);
    echo.close_all(c);
  }
}

TEST_CASE("httpserver: keep-alive rules of HTTP/1.0 and 1.1 (KeepAliveTest)") {
  LoopCase c;
  EchoServer echo;
  SUBCASE("HTTP/1.1 with Connection: close is answered with it, then closed") {
    const std::string got = run(c, [&] {
      return exchange_until_close(echo.addr, host_head("GET / HTTP/1.1", "Connection: close\r\n"));
    });
    CHECK(got.find("HTTP/1.1 200 OK\r\n") == 0);
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
  }
  SUBCASE("HTTP/1.0 without keep-alive: no Connection header, then closed (test_http10)") {
    const std::string got =
        run(c, [&] { return exchange_until_close(echo.addr, "GET / HTTP/1.0\r\n\r\n"); });
    CHECK(got.find("HTTP/1.1 200 OK\r\n") == 0);
    CHECK(got.find("Connection:") == std::string::npos);
  }
  SUBCASE("HTTP/1.0 with keep-alive stays open (test_http10_keepalive)") {
    StreamPtr s = echo.open(c);
    for (int i = 0; i < 2; ++i) {
      (void)s->write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const Response r = run(c, [&] { return read_response(s); });
      CHECK(r.headers.get("Connection") == "Keep-Alive");
    }
    s->close();
  }
  SUBCASE("extra CRLF between requests is tolerated (test_keepalive_with_extra_crlf)") {
    StreamPtr s = echo.open(c);
    (void)s->write(host_head("GET /1 HTTP/1.1") + "\r\n");
    CHECK(run(c, [&] { return read_response(s); }).body == "GET /1 ");
    (void)s->write(host_head("GET /2 HTTP/1.1"));
    CHECK(run(c, [&] { return read_response(s); }).body == "GET /2 ");
    s->close();
  }
  SUBCASE("pipelined requests in one write are answered in order (test_pipelined_requests)") {
    StreamPtr s = echo.open(c);
    (void)s->write(host_head("GET /1 HTTP/1.1") +
                   host_head("POST /2 HTTP/1.1", "Content-Length: 3\r\n") + "abc" +
                   host_head("GET /3 HTTP/1.1"));
    CHECK(run(c, [&] { return read_response(s); }).body == "GET /1 ");
    CHECK(run(c, [&] { return read_response(s); }).body == "POST /2 abc");
    CHECK(run(c, [&] { return read_response(s); }).body == "GET /3 ");
    s->close();
  }
  echo.close_all(c);
}

// Tornado asks TCP to send at once when a response is finished (set_nodelay in finish); here
// it is set once, after the first response that keeps the connection, and a response the
// connection closes after needs none: close(2) sends what is left at once.
TEST_CASE("httpserver: TCP_NODELAY after a response that keeps the connection, not before") {
  LoopCase c;
  std::vector<int> nodelay;  // the server's socket, read after each finish()
  HTTPServer server([&](std::shared_ptr<HTTPServerRequest> request) {
    auto& conn = static_cast<HTTP1Connection&>(*request->connection);
    int v = -1;
    socklen_t len = sizeof v;
    REQUIRE(::getsockopt(conn.stream()->fileno(), IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
    nodelay.push_back(v);  // before the response
    HTTPHeaders h{{"Content-Length", "2"}};
    (void)conn.write_headers(ResponseStartLine{"HTTP/1.1", 200, "OK"}, h, "ok");
    (void)conn.finish();
    REQUIRE(::getsockopt(conn.stream()->fileno(), IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
    nodelay.push_back(v);  // after it
  });
  const SocketAddress addr = listen_local(server);
  const std::string got = run(c, [&] {
    return exchange_until_close(addr, host_head("GET / HTTP/1.1", "Connection: close\r\n"));
  });
  CHECK(got.find("HTTP/1.1 200 OK\r\n") == 0);
  CHECK(nodelay == std::vector<int>{0, 0});
  nodelay.clear();
  StreamPtr s = run(c, [&] { return open_stream(addr); });
  for (int i = 0; i < 2; ++i) {
    (void)s->write(host_head("GET / HTTP/1.1"));
    CHECK(run(c, [&] { return read_response(s); }).body == "ok");
  }
  CHECK(nodelay == std::vector<int>{0, 1, 1, 1});
  s->close();
  run(c, [&] { return server.close_all_connections(); });
}

TEST_CASE("httpserver: chunked upload, 100-continue and HEAD") {
  LoopCase c;
  EchoServer echo;
  StreamPtr s = echo.open(c);
  // Chunk extensions and trailers are accepted and ignored (RFC 9112 §7.1).
  (void)s->write(host_head("POST /c HTTP/1.1", "Transfer-Encoding: chunked\r\n") +
                 "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n");
  CHECK(run(c, [&] { return read_response(s); }).body == "POST /c Wikipedia");

  // test_100_continue: the interim response comes before the body is sent.
  (void)s->write(host_head("POST /e HTTP/1.1", "Content-Length: 4\r\nExpect: 100-continue\r\n"));
  const std::string interim = run(c, [&] { return s->read_until("\r\n\r\n"); });
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  (void)s->write("body");
  CHECK(run(c, [&] { return read_response(s); }).body == "POST /e body");

  (void)s->write(host_head("HEAD /h HTTP/1.1"));
  const Response head = run(c, [&] { return read_response(s, true); });
  CHECK(head.code == 200);
  CHECK(head.headers.get("Content-Length") == "8");  // what a GET would send: "HEAD /h "
  // Nothing followed the head: the next response starts right away.
  (void)s->write(host_head("GET /next HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(s); }).body == "GET /next ");
  s->close();
  echo.close_all(c);
}

TEST_CASE("httpserver: chunked responses, and a Content-Length the application breaks") {
  LoopCase c;
  int output_errors = 0;
  HTTPServer server([&](std::shared_ptr<HTTPServerRequest> r) {
    HTTPHeaders h;
    if (r->path == "/stream") {
      (void)r->connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, "ab");
      (void)r->connection->write("cd");
      (void)r->connection->finish();
    } else if (r->path == "/short") {
      h.set("Content-Length", "10");
      (void)r->connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, "12345");
      try {
        (void)r->connection->finish();
      } catch (const HTTPOutputError&) {
        ++output_errors;
      }
    } else if (r->path == "/long") {
      h.set("Content-Length", "2");
      try {
        (void)r->connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, "12345");
      } catch (const HTTPOutputError&) {
        ++output_errors;
      }
    } else if (r->path.starts_with("/inject")) {
      // A break early, one past a tab at byte 20 (the check looks 8 bytes at a time and
      // then byte by byte), and a NUL at byte 9; and a clean value with a tab, allowed.
      const std::string value = r->path == "/inject"    ? std::string("a\r\nSet-Cookie: x=y")
                                : r->path == "/inject2" ? "0123456789abcdef\tghi\nSet-Cookie: x=y"
                                : r->path == "/inject3" ? std::string("012345678\0Set-Cookie", 20)
                                                        : "0123456789abcdef\tghi Set-Cookie";
      h.set("X-Evil", value);
      try {
        (void)r->connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, "");
        (void)r->connection->finish();
      } catch (const HTTPOutputError&) {
        ++output_errors;
      }
    }
  });
  const SocketAddress addr = listen_local(server);
  StreamPtr s = run(c, [&] { return open_stream(addr); });
  (void)s->write(host_head("GET /stream HTTP/1.1"));
  const Response r = run(c, [&] { return read_response(s); });
  CHECK(r.headers.get("Transfer-Encoding") == "chunked");
  CHECK(r.body == "abcd");
  s->close();
  for (const char* path : {"/short", "/long", "/inject", "/inject2", "/inject3"}) {
    CAPTURE(path);
    const std::string got = run(c, [&] {
      return exchange_until_close(addr, host_head(std::string("GET ") + path + " HTTP/1.1"));
    });
    // The connection is closed rather than left with a body that disagrees with its head.
    if (std::string(path) == "/short") CHECK(got.find("12345") != std::string::npos);
    CHECK(got.find("Set-Cookie") == std::string::npos);
  }
  CHECK(output_errors == 5);
  // The same long value without a break goes out.
  const std::string clean = run(c, [&] {
    return exchange_until_close(addr, host_head("GET /inject4 HTTP/1.1", "Connection: close\r\n"));
  });
  CHECK(clean.find("X-Evil: 0123456789abcdef\tghi Set-Cookie\r\n") != std::string::npos);
  CHECK(output_errors == 5);
  run(c, [&] { return server.close_all_connections(); });
}

namespace {

// The idle-timeout cases' server options: a connection idle for `seconds` is closed.
HTTPServerOptions idle_timeout(double seconds) {
  HTTPServerOptions opts;
  opts.idle_connection_timeout = seconds;
  return opts;
}

}  // namespace

TEST_CASE("httpserver: idle_connection_timeout closes idle and slow clients, others are served") {
  LoopCase c;
  EchoServer echo(idle_timeout(0.3));
  StreamPtr idle = echo.open(c);
  StreamPtr slow = echo.open(c);
  // Slowloris: one header byte every 50 ms; it never completes a head before the timeout.
  const std::string request =
      host_head("GET /slow HTTP/1.1", "X-Pad: " + std::string(100, 'p') + "\r\n");
  std::size_t sent = 0;
  PeriodicCallback drip(
      [&] {
        if (sent < request.size() && !slow->closed()) (void)slow->write(request.substr(sent++, 1));
      },
      50);
  drip.start();
  bool idle_closed = false, slow_closed = false;
  idle->set_close_callback([&] { idle_closed = true; });
  slow->set_close_callback([&] { slow_closed = true; });
  (void)idle->read_until_close();
  (void)slow->read_until_close();
  // Meanwhile a well-behaved client is served at once.
  StreamPtr good = echo.open(c);
  (void)good->write(host_head("GET /good HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(good); }).body == "GET /good ");
  const double start = c.loop().time();
  CHECK(run_until(
      c.loop(), [&] { return idle_closed && slow_closed; }, 5.0));
  drip.stop();
  CHECK(c.loop().time() - start < 1.0);
  CHECK(sent < request.size());
  CHECK(echo.app.seen == std::vector<std::string>{"GET /good"});
  good->close();
  echo.close_all(c);
}

TEST_CASE("httpserver: a head that comes in pieces is served once it is whole, and the next one") {
  LoopCase c;
  EchoServer echo;
  StreamPtr s = echo.open(c);
  // Three pieces, 20 ms apart: the server reads the first, finds no end of head, and waits
  // for the rest (more of a head is read into the same request) before answering.
  const std::string request = host_head("POST /pieces HTTP/1.1", "Content-Length: 3\r\n") + "abc";
  const std::string pieces[] = {request.substr(0, 7), request.substr(7, 20), request.substr(27)};
  std::size_t sent = 0;
  PeriodicCallback drip(
      [&] {
        if (sent < 3) (void)s->write(pieces[sent++]);
      },
      20);
  drip.start();
  CHECK(run(c, [&] { return read_response(s); }).body == "POST /pieces abc");
  drip.stop();
  CHECK(sent == 3);
  (void)s->write(host_head("GET /next HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(s); }).body == "GET /next ");
  CHECK(echo.app.seen == std::vector<std::string>{"POST /pieces", "GET /next"});
  s->close();
  echo.close_all(c);
}

// The head deadline is kept per stream by one timer that re-arms itself when a request came
// since it was armed (http1connection::await_head): the idle time is counted from the end of
// the last request, not from the first wait, and the connection still closes once it is idle.
TEST_CASE("httpserver: idle_connection_timeout counts from the last request") {
  LoopCase c;
  EchoServer echo(idle_timeout(0.3));
  StreamPtr s = echo.open(c);
  bool closed = false;
  s->set_close_callback([&] { closed = true; });
  (void)s->write(host_head("GET /a HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(s); }).body == "GET /a ");
  // Most of the timeout passes, then a second request: the timer armed for the first wait
  // fires before the new deadline and must not close the connection.
  CHECK_FALSE(run_until(
      c.loop(), [&] { return closed; }, 0.2));
  (void)s->write(host_head("GET /b HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(s); }).body == "GET /b ");
  const double answered = c.loop().time();
  (void)s->read_until_close();
  CHECK(run_until(
      c.loop(), [&] { return closed; }, 5.0));
  const double idle = c.loop().time() - answered;
  CHECK(idle >= 0.25);
  CHECK(idle < 2.0);
  echo.close_all(c);
}

// The server keeps its connections' head deadlines in one list with one timer
// (http1connection::HeadDeadlines): a connection that makes a new request moves to the end, and
// each closes by its own deadline, one answered later after one answered earlier; so does one
// whose last request came pipelined behind another.
TEST_CASE("httpserver: idle_connection_timeout for several connections, each by its deadline") {
  LoopCase c;
  EchoServer echo(idle_timeout(0.3));
  StreamPtr a = echo.open(c);
  StreamPtr b = echo.open(c);
  StreamPtr p = echo.open(c);
  double a_closed = 0, b_closed = 0, p_closed = 0;
  a->set_close_callback([&] { a_closed = c.loop().time(); });
  b->set_close_callback([&] { b_closed = c.loop().time(); });
  p->set_close_callback([&] { p_closed = c.loop().time(); });
  (void)a->write(host_head("GET /a1 HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(a); }).body == "GET /a1 ");
  CHECK_FALSE(run_until(
      c.loop(), [&] { return a_closed > 0; }, 0.1));
  (void)b->write(host_head("GET /b HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(b); }).body == "GET /b ");
  const double b_answered = c.loop().time();
  CHECK_FALSE(run_until(
      c.loop(), [&] { return a_closed > 0; }, 0.1));
  // a's first wait would end before b's: a second request moves it behind b.
  (void)a->write(host_head("GET /a2 HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(a); }).body == "GET /a2 ");
  const double a_answered = c.loop().time();
  (void)p->write(host_head("GET /p1 HTTP/1.1") + host_head("GET /p2 HTTP/1.1"));
  CHECK(run(c, [&] { return read_response(p); }).body == "GET /p1 ");
  CHECK(run(c, [&] { return read_response(p); }).body == "GET /p2 ");
  const double p_answered = c.loop().time();
  (void)a->read_until_close();
  (void)b->read_until_close();
  (void)p->read_until_close();
  CHECK(run_until(
      c.loop(), [&] { return a_closed > 0 && b_closed > 0 && p_closed > 0; }, 5.0));
  CHECK(b_closed < a_closed);
  CHECK(b_closed - b_answered >= 0.25);
  CHECK(a_closed - a_answered >= 0.25);
  CHECK(p_closed - p_answered >= 0.25);
  CHECK(a_closed - a_answered < 2.0);
  CHECK(p_closed - p_answered < 2.0);
  echo.close_all(c);
}

TEST_CASE("httpserver: xheaders (test_ip_headers, test_trusted_downstream, test_scheme_headers)") {
  LoopCase c;
  std::vector<std::string> seen;
  HTTPServerOptions opts;
  opts.xheaders = true;
  opts.trusted_downstream = {"5.5.5.5"};
  HTTPServer server(
      [&](std::shared_ptr<HTTPServerRequest> r) {
        seen.push_back(r->remote_ip + " " + r->protocol);
        respond(*r, 200, "");
      },
      opts);
  const SocketAddress addr = listen_local(server);
  struct Row {
    const char* headers;
    const char* expect;
  };
  const Row rows[] = {
      {"", "127.0.0.1 http"},
      {"X-Real-IP: 4.4.4.4\r\n", "4.4.4.4 http"},
      {"X-Forwarded-For: 127.0.0.1, 4.4.4.4\r\n", "4.4.4.4 http"},
      {"X-Real-IP: 2620:0:1cfe:face:b00c::3\r\n", "2620:0:1cfe:face:b00c::3 http"},
      {"X-Real-IP: 4.4.4.4<script>\r\n", "127.0.0.1 http"},
      {"X-Real-IP: www.google.com\r\n", "127.0.0.1 http"},
      {"X-Forwarded-For: 127.0.0.1, 4.4.4.4, 5.5.5.5\r\n", "4.4.4.4 http"},
      {"X-Scheme: https\r\n", "127.0.0.1 https"},
      {"X-Forwarded-Proto: https\r\n", "127.0.0.1 https"},
      {"X-Forwarded-Proto: https , http\r\n", "127.0.0.1 http"},
      {"X-Forwarded-Proto: unknown\r\n", "127.0.0.1 http"},
  };
  StreamPtr s = run(c, [&] { return open_stream(addr); });
  for (const Row& row : rows) {
    CAPTURE(row.headers);
    seen.clear();
    (void)s->write(host_head("GET / HTTP/1.1", row.headers));
    (void)run(c, [&] { return read_response(s); });
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == row.expect);
  }
  s->close();
  run(c, [&] { return server.close_all_connections(); });
}

TEST_CASE("httpserver: one access log line per request") {
  LoopCase c;
  EchoServer echo;
  ExpectLog log("GET /logged?a=1 (127.0.0.1)");
  (void)run(c, [&] {
    return exchange_until_close(echo.addr,
                                host_head("GET /logged?a=1 HTTP/1.1", "Connection: close\r\n"));
  });
  REQUIRE(log.count() == 1);
  CHECK(log.lines()[0].find("200 GET /logged?a=1 (127.0.0.1) ") != std::string::npos);
  CHECK(log.lines()[0].find("ms") != std::string::npos);
  echo.close_all(c);
}

TEST_CASE("httpserver: body_timeout closes a connection whose body stalls (test_timeout)") {
  LoopCase c;
  HTTPServerOptions opts;
  opts.body_timeout = 0.2;
  EchoServer echo(opts);
  ExpectLog log("Timeout reading body");
  const double start = c.loop().time();
  // Three of the ten bytes promised, then nothing: the server closes without answering.
  const std::string got = run(c, [&] {
    return exchange_until_close(echo.addr,
                                host_head("POST / HTTP/1.1", "Content-Length: 10\r\n") + "abc");
  });
  CHECK(got.empty());
  CHECK(c.loop().time() - start >= 0.15);
  CHECK(log.count() == 1);
  CHECK(echo.app.requests == 0);
  echo.close_all(c);
}

namespace {

// A delegate-form application: raises the body limit for /big in headers_received, as a
// streaming handler's prepare() does, and answers with the body's length.
class SizedApp : public HTTPServerConnectionDelegate {
 public:
  class Message : public HTTPMessageDelegate {
   public:
    explicit Message(std::shared_ptr<HTTP1Connection> c) : conn_(std::move(c)) {}
    std::optional<Future<void>> headers_received(StartLine line, HTTPHeaders) override {
      if (std::get<RequestStartLine>(line).path == "/big") conn_->set_max_body_size(10240);
      return std::nullopt;
    }
    std::optional<Future<void>> data_received(std::string_view chunk) override {
      size_ += chunk.size();
      return std::nullopt;
    }
    void finish() override {
      const std::string body = std::to_string(size_);
      HTTPHeaders h{{"Content-Length", std::to_string(body.size())}};
      (void)conn_->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, body);
      (void)conn_->finish();
    }
    void on_connection_close() override {}

   private:
    std::shared_ptr<HTTP1Connection> conn_;
    std::size_t size_ = 0;
  };
  std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection&, std::shared_ptr<HTTPConnection> conn) override {
    return std::make_unique<Message>(std::static_pointer_cast<HTTP1Connection>(conn));
  }
};

}  // namespace

TEST_CASE(
    "httpserver: set_max_body_size per request, not kept for the next "
    "(test_body_size_override_reset)") {
  LoopCase c;
  SizedApp app;
  HTTPServerOptions opts;
  opts.max_body_size = 4096;
  HTTPServer server(app, opts);
  const SocketAddress addr = listen_local(server);
  StreamPtr s = run(c, [&] { return open_stream(addr); });
  const std::string body(8000, 'b');
  (void)s->write(host_head("POST /big HTTP/1.1", "Content-Length: 8000\r\n") + body);
  CHECK(run(c, [&] { return read_response(s); }).body == "8000");
  ExpectLog log("Content-Length too long");
  (void)s->write(host_head("POST /small HTTP/1.1", "Content-Length: 8000\r\n") + body);
  const Response r = run(c, [&] { return read_response(s); });
  CHECK(r.code == 413);
  CHECK(log.count() == 1);
  s->close();
  run(c, [&] { return server.close_all_connections(); });
}

namespace {

// A delegate whose headers_received returns a Future that the loop resolves later (as a
// handler's asynchronous prepare() does): the connection waits for it before the body and
// finish(). Records the order in which things happen.
class DeferringApp : public HTTPServerConnectionDelegate {
 public:
  std::vector<std::string> events;
  class Message : public HTTPMessageDelegate {
   public:
    Message(DeferringApp& app, std::shared_ptr<HTTP1Connection> c)
        : app_(app), conn_(std::move(c)) {}
    std::optional<Future<void>> headers_received(StartLine line, HTTPHeaders) override {
      app_.events.push_back("headers " + std::get<RequestStartLine>(line).path);
      Future<void> ready;
      Promise<void> promise(ready);
      IOLoop::current().add_callback([this, promise]() mutable {
        app_.events.push_back("resolved");
        promise.set_result();
      });
      return ready;
    }
    std::optional<Future<void>> data_received(std::string_view chunk) override {
      app_.events.push_back("data " + std::string(chunk));
      return std::nullopt;
    }
    void finish() override {
      app_.events.push_back("finish");
      HTTPHeaders h{{"Content-Length", "2"}};
      (void)conn_->write_headers(ResponseStartLine{"HTTP/1.1", 200, ""}, h, "ok");
      (void)conn_->finish();
    }
    void on_connection_close() override { app_.events.push_back("closed"); }

   private:
    DeferringApp& app_;
    std::shared_ptr<HTTP1Connection> conn_;
  };
  std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection&, std::shared_ptr<HTTPConnection> conn) override {
    return std::make_unique<Message>(*this, std::static_pointer_cast<HTTP1Connection>(conn));
  }
};

}  // namespace

TEST_CASE("httpserver: a Future from headers_received is awaited before the body and finish()") {
  LoopCase c;
  DeferringApp app;
  HTTPServer server(app);
  const SocketAddress addr = listen_local(server);
  StreamPtr s = run(c, [&] { return open_stream(addr); });
  // A GET (no body), then a POST with a body, on one keep-alive connection.
  (void)s->write(host_head("GET /a HTTP/1.1"));
  Response r = run(c, [&] { return read_response(s); });
  CHECK(r.code == 200);
  CHECK(r.body == "ok");
  (void)s->write(host_head("POST /b HTTP/1.1", "Content-Length: 3\r\n") + "xyz");
  r = run(c, [&] { return read_response(s); });
  CHECK(r.code == 200);
  CHECK(app.events == std::vector<std::string>{"headers /a", "resolved", "finish", "headers /b",
                                               "resolved", "data xyz", "finish"});
  s->close();
  run(c, [&] { return server.close_all_connections(); });
}

TEST_CASE("httpserver: gzip is refused with a clear error (no zlib)") {
  HTTPServerOptions opts;
  opts.decompress_request = true;
  CHECK_THROWS_AS(HTTPServer([](std::shared_ptr<HTTPServerRequest>) {}, opts),
                  std::invalid_argument);
}
