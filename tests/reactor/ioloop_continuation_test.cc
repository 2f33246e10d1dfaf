// tests/reactor/ioloop_continuation_test.cc: continuations and the busy loop's poll pacing.
//
// Mirrors:  no Tornado test (Tornado resumes Future waiters a full iteration later); these
//           cases pin down IOLoop::add_continuation and kCallbacksPerPoll, which Futures use
//           to resume coroutines in the iteration that resolved them (man tornado.ioloop).
#include <doctest/doctest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/write_byte.h"
#include "tornado/reactor/ioloop.h"

using tornado::IOLoop;
using namespace tornado::testing;

// ---------------------------------------------------------------- continuations and pacing

TEST_CASE("ioloop: a continuation runs right after the callable that added it, in order") {
  LoopCase c;
  std::vector<int> order;
  c.loop().add_callback([&] {
    order.push_back(1);
    c.loop().add_continuation([&] {
      order.push_back(3);
      c.loop().add_continuation([&] { order.push_back(4); });
    });
    c.loop().add_callback([&] { order.push_back(6); });  // next iteration
    order.push_back(2);
  });
  c.loop().add_callback([&] { order.push_back(5); });
  c.loop().run_once(0);
  CHECK(order == std::vector<int>{1, 2, 3, 4, 5});
  c.loop().run_once(0);
  CHECK(order == std::vector<int>{1, 2, 3, 4, 5, 6});
}

TEST_CASE(
    "ioloop: continuations after timeouts and handlers; outside the loop they are callbacks") {
  LoopCase c;
  FdPair p = make_pipe();
  write_byte(p.b);
  std::vector<std::string> order;
  REQUIRE(c.loop().add_handler(
              p.a,
              [&](int fd, std::uint32_t) {
                char b;
                (void)!::read(fd, &b, 1);
                order.push_back("handler");
                c.loop().add_continuation([&] { order.push_back("after handler"); });
              },
              IOLoop::READ) == 0);
  c.loop().call_later(0, [&] {
    order.push_back("timeout");
    c.loop().add_continuation([&] { order.push_back("after timeout"); });
  });
  CHECK(run_until(c.loop(), [&] { return order.size() == 4; }));
  CHECK(order == std::vector<std::string>{"timeout", "after timeout", "handler", "after handler"});
  CHECK(c.loop().remove_handler(p.a) == 0);
  bool ran = false;
  c.loop().add_continuation([&] { ran = true; });  // not inside the loop: queued as a callback
  CHECK(c.loop().pending_callbacks() == 1);
  c.loop().run_once(0);
  CHECK(ran);
}

TEST_CASE("ioloop: an endless chain of continuations is cut at the budget and I/O still runs") {
  LoopCase c;
  long n = 0;
  bool stop_chain = false;
  std::function<void()> step = [&] {
    ++n;
    if (!stop_chain) c.loop().add_continuation([&] { step(); });
  };
  FdPair p = make_pipe();
  write_byte(p.b);
  bool io = false;
  REQUIRE(c.loop().add_handler(
              p.a,
              [&](int, std::uint32_t) {
                io = true;
                stop_chain = true;
              },
              IOLoop::READ) == 0);
  c.loop().add_callback([&] { step(); });
  c.loop().run_once(0);
  CHECK(n == static_cast<long>(IOLoop::kContinuationBudget) + 1);  // the callback + budget
  CHECK(run_until(c.loop(), [&] { return io; }));
  CHECK(run_until(c.loop(), [&] { return c.loop().pending_callbacks() == 0; }));
  CHECK(c.loop().remove_handler(p.a) == 0);
}

TEST_CASE("ioloop: a busy loop still polls: I/O runs within kCallbacksPerPoll callbacks") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    long callbacks = 0;
    long at_io = -1;
    bool stop = false;
    std::function<void()> again = [&] {
      ++callbacks;
      if (!stop) c.loop().add_callback([&] { again(); });
    };
    FdPair p = make_pipe();
    write_byte(p.b);
    REQUIRE(c.loop().add_handler(
                p.a,
                [&](int, std::uint32_t) {
                  if (at_io < 0) at_io = callbacks;
                  stop = true;
                },
                IOLoop::READ) == 0);
    c.loop().add_callback([&] { again(); });
    CHECK(run_until(c.loop(), [&] { return at_io >= 0; }));
    CHECK(at_io <= static_cast<long>(IOLoop::kCallbacksPerPoll) + 1);
    CHECK(run_until(c.loop(), [&] { return c.loop().pending_callbacks() == 0; }));
    CHECK(c.loop().remove_handler(p.a) == 0);
  }
}
