// tests/gen/executor_test.cc: ThreadPoolExecutor and run_on_executor.
// Mirrors:  tornado/test/concurrent_test.py RunOnExecutorTest, and the second half of the seed
//           scenario (a blocking call on a 2-thread pool does not block the loop).
#include "tornado/gen/executor.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

struct Database {
  int base = 40;
  int query(int plus) const { return base + plus; }
};

}  // namespace

TEST_CASE("executor: the call runs on a worker, the result arrives on the loop thread") {
  LoopCase c;
  ThreadPoolExecutor pool(2);
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id worker_thread;
  Future<int> f = pool.submit([&] {
    worker_thread = std::this_thread::get_id();
    return 6 * 7;
  });
  std::thread::id callback_thread;
  f.add_done_callback([&](Future<int>&) { callback_thread = std::this_thread::get_id(); });
  CHECK(testing::run_sync(c.loop(), [&] { return f; }) == 42);
  CHECK(run_until(c.loop(), [&] { return callback_thread != std::thread::id(); }));
  CHECK(worker_thread != loop_thread);
  CHECK(callback_thread == loop_thread);
  pool.shutdown();
}

TEST_CASE("executor: exceptions and void results come back through the Future") {
  LoopCase c;
  ThreadPoolExecutor pool(1);
  CHECK_THROWS_WITH_AS(
      testing::run_sync(
          c.loop(),
          [&] { return pool.submit([]() -> int { throw std::runtime_error("worker failed"); }); }),
      "worker failed", std::runtime_error);
  std::atomic<int> ran{0};
  testing::run_sync(c.loop(), [&] { return pool.submit([&] { ++ran; }); });
  CHECK(ran == 1);
}

// Tornado: RunOnExecutorTest.test_no_calling / test_call_with_executor.
TEST_CASE("executor: run_on_executor with a member function and arguments") {
  LoopCase c;
  ThreadPoolExecutor pool(2);
  Database db;
  CHECK(testing::run_sync(c.loop(),
                          [&] { return run_on_executor(pool, &Database::query, &db, 2); }) == 42);
  std::string moved = "payload";
  auto f = run_on_executor(
      pool, [](std::string s) { return s.size(); }, std::move(moved));
  CHECK(testing::run_sync(c.loop(), [&] { return f; }) == 7);
}

TEST_CASE("executor: 2000 calls on 4 workers all complete, each once") {
  LoopCase c;
  ThreadPoolExecutor pool(4);
  std::vector<Future<int>> fs;
  for (int i = 0; i < 2000; ++i) fs.push_back(pool.submit([i] { return i; }));
  const std::vector<int> got =
      testing::run_sync(c.loop(), [&] { return gen::multi(std::move(fs)); });
  REQUIRE(got.size() == 2000);
  for (int i = 0; i < 2000; ++i) CHECK(got[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("executor: shutdown waits for queued calls; submit afterwards throws") {
  LoopCase c;
  std::atomic<int> done{0};
  std::vector<Future<void>> fs;
  {
    ThreadPoolExecutor pool(2);
    for (int i = 0; i < 6; ++i)
      fs.push_back(pool.submit([&] {
        ::usleep(2000);
        ++done;
      }));
    pool.shutdown(true);
    CHECK(done == 6);  // every queued call ran before shutdown returned
    CHECK_THROWS_AS(pool.submit([] {}), std::runtime_error);
  }
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(fs)); });
}

// The seed scenario, second half: a 200 ms blocking call on a 2-thread pool, and a 10 ms
// timeout scheduled at the same moment fires while the call is still running: the loop was
// never blocked.
TEST_CASE("executor: seed scenario: a blocking call on the pool does not block the loop") {
  LoopCase c;
  ThreadPoolExecutor pool(2);
  const double t0 = c.loop().time();
  std::atomic<bool> call_done{false};
  Future<int> slow = pool.submit([&] {
    ::usleep(200000);  // the blocking work under test
    call_done = true;
    return 1;
  });
  double fired_at = -1;
  bool fired_during_call = false;
  c.loop().call_later(0.010, [&] {
    fired_at = c.loop().time();
    fired_during_call = !call_done;
  });
  CHECK(testing::run_sync(c.loop(), [&] { return slow; }) == 1);
  REQUIRE(fired_at > 0);
  CHECK(fired_at - t0 >= 0.010);
  CHECK(fired_during_call);
  CHECK(c.loop().time() - t0 >= 0.200);
}
