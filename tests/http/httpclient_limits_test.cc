// tests/http/httpclient_limits_test.cc: AsyncHTTPClient where it stops: a request timeout
// right before the loop goes, and gzip answers, which it cannot inflate (no zlib).
// Mirrors:  tornado/test/simple_httpclient_test.py (test_request_timeout, test_connect_timeout)
//           with the loop closed at once afterwards, as a program that gives up on a server
//           and exits does; httpclient_test.py (test_gzip, test_decompress_response false).
// Role:     the peers are bare sockets or a TCPServer answering canned bytes, so that the
//           exact head the server gets and the exact bytes it sends are the test's. For the
//           timeouts there is no server on the loop (its own connections would still be open
//           when the loop goes): a listener whose backlog is full (the connect never ends), a
//           listener that never accepts (the request sits in the kernel, no answer comes),
//           and one that answers a head and part of a body. After the 599 the client and the
//           loop are destroyed at once; every fd the fetch opened must be closed then, and
//           under ASan LeakSanitizer checks that no coroutine frame or stream was kept by a
//           cycle.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/http/httpclient.h"
#include "tornado/stream/tcpserver.h"

using namespace tornado;

namespace {

// A loop of the test's own, current while it lives, so that the test decides when it goes.
struct OwnLoop {
  IOLoop* previous = IOLoop::current_or_null();
  std::unique_ptr<IOLoop> loop = std::make_unique<IOLoop>();
  OwnLoop() { loop->make_current(); }
  ~OwnLoop() {
    loop.reset();
    if (previous) {
      previous->make_current();
    } else {
      IOLoop::clear_current();
    }
  }
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

enum class Peer { kBacklogFull, kSilent, kHalfBody };

}  // namespace

TEST_CASE("httpclient: the loop closed right after a request timeout keeps nothing alive") {
  // As Tornado, a request_timeout that ends while connecting says so.
  struct Row {
    const char* name;
    Peer peer;
    const char* error;
  };
  const Row rows[] = {
      {"timeout while connecting", Peer::kBacklogFull, "HTTP 599: Timeout while connecting"},
      {"timeout waiting for the answer", Peer::kSilent, "HTTP 599: Timeout during request"},
      {"timeout in the middle of the body", Peer::kHalfBody, "HTTP 599: Timeout during request"},
  };
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    const int fds_before = tornado::testing::count_open_fds();
    const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
    std::vector<int> peer_fds;  // fillers of the backlog, or the accepted connection
    {
      OwnLoop own;
      IOLoop& loop = *own.loop;
      if (row.peer == Peer::kBacklogFull) {
        // The queue holds one connection: once it is full the kernel drops the next SYN.
        REQUIRE(::listen(bound.fd, 0) == 0);
        for (int i = 0; i < 3; ++i) peer_fds.push_back(connect_to(bound.port));
      } else if (row.peer == Peer::kHalfBody) {
        REQUIRE(loop.add_handler(
                    bound.fd,
                    [&peer_fds](int fd, std::uint32_t) {
                      const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
                      if (c < 0) return;
                      peer_fds.push_back(c);
                      const std::string part =
                          "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
                      CHECK(::write(c, part.data(), part.size()) ==
                            static_cast<ssize_t>(part.size()));
                    },
                    IOLoop::READ) == 0);
      }
      auto client = std::make_unique<AsyncHTTPClient>();
      HTTPRequest r("http://127.0.0.1:" + std::to_string(bound.port) + "/");
      r.request_timeout = 0.1;
      HTTPResponse resp = tornado::testing::run_sync(loop, [&] { return client->fetch(r, false); });
      CHECK(resp.code == 599);
      CHECK_THROWS_WITH_AS(resp.rethrow(), row.error, HTTPClientError);
      client.reset();
    }  // the loop goes here, with whatever the timeout left pending in it
    for (int fd : peer_fds) ::close(fd);
    ::close(bound.fd);
    CHECK_MESSAGE(tornado::testing::count_open_fds() == fds_before,
                  "a connection of the timed-out fetch was kept");
  }
}

TEST_CASE("httpclient: decompress_response: no gzip is asked for, a gzip body is refused") {
  struct Row {
    const char* name;
    bool decompress_response;
    const char* method;
    const char* accept_encoding;  // set by the caller, or nullptr
    std::string response;
    int code;          // 599: the fetch failed
    const char* body;  // or the error's text, for a 599
  };
  const std::string gz = "\x1f\x8b\x08\x08gz";
  const Row rows[] = {
      {"gzip body, decompress_response (the default)", true, "GET", nullptr,
       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\n" + gz, 599,
       "the response is gzip-encoded and this client cannot inflate it"},
      {"gzip body the caller asked for", true, "GET", "gzip",
       "HTTP/1.1 200 OK\r\nContent-Encoding: GZIP\r\nContent-Length: 6\r\n\r\n" + gz, 599,
       "set decompress_response = false"},
      {"gzip body, decompress_response false: the bytes as sent", false, "GET", "gzip",
       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\n" + gz, 200,
       "\x1f\x8b\x08\x08gz"},
      {"gzip HEAD answer: no body to inflate", true, "HEAD", nullptr,
       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\n", 200, ""},
      {"another coding passes, as in Tornado", true, "GET", nullptr,
       "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nbr", 200, "br"},
  };
  tornado::testing::LoopCase c;
  const Row* current = nullptr;
  std::string head;  // what the server received
  TCPServer server([&](std::shared_ptr<IOStream> s, TCPServer::Address) -> Future<void> {
    head = co_await s->read_until("\r\n\r\n");
    co_await s->write(current->response);
    try {
      (void)co_await s->read_until_close();
    } catch (const StreamClosedError&) {
    }
  });
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  server.add_socket(bound.fd);
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    current = &row;
    AsyncHTTPClient client(HTTPClientOptions{.keep_alive = false});
    HTTPRequest r("http://127.0.0.1:" + std::to_string(bound.port) + "/");
    r.method = row.method;
    r.decompress_response = row.decompress_response;
    if (row.accept_encoding) r.headers.set("Accept-Encoding", row.accept_encoding);
    const HTTPResponse resp =
        tornado::testing::run_sync(c.loop(), [&] { return client.fetch(r, false); });
    CHECK(resp.code == row.code);
    if (row.code == 599) {
      try {
        resp.rethrow();
        FAIL("no error");
      } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(row.body) != std::string::npos);
      }
    } else {
      CHECK(resp.body == row.body);
      CHECK_FALSE(resp.headers.get("Content-Encoding").empty());
    }
    // The client asks for no coding it cannot undo: Accept-Encoding only when the caller set it.
    CHECK((head.find("Accept-Encoding") != std::string::npos) == (row.accept_encoding != nullptr));
  }
  server.stop();
  (void)tornado::testing::run_sync(c.loop(), [] { return gen::sleep(0.0); });
}
