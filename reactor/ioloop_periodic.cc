// reactor/ioloop_periodic.cc: PeriodicCallback.
//
// Mirrors:  tornado/ioloop.py PeriodicCallback (_run, _schedule_next, _update_next, jitter).
// In loop:  one timeout at a time on the loop's heap; run() calls the callback, then schedules
//           the next run from the deadline, not from now, so the period does not drift.
// Rules:    overrun: if the next deadline has already passed, skip to the first multiple of the
//           period after now (missed runs are dropped, never bunched: ioloop_test
//           "periodic_overrun"). A clock that did not advance still moves one period on.
//           The callback may stop() or destroy this object; run() checks before touching it.
#include <sys/random.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"

namespace tornado {

PeriodicCallback::PeriodicCallback(InlineFunction<void()> callback, double callback_time_ms,
                                   double jitter, IOLoop* loop)
    : callback_(std::move(callback)),
      callback_time_ms_(callback_time_ms),
      jitter_(jitter),
      loop_(loop != nullptr ? loop : &IOLoop::current()) {
  if (!(callback_time_ms > 0))
    throw std::invalid_argument("PeriodicCallback: callback_time must be positive");
  if (jitter < 0 || jitter > 1)
    throw std::invalid_argument("PeriodicCallback: jitter must be in [0, 1]");
}

PeriodicCallback::~PeriodicCallback() {
  if (destroyed_ != nullptr) *destroyed_ = true;
  stop();
}

void PeriodicCallback::start() {
  if (running_) return;
  running_ = true;
  next_timeout_ = loop_->time();
  schedule_next();
}

void PeriodicCallback::stop() {
  running_ = false;
  if (!loop_->closed()) loop_->remove_timeout(timeout_);
  timeout_ = Timeout{};
}

void PeriodicCallback::run() {
  if (!running_) return;
  bool destroyed = false;
  destroyed_ = &destroyed;
  try {
    callback_();
  } catch (...) {
    log::app_log.error("Exception in PeriodicCallback: %s",
                       util::exception_message(std::current_exception()).c_str());
  }
  if (destroyed) return;
  destroyed_ = nullptr;
  schedule_next();
}

void PeriodicCallback::schedule_next() {
  if (!running_) return;
  update_next(loop_->time());
  timeout_ = loop_->call_at(next_timeout_, [this] { run(); });
}

namespace {

// The jitter's seed from getrandom(2), not std::random_device, whose libstdc++ object (with
// arc4random and its string-named sources) every static program would carry. Without it (a
// kernel before 3.17, or the pool not ready yet): the clock.
unsigned jitter_seed() {
  unsigned seed = 0;
  if (::getrandom(&seed, sizeof seed, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof seed))
    return seed;
  return static_cast<unsigned>(util::monotonic_time() * 1e9);
}

}  // namespace

void PeriodicCallback::update_next(double now) {
  double period = callback_time_ms_ / 1000.0;
  if (jitter_ > 0) {
    thread_local std::minstd_rand rng{jitter_seed()};
    const double r = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    period *= 1 + jitter_ * (r - 0.5);
  }
  if (next_timeout_ <= now) {
    next_timeout_ += (std::floor((now - next_timeout_) / period) + 1) * period;
  } else {
    next_timeout_ += period;  // the clock did not reach the deadline: keep the cadence
  }
}

}  // namespace tornado
