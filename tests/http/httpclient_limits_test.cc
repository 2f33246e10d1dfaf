// tests/http/httpclient_limits_test.cc: AsyncHTTPClient where it stops: a request timeout
// right before the loop goes.
// Mirrors:  tornado/test/simple_httpclient_test.py (test_request_timeout, test_connect_timeout)
//           with the loop closed at once afterwards, as a program that gives up on a server
//           and exits does.
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
#include "tornado/http/httpclient.h"

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
