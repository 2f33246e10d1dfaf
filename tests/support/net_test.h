// tests/support/net_test.h: socket helpers shared by the stream tests.
//
// Mirrors:  the network parts of tornado/testing.py (bind_unused_port) and tornado/test/util.py
//           (skipIfNoIPv6), plus the addresses a connect test needs: one that refuses, and one
//           that never answers.
// Role:     plain blocking sockets for the far side of a test, so that what is under test is
//           the only non-blocking code in the case.
#pragma once

#include <sys/resource.h>
#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tornado/reactor/ioloop.h"
#include "tornado/stream/netutil.h"

namespace tornado::testing {

// Whether this host can bind ::1 (tornado/test/util.py skipIfNoIPv6).
bool ipv6_available();

// The loopback address of `family` with `port`.
netutil::SocketAddress loopback(int family, int port = 0);

// A blocking, close-on-exec socket connected to `to`; -1 on failure.
int connect_blocking(const netutil::SocketAddress& to);

// Closes every fd it holds when destroyed.
struct Fds {
  std::vector<int> fds;
  Fds() = default;
  explicit Fds(std::vector<int> v) : fds(std::move(v)) {}
  Fds(const Fds&) = delete;
  Fds& operator=(const Fds&) = delete;
  ~Fds();
  int operator[](std::size_t i) const { return fds[i]; }
};

// An address where nothing listens: a socket stays bound to it (without listen) for as long as
// this lives, so no other test can start listening there, and a connect gets ECONNREFUSED.
struct RefusingAddress {
  explicit RefusingAddress(int family = AF_INET);
  ~RefusingAddress();
  RefusingAddress(const RefusingAddress&) = delete;
  RefusingAddress& operator=(const RefusingAddress&) = delete;
  int fd = -1;
  netutil::SocketAddress address;
};

// An address whose SYNs are dropped, so a connect to it hangs: a loopback listener with
// backlog 0 that never accepts, its accept queue filled by connections made here (Linux drops
// a SYN when the accept queue is full). make() returns false if no connect hung.
struct BlackHole {
  ~BlackHole();
  bool make(int family);
  int listener = -1;
  std::vector<int> fillers;
  netutil::SocketAddress address;
};

// Sends `request` as raw bytes to 127.0.0.1:`port` and returns every byte the server sends
// until it closes, running `loop` (the server's) meanwhile; what came so far when `timeout`
// seconds pass. For what a client library would not send (absolute-form targets, pipelined
// HEAD and GET) and for checking the bytes on the wire.
std::string exchange_raw(IOLoop& loop, int port, std::string_view request, double timeout = 5);

// Raises the soft RLIMIT_NOFILE to at least `want` (up to the hard limit); false if the hard
// limit is lower.
bool ensure_fd_limit(rlim_t want);

}  // namespace tornado::testing
