// tests/reactor/ioloop_signal_test.cc: signals delivered as loop callbacks.
#include <doctest/doctest.h>
#include <signal.h>

#include <cerrno>
#include <thread>

#include "tests/support/async_test.h"
#include "tornado/reactor/ioloop.h"

using tornado::IOLoop;
using namespace tornado::testing;

TEST_CASE("ioloop_signal: SIGUSR1 raised in the process runs the handler on the loop") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    int got = 0;
    REQUIRE(c.loop().add_signal_handler(SIGUSR1, [&] {
      ++got;
      c.loop().stop();
    }) == 0);
    c.loop().call_later(0.01, [] { ::kill(::getpid(), SIGUSR1); });
    CHECK(start_with_timeout(c.loop()));
    CHECK(got == 1);
    CHECK(c.loop().remove_signal_handler(SIGUSR1) == 0);
  }
}

TEST_CASE("ioloop_signal: a signal from another thread wakes a blocked loop") {
  LoopCase c;
  bool got = false;
  REQUIRE(c.loop().add_signal_handler(SIGUSR2, [&] {
    got = true;
    c.loop().stop();
  }) == 0);
  std::thread t([] { ::kill(::getpid(), SIGUSR2); });
  CHECK(start_with_timeout(c.loop(), 10.0));
  t.join();
  CHECK(got);
  CHECK(c.loop().remove_signal_handler(SIGUSR2) == 0);
}

TEST_CASE("ioloop_signal: the previous disposition comes back; one loop per signal") {
  struct sigaction before {};
  ::sigaction(SIGUSR1, nullptr, &before);
  {
    LoopCase c;
    REQUIRE(c.loop().add_signal_handler(SIGUSR1, [] {}) == 0);
    IOLoop other;
    CHECK(other.add_signal_handler(SIGUSR1, [] {}) == -EBUSY);
    CHECK(c.loop().add_signal_handler(SIGKILL, [] {}) == -EINVAL);
    CHECK(c.loop().add_signal_handler(0, [] {}) == -EINVAL);
    CHECK(c.loop().remove_signal_handler(SIGUSR2) == -ENOENT);
    c.loop().close();  // restores SIGUSR1
    IOLoop::clear_current();
  }
  struct sigaction after {};
  ::sigaction(SIGUSR1, nullptr, &after);
  const bool restored = after.sa_handler == before.sa_handler;
  CHECK(restored);
}

TEST_CASE("ioloop_signal: signals arriving together each run their own handler") {
  LoopCase c;
  int usr1 = 0, usr2 = 0;
  REQUIRE(c.loop().add_signal_handler(SIGUSR1, [&] { ++usr1; }) == 0);
  REQUIRE(c.loop().add_signal_handler(SIGUSR2, [&] { ++usr2; }) == 0);
  ::kill(::getpid(), SIGUSR1);
  ::kill(::getpid(), SIGUSR2);
  CHECK(run_until(c.loop(), [&] { return usr1 == 1 && usr2 == 1; }));
  CHECK(c.loop().remove_signal_handler(SIGUSR1) == 0);
  CHECK(c.loop().remove_signal_handler(SIGUSR2) == 0);
}
