// tests/gen/locks_test.cc: Condition, Event and Semaphore (the guard, BoundedSemaphore and Lock
// are in locks_guard_test.cc).
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
