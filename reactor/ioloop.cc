// reactor/ioloop.cc: the loop itself: one iteration, fd handlers, callbacks, timeouts.
//
// Mirrors:  tornado/ioloop.py, PollIOLoop of Tornado 4.x (start, add_handler, add_callback,
//           call_at, remove_timeout, close).
// In loop:  start() and run_once() call iterate(), whose body is the numbered phases of
//           man tornado.ioloop (THE LOOP). Signals: ioloop_signal.cc. PeriodicCallback:
//           ioloop_periodic.cc.
// Calls:    the Poller (poller.h), the Waker (waker.h), the TimeoutHeap (timeout_heap.h), and
//           gen_log/app_log. Nothing above reactor/.
// Rules:    - callbacks queued during an iteration run in the next one (the queue is swapped
//             out before it runs), so callbacks cannot starve I/O;
//           - events for an fd whose handler was removed, or removed and added again, after
//             the poll that reported them are dropped (ioloop_test: "fd reuse in one
//             iteration");
//           - a handler runs from a local copy, so it may remove or replace itself;
//           - every user callable runs inside run_guarded(): exceptions are logged, never
//             propagated, and slow callables are reported when a threshold is set.
// Thread:   the loop thread, except add_callback() and stop().
#include "tornado/reactor/ioloop.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "tornado/reactor/log.h"
#include "tornado/reactor/poller.h"
#include "tornado/reactor/util.h"
#include "tornado/reactor/waker.h"

namespace tornado {

thread_local constinit IOLoop* detail::tl_running_loop = nullptr;

namespace {

using detail::tl_running_loop;

thread_local IOLoop* tl_current = nullptr;      // IOLoop::current()
thread_local std::unique_ptr<IOLoop> tl_owned;  // the loop current() had to create

std::mutex& config_mutex() {
  static std::mutex m;
  return m;
}
std::string& configured_name() {
  static std::string name;
  return name;
}

// Sets the running loop (and current loop) of this thread for the length of an iteration or
// of start(), and puts the previous ones back after, as Tornado 4's start() does.
class RunScope {
 public:
  explicit RunScope(IOLoop* loop) : prev_running_(tl_running_loop), prev_current_(tl_current) {
    tl_running_loop = loop;
    tl_current = loop;
  }
  ~RunScope() {
    tl_running_loop = prev_running_;
    tl_current = prev_current_;
  }
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

 private:
  IOLoop* prev_running_;
  IOLoop* prev_current_;
};

}  // namespace

// run_guarded's slow path (the inline fast path is in ioloop.h).
void IOLoop::run_timed(Callback& call, const SourceLocation& origin, const char* what) {
  const double started = time();
  try {
    call();
  } catch (...) {
    report_exception(origin, what);
  }
  report_slow(started, origin, what);
}

void IOLoop::report_exception(const SourceLocation& origin, const char* what) {
  log::app_log.error("Exception in %s (scheduled at %s:%u): %s", what, origin.file, origin.line,
                     util::exception_message(std::current_exception()).c_str());
}

// ---------------------------------------------------------------- construction, backends

IOLoop::IOLoop(std::string_view poller) {
  const std::string name = poller.empty() ? configured() : std::string(poller);
  int err = 0;
  poller_ = detail::make_poller(name, &err);
  if (!poller_) {
    if (err == -ENOENT)
      throw std::invalid_argument("IOLoop: no poller backend named '" + name + "'");
    throw std::system_error(-err, std::generic_category(),
                            "IOLoop: creating the " + name + " poller");
  }
  waker_ = std::make_unique<detail::Waker>(detail::Waker::Kind::kAuto, &err);
  if (err != 0)
    throw std::system_error(-err, std::generic_category(), "IOLoop: creating the waker");
  const int rc =
      add_internal_handler(waker_->fileno(), [this](int, std::uint32_t) { waker_->consume(); });
  if (rc != 0) throw std::system_error(-rc, std::generic_category(), "IOLoop: watching the waker");
  if (tl_current == nullptr) tl_current = this;
}

IOLoop::~IOLoop() {
  if (!closed_) close(false);
  if (tl_current == this) tl_current = nullptr;
}

void IOLoop::configure(std::string_view poller) {
  if (!poller.empty()) {
    bool known = false;
    for (const std::string& n : detail::available_pollers()) known = known || n == poller;
    if (!known)
      throw std::invalid_argument("IOLoop::configure: no poller backend named '" +
                                  std::string(poller) + "'");
  }
  std::lock_guard lock(config_mutex());
  configured_name() = std::string(poller);
}

std::string IOLoop::configured() {
  {
    std::lock_guard lock(config_mutex());
    if (!configured_name().empty()) return configured_name();
  }
  if (const char* env = std::getenv("TORNADO_POLLER"); env != nullptr && *env != '\0') return env;
  return detail::available_pollers().front();
}

std::vector<std::string> IOLoop::available_pollers() { return detail::available_pollers(); }

const char* IOLoop::poller_name() const { return poller_ ? poller_->name() : "closed"; }

int IOLoop::poll_fd() const { return poller_ ? poller_->fileno() : -1; }

// ---------------------------------------------------------------- current and instance

IOLoop& IOLoop::current() {
  if (tl_current == nullptr) {
    tl_owned = std::make_unique<IOLoop>();
    tl_current = tl_owned.get();
  }
  return *tl_current;
}

IOLoop* IOLoop::current_or_null() { return tl_current; }
void IOLoop::make_current() { tl_current = this; }
void IOLoop::clear_current() { tl_current = nullptr; }

IOLoop& IOLoop::instance() {
  static IOLoop loop;
  return loop;
}

// ---------------------------------------------------------------- fd handlers

IOLoop::HandlerSlot* IOLoop::slot(int fd) const {
  if (fd < 0) return nullptr;
  const auto chunk = static_cast<std::size_t>(fd) / kChunk;
  if (chunk >= handlers_.size() || !handlers_[chunk]) return nullptr;
  return &(*handlers_[chunk])[static_cast<std::size_t>(fd) % kChunk];
}

IOLoop::HandlerSlot& IOLoop::slot_for_add(int fd) {
  const auto chunk = static_cast<std::size_t>(fd) / kChunk;
  if (chunk >= handlers_.size()) handlers_.resize(chunk + 1);
  if (!handlers_[chunk]) handlers_[chunk] = std::make_unique<Chunk>();
  return (*handlers_[chunk])[static_cast<std::size_t>(fd) % kChunk];
}

int IOLoop::add_handler(int fd, FdHandler handler, std::uint32_t events, SourceLocation origin) {
  if (closed_) return -EBADF;
  if (fd < 0) return -EBADF;
  if (has_handler(fd)) return -EEXIST;
  const int rc = poller_->register_fd(fd, events | ERROR);
  if (rc != 0) {
    if (rc == -EINVAL && std::strcmp(poller_->name(), "select") == 0) {
      log::gen_log.error(
          "add_handler: fd %d is past FD_SETSIZE (%d); the select backend cannot "
          "watch it (use epoll, kqueue or poll)",
          fd, FD_SETSIZE);
    } else {
      log::gen_log.error("add_handler(fd %d) failed on %s: %s", fd, poller_->name(),
                         std::strerror(-rc));
    }
    return rc;
  }
  HandlerSlot& s = slot_for_add(fd);
  s.handler = std::move(handler);
  s.origin_file = origin.file;
  s.origin_line = origin.line;
  s.events = static_cast<std::uint16_t>(events | ERROR);
  ++s.generation;
  s.since = static_cast<std::uint32_t>(polls_);
  s.registered = true;
  s.internal = false;
  ++user_handlers_;
  return 0;
}

int IOLoop::add_internal_handler(int fd, FdHandler handler) {
  const int rc = add_handler(fd, std::move(handler), READ);
  if (rc == 0) {
    slot(fd)->internal = true;
    --user_handlers_;
  }
  return rc;
}

int IOLoop::update_handler(int fd, std::uint32_t events) {
  HandlerSlot* s = slot(fd);
  if (s == nullptr || !s->registered) return -ENOENT;
  events |= ERROR;
  if (events == s->events) return 0;
  const int rc = poller_->modify(fd, events);
  if (rc != 0) {
    // The fd is in our table, so the backend must know it: anything else is a broken invariant.
    log::gen_log.error(
        "update_handler(fd %d) failed on %s: %s (was the fd closed before "
        "remove_handler?)",
        fd, poller_->name(), std::strerror(-rc));
    return rc;
  }
  s->events = static_cast<std::uint16_t>(events);
  return 0;
}

int IOLoop::remove_handler(int fd) {
  HandlerSlot* s = slot(fd);
  if (s == nullptr || !s->registered) return -ENOENT;
  // Errors are ignored, as Tornado does: the fd may already be closed, which epoll and kqueue
  // treat as removed.
  (void)poller_->unregister(fd);
  s->registered = false;
  if (!s->internal) --user_handlers_;
  s->internal = false;
  // Events already collected for fd are dropped by the `since`/generation check in dispatch.
  // A callable removed during dispatch may be what some caller up the stack is running, so it
  // is destroyed after the iteration, not now (STYLE §4 rule 1).
  if (dispatching_) {
    if (s->handler) retired_.push_back(std::move(s->handler));
  } else {
    s->handler.reset();
  }
  return 0;
}

bool IOLoop::has_handler(int fd) const {
  const HandlerSlot* s = slot(fd);
  return s != nullptr && s->registered;
}

std::size_t IOLoop::handler_count() const { return user_handlers_; }

// ---------------------------------------------------------------- callbacks and timeouts

void IOLoop::add_callback(Callback cb, SourceLocation origin) {
  if (tl_running_loop == this) {  // the loop's own thread, inside start(): no lock, and a running
    pending_->emplace_back(std::move(cb), origin);  // loop cannot be closing
    return;
  }
  add_remote_callback(std::move(cb), origin);
}

// Out of line, so the loop thread's path above does not pay for the lock's registers and frame.
void IOLoop::add_remote_callback(Callback&& cb, SourceLocation origin) {
  bool was_empty;
  {
    detail::MutexLock lock(remote_mutex_);
    if (closing_) return;  // Tornado drops callbacks added while closing
    was_empty = remote_.empty();
    remote_.push_back(Queued{std::move(cb), origin});
    remote_nonempty_.store(true, std::memory_order_release);
  }
  // The loop drains the whole remote queue at the top of each iteration, so a non-empty queue
  // means a wake-up is already on its way.
  if (was_empty) waker_->wake();
}

std::size_t IOLoop::pending_callbacks() const {
  detail::MutexLock lock(remote_mutex_);
  return pending_->size() + remote_.size();
}

double IOLoop::time() const { return util::monotonic_time(); }

Timeout IOLoop::call_at(double when, Callback cb, SourceLocation origin) {
  if (closed_) return Timeout{};  // cb is destroyed unrun, as add_callback drops it
  return timeouts_.push(when, std::move(cb), origin);
}

Timeout IOLoop::call_later(double delay, Callback cb, SourceLocation origin) {
  return call_at(time() + delay, std::move(cb), origin);
}

bool IOLoop::remove_timeout(Timeout t) { return timeouts_.cancel(t); }

// ---------------------------------------------------------------- running

void IOLoop::start() {
  if (closed_) throw std::logic_error("IOLoop::start: the loop is closed");
  if (running_.load()) throw std::logic_error("IOLoop::start: this IOLoop is already running");
  if (stopped_.exchange(false)) return;  // stop() before start(): Tornado returns at once
  RunScope scope(this);
  running_.store(true);
  iterate(-1.0, false);
  stopped_.store(false);
}

void IOLoop::stop() {
  running_.store(false);
  stopped_.store(true);
  if (waker_) waker_->wake();
}

void IOLoop::run_once(double max_wait) {
  if (closed_) throw std::logic_error("IOLoop::run_once: the loop is closed");
  if (tl_running_loop == this)
    throw std::logic_error("IOLoop::run_once: this IOLoop is already running");
  RunScope scope(this);
  iterate(max_wait < 0 ? -1.0 : max_wait, true);
}

// Phase 3: runs the batch in order. Inline in iterate(), the one caller: a posted callback
// costs one loop iteration, so the call and the per-callback tests show (bench/README.md,
// posted_callbacks). The threshold test is made once per batch, not once per callback; the
// batch is never appended to while it runs (new callbacks go to *pending_).
inline void IOLoop::run_callbacks() {
  detail::CallbackQueue<Queued>& batch = *batch_;
  if (batch.empty()) return;
  callbacks_since_poll_ += batch.size();
  if (blocking_threshold_ > 0) {
    batch.drain([this](Queued& q) {
      run_timed(q.callback, q.origin, "callback");
      if (!continuations_.empty()) run_continuations();
    });
    return;
  }
  batch.drain([this](Queued& q) {
    try {
      q.callback();
    } catch (...) {
      report_exception(q.origin, "callback");
    }
    if (!continuations_.empty()) run_continuations();
  });
}

// Iterations, each the numbered phases of man tornado.ioloop (THE LOOP): one for run_once(),
// or until stop() for start(). The loop is here rather than in start() so that back-to-back
// iterations of a busy loop do not pay a call each (bench/README.md, posted_callbacks).
void IOLoop::iterate(double max_wait, bool once) {
  do {
    ++iterations_;
    if (remote_nonempty_.load(std::memory_order_acquire))
      take_remote_callbacks();    // 1. callbacks from other threads join the queue
    std::swap(pending_, batch_);  // 1. callbacks queued from now on wait a turn
    if (!timeouts_.empty())
      timeouts_.collect_due(time(), due_);  // 2. due ones out, cancelled dropped
    run_callbacks();                        // 3. the batch, in order
    if (!due_.empty()) run_due_timeouts();  // 4. unless cancelled since phase 2
    if (max_wait < 0 && !running_.load(std::memory_order_relaxed)) return;  // stop() before poll
    if (should_poll()) poll_and_dispatch(poll_timeout_ms(max_wait));        // 5-6. 0 if busy; 7.
    log::flush_if_due();  // 7. access lines held back 100 ms at most
  } while (!once && running_.load(std::memory_order_relaxed));
}

// Phase 5's pacing: an idle loop always polls; a busy one (callbacks waiting) polls once per
// kCallbacksPerPoll callbacks run (ioloop_test: "a busy loop still polls").
bool IOLoop::should_poll() const {
  if (pending_->empty()) return true;
  // With no fd watched but the waker, a zero-timeout poll can report nothing: the waker only
  // says "look at the cross-thread queue", which phase 1 does every iteration anyway. So a busy
  // loop with no I/O skips the system call (libuv skips its poll with no fds the same way).
  if (user_handlers_ == 0 && !signal_pipe_) return false;
  return callbacks_since_poll_ >= kCallbacksPerPoll;
}

void IOLoop::take_remote_callbacks() {
  detail::MutexLock lock(remote_mutex_);
  for (Queued& q : remote_) pending_->emplace_back(std::move(q));
  remote_.clear();
  remote_nonempty_.store(false, std::memory_order_relaxed);
}

void IOLoop::add_continuation(Callback cb, SourceLocation origin) {
  if (tl_running_loop != this) {
    add_callback(std::move(cb), origin);
    return;
  }
  continuations_.push_back(Queued{std::move(cb), origin});
}

// Runs continuations in order, including those they add, up to the budget; the rest join the
// next iteration's callbacks. Iterative, so a long chain of Futures never deepens the stack.
void IOLoop::run_continuations() {
  std::size_t budget = kContinuationBudget;
  while (continuations_head_ < continuations_.size()) {
    if (budget-- == 0) {
      for (std::size_t i = continuations_head_; i < continuations_.size(); ++i)
        pending_->emplace_back(std::move(continuations_[i]));
      break;
    }
    // Moved out first: running it may append to continuations_ and reallocate it.
    Queued q = std::move(continuations_[continuations_head_++]);
    run_guarded(q.callback, q.origin, "callback");
    ++callbacks_since_poll_;
  }
  continuations_.clear();
  continuations_head_ = 0;
}

void IOLoop::run_due_timeouts() {
  Callback cb;
  SourceLocation origin;
  for (const Timeout t : due_) {
    if (timeouts_.take(t, cb, origin)) {
      run_guarded(cb, origin, "timeout");
      cb.reset();
      if (!continuations_.empty()) run_continuations();
    }
  }
  due_.clear();
}

int IOLoop::poll_timeout_ms(double max_wait) const {
  if (!pending_->empty()) return 0;
  double wait = max_wait < 0 ? kMaxPollSeconds : max_wait;
  const double deadline = timeouts_.next_deadline();
  if (deadline >= 0) {
    const double until = deadline - time();
    if (until < wait) wait = until;
  }
  // Buffered log lines are due too (both clocks are CLOCK_MONOTONIC).
  if (const double log_due = log::flush_deadline(); log_due != 0.0) {
    const double until = log_due - time();
    if (until < wait) wait = until;
  }
  if (wait <= 0) return 0;
  // Round up: a poll that wakes before the deadline would find nothing due and poll again
  // with a zero timeout, spinning; a timer must never fire early either.
  return static_cast<int>(std::ceil(wait * 1000.0));
}

double IOLoop::next_timeout() const {
  if (!pending_->empty() || remote_nonempty_.load(std::memory_order_acquire)) return 0.0;
  const double deadline = timeouts_.next_deadline();
  if (deadline < 0) return -1.0;
  const double until = deadline - time();
  return until > 0 ? until : 0.0;
}

void IOLoop::poll_and_dispatch(int timeout_ms) {
  events_.clear();
  ++polls_;
  callbacks_since_poll_ = 0;
  const int n = poller_->poll(timeout_ms, events_);
  if (n < 0) {
    if (n == -EINTR) return;  // a signal: its flag is handled through the signal pipe
    log::gen_log.error("IOLoop: %s poll failed: %s", poller_->name(), std::strerror(-n));
    return;
  }
  dispatching_ = true;
  for (const detail::PollEvent& ev : events_) {
    HandlerSlot* s = slot(ev.fd);
    // Removed since the poll, or removed and added again (possibly a new file on a reused fd
    // number): these events are not for the current handler.
    if (s == nullptr || !s->registered || s->since == static_cast<std::uint32_t>(polls_)) continue;
    const std::uint32_t events = ev.events & s->events;
    if (events == 0) continue;
    // Run from a local, so the handler may remove itself or install a replacement.
    FdHandler running = std::move(s->handler);
    const std::uint32_t generation = s->generation;
    const SourceLocation origin{s->origin_file, s->origin_line};  // the slot may change
    if (blocking_threshold_ > 0) {
      Callback call = [&running, &ev, events] { running(ev.fd, events); };
      run_timed(call, origin, "handler");
    } else {
      try {  // run_guarded's fast path, without wrapping the handler in a Callback
        running(ev.fd, events);
      } catch (...) {
        report_exception(origin, "handler");
      }
    }
    if (!continuations_.empty()) run_continuations();
    if (s->registered && s->generation == generation && !s->handler) {
      s->handler = std::move(running);
    } else if (running) {
      retired_.push_back(std::move(running));
    }
  }
  dispatching_ = false;
  retired_.clear();  // 7. handlers removed while dispatching (only dispatch retires any)
}

void IOLoop::report_slow(double started, const SourceLocation& origin, const char* what) {
  const double took = time() - started;
  if (took <= blocking_threshold_) return;
  log::gen_log.warning("IOLoop blocked for %.3f seconds in %s (scheduled at %s:%u)", took, what,
                       origin.file, origin.line);
}

// ---------------------------------------------------------------- close

void IOLoop::close(bool all_fds) {
  if (closed_) return;
  if (running_.load() || tl_running_loop == this)
    throw std::logic_error("IOLoop::close: the loop is running; stop() it first");
  for (std::vector<Callback> hooks = std::move(close_hooks_); Callback & hook : hooks) hook();
  closed_ = true;  // from here on add_handler, call_at and add_callback refuse new work
  std::vector<Queued> doomed_remote;
  {
    detail::MutexLock lock(remote_mutex_);
    closing_ = true;
    doomed_remote.swap(remote_);
  }
  restore_signals();
  // Destroying a callable can run any destructor: a timer's Future producer going away
  // destroys the coroutines waiting on it, which may call remove_timeout or remove_handler on
  // this loop. So everything is taken out of the loop first and destroyed afterwards, when
  // those calls find an empty loop (ioloop_test: "close destroys pending work re-entrantly").
  detail::CallbackQueue<Queued> doomed_pending(std::move(*pending_));
  detail::CallbackQueue<Queued> doomed_batch(std::move(*batch_));
  std::vector<Queued> doomed_continuations = std::move(continuations_);
  detail::TimeoutHeap doomed_timeouts = std::move(timeouts_);
  timeouts_.clear();
  std::vector<FdHandler> doomed_handlers = std::move(retired_);
  for (std::size_t c = 0; c < handlers_.size(); ++c) {
    if (!handlers_[c]) continue;
    for (std::size_t i = 0; i < kChunk; ++i) {
      HandlerSlot& s = (*handlers_[c])[i];
      if (!s.registered) continue;
      const int fd = static_cast<int>(c * kChunk + i);
      const bool user = !s.internal;
      doomed_handlers.push_back(std::move(s.handler));
      (void)remove_handler(fd);
      if (all_fds && user) ::close(fd);
    }
  }
  doomed_handlers.clear();
  doomed_timeouts.clear();
  doomed_batch.clear();
  doomed_continuations.clear();
  doomed_pending.clear();
  doomed_remote.clear();
  handlers_.clear();
  signal_pipe_.reset();
  waker_.reset();
  poller_.reset();
  if (tl_current == this) tl_current = nullptr;
}

}  // namespace tornado
