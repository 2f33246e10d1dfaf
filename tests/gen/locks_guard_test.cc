// tests/gen/locks_guard_test.cc: ReleasingGuard, BoundedSemaphore, Lock, and what abandoning a
// waiter does (Condition, Event and Semaphore are in locks_test.cc).
// Mirrors:  tornado/test/locks_test.py (SemaphoreContextManagerTest, BoundedSemaphoreTest,
//           LockTests); each case names the Tornado test it follows. Tornado's "async with"
//           variants are the same C++ code as their "with (yield ...)" originals.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/gen/locks.h"

using namespace tornado;
using namespace tornado::testing;
using std::chrono::milliseconds;
using History = std::vector<std::string>;

// ---------------------------------------------------------------- the guard

// Tornado: SemaphoreContextManagerTest.test_context_manager and
// test_context_manager_async_await (both are a guard's scope in C++).
TEST_CASE("locks: semaphore_context_manager") {
  LoopCase c;
  Semaphore sem;
  auto body = [](Semaphore& s) -> Future<bool> {
    bool owned = false;
    {
      auto held = co_await s.acquire();
      owned = held.owns() && s.value() == 0;
    }
    co_return owned;
  };
  CHECK(testing::run_sync(c.loop(), [&] { return body(sem); }));
  CHECK(sem.acquire().done());  // released: it can be acquired again
}

// Tornado: SemaphoreContextManagerTest.test_context_manager_exception.
TEST_CASE("locks: semaphore_context_manager_exception") {
  LoopCase c;
  Semaphore sem;
  auto body = [](Semaphore& s) -> Future<void> {
    auto held = co_await s.acquire();
    throw std::domain_error("1 / 0");
  };
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return body(sem); }), std::domain_error);
  CHECK(sem.acquire().done());
}

// Tornado: SemaphoreContextManagerTest.test_context_manager_timeout.
TEST_CASE("locks: semaphore_context_manager_timeout") {
  LoopCase c;
  Semaphore sem;
  auto body = [](Semaphore& s) -> Future<void> {
    auto held = co_await s.acquire(milliseconds(10));
  };
  testing::run_sync(c.loop(), [&] { return body(sem); });
  CHECK(sem.acquire().done());
}

// Tornado: SemaphoreContextManagerTest.test_context_manager_timeout_error.
TEST_CASE("locks: semaphore_context_manager_timeout_error") {
  LoopCase c;
  Semaphore sem(0);
  auto body = [](Semaphore& s) -> Future<void> {
    auto held = co_await s.acquire(milliseconds(10));
  };
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return body(sem); }), TimeoutError);
  CHECK(sem.value() == 0);  // the counter is still 0
  Future<ReleasingGuard> blocked = sem.acquire();
  CHECK_FALSE(blocked.done());
}

// Tornado: SemaphoreContextManagerTest.test_context_manager_contended.
TEST_CASE("locks: semaphore_context_manager_contended") {
  LoopCase c;
  Semaphore sem;
  History history;
  auto f = [](Semaphore& s, History& h, int index) -> Future<void> {
    auto held = co_await s.acquire();
    h.push_back("acquired " + std::to_string(index));
    co_await gen::sleep(0.001);
    h.push_back("release " + std::to_string(index));
  };
  std::vector<Future<void>> both;  // built in order: function arguments have none
  for (int i = 0; i < 2; ++i) both.push_back(f(sem, history, i));
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(both)); });
  CHECK(history == History{"acquired 0", "release 0", "acquired 1", "release 1"});
}

TEST_CASE("locks: releasing_guard moves, releases once, and detaches") {
  LoopCase c;
  Semaphore sem(2);
  {
    ReleasingGuard a = std::move(sem.acquire().result());
    ReleasingGuard b = std::move(a);
    CHECK_FALSE(a.owns());
    CHECK(b.owns());
    CHECK(sem.value() == 1);
    ReleasingGuard d = std::move(sem.acquire().result());
    CHECK(sem.value() == 0);
    d = std::move(b);  // d's own permit goes back; d now holds b's
    CHECK(sem.value() == 1);
    d.release();
    CHECK(sem.value() == 2);
    CHECK_FALSE(d);
  }
  CHECK(sem.value() == 2);  // the destructors had nothing left to release
  Semaphore* detached = sem.acquire().result().detach();
  CHECK(detached == &sem);
  CHECK(sem.value() == 1);
  detached->release();
  CHECK(sem.value() == 2);
}

// ---------------------------------------------------------------- BoundedSemaphore

// Tornado: BoundedSemaphoreTest.test_release_unacquired.
TEST_CASE("locks: bounded_semaphore_release_unacquired") {
  LoopCase c;
  BoundedSemaphore sem;
  CHECK_THROWS_AS(sem.release(), std::invalid_argument);
  sem.acquire().result().detach();  // the value is 0
  Future<ReleasingGuard> future = sem.acquire();
  CHECK_FALSE(future.done());
  sem.release();
  CHECK(future.done());
  future.result().detach();
  sem.release();  // the value is 1
  CHECK_THROWS_AS(sem.release(), std::invalid_argument);
}

// ---------------------------------------------------------------- Lock

// Tornado: LockTests.test_repr (the state its repr shows).
TEST_CASE("locks: lock_repr") {
  LoopCase c;
  Lock lock;
  CHECK_FALSE(lock.locked());
  Future<ReleasingGuard> held = lock.acquire();
  CHECK(lock.locked());
}

// Tornado: LockTests.test_acquire_release.
TEST_CASE("locks: lock_acquire_release") {
  LoopCase c;
  Lock lock;
  Future<ReleasingGuard> first = lock.acquire();
  CHECK(first.done());
  first.result().detach();
  Future<ReleasingGuard> future = lock.acquire();
  CHECK_FALSE(future.done());
  lock.release();
  CHECK(future.done());
}

// Tornado: LockTests.test_acquire_fifo and test_acquire_fifo_async_with.
TEST_CASE("locks: lock_acquire_fifo") {
  LoopCase c;
  Lock lock;
  lock.acquire().result().detach();
  std::vector<int> history;
  auto f = [](Lock& l, std::vector<int>& h, int idx) -> Future<void> {
    auto held = co_await l.acquire();
    h.push_back(idx);
  };
  std::vector<Future<void>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(f(lock, history, i));
  for (const auto& fut : futures) CHECK_FALSE(fut.done());
  lock.release();
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(futures)); });
  CHECK(history == std::vector<int>{0, 1, 2, 3, 4});
  CHECK_FALSE(lock.locked());
}

// Tornado: LockTests.test_acquire_timeout.
TEST_CASE("locks: lock_acquire_timeout") {
  LoopCase c;
  Lock lock;
  lock.acquire().result().detach();
  CHECK_THROWS_AS((void)testing::run_sync(c.loop(), [&] { return lock.acquire(milliseconds(10)); }),
                  TimeoutError);
  Future<ReleasingGuard> still_locked = lock.acquire();
  CHECK_FALSE(still_locked.done());
}

// Tornado: LockTests.test_multi_release.
TEST_CASE("locks: lock_multi_release") {
  LoopCase c;
  Lock lock;
  CHECK_THROWS_AS(lock.release(), std::runtime_error);
  lock.acquire().result().detach();
  lock.release();
  CHECK_THROWS_AS(lock.release(), std::runtime_error);
}

// A guard whose lock was released by hand cannot release again: its destructor logs the
// refusal instead of throwing.
TEST_CASE("locks: lock_guard_release_refused_is_logged") {
  LoopCase c;
  Lock lock;
  ExpectLog log("release refused");
  {
    ReleasingGuard held = std::move(lock.acquire().result());
    lock.release();
    CHECK_FALSE(lock.locked());
  }
  CHECK(log.count() == 1);
}

// ---------------------------------------------------------------- abandonment

// Not in Tornado, whose garbage collector frees what C++ must destroy: a primitive destroyed
// with waiters destroys the coroutines waiting on it and removes their timers.
TEST_CASE("locks: destroyed_with_waiters destroys the waiting coroutines") {
  LoopCase c;
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> weak = token;
  {
    Condition cond;
    Event event;
    Semaphore sem(2);
    auto on_condition = [](Condition& cv, std::optional<gen::Duration> timeout,
                           std::shared_ptr<int>) -> Future<void> { co_await cv.wait(timeout); };
    auto on_event = [](Event& e, std::shared_ptr<int>) -> Future<void> {
      co_await e.wait(std::chrono::seconds(60));
    };
    // Holds two permits while it waits for a third that never comes: when the Semaphore goes,
    // the coroutine is destroyed and its guards release into the dying Semaphore.
    auto greedy = [](Semaphore& s, std::shared_ptr<int>) -> Future<void> {
      auto first = co_await s.acquire();
      auto second = co_await s.acquire();
      auto third = co_await s.acquire(std::chrono::seconds(60));
    };
    Future<void> a = on_condition(cond, std::nullopt, token);
    Future<void> b = on_condition(cond, std::chrono::seconds(60), token);
    Future<void> e = on_event(event, token);
    Future<void> g = greedy(sem, std::move(token));
    CHECK(c.loop().pending_timeouts() == 3);
    CHECK_FALSE(weak.expired());
  }
  CHECK(weak.expired());
}

// A Condition may outlive the loop its timed waiter ran on: its destructor must then leave the
// timer alone, since the loop destroyed it (ASan: no use after free).
TEST_CASE("locks: condition_outlives_its_loop") {
  LoopCase c;
  auto cond = std::make_unique<Condition>();
  {
    IOLoop other;
    other.make_current();
    Future<bool> f = cond->wait(std::chrono::seconds(60));
    c.loop().make_current();
  }
  CHECK(cond->waiters() == 1);
  cond.reset();
}
