// tests/reactor/ioloop_timeout_test.cc: the IOLoop conformance suite, continued: timeouts, start
// and stop, and the host-loop interface, each case once per backend.
//
// Mirrors:  tornado/test/ioloop_test.py (Tornado 4.5 names where a case matches one: say so).
// Every case runs on each of testing::backends() (TORNADO_EACH_BACKEND), each on a fresh
// LoopCase that checks for leaks when it ends.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/reactor/ioloop.h"

using tornado::Callback;
using tornado::IOLoop;
using tornado::Timeout;
using namespace tornado::testing;

// ---------------------------------------------------------------- timeouts

TEST_CASE("ioloop: timeouts fire in deadline order, equal deadlines in FIFO order") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    std::vector<int> order;
    const double now = c.loop().time();
    c.loop().call_at(now + 0.03, [&] { order.push_back(3); });
    c.loop().call_at(now + 0.01, [&] { order.push_back(1); });
    c.loop().call_at(now + 0.02, [&] { order.push_back(2); });
    c.loop().call_at(now + 0.02, [&] { order.push_back(22); });
    c.loop().call_at(now + 0.04, [&] { c.loop().stop(); });
    CHECK(start_with_timeout(c.loop()));
    CHECK(order == std::vector<int>{1, 2, 22, 3});
  }
}

TEST_CASE("ioloop: a timeout never fires early") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    const double delays[] = {0.0005, 0.0015, 0.004, 0.0101, 0.033};
    int fired = 0;
    bool early = false;
    for (double d : delays) {
      const double due = c.loop().time() + d;
      c.loop().call_at(due, [&, due] {
        early = early || c.loop().time() < due;
        ++fired;
      });
    }
    CHECK(run_until(c.loop(), [&] { return fired == 5; }));
    CHECK_FALSE(early);
  }
}

// Tornado: test_remove_timeout_after_fire, test_remove_timeout_cleanup.
TEST_CASE("ioloop: remove_timeout_after_fire and double removal are harmless") {
  LoopCase c;
  bool ran = false;
  Timeout t = c.loop().call_later(0, [&] { ran = true; });
  CHECK(run_until(c.loop(), [&] { return ran; }));
  CHECK_FALSE(c.loop().remove_timeout(t));
  Timeout u = c.loop().call_later(10, [] {});
  CHECK(c.loop().remove_timeout(u));
  CHECK_FALSE(c.loop().remove_timeout(u));
  CHECK_FALSE(c.loop().remove_timeout(Timeout{}));
}

// Tornado: test_remove_timeout_from_timeout.
TEST_CASE(
    "ioloop: remove_timeout_from_timeout: a due timeout cancelled by an earlier one does not run") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    bool second_ran = false;
    const double when = c.loop().time() + 0.01;
    Timeout second;
    c.loop().call_at(when, [&] { c.loop().remove_timeout(second); });
    second = c.loop().call_at(when, [&] { second_ran = true; });
    // Both are due in the same iteration; the first cancels the second.
    CHECK(run_until(c.loop(), [&] { return c.loop().pending_timeouts() == 0; }));
    CHECK_FALSE(second_ran);
  }
}

TEST_CASE("ioloop: a callback cancels a timeout that is due in the same iteration") {
  LoopCase c;
  bool ran = false;
  Timeout t = c.loop().call_later(0, [&] { ran = true; });
  c.loop().add_callback([&] { c.loop().remove_timeout(t); });
  c.loop().run_once(0);
  c.loop().run_once(0);
  CHECK_FALSE(ran);
}

TEST_CASE("ioloop: a timeout that adds a due timeout gets it run on the next iteration") {
  LoopCase c;
  std::uint64_t first_iter = 0, second_iter = 0;
  c.loop().call_later(0, [&] {
    first_iter = c.loop().iterations();
    c.loop().call_later(0, [&] { second_iter = c.loop().iterations(); });
  });
  CHECK(run_until(c.loop(), [&] { return second_iter != 0; }));
  CHECK(second_iter == first_iter + 1);
}

TEST_CASE("ioloop: many cancellations compact the heap") {
  LoopCase c;
  std::vector<Timeout> ts;
  for (int i = 0; i < 2000; ++i) ts.push_back(c.loop().call_later(100 + i, [] {}));
  for (int i = 0; i < 1500; ++i) c.loop().remove_timeout(ts[static_cast<std::size_t>(i)]);
  c.loop().run_once(0);
  CHECK(c.loop().pending_timeouts() == 500);
  for (int i = 1500; i < 2000; ++i) c.loop().remove_timeout(ts[static_cast<std::size_t>(i)]);
}

TEST_CASE("ioloop: timeouts accept std::chrono durations") {
  LoopCase c;
  bool ran = false;
  const double t0 = c.loop().time();
  c.loop().call_later(std::chrono::milliseconds(20), [&] { ran = true; });
  CHECK(run_until(c.loop(), [&] { return ran; }));
  CHECK(c.loop().time() - t0 >= 0.020);
}

// ---------------------------------------------------------------- start and stop

// Tornado: test_stop_before_start (4.x: stop() then start() returns at once).
TEST_CASE("ioloop: stop() before start() makes start() return at once") {
  LoopCase c;
  bool ran = false;
  const Timeout later = c.loop().call_later(5, [&] { ran = true; });
  c.loop().stop();
  const double t0 = c.loop().time();
  c.loop().start();
  CHECK(c.loop().time() - t0 < 1.0);
  CHECK_FALSE(ran);
  // The stop was consumed: the next start runs normally.
  c.loop().add_callback([&] { c.loop().stop(); });
  CHECK(start_with_timeout(c.loop()));
  CHECK(c.loop().remove_timeout(later));
}

// Tornado: test_reentrant.
TEST_CASE("ioloop: reentrant start() is rejected") {
  LoopCase c;
  bool threw = false;
  c.loop().add_callback([&] {
    try {
      c.loop().start();
    } catch (const std::logic_error&) {
      threw = true;
    }
    c.loop().stop();
  });
  CHECK(start_with_timeout(c.loop()));
  CHECK(threw);
}

TEST_CASE("ioloop: run until stop from a timeout; work queued before the stop still runs") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    bool queued_ran = false;
    c.loop().call_later(0.01, [&] {
      c.loop().add_callback([&] { queued_ran = true; });
      c.loop().stop();
    });
    CHECK(start_with_timeout(c.loop()));
    // stop() ends start() before the next poll; the callback is still queued, and runs when
    // the loop next runs (as in Tornado).
    c.loop().run_once(0);
    CHECK(queued_ran);
  }
}

TEST_CASE("ioloop: close() with a running loop is an error; add_callback after close is dropped") {
  LoopCase c;
  bool threw = false;
  c.loop().add_callback([&] {
    try {
      c.loop().close();
    } catch (const std::logic_error&) {
      threw = true;
    }
    c.loop().stop();
  });
  CHECK(start_with_timeout(c.loop()));
  CHECK(threw);
  IOLoop other;
  other.close();
  other.add_callback([] {});
  CHECK(other.pending_callbacks() == 0);
  CHECK(other.closed());
}

TEST_CASE("ioloop: close(true) closes the fds that still have handlers") {
  FdPair p = make_pipe();
  {
    IOLoop loop;
    REQUIRE(loop.add_handler(
                p.a, [](int, std::uint32_t) {}, IOLoop::READ) == 0);
    loop.close(true);
  }
  CHECK(::fcntl(p.a, F_GETFD) == -1);
  CHECK(errno == EBADF);
  p.a = -1;
}

TEST_CASE("ioloop: current() is per thread; a new loop becomes current when there is none") {
  IOLoop::clear_current();
  CHECK(IOLoop::current_or_null() == nullptr);
  {
    IOLoop a;
    CHECK(IOLoop::current_or_null() == &a);
    IOLoop b;
    CHECK(IOLoop::current_or_null() == &a);
    b.make_current();
    CHECK(&IOLoop::current() == &b);
    IOLoop::clear_current();
  }
  CHECK(IOLoop::current_or_null() == nullptr);
}

TEST_CASE("ioloop: configure() picks the backend; unknown names are rejected") {
  CHECK_THROWS_AS(IOLoop::configure("nonesuch"), std::invalid_argument);
  CHECK_THROWS_AS(IOLoop("nonesuch"), std::invalid_argument);
  IOLoop::configure("poll");
  {
    IOLoop loop;
    CHECK(std::string(loop.poller_name()) == "poll");
  }
  IOLoop::configure("");
  IOLoop loop;
  CHECK(std::string(loop.poller_name()) == IOLoop::configured());
  IOLoop::clear_current();
}

// ---------------------------------------------------------------- host loops

TEST_CASE("ioloop: run_once, poll_fd and next_timeout let a host loop drive it") {
  LoopCase c("epoll");
  CHECK(c.loop().poll_fd() >= 0);
  CHECK(c.loop().next_timeout() == -1.0);
  bool ran = false;
  c.loop().call_later(0.05, [&] { ran = true; });
  const double wait = c.loop().next_timeout();
  CHECK(wait > 0.0);
  CHECK(wait <= 0.05);
  // A host loop would poll poll_fd() for `wait` seconds, then call run_once(0).
  pollfd pfd{c.loop().poll_fd(), POLLIN, 0};
  (void)::poll(&pfd, 1, static_cast<int>(wait * 1000) + 1);
  while (!ran) c.loop().run_once(0.1);
  CHECK(ran);
  c.loop().add_callback([] {});
  CHECK(c.loop().next_timeout() == 0.0);
  c.loop().run_once(0);
  LoopCase d("poll");
  CHECK(d.loop().poll_fd() == -1);
}

TEST_CASE("ioloop: set_blocking_log_threshold names the slow callback") {
  LoopCase c;
  c.loop().set_blocking_log_threshold(0.01);
  ExpectLog log("IOLoop blocked for");
  c.loop().add_callback([] { ::usleep(30000); });  // the blocking call under test, not a wait
  c.loop().add_callback([] {});
  c.loop().run_once(0);
  REQUIRE(log.count() == 1);
  CHECK(log.lines()[0].find("ioloop_timeout_test.cc") != std::string::npos);
}
