// tests/support/async_test.h: what every loop test needs.
//
// Mirrors:  tornado/testing.py (AsyncTestCase, bind_unused_port, ExpectLog).
// Role:     LoopCase gives a test a fresh IOLoop and, when the test ends, checks that nothing
//           leaked: no user handler, no pending callback, no live timeout, and no fd left open
//           that the case created (libuv's "make valgrind happy", plus an fd count).
//           run_until() waits on the loop with a deadline, never with a sleep.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tornado/gen/gen.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"

namespace tornado::testing {

// The poller backends this test binary has (epoll/kqueue, poll, select; kqueue through the
// shim on Linux).
std::vector<std::string> backends();

// Runs the block that follows once per backend, each run a doctest subcase named after the
// backend, so that one backend's failure (a REQUIRE that ends the run) does not hide the
// others':
//   TEST_CASE("...") {
//     TORNADO_EACH_BACKEND(backend) {
//       LoopCase c(backend);
//       ...
//     }
//   }
#define TORNADO_EACH_BACKEND(name) \
  for (const std::string& name : ::tornado::testing::backends()) SUBCASE(name.c_str())

int count_open_fds();

// A listening socket on 127.0.0.1 with a port the kernel chose (Tornado's bind_unused_port):
// the fd (the caller owns it) and the port.
struct BoundPort {
  int fd;
  int port;
};
BoundPort bind_unused_port();

// A fresh loop on one backend, with an end-of-case leak check.
class LoopCase {
 public:
  explicit LoopCase(const std::string& backend = {});
  ~LoopCase();
  IOLoop& loop() { return *loop_; }

 private:
  int fds_before_;
  std::unique_ptr<IOLoop> loop_;
};

// How long a test's run_sync waits before it fails with TimeoutError, so that a hang fails the
// case in seconds instead of stalling the suite.
inline constexpr double kRunSyncTimeout = 10.0;

// gen::run_sync with the tests' default timeout: every loop a test runs this way is bounded.
template <class F>
decltype(auto) run_sync(IOLoop& loop, F&& fn,
                        gen::Duration timeout = gen::Duration(kRunSyncTimeout)) {
  return gen::run_sync(loop, std::forward<F>(fn), timeout);
}

// Marks the running case as skipped, with its reason (a peer that is not installed, a limit
// this host sets). The runner counts it apart from the passed ones and lists the reasons before
// its closing line. Use TORNADO_SKIP, which also leaves the case.
void skip_case(const std::string& reason);
// The reason the running case was skipped for, and clears it (tests/main.cc's listener).
std::string take_skip_reason();
#define TORNADO_SKIP(reason)               \
  do {                                     \
    ::tornado::testing::skip_case(reason); \
    return;                                \
  } while (0)

// Runs loop iterations until done() is true or `timeout` seconds pass; returns done().
bool run_until(IOLoop& loop, const std::function<bool()>& done, double timeout = 5.0);

// Runs start() with a safety timeout that stops the loop; returns false if the timeout fired.
bool start_with_timeout(IOLoop& loop, double timeout = 5.0);

// Captures log records while alive (Tornado's ExpectLog); matches by substring.
class ExpectLog {
 public:
  explicit ExpectLog(std::string substring);
  ~ExpectLog();
  int count() const { return count_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::string substring_;
  int count_ = 0;
  std::vector<std::string> lines_;
  log::Sink previous_;
};

// Two connected non-blocking, close-on-exec fds: a socketpair or a pipe.
struct FdPair {
  int a = -1;
  int b = -1;
  FdPair() = default;
  FdPair(FdPair&& o) noexcept : a(o.a), b(o.b) { o.a = o.b = -1; }
  FdPair& operator=(FdPair&& o) noexcept {
    if (this != &o) {
      close_a();
      close_b();
      a = o.a;
      b = o.b;
      o.a = o.b = -1;
    }
    return *this;
  }
  ~FdPair();
  void close_a();
  void close_b();
};
FdPair make_socketpair();
FdPair make_pipe();  // a = read end, b = write end

}  // namespace tornado::testing
