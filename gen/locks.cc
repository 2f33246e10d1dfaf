// gen/locks.cc: Condition, Event, Semaphore, BoundedSemaphore, Lock, ReleasingGuard.
//
// Mirrors:  tornado/locks.py.
// In loop:  a wait queues a detail::TimedWaiter; with a timeout it also schedules one
//           call_later on the current loop. Whichever comes first, the notification or the
//           timer, resolves the waiter's Future, and a notification removes the timer at once.
//           Resolving only queues the waiting coroutines as continuations, so notify(), set()
//           and release() never run a waiter inside themselves.
// Callers:  user coroutines; gen/queues.h (Queue::join waits on an Event).
// Rules:    a timed-out waiter stays queued, finished, until a notification skips it or the
//           sweep drops it (one per 101 timeouts, as Tornado's _TimeoutGarbageCollector).
//           Every waiter that leaves a queue removes its timer, so no timer outlives the
//           primitive it refers to.
// Thread:   loop thread only.
#include "tornado/gen/locks.h"

#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

namespace detail {

std::exception_ptr make_timeout_error() { return std::make_exception_ptr(TimeoutError()); }

}  // namespace detail

// ---------------------------------------------------------------- Condition

Future<bool> Condition::wait(std::optional<gen::Duration> timeout) {
  return waiters_.wait(timeout, [](Promise<bool>& r) { r.set_result(false); });
}

void Condition::notify(std::size_t n) {
  Promise<bool> r;
  while (n > 0 && waiters_.pop(r)) {
    r.set_result(true);
    --n;
  }
}

// Tornado passes len(_waiters), which counts timed-out waiters too: enough for every live one.
void Condition::notify_all() { notify(waiters_.size()); }

// ---------------------------------------------------------------- Event

void Event::set() {
  if (value_) return;
  value_ = true;
  Promise<void> r;
  while (waiters_.pop(r)) r.set_result();
}

Future<void> Event::wait(std::optional<gen::Duration> timeout) {
  if (value_) return make_ready_future();
  return waiters_.wait(timeout,
                       [](Promise<void>& r) { r.set_exception(detail::make_timeout_error()); });
}

// ---------------------------------------------------------------- ReleasingGuard

ReleasingGuard& ReleasingGuard::operator=(ReleasingGuard&& o) noexcept {
  if (this != &o) {
    release_logged();
    sem_ = std::exchange(o.sem_, nullptr);
  }
  return *this;
}

ReleasingGuard::~ReleasingGuard() { release_logged(); }

void ReleasingGuard::release() {
  if (Semaphore* s = std::exchange(sem_, nullptr)) s->release();
}

void ReleasingGuard::release_logged() noexcept {
  try {
    release();
  } catch (const std::exception& e) {
    log::app_log.error("ReleasingGuard: release refused: %s", e.what());
  }
}

// ---------------------------------------------------------------- Semaphore

Semaphore::Semaphore(int value) : value_(value) {
  if (value < 0) throw std::invalid_argument("semaphore initial value must be >= 0");
}

// The waiters go while this is still a whole Semaphore: a coroutine destroyed with them may
// hold a guard of this very semaphore and release it on the way out.
Semaphore::~Semaphore() { waiters_.clear(); }

Future<ReleasingGuard> Semaphore::acquire(std::optional<gen::Duration> timeout) {
  if (value_ > 0) {
    --value_;
    return make_ready_future<ReleasingGuard>(this);
  }
  return waiters_.wait(
      timeout, [](Promise<ReleasingGuard>& r) { r.set_exception(detail::make_timeout_error()); });
}

void Semaphore::release() {
  ++value_;
  Promise<ReleasingGuard> r;
  if (waiters_.pop(r)) {
    --value_;
    r.set_result(this);
  }
}

void BoundedSemaphore::release() {
  if (value() >= initial_) throw std::invalid_argument("Semaphore released too many times");
  Semaphore::release();
}

// ---------------------------------------------------------------- Lock

void Lock::release() {
  try {
    block_.release();
  } catch (const std::invalid_argument&) {
    throw std::runtime_error("release unlocked lock");
  }
}

}  // namespace tornado
