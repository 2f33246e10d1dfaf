// tests/reactor/ioloop_test.cc: the IOLoop conformance suite: readiness, registration rules and
// callbacks (timeouts, start and stop: ioloop_timeout_test.cc).
//
// Mirrors:  tornado/test/ioloop_test.py (Tornado 4.5 names where a case matches one: say so).
// Every case runs on each of testing::backends() (epoll or kqueue, poll, select, and kqueue
// through the shim on Linux) as a subcase of its own (TORNADO_EACH_BACKEND), each on a fresh
// LoopCase that checks for leaks when it ends.
#include "tornado/reactor/ioloop.h"

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
#include "tests/support/write_byte.h"

using tornado::Callback;
using tornado::IOLoop;
using tornado::Timeout;
using namespace tornado::testing;

// ---------------------------------------------------------------- readiness

TEST_CASE("ioloop: pipe becomes readable, handler gets fd and READ") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p = make_pipe();
    int got_fd = -1;
    std::uint32_t got_events = 0;
    REQUIRE(c.loop().add_handler(
                p.a,
                [&](int fd, std::uint32_t ev) {
                  got_fd = fd;
                  got_events = ev;
                  char buf[8];
                  (void)!::read(fd, buf, sizeof buf);
                },
                IOLoop::READ) == 0);
    c.loop().run_once(0);
    CHECK(got_fd == -1);  // nothing written yet
    write_byte(p.b);
    CHECK(run_until(c.loop(), [&] { return got_fd != -1; }));
    CHECK(got_fd == p.a);
    CHECK((got_events & IOLoop::READ) != 0);
    CHECK(c.loop().remove_handler(p.a) == 0);
  }
}

TEST_CASE("ioloop: socketpair write readiness, then interest dropped with update_handler") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair s = make_socketpair();
    int writable = 0;
    REQUIRE(c.loop().add_handler(
                s.a,
                [&](int, std::uint32_t ev) {
                  if (ev & IOLoop::WRITE) ++writable;
                },
                IOLoop::WRITE) == 0);
    CHECK(run_until(c.loop(), [&] { return writable > 0; }));
    CHECK(c.loop().update_handler(s.a, IOLoop::READ) == 0);
    const int before = writable;
    c.loop().run_once(0.02);
    CHECK(writable == before);  // no WRITE interest, no more WRITE events
    CHECK(c.loop().remove_handler(s.a) == 0);
  }
}

TEST_CASE("ioloop: peer hang-up wakes a READ handler; the read sees EOF") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair s = make_socketpair();
    bool eof = false;
    REQUIRE(c.loop().add_handler(
                s.a,
                [&](int fd, std::uint32_t) {
                  char buf[8];
                  if (::read(fd, buf, sizeof buf) == 0) eof = true;
                },
                IOLoop::READ) == 0);
    s.close_b();
    CHECK(run_until(c.loop(), [&] { return eof; }));
    CHECK(c.loop().remove_handler(s.a) == 0);
  }
}

TEST_CASE("ioloop: a pipe whose writer closed reports READ or ERROR, never nothing") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p = make_pipe();
    std::uint32_t got = 0;
    REQUIRE(c.loop().add_handler(
                p.a, [&](int, std::uint32_t ev) { got |= ev; }, IOLoop::READ) == 0);
    p.close_b();
    CHECK(run_until(c.loop(), [&] { return got != 0; }));
    CHECK((got & (IOLoop::READ | IOLoop::ERROR)) != 0);
    CHECK(c.loop().remove_handler(p.a) == 0);
  }
}

TEST_CASE("ioloop: writing to a socket whose peer reset reports ERROR or WRITE with an error") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair s = make_socketpair();
    s.close_b();
    bool woke = false;
    REQUIRE(c.loop().add_handler(
                s.a,
                [&](int fd, std::uint32_t ev) {
                  woke = true;
                  if (ev & IOLoop::WRITE) {
                    const char x = 'x';
                    CHECK(::send(fd, &x, 1, MSG_NOSIGNAL) == -1);
                    CHECK(errno == EPIPE);
                  }
                },
                IOLoop::WRITE) == 0);
    CHECK(run_until(c.loop(), [&] { return woke; }));
    CHECK(c.loop().remove_handler(s.a) == 0);
  }
}

// ---------------------------------------------------------------- registration rules

TEST_CASE("ioloop: add_handler twice is -EEXIST; update/remove of unknown fd is -ENOENT") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p = make_pipe();
    REQUIRE(c.loop().add_handler(
                p.a, [](int, std::uint32_t) {}, IOLoop::READ) == 0);
    CHECK(c.loop().add_handler(
              p.a, [](int, std::uint32_t) {}, IOLoop::READ) == -EEXIST);
    CHECK(c.loop().update_handler(p.b, IOLoop::READ) == -ENOENT);
    CHECK(c.loop().remove_handler(p.b) == -ENOENT);
    CHECK(c.loop().has_handler(p.a));
    CHECK(c.loop().remove_handler(p.a) == 0);
    CHECK_FALSE(c.loop().has_handler(p.a));
    CHECK(c.loop().add_handler(
              -1, [](int, std::uint32_t) {}, IOLoop::READ) == -EBADF);
  }
}

// Tornado: test_remove_handler_from_handler.
TEST_CASE("ioloop: remove_handler_from_handler: a handler removed by another is not called") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p1 = make_pipe();
    FdPair p2 = make_pipe();
    write_byte(p1.b);
    write_byte(p2.b);
    int calls = 0;
    // Whichever handler runs first removes both; the other must not run in this iteration.
    auto handler = [&](int, std::uint32_t) {
      ++calls;
      (void)c.loop().remove_handler(p1.a);
      (void)c.loop().remove_handler(p2.a);
    };
    REQUIRE(c.loop().add_handler(p1.a, handler, IOLoop::READ) == 0);
    REQUIRE(c.loop().add_handler(p2.a, handler, IOLoop::READ) == 0);
    c.loop().run_once(1.0);
    c.loop().run_once(0.02);
    CHECK(calls == 1);
  }
}

TEST_CASE("ioloop: a handler may remove itself and its captures stay alive until it returns") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p = make_pipe();
    write_byte(p.b);
    auto token = std::make_shared<int>(42);
    std::weak_ptr<int> weak = token;
    int seen = 0;
    REQUIRE(c.loop().add_handler(
                p.a,
                [&, token](int fd, std::uint32_t) {
                  (void)c.loop().remove_handler(fd);
                  seen = *token;  // still valid: the running callable was not destroyed
                },
                IOLoop::READ) == 0);
    token.reset();
    c.loop().run_once(1.0);
    CHECK(seen == 42);
    CHECK(weak.expired());  // and released once the iteration ended
  }
}

TEST_CASE("ioloop: a handler may replace itself with a new one for the same fd") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair p = make_pipe();
    write_byte(p.b);
    int first = 0, second = 0;
    REQUIRE(c.loop().add_handler(
                p.a,
                [&](int fd, std::uint32_t) {
                  ++first;
                  (void)c.loop().remove_handler(fd);
                  REQUIRE(c.loop().add_handler(
                              fd,
                              [&](int fd2, std::uint32_t) {
                                ++second;
                                char b;
                                (void)!::read(fd2, &b, 1);
                              },
                              IOLoop::READ) == 0);
                },
                IOLoop::READ) == 0);
    c.loop().run_once(1.0);
    CHECK(first == 1);
    CHECK(second == 0);  // added after the poll: this iteration's event is not for it
    CHECK(run_until(c.loop(), [&] { return second == 1; }));
    CHECK(first == 1);
    CHECK(c.loop().remove_handler(p.a) == 0);
  }
}

// The fd-reuse race: fd A is closed and its number reused by a new file in the same iteration;
// the new file's handler must not get A's stale event.
TEST_CASE("ioloop: fd reuse in one iteration gets no stale event") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    FdPair trigger = make_pipe();
    FdPair victim = make_pipe();
    write_byte(trigger.b);
    write_byte(victim.b);  // victim.a is readable in the same poll
    int reused_calls = 0;
    int victim_calls = 0;
    FdPair fresh;
    auto on_trigger = [&](int fd, std::uint32_t) {
      (void)c.loop().remove_handler(fd);
      // Close the victim and make a new pipe: its read end takes the victim's fd number.
      const int old = victim.a;
      (void)c.loop().remove_handler(old);
      victim.close_a();
      fresh = make_pipe();
      if (fresh.a != old) {
        // The kernel gave another number (it hands out the lowest free one; the trigger's own
        // fd is still open): move it onto the old number so the race is real.
        REQUIRE(::dup2(fresh.a, old) == old);
        ::close(fresh.a);
        fresh.a = old;
      }
      REQUIRE(c.loop().add_handler(
                  fresh.a, [&](int, std::uint32_t) { ++reused_calls; }, IOLoop::READ) == 0);
    };
    auto on_victim = [&](int, std::uint32_t) { ++victim_calls; };
    REQUIRE(c.loop().add_handler(trigger.a, on_trigger, IOLoop::READ) == 0);
    REQUIRE(c.loop().add_handler(victim.a, on_victim, IOLoop::READ) == 0);
    c.loop().run_once(1.0);
    // The trigger was made and registered first, so every backend reports it first; the
    // victim's event, collected in the same poll, must be dropped.
    CHECK(victim_calls == 0);
    CHECK(reused_calls == 0);
    c.loop().run_once(0.02);
    CHECK(reused_calls == 0);  // the fresh pipe has nothing to read
    (void)c.loop().remove_handler(fresh.a);
  }
}

TEST_CASE("ioloop: many fds (1200) on one loop all get their events") {
  TORNADO_EACH_BACKEND(backend) {
    if (backend == "select") continue;  // FD_SETSIZE: see the select case below
    INFO("backend: " << backend);
    LoopCase c(backend);
    std::vector<FdPair> pairs;
    pairs.reserve(600);
    for (int i = 0; i < 600; ++i) pairs.push_back(make_socketpair());  // 1200 fds
    int hits = 0;
    for (auto& p : pairs) {
      REQUIRE(c.loop().add_handler(
                  p.a,
                  [&](int fd, std::uint32_t) {
                    char b;
                    (void)!::read(fd, &b, 1);
                    ++hits;
                    (void)c.loop().remove_handler(fd);
                  },
                  IOLoop::READ) == 0);
      write_byte(p.b);
    }
    CHECK(run_until(c.loop(), [&] { return hits == 600; }));
    CHECK(hits == 600);
  }
}

TEST_CASE("ioloop: select refuses fds past FD_SETSIZE with a clear error") {
  LoopCase c("select");
  FdPair p = make_pipe();
  const int high = ::fcntl(p.a, F_DUPFD_CLOEXEC, FD_SETSIZE + 5);
  if (high < 0) {
    TORNADO_SKIP("RLIMIT_NOFILE too low to open an fd past FD_SETSIZE");
  }
  ExpectLog log("FD_SETSIZE");
  CHECK(c.loop().add_handler(
            high, [](int, std::uint32_t) {}, IOLoop::READ) == -EINVAL);
  CHECK(log.count() == 1);
  CHECK_FALSE(c.loop().has_handler(high));
  ::close(high);
}

// ---------------------------------------------------------------- callbacks

TEST_CASE("ioloop: callbacks run in order; ones added while running wait for the next iteration") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    std::vector<int> order;
    std::uint64_t iteration_of_late = 0, iteration_of_first = 0;
    c.loop().add_callback([&] {
      order.push_back(1);
      iteration_of_first = c.loop().iterations();
      c.loop().add_callback([&] {
        order.push_back(3);
        iteration_of_late = c.loop().iterations();
        c.loop().stop();
      });
    });
    c.loop().add_callback([&] { order.push_back(2); });
    CHECK(start_with_timeout(c.loop()));
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(iteration_of_late == iteration_of_first + 1);
  }
}

TEST_CASE("ioloop: pending callbacks make the poll not wait") {
  LoopCase c;
  FdPair p = make_pipe();  // nothing will ever be readable
  REQUIRE(c.loop().add_handler(
              p.a, [](int, std::uint32_t) {}, IOLoop::READ) == 0);
  int n = 0;
  std::function<void()> again = [&] {
    if (++n < 1000) c.loop().add_callback([&] { again(); });
  };
  c.loop().add_callback([&] { again(); });
  const double t0 = c.loop().time();
  CHECK(run_until(
      c.loop(), [&] { return n == 1000; }, 5.0));
  CHECK(c.loop().time() - t0 < 2.0);  // 1000 polls of 50 ms would take 50 s
  CHECK(c.loop().remove_handler(p.a) == 0);
}

TEST_CASE("ioloop: an exception escaping a callback is logged and the loop goes on") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    ExpectLog log("Exception in callback");
    bool after = false;
    c.loop().add_callback([] { throw std::runtime_error("boom"); });
    c.loop().add_callback([&] { after = true; });
    c.loop().call_later(0.001, [] { throw 7; });
    CHECK(run_until(c.loop(), [&] { return after && c.loop().pending_timeouts() == 0; }));
    CHECK(log.count() == 1);
    bool saw_boom = false, saw_timeout = false;
    for (const auto& l : log.lines()) {
      saw_boom = saw_boom || l.find("boom") != std::string::npos;
      saw_timeout = saw_timeout || l.find("Exception in timeout") != std::string::npos;
    }
    CHECK(saw_boom);
    CHECK(saw_timeout);
  }
}

TEST_CASE("ioloop: an exception escaping a handler is logged and the loop goes on") {
  LoopCase c;
  FdPair p = make_pipe();
  write_byte(p.b);
  ExpectLog log("Exception in handler");
  int calls = 0;
  REQUIRE(c.loop().add_handler(
              p.a,
              [&](int, std::uint32_t) {
                if (++calls == 1) throw std::runtime_error("handler failed");
                char b;
                (void)!::read(p.a, &b, 1);
              },
              IOLoop::READ, tornado::SourceLocation{"handler_origin.cc", 4242}) == 0);
  CHECK(run_until(c.loop(), [&] { return calls == 2; }));
  CHECK(log.count() == 1);
  // The slot keeps where the handler was added (its file and line), for the log.
  REQUIRE(log.lines().size() == 1);
  CHECK(log.lines()[0].find("(scheduled at handler_origin.cc:4242)") != std::string::npos);
  CHECK(c.loop().remove_handler(p.a) == 0);
}

TEST_CASE("ioloop: a handler that replaces itself and then throws is logged with its own origin") {
  LoopCase c;
  FdPair p = make_pipe();
  write_byte(p.b);
  ExpectLog log("Exception in handler");
  bool replaced = false;
  REQUIRE(c.loop().add_handler(
              p.a,
              [&](int fd, std::uint32_t) {
                char b;
                (void)!::read(fd, &b, 1);
                REQUIRE(c.loop().remove_handler(fd) == 0);
                REQUIRE(c.loop().add_handler(
                            fd, [](int, std::uint32_t) {}, IOLoop::READ,
                            tornado::SourceLocation{"replacement.cc", 2}) == 0);
                replaced = true;
                throw std::runtime_error("after replacing");
              },
              IOLoop::READ, tornado::SourceLocation{"original.cc", 1}) == 0);
  CHECK(run_until(c.loop(), [&] { return replaced; }));
  REQUIRE(log.lines().size() == 1);
  // The slot now names the replacement; the line must name the handler that threw.
  CHECK(log.lines()[0].find("(scheduled at original.cc:1)") != std::string::npos);
  CHECK(c.loop().remove_handler(p.a) == 0);
}

TEST_CASE("ioloop: set_blocking_log_threshold names a slow handler, and its exceptions still log") {
  LoopCase c;
  c.loop().set_blocking_log_threshold(0.01);
  FdPair p = make_pipe();
  write_byte(p.b);
  ExpectLog log("Exception in handler");  // keeps every line; counts this one
  int calls = 0;
  REQUIRE(c.loop().add_handler(
              p.a,
              [&](int fd, std::uint32_t) {
                if (++calls == 1) {
                  ::usleep(30000);  // the blocking call under test, not a wait
                  return;
                }
                char b;
                (void)!::read(fd, &b, 1);
                throw std::runtime_error("slow path");
              },
              IOLoop::READ, tornado::SourceLocation{"slow_handler.cc", 7}) == 0);
  CHECK(run_until(c.loop(), [&] { return calls == 2; }));
  CHECK(log.count() == 1);
  int slow = 0;
  for (const std::string& line : log.lines()) {
    if (line.find("IOLoop blocked for") != std::string::npos &&
        line.find("in handler (scheduled at slow_handler.cc:7)") != std::string::npos)
      ++slow;
  }
  CHECK(slow >= 1);  // the first call; the second may be slow too on a loaded machine
  CHECK(c.loop().remove_handler(p.a) == 0);
}
