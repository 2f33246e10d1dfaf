// gen/locks.h: coroutine synchronisation: Condition, Event, Semaphore, BoundedSemaphore, Lock.
//
// Mirrors:  tornado/locks.py.
//
//   tornado::Lock lock;
//   tornado::Future<void> worker() {
//     auto held = co_await lock.acquire();          // released when `held` goes out of scope
//     co_await tornado::gen::sleep(0.01);
//   }
//   if (!co_await condition.wait(std::chrono::seconds(1))) { /* timed out */ }
//
// Ownership: each primitive owns the producer claims of the Futures its waiters await; it must
//           outlive its guards. Destroying a primitive with waiters abandons their Futures, which
//           destroys the coroutines waiting on them (gen/concurrent.h) instead of leaking them.
// Rules:    waiters are served first come, first served. A wait that times out is skipped by
//           later notify()/set()/release() calls and its timer is removed as soon as the wait
//           ends another way, so nothing lingers on the loop.
// Thread:   the loop thread (IOLoop::current() at the time of each wait).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>

#include "gen/concurrent.h"
#include "gen/gen.h"

namespace tornado {

// Tornado's Condition: wait() resolves true when notified, false when its timeout passes.
class Condition {
 public:
  Condition() = default;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;
  ~Condition();

  Future<bool> wait(std::optional<gen::Duration> timeout = std::nullopt);
  // Wakes up to n waiters that have not timed out, oldest first.
  void notify(std::size_t n = 1);
  void notify_all();
  std::size_t waiters() const;  // still waiting (not timed out)

 private:
  struct Waiter {
    detail::Resolver<bool> resolver;
    IOLoop* loop;
    Timeout timeout;
  };
  std::deque<Waiter> waiters_;
};

// Tornado's Event: a flag that coroutines can wait for. wait() fails with TimeoutError when its
// timeout passes first.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const { return value_; }
  void set();
  void clear() { value_ = false; }
  Future<void> wait(std::optional<gen::Duration> timeout = std::nullopt);

 private:
  bool value_ = false;
  std::deque<detail::Resolver<void>> waiters_;
};

class Semaphore;

// What acquire() gives: releases the semaphore (or lock) when destroyed, unless released or
// moved from before. Tornado's _ReleasingContextManager, in RAII form.
class [[nodiscard]] SemaphoreGuard {
 public:
  SemaphoreGuard() = default;
  explicit SemaphoreGuard(Semaphore* s) : sem_(s) {}
  SemaphoreGuard(SemaphoreGuard&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
  SemaphoreGuard& operator=(SemaphoreGuard&& o) noexcept;
  SemaphoreGuard(const SemaphoreGuard&) = delete;
  SemaphoreGuard& operator=(const SemaphoreGuard&) = delete;
  // A release that fails here (the semaphore was already released by hand: a
  // BoundedSemaphore or Lock refuses the second release) is logged, never thrown.
  ~SemaphoreGuard();
  // Releases now (once); the destructor then does nothing.
  void release();
  bool owns() const { return sem_ != nullptr; }

 private:
  void release_logged() noexcept;
  Semaphore* sem_ = nullptr;
};

// Tornado's Semaphore: acquire() waits while the counter is zero. Its Future fails with
// TimeoutError when the timeout passes first.
class Semaphore {
 public:
  explicit Semaphore(int value = 1);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore();

  Future<SemaphoreGuard> acquire(std::optional<gen::Duration> timeout = std::nullopt);
  // Increments the counter and wakes the oldest waiter that has not timed out.
  virtual void release();
  int value() const { return value_; }

 protected:
  void release_one();

 private:
  struct Waiter {
    detail::Resolver<SemaphoreGuard> resolver;
    IOLoop* loop;
    Timeout timeout;
  };
  int value_;
  std::deque<Waiter> waiters_;
};

// Tornado's BoundedSemaphore: release() past the initial value throws std::invalid_argument
// (Tornado's ValueError), which usually means a release without an acquire.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(int value = 1) : Semaphore(value), initial_(value) {}
  void release() override;

 private:
  int initial_;
};

// Tornado's Lock: a BoundedSemaphore(1); releasing an unlocked Lock throws std::runtime_error
// (Tornado's RuntimeError).
class Lock {
 public:
  Future<SemaphoreGuard> acquire(std::optional<gen::Duration> timeout = std::nullopt) {
    return sem_.acquire(timeout);
  }
  void release();
  bool locked() const { return sem_.value() == 0; }

 private:
  BoundedSemaphore sem_{1};
};

}  // namespace tornado
