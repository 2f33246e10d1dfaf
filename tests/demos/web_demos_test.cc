// tests/demos/web_demos_test.cc: helloworld and nonblocking driven as a user would: the built
// binaries, started with --port=0, spoken to over plain sockets.
// Mirrors:  Tornado's demos/helloworld and the nonblocking lesson (/sleep, /blocking,
//           /justnow) of its documentation.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_get(int fd, const std::string& path) {
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
}

// Reads until the server closes (Connection: close), waiting at most `seconds` in all.
std::string read_all(int fd, double seconds) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("demos: helloworld answers Hello, world") {
  LoopCase c;
  DemoProcess demo(c.loop(), "helloworld");
  if (!demo.running()) {
    MESSAGE("skipped: " << demo.skip_reason());
    return;
  }
  const int fd = connect_to(demo.port());
  send_get(fd, "/");
  const std::string r = read_all(fd, 10);
  ::close(fd);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\nContent-Length: 12\r\n") != std::string::npos);
  CHECK(r.substr(r.size() - 12) == "Hello, world");
  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("demos: nonblocking: /justnow answers in under 50 ms while 20 /sleep and 20 /blocking wait") {
  LoopCase c;
  DemoProcess demo(c.loop(), "nonblocking", {"--delay=0.3s"});
  if (!demo.running()) {
    MESSAGE("skipped: " << demo.skip_reason());
    return;
  }
  std::vector<int> sleepers, blockers;
  for (int i = 0; i < 20; ++i) {
    sleepers.push_back(connect_to(demo.port()));
    send_get(sleepers.back(), "/sleep");
    blockers.push_back(connect_to(demo.port()));
    send_get(blockers.back(), "/blocking");
  }
  // All 40 are in flight: the 20 /blocking take 3 s on the executor's two threads.
  const auto t0 = std::chrono::steady_clock::now();
  const int fd = connect_to(demo.port());
  send_get(fd, "/justnow");
  const std::string r = read_all(fd, 10);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  CHECK(r.find("i am just now") != std::string::npos);
  CHECK(ms < 50);
  MESSAGE("/justnow took " << ms << " ms");
  for (int s : sleepers) {
    CHECK(read_all(s, 10).find("slept") != std::string::npos);
    ::close(s);
  }
  for (int b : blockers) {
    CHECK(read_all(b, 10).find("blocked for a while") != std::string::npos);
    ::close(b);
  }
  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
