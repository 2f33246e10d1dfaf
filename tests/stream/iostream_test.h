// tests/stream/iostream_test.h: what the IOStream tests share: connected loopback socket pairs
// (TCP over IPv4 or IPv6), a stream with a raw peer fd, and the process's CPU time.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string_view>

#include "tornado/stream/iostream.h"

namespace iostream_test {

using namespace tornado;

// Two connected TCP sockets on a loopback address (family AF_INET or AF_INET6); a = client.
// Returns false (and no fds) when the family is unavailable. A non-zero mss limits the segment
// size (set before the handshake).
inline bool tcp_pair(int family, int& a, int& b, int mss = 0) {
  const int l = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) return false;
  if (mss > 0) ::setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  }
  if (::bind(l, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(l, 1) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ::close(l);
    return false;
  }
  a = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (mss > 0) ::setsockopt(a, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  REQUIRE(::connect(a, reinterpret_cast<sockaddr*>(&ss), len) == 0);
  b = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(b >= 0);
  ::close(l);
  return true;
}

struct Pair {
  std::shared_ptr<IOStream> a, b;
};

inline Pair stream_pair(int family = AF_INET, IOStreamOptions opts = {}) {
  int a = -1, b = -1;
  REQUIRE(tcp_pair(family, a, b));
  return Pair{IOStream::create(a, opts), IOStream::create(b, opts)};
}

// A raw peer for byte-level control: one stream, and the other end as a plain fd.
struct RawPeer {
  std::shared_ptr<IOStream> stream;
  int fd = -1;
  ~RawPeer() {
    if (fd >= 0) ::close(fd);
  }
};

inline RawPeer raw_peer(IOStreamOptions opts = {}) {
  int a = -1, b = -1;
  REQUIRE(tcp_pair(AF_INET, a, b));
  RawPeer p;
  p.stream = IOStream::create(a, opts);
  p.fd = b;
  return p;
}

inline double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

inline void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace iostream_test
