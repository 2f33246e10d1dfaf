// tests/support/net_test.cc: plain sockets for the far side of stream tests.
#include "tests/support/net_test.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "tests/support/async_test.h"

namespace tornado::testing {

bool ipv6_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const netutil::SocketAddress a = loopback(AF_INET6);
  const bool ok = ::bind(fd, a.get(), a.len) == 0;
  ::close(fd);
  return ok;
}

netutil::SocketAddress loopback(int family, int port) {
  return *netutil::SocketAddress::from_ip(family == AF_INET6 ? "::1" : "127.0.0.1", port);
}

int connect_blocking(const netutil::SocketAddress& to) {
  const int fd = ::socket(to.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, to.get(), to.len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

Fds::~Fds() {
  for (int fd : fds) ::close(fd);
}

RefusingAddress::RefusingAddress(int family) {
  fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const netutil::SocketAddress a = loopback(family);
  if (fd >= 0 && ::bind(fd, a.get(), a.len) == 0) address = netutil::SocketAddress::of_socket(fd);
}

RefusingAddress::~RefusingAddress() {
  if (fd >= 0) ::close(fd);
}

BlackHole::~BlackHole() {
  for (int fd : fillers) ::close(fd);
  if (listener >= 0) ::close(listener);
}

bool BlackHole::make(int family) {
  listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return false;
  const netutil::SocketAddress a = loopback(family);
  if (::bind(listener, a.get(), a.len) != 0 || ::listen(listener, 0) != 0) return false;
  address = netutil::SocketAddress::of_socket(listener);
  for (int i = 0; i < 8; ++i) {
    const int c = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c < 0) return false;
    if (::connect(c, address.get(), address.len) != 0 && errno != EINPROGRESS) {
      ::close(c);
      return false;
    }
    pollfd p{c, POLLOUT, 0};
    if (::poll(&p, 1, 300) == 0) {  // no answer within 300 ms: the SYN was dropped
      ::close(c);
      return true;
    }
    fillers.push_back(c);  // it got in, and now takes a place in the accept queue
  }
  return false;
}

std::string exchange_raw(IOLoop& loop, int port, std::string_view request, double timeout) {
  const int fd = connect_blocking(loopback(AF_INET, port));
  if (fd < 0) return {};
  std::string got;
  // The server runs on this thread: the request is small enough for the socket buffer, and
  // the answer is read without blocking while the loop turns.
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    run_until(
        loop,
        [&] {
          char buf[4096];
          for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
              got.append(buf, static_cast<std::size_t>(n));
              continue;
            }
            return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
          }
        },
        timeout);
  }
  ::close(fd);
  return got;
}

bool ensure_fd_limit(rlim_t want) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want) return true;
  if (rl.rlim_cur == RLIM_INFINITY) return true;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) return false;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : rl.rlim_max;
  return ::setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

}  // namespace tornado::testing
