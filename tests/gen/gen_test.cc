// tests/gen/gen_test.cc: sleep, moment, with_timeout, multi, WaitIterator, and the seed
// scenario (the classic "non-blocking" lesson without HTTP).
// Mirrors:  tornado/test/gen_test.py (GenCoroutineTest, WithTimeoutTest, WaitIteratorTest,
//           test_multi_*); Tornado names are given where a case matches one.
#include "tornado/gen/gen.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>
#include <tuple>
#include <vector>

#include "tests/support/async_test.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

Future<int> value_after(double seconds, int v) {
  co_await gen::sleep(seconds);
  co_return v;
}

Future<int> fail_after(double seconds, std::string why) {
  co_await gen::sleep(seconds);
  throw std::runtime_error(why);
}

}  // namespace

TEST_CASE("gen: sleep waits at least its duration and lets other work run") {
  LoopCase c;
  int ticks = 0;
  PeriodicCallback pc([&] { ++ticks; }, 1.0, 0.0, &c.loop());
  pc.start();
  const double t0 = c.loop().time();
  testing::run_sync(c.loop(), [] { return gen::sleep(std::chrono::milliseconds(30)); });
  pc.stop();
  CHECK(c.loop().time() - t0 >= 0.030);
  // The ticker ran during the sleep (a sleep that blocked the loop leaves it at 0). Not ~30:
  // a machine busy with parallel builds runs far fewer iterations than that.
  CHECK(ticks >= 2);
}

// Tornado: test_moment.
TEST_CASE("gen: moment yields exactly one loop iteration") {
  LoopCase c;
  auto body = [&]() -> Future<std::uint64_t> {
    const std::uint64_t before = c.loop().iterations();
    co_await gen::moment;
    co_return c.loop().iterations() - before;
  };
  CHECK(testing::run_sync(c.loop(), body) == 1);
}

// Tornado: WithTimeoutTest.test_timeout / test_completes_before_timeout /
// test_fails_before_timeout.
TEST_CASE("gen: with_timeout raises TimeoutError; completes or fails through when in time") {
  LoopCase c;
  Future<int> slow = value_after(0.05, 1);
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return gen::with_timeout(0.01, slow); }),
                  TimeoutError);
  CHECK(testing::run_sync(c.loop(), [] { return gen::with_timeout(0.5, value_after(0.001, 7)); }) ==
        7);
  CHECK_THROWS_WITH(
      testing::run_sync(c.loop(),
                        [] { return gen::with_timeout(0.5, fail_after(0.001, "early")); }),
      "early");
  // The inner future is not cancelled: it still completes after the timeout.
  Future<int> inner = value_after(0.02, 3);
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return gen::with_timeout(0.001, inner); }),
                  TimeoutError);
  CHECK(testing::run_sync(c.loop(), [&] { return inner; }) == 3);
  CHECK(testing::run_sync(c.loop(), [&] { return slow; }) == 1);
  CHECK(c.loop().pending_timeouts() == 0);
}

// Tornado: test_timeout_with_arguments... the inner error after a timeout is logged.
TEST_CASE("gen: an inner failure after with_timeout timed out is logged") {
  LoopCase c;
  ExpectLog log("Exception in Future after timeout");
  Future<int> inner = fail_after(0.01, "late failure");
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return gen::with_timeout(0.001, inner); }),
                  TimeoutError);
  CHECK(run_until(c.loop(), [&] { return log.count() == 1; }));
}

TEST_CASE("gen: with_timeout on an already-done future returns it") {
  LoopCase c;
  Future<int> f = gen::with_timeout(0.001, make_ready_future<int>(5));
  CHECK(f.done());
  CHECK(f.result() == 5);
}

// Tornado: test_multi / test_multi_exceptions.
TEST_CASE("gen: multi over a vector gives results in order; first error wins, others logged") {
  LoopCase c;
  auto ok = testing::run_sync(c.loop(), [] {
    std::vector<Future<int>> fs{value_after(0.03, 1), value_after(0.01, 2), value_after(0.02, 3)};
    return gen::multi(std::move(fs));
  });
  CHECK(ok == std::vector<int>{1, 2, 3});
  ExpectLog log("Multiple exceptions in yield list");
  CHECK_THROWS_WITH(testing::run_sync(c.loop(),
                                      [] {
                                        std::vector<Future<int>> fs{fail_after(0.001, "first"),
                                                                    fail_after(0.01, "second"),
                                                                    value_after(0.005, 1)};
                                        return gen::multi(std::move(fs));
                                      }),
                    "first");
  CHECK(run_until(c.loop(), [&] { return log.count() == 1; }));
  CHECK(testing::run_sync(c.loop(), [] { return gen::multi(std::vector<Future<int>>{}); }).empty());
}

TEST_CASE("gen: multi of void futures and of mixed types") {
  LoopCase c;
  testing::run_sync(c.loop(), [] {
    std::vector<Future<void>> fs{gen::sleep(0.002), gen::sleep(0.001)};
    return gen::multi(std::move(fs));
  });
  auto both = testing::run_sync(c.loop(), [] {
    return gen::multi(value_after(0.002, 4), gen::sleep(0.001), value_after(0.001, 5));
  });
  CHECK(std::get<0>(both) == 4);
  CHECK(std::get<2>(both) == 5);
}

// Tornado: WaitIteratorTest.test_already_done / test_iterator.
TEST_CASE("gen: WaitIterator hands out results in completion order with their index") {
  LoopCase c;
  auto body = []() -> Future<std::vector<std::pair<long, int>>> {
    std::vector<Future<int>> fs{value_after(0.03, 30), value_after(0.01, 10),
                                make_ready_future<int>(0), value_after(0.02, 20)};
    gen::WaitIterator<int> it(std::move(fs));
    std::vector<std::pair<long, int>> seen;
    while (!it.done()) {
      const int v = co_await it.next();
      seen.emplace_back(it.current_index(), v);
    }
    co_return seen;
  };
  const auto seen = testing::run_sync(c.loop(), body);
  const std::vector<std::pair<long, int>> expected{{2, 0}, {1, 10}, {3, 20}, {0, 30}};
  CHECK(seen == expected);
}

TEST_CASE("gen: WaitIterator passes a failure through next()") {
  LoopCase c;
  auto body = []() -> Future<int> {
    std::vector<Future<int>> fs{fail_after(0.001, "bad"), value_after(0.01, 1)};
    gen::WaitIterator<int> it(std::move(fs));
    int errors = 0;
    while (!it.done()) {
      try {
        (void)co_await it.next();
      } catch (const std::runtime_error&) {
        ++errors;
      }
    }
    co_return errors;
  };
  CHECK(testing::run_sync(c.loop(), body) == 1);
}

TEST_CASE("gen: convert_yielded turns a vector of futures into multi") {
  LoopCase c;
  std::vector<Future<int>> fs{value_after(0.001, 1), value_after(0.002, 2)};
  CHECK(testing::run_sync(c.loop(), [&] { return gen::convert_yielded(std::move(fs)); }) ==
        std::vector<int>{1, 2});
}

// The seed scenario: 100 coroutines sleep 200 ms on one loop while a 1 ms periodic callback
// keeps ticking (the classic lesson: sleeping does not block the loop).
TEST_CASE("gen: seed scenario: 100 sleeping coroutines and a 1 ms ticker on one loop") {
  LoopCase c;
  int ticks = 0;
  PeriodicCallback pc([&] { ++ticks; }, 1.0, 0.0, &c.loop());
  pc.start();
  int woke = 0;
  int ticks_at_first_wake = -1;
  auto sleeper = [&](int& done) -> Future<void> {
    co_await gen::sleep(std::chrono::milliseconds(200));
    if (done++ == 0) ticks_at_first_wake = ticks;
  };
  std::vector<Future<void>> all;
  const double t0 = c.loop().time();
  for (int i = 0; i < 100; ++i) all.push_back(sleeper(woke));
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(all)); });
  const double took = c.loop().time() - t0;
  pc.stop();
  CHECK(woke == 100);
  CHECK(took >= 0.200);
  CHECK(took < 2.0);  // they slept side by side: one after another would take 20 s
  // The ticker kept running while all 100 slept (a sleep that blocked the loop would leave it
  // at 0); not 200 ticks, as a loaded machine runs fewer iterations than that.
  CHECK(ticks_at_first_wake >= 20);
}

// Cancelling a library Future must not make its producer fail when it fires.
TEST_CASE("gen: a cancelled sleep is harmless when its timer fires") {
  LoopCase c;
  ExpectLog log("already done");
  Future<void> s = gen::sleep(0.005);
  CHECK(s.cancel());
  testing::run_sync(c.loop(), [] { return gen::sleep(0.02); });
  CHECK(log.count() == 0);
  CHECK_THROWS_AS(s.result(), CancelledError);
}

// run_sync on a loop that is already running must refuse before queuing work that refers to
// its own frame.
TEST_CASE("gen: run_sync on a running loop throws instead of queuing") {
  LoopCase c;
  bool threw = false;
  c.loop().add_callback([&] {
    try {
      gen::run_sync(c.loop(), [] { return 1; });
    } catch (const std::logic_error&) {
      threw = true;
    }
    c.loop().stop();
  });
  CHECK(start_with_timeout(c.loop()));
  CHECK(threw);
  c.loop().run_once(0);
}

// multi must not take the results away from children the caller still holds; with no
// children at all it is done at once.
TEST_CASE("gen: multi leaves its children's results in place; multi() of nothing is ready") {
  LoopCase c;
  Future<std::string> a = make_ready_future<std::string>("kept");
  Future<std::string> b = make_ready_future<std::string>("also kept");
  auto both = testing::run_sync(c.loop(), [&] { return gen::multi(a, b); });
  CHECK(std::get<0>(both) == "kept");
  CHECK(a.result() == "kept");
  std::vector<Future<std::string>> v{a, b};
  CHECK(testing::run_sync(c.loop(), [&] { return gen::multi(v); }).size() == 2);
  CHECK(b.result() == "also kept");
  CHECK(gen::multi().done());
}
