// tests/reactor/ioloop_thread_test.cc: add_callback and stop() from other threads.
// Mirrors:  tornado/test/ioloop_test.py test_add_callback_from_signal / _wakeup_other_thread.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/reactor/ioloop.h"

using tornado::IOLoop;
using namespace tornado::testing;

TEST_CASE("ioloop_thread: callbacks from 8 threads at once: none lost, none run twice") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 20000;
    std::vector<std::uint8_t> seen(kThreads * kPerThread, 0);
    int total = 0;
    bool duplicate = false;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kPerThread; ++i) {
          const int id = t * kPerThread + i;
          c.loop().add_callback([&, id] {  // runs on the loop thread: plain ints are safe
            if (seen[static_cast<std::size_t>(id)]++ != 0) duplicate = true;
            ++total;
          });
        }
      });
    }
    go.store(true);
    CHECK(run_until(
        c.loop(), [&] { return total == kThreads * kPerThread; }, 30.0));
    for (auto& th : threads) th.join();
    c.loop().run_once(0);
    CHECK(total == kThreads * kPerThread);
    CHECK_FALSE(duplicate);
  }
}

TEST_CASE("ioloop_thread: add_callback from another thread wakes a loop blocked in poll") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    LoopCase c(backend);
    bool ran = false;
    std::thread t([&] {
      c.loop().add_callback([&] {
        ran = true;
        c.loop().stop();
      });
    });
    const double t0 = c.loop().time();
    CHECK(start_with_timeout(c.loop(), 10.0));  // the poll would otherwise wait 10 s
    t.join();
    CHECK(ran);
    CHECK(c.loop().time() - t0 < 5.0);
  }
}

TEST_CASE("ioloop_thread: stop() from another thread ends start()") {
  LoopCase c;
  std::atomic<bool> started{false};
  c.loop().add_callback([&] { started = true; });
  std::thread t([&] {
    while (!started.load()) std::this_thread::yield();
    c.loop().stop();
  });
  CHECK(start_with_timeout(c.loop(), 10.0));
  t.join();
}

TEST_CASE("ioloop_thread: one loop per thread, each with its own current()") {
  IOLoop* seen[2] = {nullptr, nullptr};
  std::thread a([&] {
    IOLoop loop;
    seen[0] = &IOLoop::current();
    loop.add_callback([&] { loop.stop(); });
    loop.start();
  });
  std::thread b([&] {
    seen[1] = &IOLoop::current();  // made for this thread, owned by it
  });
  a.join();
  b.join();
  CHECK(seen[0] != nullptr);
  CHECK(seen[1] != nullptr);
  CHECK(seen[0] != seen[1]);
}
