// gen/locks.cc: Condition, Event, Semaphore, BoundedSemaphore, Lock.
//
// Mirrors:  tornado/locks.py.
// In loop:  a wait with a timeout schedules one call_later on the waiter's loop; whichever
//           comes first (the notification or the timer) resolves the waiter's Future, and a
//           notification removes the timer at once. Resolutions resume coroutines through the
//           loop's continuations, never inside notify()/set()/release().
// Rules:    each waiter's Future has two producers while a timer is pending: the primitive's
//           queue and the timer. Timed-out waiters stay queued (done) until a notification
//           skips them, as Tornado's do.
#include "gen/locks.h"

#include <utility>

#include "reactor/log.h"

namespace tornado {

namespace {

// Schedules on_timeout after `timeout` on the current loop, or nothing without a timeout.
Timeout schedule_timeout(IOLoop& loop, const std::optional<gen::Duration>& timeout, Callback cb) {
  if (!timeout) return Timeout{};
  return loop.call_later(timeout->count(), std::move(cb));
}

}  // namespace

// ---------------------------------------------------------------- Condition

Condition::~Condition() {
  for (Waiter& w : waiters_)
    if (!w.loop->closed()) w.loop->remove_timeout(w.timeout);
}

Future<bool> Condition::wait(std::optional<gen::Duration> timeout) {
  Future<bool> f;
  IOLoop& loop = IOLoop::current();
  const Timeout t =
      schedule_timeout(loop, timeout, [r = detail::Resolver<bool>(f.state())]() mutable {
        if (!r.done()) r.set_result(false);
      });
  waiters_.push_back(Waiter{detail::Resolver<bool>(f.state()), &loop, t});
  return f;
}

void Condition::notify(std::size_t n) {
  while (n > 0 && !waiters_.empty()) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    if (w.resolver.done()) continue;  // timed out: skip it, as Tornado's notify does
    w.loop->remove_timeout(w.timeout);
    w.resolver.set_result(true);
    --n;
  }
}

void Condition::notify_all() { notify(waiters_.size()); }

std::size_t Condition::waiters() const {
  std::size_t n = 0;
  for (const Waiter& w : waiters_) n += w.resolver.done() ? 0 : 1;
  return n;
}

// ---------------------------------------------------------------- Event

void Event::set() {
  if (value_) return;
  value_ = true;
  std::deque<detail::Resolver<void>> waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& r : waiters)
    if (!r.done()) r.set_result();
}

Future<void> Event::wait(std::optional<gen::Duration> timeout) {
  if (value_) return make_ready_future();
  Future<void> f;
  waiters_.emplace_back(f.state());
  if (!timeout) return f;
  return gen::with_timeout(timeout->count(), f);
}

// ---------------------------------------------------------------- Semaphore

SemaphoreGuard& SemaphoreGuard::operator=(SemaphoreGuard&& o) noexcept {
  if (this != &o) {
    release_logged();
    sem_ = std::exchange(o.sem_, nullptr);
  }
  return *this;
}

SemaphoreGuard::~SemaphoreGuard() { release_logged(); }

void SemaphoreGuard::release_logged() noexcept {
  try {
    release();
  } catch (const std::exception& e) {
    log::app_log.error("Releasing a semaphore guard failed: %s", e.what());
  }
}

void SemaphoreGuard::release() {
  if (Semaphore* s = std::exchange(sem_, nullptr)) s->release();
}

Semaphore::Semaphore(int value) : value_(value) {
  if (value < 0) throw std::invalid_argument("Semaphore initial value must be >= 0");
}

Semaphore::~Semaphore() {
  for (Waiter& w : waiters_)
    if (!w.loop->closed()) w.loop->remove_timeout(w.timeout);
}

Future<SemaphoreGuard> Semaphore::acquire(std::optional<gen::Duration> timeout) {
  Future<SemaphoreGuard> f;
  if (value_ > 0) {
    --value_;
    f.set_result(SemaphoreGuard(this));
    return f;
  }
  IOLoop& loop = IOLoop::current();
  const Timeout t =
      schedule_timeout(loop, timeout, [r = detail::Resolver<SemaphoreGuard>(f.state())]() mutable {
        if (!r.done()) r.set_exception(std::make_exception_ptr(TimeoutError()));
      });
  waiters_.push_back(Waiter{detail::Resolver<SemaphoreGuard>(f.state()), &loop, t});
  return f;
}

void Semaphore::release() { release_one(); }

void Semaphore::release_one() {
  ++value_;
  while (!waiters_.empty()) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    if (w.resolver.done()) continue;  // timed out
    w.loop->remove_timeout(w.timeout);
    --value_;
    w.resolver.set_result(SemaphoreGuard(this));
    break;
  }
}

void BoundedSemaphore::release() {
  if (value() >= initial_) throw std::invalid_argument("Semaphore released too many times");
  release_one();
}

void Lock::release() {
  if (!locked()) throw std::runtime_error("release unlocked lock");
  sem_.release();
}

}  // namespace tornado
