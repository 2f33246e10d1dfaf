// gen/locks.h: coroutine synchronisation: Condition, Event, Semaphore, BoundedSemaphore, Lock.
//
// Mirrors:  tornado/locks.py (Condition, Event, Semaphore, BoundedSemaphore, Lock, and its
//           _ReleasingContextManager as ReleasingGuard).
//
//   tornado::Lock lock;
//   tornado::Future<void> append(std::string line) {
//     auto held = co_await lock.acquire();           // a ReleasingGuard: the lock is ours
//     co_await write_line(std::move(line));          // one coroutine at a time in here
//   }                                                // ~ReleasingGuard releases the lock
//   if (!co_await cond.wait(std::chrono::seconds(1))) { /* timed out */ }
//
// Ownership: each primitive owns the producer claims on its waiters' Futures and their timers;
//           destroying it with waiters abandons their Futures, which destroys the coroutines
//           waiting on them (gen/concurrent.h) instead of leaking them. A ReleasingGuard refers
//           to its semaphore without owning it: the semaphore must outlive its guards.
// Rules:    waiters are served first come, first served. notify(), set() and release() resolve
//           Futures and return; the waiters resume through the loop, never inside them. A wait
//           with a timeout holds one timer, removed as soon as the wait ends another way; a wait
//           that timed out stays queued, finished, until a notification skips it or a sweep
//           drops it: one sweep per 101 timeouts (Tornado's _TimeoutGarbageCollector).
// Thread:   loop thread only; timers run on IOLoop::current() of the waiting coroutine.
// See:      man tornado.locks.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "tornado/gen/concurrent.h"
#include "tornado/gen/gen.h"

namespace tornado {

namespace detail {

// A new TimeoutError, as an exception_ptr for a Future (one out-of-line copy of the message).
std::exception_ptr make_timeout_error();

// One waiter: the producer claim on its Future and, for a timed wait, the timer that ends the
// wait. The timer's callback holds a second claim on the same Future; the claim is released
// when the timer fires, is removed, or is destroyed by its loop closing. So while
// producers > 1 the timer is still scheduled and its loop is still alive, and remove_timeout is
// never called on a loop that is gone (locks_test: "condition_outlives_its_loop").
// Destroying a TimedWaiter removes its timer first, then releases its claim, which abandons the
// Future if nothing resolved it.
template <class R>
class TimedWaiter {
 public:
  explicit TimedWaiter(Promise<R> r, IOLoop* loop = nullptr, Timeout timer = {})
      : resolver_(std::move(r)), loop_(loop), timer_(timer) {}
  TimedWaiter(TimedWaiter&& o) noexcept
      : resolver_(std::move(o.resolver_)), loop_(o.loop_), timer_(std::exchange(o.timer_, {})) {}
  TimedWaiter& operator=(TimedWaiter&& o) noexcept {
    if (this != &o) {
      cancel_timer();
      resolver_ = std::move(o.resolver_);
      loop_ = o.loop_;
      timer_ = std::exchange(o.timer_, {});
    }
    return *this;
  }
  TimedWaiter(const TimedWaiter&) = delete;
  TimedWaiter& operator=(const TimedWaiter&) = delete;
  ~TimedWaiter() { cancel_timer(); }

  // Resolved already: timed out, or cancelled through its Future.
  bool done() const { return resolver_.done(); }
  // The claim, to resolve the waiter with; the timer is removed first.
  Promise<R> take() {
    cancel_timer();
    return std::move(resolver_);
  }

 private:
  void cancel_timer() {
    if (timer_ && resolver_ && Access::state(resolver_)->producers > 1)
      loop_->remove_timeout(timer_);
    timer_ = Timeout{};
  }

  Promise<R> resolver_;
  IOLoop* loop_;
  Timeout timer_;
};

// Starts a wait on f. With a timeout, a timer on the current loop calls on_timeout(resolver)
// when it passes; on_timeout must check resolver.done(), as the wait may have been cancelled.
template <class R, class OnTimeout>
TimedWaiter<R> start_wait(const Future<R>& f, const std::optional<gen::Duration>& timeout,
                          OnTimeout on_timeout) {
  if (!timeout) return TimedWaiter<R>(Promise<R>(f));
  IOLoop& loop = IOLoop::current();
  const Timeout t = loop.call_later(timeout->count(),
                                    [r = Promise<R>(f), on_timeout]() mutable { on_timeout(r); });
  return TimedWaiter<R>(Promise<R>(f), &loop, t);
}

// The waiters of a Condition, Event or Semaphore, oldest first, with Tornado's
// _TimeoutGarbageCollector: waits that time out stay queued (notify skips them), and once more
// than 100 have timed out since the last sweep the finished ones are swept, so
// `for (;;) co_await cond.wait(1ms);` does not grow the queue without bound.
template <class R>
class WaiterList {
 public:
  WaiterList() = default;
  WaiterList(const WaiterList&) = delete;
  WaiterList& operator=(const WaiterList&) = delete;
  ~WaiterList() { clear(); }

  // A new waiter; when its timeout passes first, expire(resolver) resolves it.
  template <class Expire>
  Future<R> wait(const std::optional<gen::Duration>& timeout, Expire expire) {
    Future<R> f;
    // The timer refers to this list: safe, because every waiter that leaves the list (and the
    // list's destructor) removes its timer.
    waiters_.push_back(start_wait(f, timeout, [this, expire](Promise<R>& r) {
      if (!r.done()) expire(r);
      timed_out();
    }));
    return f;
  }
  // The claim on the oldest waiter still pending, skipping (and dropping) finished ones;
  // false when there is none.
  bool pop(Promise<R>& out) {
    while (!waiters_.empty()) {
      TimedWaiter<R> w = std::move(waiters_.front());
      waiters_.pop_front();
      if (w.done()) continue;
      out = w.take();
      return true;
    }
    return false;
  }
  // Abandons every waiter. The queue is emptied first: abandoning destroys coroutines, whose
  // unwinding may call back into the owner (a guard releasing the same semaphore).
  void clear() {
    std::deque<TimedWaiter<R>> doomed = std::move(waiters_);
    waiters_.clear();
  }
  // Entries, counting finished waiters not yet skipped or swept (Tornado's len(_waiters)).
  std::size_t size() const { return waiters_.size(); }

 private:
  void timed_out() {
    if (++timeouts_ <= 100) return;
    timeouts_ = 0;
    std::deque<TimedWaiter<R>> kept;
    for (TimedWaiter<R>& w : waiters_)
      if (!w.done()) kept.push_back(std::move(w));
    waiters_.swap(kept);
  }

  std::deque<TimedWaiter<R>> waiters_;
  int timeouts_ = 0;
};

}  // namespace detail

// Tornado's Condition: coroutines wait until notified. There is no lock to hold around it.
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // Resolves true when notified, or false once `timeout` passes (it never fails).
  Future<bool> wait(std::optional<gen::Duration> timeout = std::nullopt);
  // Wakes up to n waiters, oldest first; waiters that timed out are skipped and do not count.
  void notify(std::size_t n = 1);
  void notify_all();
  // Queued waiters, counting timed-out ones not yet skipped or swept (what Tornado's repr shows).
  std::size_t waiters() const { return waiters_.size(); }

 private:
  detail::WaiterList<bool> waiters_;
};

// Tornado's Event: a flag coroutines can wait for. Once set, wait() is ready at once until
// clear().
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const { return value_; }
  // Sets the flag and wakes every waiter; a second set() does nothing.
  void set();
  // Resets the flag; later waits block until the next set(). Current waiters keep waiting.
  void clear() { value_ = false; }
  // Resolves once the flag is set; fails with TimeoutError once `timeout` passes.
  Future<void> wait(std::optional<gen::Duration> timeout = std::nullopt);
  std::size_t waiters() const { return waiters_.size(); }

 private:
  bool value_ = false;
  detail::WaiterList<void> waiters_;
};

class Semaphore;

// What Semaphore::acquire and Lock::acquire resolve with: the permit, released when the guard
// is destroyed (Tornado's _ReleasingContextManager, whose `with` block becomes a C++ scope).
// Move-only; co_await moves it out of the Future, so the usual form is
//
//   auto held = co_await sem.acquire();    // held across any number of co_await
//
// Discarding it releases at once: `co_await sem.acquire();` alone is a bug, hence [[nodiscard]].
// Code that follows Tornado's manual protocol (acquire now, sem.release() later) calls
// detach(). If the Future is never awaited, the guard inside it releases when the last copy
// of the Future goes away.
class [[nodiscard]] ReleasingGuard {
 public:
  ReleasingGuard() = default;
  explicit ReleasingGuard(Semaphore* s) noexcept : sem_(s) {}
  ReleasingGuard(ReleasingGuard&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
  ReleasingGuard& operator=(ReleasingGuard&& o) noexcept;
  ReleasingGuard(const ReleasingGuard&) = delete;
  ReleasingGuard& operator=(const ReleasingGuard&) = delete;
  // A release refused here (a BoundedSemaphore or Lock already released by hand) is logged to
  // app_log, never thrown from a destructor.
  ~ReleasingGuard();

  // Releases now; the destructor then does nothing. Throws what Semaphore::release throws.
  void release();
  // Stops owning the permit without releasing it; the caller must call release() on the
  // semaphore (or lock) itself.
  Semaphore* detach() noexcept { return std::exchange(sem_, nullptr); }
  bool owns() const noexcept { return sem_ != nullptr; }
  explicit operator bool() const noexcept { return owns(); }

 private:
  void release_logged() noexcept;
  Semaphore* sem_ = nullptr;
};

// Tornado's Semaphore: a counter of release() calls minus acquire() calls plus the initial
// value; acquire() waits while it is zero.
class Semaphore {
 public:
  // std::invalid_argument when value < 0 (Tornado's ValueError).
  explicit Semaphore(int value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore();

  // Takes a permit: ready at once while the counter is positive, else waits its turn. Fails
  // with TimeoutError once `timeout` passes.
  [[nodiscard]] Future<ReleasingGuard> acquire(std::optional<gen::Duration> timeout = std::nullopt);
  // Returns a permit and hands it to the oldest waiter that has not timed out, if any.
  virtual void release();
  int value() const { return value_; }
  // Queued waiters, counting timed-out ones not yet skipped or swept.
  std::size_t waiters() const { return waiters_.size(); }

 private:
  int value_;
  detail::WaiterList<ReleasingGuard> waiters_;
};

// Tornado's BoundedSemaphore: a release() that would raise the counter past its initial value
// throws std::invalid_argument (Tornado's ValueError): it is a release without an acquire.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(int value = 1) : Semaphore(value), initial_(value) {}
  void release() override;

 private:
  int initial_;
};

// Tornado's Lock: begins unlocked; acquire() waits while it is locked. Releasing an unlocked
// Lock throws std::runtime_error (Tornado's RuntimeError).
class Lock {
 public:
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  [[nodiscard]] Future<ReleasingGuard> acquire(
      std::optional<gen::Duration> timeout = std::nullopt) {
    return block_.acquire(timeout);
  }
  // The oldest waiter, if any, gets the lock.
  void release();
  bool locked() const { return block_.value() == 0; }

 private:
  BoundedSemaphore block_{1};
};

}  // namespace tornado
