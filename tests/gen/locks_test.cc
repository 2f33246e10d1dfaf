// tests/gen/locks_test.cc: Condition, Event, Semaphore, BoundedSemaphore, Lock, ReleasingGuard.
// Mirrors:  tornado/test/locks_test.py; each case names the Tornado test it follows. Tornado's
//           "async with" variants are the same C++ code as their "with (yield ...)" originals,
//           and test_yield_sem / test_yield_lock / test_context_manager_misuse do not compile
//           in C++ (a Semaphore or Lock is not awaitable), so they have no case here. Where
//           Tornado sleeps to let a timeout pass, these cases run the loop until it has.
#include "tornado/gen/locks.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;
using std::chrono::milliseconds;

namespace {

// Tornado's AsyncTestCase.loop_briefly: runs what is queued on the loop now, without waiting.
void loop_briefly(IOLoop& loop) {
  for (int i = 0; i < 3; ++i) loop.run_once(0);
}

// ConditionTest.record_done: appends `key` when the wait is notified, "timeout" when it ends
// false.
void record_done(std::vector<std::string>& history, const Future<bool>& f, std::string key) {
  f.add_done_callback(
      [&history, key](Future<bool>& done) { history.push_back(done.result() ? key : "timeout"); });
}

using History = std::vector<std::string>;

template <class T>
bool all_done(const std::vector<Future<T>>& fs) {
  for (const auto& f : fs)
    if (!f.done()) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- Condition

// Tornado: ConditionTest.test_repr (the waiter count its repr shows).
TEST_CASE("locks: condition_repr") {
  LoopCase c;
  Condition cond;
  CHECK(cond.waiters() == 0);
  Future<bool> f = cond.wait();
  CHECK(cond.waiters() == 1);
}

// Tornado: ConditionTest.test_notify.
TEST_CASE("locks: condition_notify") {
  LoopCase c;
  Condition cond;
  c.loop().call_later(0.01, [&] { cond.notify(); });
  CHECK(testing::run_sync(c.loop(), [&] { return cond.wait(); }));
}

// Tornado: ConditionTest.test_notify_1.
TEST_CASE("locks: condition_notify_1") {
  LoopCase c;
  Condition cond;
  History history;
  record_done(history, cond.wait(), "wait1");
  record_done(history, cond.wait(), "wait2");
  cond.notify(1);
  loop_briefly(c.loop());
  history.push_back("notify1");
  cond.notify(1);
  loop_briefly(c.loop());
  history.push_back("notify2");
  CHECK(history == History{"wait1", "notify1", "wait2", "notify2"});
}

// Tornado: ConditionTest.test_notify_n.
TEST_CASE("locks: condition_notify_n") {
  LoopCase c;
  Condition cond;
  History history;
  for (int i = 0; i < 6; ++i) record_done(history, cond.wait(), std::to_string(i));
  cond.notify(3);
  loop_briefly(c.loop());
  CHECK(history == History{"0", "1", "2"});  // in the order they waited
  cond.notify(1);
  loop_briefly(c.loop());
  CHECK(history == History{"0", "1", "2", "3"});
  cond.notify(2);
  loop_briefly(c.loop());
  CHECK(history == History{"0", "1", "2", "3", "4", "5"});
}

// Tornado: ConditionTest.test_notify_all.
TEST_CASE("locks: condition_notify_all") {
  LoopCase c;
  Condition cond;
  History history;
  for (int i = 0; i < 4; ++i) record_done(history, cond.wait(), std::to_string(i));
  cond.notify_all();
  loop_briefly(c.loop());
  history.push_back("notify_all");
  CHECK(history == History{"0", "1", "2", "3", "notify_all"});
}

// Tornado: ConditionTest.test_wait_timeout.
TEST_CASE("locks: condition_wait_timeout") {
  LoopCase c;
  Condition cond;
  Future<bool> wait = cond.wait(milliseconds(10));
  bool notified = false;
  c.loop().call_later(0.05, [&] {  // too late
    cond.notify();
    notified = true;
  });
  CHECK(run_until(c.loop(), [&] { return notified; }));
  REQUIRE(wait.done());
  CHECK_FALSE(wait.result());
}

// Tornado: ConditionTest.test_wait_timeout_preempted.
TEST_CASE("locks: condition_wait_timeout_preempted") {
  LoopCase c;
  Condition cond;
  c.loop().call_later(0.01, [&] { cond.notify(); });  // fires before the wait times out
  Future<bool> wait = cond.wait(milliseconds(500));
  CHECK(run_until(c.loop(), [&] { return wait.done(); }));
  CHECK(wait.result());
  CHECK(c.loop().pending_timeouts() == 0);  // the notification removed the wait's timer
}

// Tornado: ConditionTest.test_notify_n_with_timeout: a timed-out waiter does not count
// against notify's n.
TEST_CASE("locks: condition_notify_n_with_timeout") {
  LoopCase c;
  Condition cond;
  History history;
  record_done(history, cond.wait(), "0");
  record_done(history, cond.wait(milliseconds(10)), "1");
  record_done(history, cond.wait(), "2");
  record_done(history, cond.wait(), "3");
  CHECK(run_until(c.loop(), [&] { return !history.empty(); }));  // 1 times out
  CHECK(history == History{"timeout"});
  cond.notify(2);
  loop_briefly(c.loop());
  CHECK(history == History{"timeout", "0", "2"});
  cond.notify();
  loop_briefly(c.loop());
  CHECK(history == History{"timeout", "0", "2", "3"});
}

// Tornado: ConditionTest.test_notify_all_with_timeout.
TEST_CASE("locks: condition_notify_all_with_timeout") {
  LoopCase c;
  Condition cond;
  History history;
  record_done(history, cond.wait(), "0");
  record_done(history, cond.wait(milliseconds(10)), "1");
  record_done(history, cond.wait(), "2");
  CHECK(run_until(c.loop(), [&] { return !history.empty(); }));
  CHECK(history == History{"timeout"});
  cond.notify_all();
  loop_briefly(c.loop());
  CHECK(history == History{"timeout", "0", "2"});
}

// Tornado: ConditionTest.test_nested_notify: no notification is lost when a woken waiter's
// callback calls notify() again.
TEST_CASE("locks: condition_nested_notify") {
  LoopCase c;
  Condition cond;
  std::vector<Future<bool>> futures{cond.wait(), cond.wait(), cond.wait()};
  futures[1].add_done_callback([&](Future<bool>&) { cond.notify(); });
  cond.notify(2);
  loop_briefly(c.loop());
  CHECK(all_done(futures));
}

// Tornado: ConditionTest.test_garbage_collection: timed-out waiters are swept now and then.
TEST_CASE("locks: condition_garbage_collection") {
  LoopCase c;
  Condition cond;
  std::vector<Future<bool>> timed;
  for (int i = 0; i < 101; ++i) timed.push_back(cond.wait(milliseconds(10)));
  Future<bool> future = cond.wait();
  CHECK(cond.waiters() == 102);
  CHECK(run_until(c.loop(), [&] { return all_done(timed); }));  // the 101st timeout sweeps
  CHECK(cond.waiters() == 1);
  CHECK_FALSE(future.done());  // the last waiter is still active
  cond.notify();
  CHECK(future.done());
}

// ---------------------------------------------------------------- Event

// Tornado: EventTest.test_repr (the flag its repr shows).
TEST_CASE("locks: event_repr") {
  LoopCase c;
  Event e;
  CHECK_FALSE(e.is_set());
  e.set();
  CHECK(e.is_set());
}

// Tornado: EventTest.test_event.
TEST_CASE("locks: event") {
  LoopCase c;
  Event e;
  Future<void> future_0 = e.wait();
  e.set();
  Future<void> future_1 = e.wait();
  e.clear();
  Future<void> future_2 = e.wait();
  CHECK(future_0.done());
  CHECK(future_1.done());
  CHECK_FALSE(future_2.done());
}

// Tornado: EventTest.test_event_timeout: after a timed-out waiter, normal operation works.
TEST_CASE("locks: event_timeout") {
  LoopCase c;
  Event e;
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return e.wait(milliseconds(10)); }),
                  TimeoutError);
  c.loop().call_later(0.01, [&] { e.set(); });
  testing::run_sync(c.loop(), [&] { return e.wait(std::chrono::seconds(1)); });
  CHECK(e.waiters() == 0);  // set() took the timed-out waiter along with the others
}

// Tornado: EventTest.test_event_set_multiple.
TEST_CASE("locks: event_set_multiple") {
  LoopCase c;
  Event e;
  e.set();
  e.set();
  CHECK(e.is_set());
}

// Tornado: EventTest.test_event_wait_clear.
TEST_CASE("locks: event_wait_clear") {
  LoopCase c;
  Event e;
  Future<void> f0 = e.wait();
  e.clear();
  Future<void> f1 = e.wait();
  e.set();
  CHECK(f0.done());
  CHECK(f1.done());
}

// ---------------------------------------------------------------- Semaphore

// Tornado: SemaphoreTest.test_negative_value.
TEST_CASE("locks: semaphore_negative_value") {
  LoopCase c;
  CHECK_THROWS_AS(Semaphore(-1), std::invalid_argument);
  CHECK_THROWS_AS(BoundedSemaphore(-1), std::invalid_argument);
}

// Tornado: SemaphoreTest.test_repr (the value and waiter count its repr shows).
TEST_CASE("locks: semaphore_repr") {
  LoopCase c;
  Semaphore sem;
  CHECK(sem.value() == 1);
  Future<ReleasingGuard> held = sem.acquire();
  CHECK(sem.value() == 0);
  CHECK(sem.waiters() == 0);
  Future<ReleasingGuard> waiting = sem.acquire();
  CHECK(sem.waiters() == 1);
}

// Tornado: SemaphoreTest.test_acquire. Tornado's manual protocol (acquire, later release()
// by hand) is the guard's detach().
TEST_CASE("locks: semaphore_acquire") {
  LoopCase c;
  Semaphore sem;
  Future<ReleasingGuard> f0 = sem.acquire();
  CHECK(f0.done());
  f0.result().detach();
  Future<ReleasingGuard> f1 = sem.acquire();  // waits for release()
  CHECK_FALSE(f1.done());
  Future<ReleasingGuard> f2 = sem.acquire();
  sem.release();
  CHECK(f1.done());
  CHECK_FALSE(f2.done());
  f1.result().detach();
  sem.release();
  CHECK(f2.done());
  f2.result().detach();
  sem.release();
  Future<ReleasingGuard> instant = sem.acquire();
  CHECK(instant.done());
  CHECK(sem.waiters() == 0);
}

// Tornado: SemaphoreTest.test_acquire_timeout.
TEST_CASE("locks: semaphore_acquire_timeout") {
  LoopCase c;
  Semaphore sem(2);
  sem.acquire().result().detach();
  sem.acquire().result().detach();
  Future<ReleasingGuard> acquire = sem.acquire(milliseconds(10));
  bool released = false;
  c.loop().call_later(0.05, [&] {  // too late
    sem.release();
    released = true;
  });
  CHECK(run_until(c.loop(), [&] { return released; }));
  REQUIRE(acquire.done());
  CHECK_THROWS_AS((void)acquire.result(), TimeoutError);
  sem.acquire().result().detach();
  Future<ReleasingGuard> f = sem.acquire();
  CHECK_FALSE(f.done());
  sem.release();
  CHECK(f.done());
  f.result().detach();
}

// Tornado: SemaphoreTest.test_acquire_timeout_preempted.
TEST_CASE("locks: semaphore_acquire_timeout_preempted") {
  LoopCase c;
  Semaphore sem(1);
  sem.acquire().result().detach();
  c.loop().call_later(0.01, [&] { sem.release(); });  // fires before the wait times out
  Future<ReleasingGuard> acquire = sem.acquire(milliseconds(500));
  CHECK(run_until(c.loop(), [&] { return acquire.done(); }));
  CHECK(acquire.result().owns());  // no TimeoutError
  CHECK(c.loop().pending_timeouts() == 0);
}

// Tornado: SemaphoreTest.test_release_unacquired: a plain Semaphore counts every release.
TEST_CASE("locks: semaphore_release_unacquired") {
  LoopCase c;
  Semaphore sem;
  sem.release();
  sem.release();
  for (int i = 0; i < 3; ++i) {  // the counter is 3: three acquires before blocking
    Future<ReleasingGuard> f = sem.acquire();
    CHECK(f.done());
    f.result().detach();
  }
  Future<ReleasingGuard> blocked = sem.acquire();
  CHECK_FALSE(blocked.done());
}

// Tornado: SemaphoreTest.test_garbage_collection.
TEST_CASE("locks: semaphore_garbage_collection") {
  LoopCase c;
  Semaphore sem(0);
  std::vector<Future<ReleasingGuard>> timed;
  for (int i = 0; i < 101; ++i) timed.push_back(sem.acquire(milliseconds(10)));
  Future<ReleasingGuard> future = sem.acquire();
  CHECK(sem.waiters() == 102);
  CHECK(run_until(c.loop(), [&] { return all_done(timed); }));
  CHECK(sem.waiters() == 1);
  CHECK_FALSE(future.done());  // the last waiter is still active
  sem.release();
  CHECK(future.done());
  for (const auto& f : timed) CHECK_THROWS_AS((void)f.result(), TimeoutError);
}

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
