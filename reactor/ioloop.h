// reactor/ioloop.h: the event loop: fd handlers, callbacks, timeouts, signals.
//
// Mirrors:  tornado/ioloop.py (IOLoop, PollIOLoop of Tornado 4.x, PeriodicCallback).
//
//   tornado::IOLoop loop;                                  // epoll on Linux, kqueue on BSD
//   loop.call_later(0.5, [&] { loop.stop(); });
//   (void)loop.add_handler(fd, [](int fd, std::uint32_t ev) { on_ready(fd, ev); },
//                          tornado::IOLoop::READ);
//   loop.start();                                          // returns after stop()
//
// Ownership: an IOLoop is owned by whoever made it (a stack object, or a unique_ptr); its
//           lifetime must enclose everything registered with it. It owns every callback,
//           timeout and handler callable given to it, never the fds it watches (close(true)
//           is the one exception, as in Tornado).
// Thread:   one IOLoop per thread. add_callback() and stop() may be called from any thread;
//           every other member from the loop's thread only.
// See:      man tornado.ioloop (THE LOOP lists the phases of one iteration; CAVEATS).
#pragma once

#include <poll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tornado/reactor/callback.h"
#include "tornado/reactor/callback_queue.h"
#include "tornado/reactor/mutex.h"
#include "tornado/reactor/source_location.h"
#include "tornado/reactor/timeout_heap.h"

namespace tornado {

class IOLoop;

namespace detail {
class Poller;
class Waker;
struct PollEvent;
// The loop running on this thread (inside start() or run_once()), or null. Here rather than
// in ioloop.cc so that add_callback's test for the loop's own thread inlines into callers.
extern thread_local constinit IOLoop* tl_running_loop;
}  // namespace detail

class IOLoop {
 public:
  // Event bits, as Tornado's (which are epoll's, which are poll(2)'s).
  static constexpr std::uint32_t READ = POLLIN;
  static constexpr std::uint32_t WRITE = POLLOUT;
  static constexpr std::uint32_t ERROR = POLLERR | POLLHUP;

  // The longest single poll when nothing is scheduled (Tornado's _POLL_TIMEOUT, 3600 s).
  static constexpr double kMaxPollSeconds = 3600.0;

  // Makes a loop on the named backend ("epoll", "kqueue", "poll", "select"); an empty name
  // takes IOLoop::configure()'s choice, else $TORNADO_POLLER, else the platform's best.
  // Throws std::invalid_argument for an unknown backend and std::system_error when the kernel
  // refuses (out of fds). The new loop becomes current() if this thread has none.
  explicit IOLoop(std::string_view poller = {});
  ~IOLoop();
  IOLoop(const IOLoop&) = delete;
  IOLoop& operator=(const IOLoop&) = delete;

  // --- choosing the backend (Tornado's Configurable) ---
  // Sets the backend for loops made from now on; throws std::invalid_argument if unknown.
  static void configure(std::string_view poller);
  // The backend a new IOLoop() would use.
  static std::string configured();
  // The backends this build has, best first.
  static std::vector<std::string> available_pollers();
  const char* poller_name() const;

  // --- the per-thread loop ---
  // The current loop of this thread; creates one (owned by the thread) when there is none.
  static IOLoop& current();
  // The current loop, or nullptr; never creates one.
  static IOLoop* current_or_null();
  void make_current();
  static void clear_current();
  // The process-wide loop of Tornado 4's IOLoop.instance(); created on first use.
  static IOLoop& instance();

  // --- fd handlers ---
  // handler(fd, events) runs when fd is ready for any of `events` (poll(2)'s 16 bits); ERROR
  // is always watched.
  // Returns 0, -EEXIST if fd already has a handler, -EINVAL for an fd the backend cannot
  // watch (select: fd >= FD_SETSIZE), or the kernel's -errno (logged).
  [[nodiscard]] int add_handler(int fd, FdHandler handler, std::uint32_t events,
                                SourceLocation origin = SourceLocation::current());
  // Changes the events watched; 0 or -ENOENT.
  int update_handler(int fd, std::uint32_t events);
  // Stops watching fd: the handler is not called again, not even for events already collected
  // in this iteration. Call it before closing the fd. 0 or -ENOENT.
  int remove_handler(int fd);
  bool has_handler(int fd) const;

  // --- callbacks ---
  // Runs cb on the next iteration. Safe from any thread (wakes the loop); dropped silently
  // once the loop is closed.
  void add_callback(Callback cb, SourceLocation origin = SourceLocation::current());
  // The same for any other callable: built in place in the queue's entry, with no Callback
  // moved in between, and the loop-thread test inlined into the caller. A posted callback is
  // one loop iteration, so the saved copy and call show (bench/README.md, posted_callbacks).
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, Callback> &&
           std::is_constructible_v<Callback, F>) void add_callback(F&& f,
                                                                   SourceLocation origin =
                                                                       SourceLocation::current()) {
    if (detail::tl_running_loop == this) {  // no lock, and a running loop cannot be closing
      pending_->emplace_back(std::forward<F>(f), origin);
      return;
    }
    add_remote_callable(std::forward<F>(f), origin);
  }
  // Runs cb on this loop right after the callable that is running now (a callback, timeout or
  // handler) returns, before the loop moves on: what a resolved Future uses to resume its
  // waiters without paying a loop iteration. Continuations added by continuations run in the
  // same drain, in order, up to kContinuationBudget; the rest wait for the next iteration so
  // I/O is never starved. Loop thread; anywhere else it is add_callback.
  void add_continuation(Callback cb, SourceLocation origin = SourceLocation::current());
  // The same for any other callable, built in place (a resumed coroutine's Resumer is one).
  template <class F>
  requires(
      !std::is_same_v<std::decay_t<F>, Callback> &&
      std::is_constructible_v<Callback, F>) void add_continuation(F&& f,
                                                                  SourceLocation origin =
                                                                      SourceLocation::current()) {
    if (detail::tl_running_loop == this) {
      continuations_.emplace_back(std::forward<F>(f), origin);
      return;
    }
    add_callback(Callback(std::forward<F>(f)), origin);
  }
  static constexpr std::size_t kContinuationBudget = 1024;

  // While callbacks are pending, the loop polls (with timeout 0) once this many callbacks
  // have run since the last poll, rather than on every iteration: a chain of one-callback
  // iterations does not pay a system call per callback, and I/O waits no longer than it would
  // behind one batch of this many callbacks in Tornado.
  static constexpr std::size_t kCallbacksPerPoll = 64;

  // Tornado's spawn_callback: the same as add_callback at this layer (coroutines: gen/).
  void spawn_callback(Callback cb, SourceLocation origin = SourceLocation::current()) {
    add_callback(std::move(cb), origin);
  }

  // --- timeouts ---
  // Seconds on the loop's clock (CLOCK_MONOTONIC); wall-clock changes do not move it.
  double time() const;
  Timeout call_at(double when, Callback cb, SourceLocation origin = SourceLocation::current());
  Timeout call_later(double delay, Callback cb, SourceLocation origin = SourceLocation::current());
  template <class Rep, class Period>
  Timeout call_later(std::chrono::duration<Rep, Period> delay, Callback cb,
                     SourceLocation origin = SourceLocation::current()) {
    return call_later(std::chrono::duration<double>(delay).count(), std::move(cb), origin);
  }
  // Tornado's add_timeout: an absolute deadline on time()'s clock, or a relative duration.
  Timeout add_timeout(double deadline, Callback cb,
                      SourceLocation origin = SourceLocation::current()) {
    return call_at(deadline, std::move(cb), origin);
  }
  template <class Rep, class Period>
  Timeout add_timeout(std::chrono::duration<Rep, Period> delay, Callback cb,
                      SourceLocation origin = SourceLocation::current()) {
    return call_later(delay, std::move(cb), origin);
  }
  // Cancels a timeout. Harmless after it fired or when called twice; returns whether it
  // cancelled anything. A timeout due in this iteration can still be cancelled by a callback or
  // an earlier timeout of the same iteration.
  bool remove_timeout(Timeout t);

  // --- running ---
  // Runs until stop(). Throws std::logic_error if this loop is already running. If stop() was
  // called before start(), returns at once (and clears the stop), as Tornado.
  void start();
  // Makes start() return after the current iteration's callbacks and timeouts. Any thread.
  void stop();
  // Runs one iteration, polling for at most max_wait seconds (negative: as long as start()
  // would). For programs with their own main loop; see poll_fd() and next_timeout().
  void run_once(double max_wait = -1.0);
  // The epoll or kqueue fd, readable when run_once() has work; -1 for poll and select.
  int poll_fd() const;
  // Seconds until run_once() has something to do without an fd event: 0 when callbacks are
  // pending, the time to the next deadline, or -1 when nothing is scheduled.
  double next_timeout() const;
  bool running() const { return running_.load(std::memory_order_relaxed); }

  // Releases the backend and the waker. With all_fds, also closes every fd that still has a
  // handler. Pending callbacks and timeouts are destroyed unrun. Throws std::logic_error while
  // running. The destructor calls close(false) if needed.
  void close(bool all_fds = false);
  bool closed() const { return closed_; }
  // Runs cb at the start of close(), while the loop can still remove handlers and timeouts:
  // for per-loop state kept outside the loop (AsyncHTTPClient::instance()'s idle connections).
  void add_close_hook(Callback cb) { close_hooks_.push_back(std::move(cb)); }

  // --- signals (not in Tornado 4; asked for by its users) ---
  // Runs cb on this loop each time signo arrives (a self-pipe carries it to the loop; the
  // handler itself only sets a flag and writes one byte). Returns 0, -EBUSY if another loop
  // already handles signo, -EINVAL for a bad signo, or -errno. The previous disposition is
  // restored by remove_signal_handler() or close().
  int add_signal_handler(int signo, Callback cb);
  int remove_signal_handler(int signo);

  // --- diagnostics ---
  // Logs (gen_log, warning) every callback, timeout or handler that runs longer than
  // `seconds`, with where it was scheduled from. 0 turns it off (the default).
  void set_blocking_log_threshold(double seconds) { blocking_threshold_ = seconds; }
  std::size_t handler_count() const;      // user handlers (not the waker or signal pipe)
  std::size_t pending_callbacks() const;  // queued, not yet run
  std::size_t pending_timeouts() const { return timeouts_.live(); }
  std::uint64_t iterations() const { return iterations_; }

 private:
  // 48 bytes, not 64: an open connection holds one for its whole life (bench/README.md,
  // "Memory per idle connection"). So the origin is kept as its two fields (SourceLocation
  // would pad its line to 8 bytes), the events in poll(2)'s 16 bits, and `since` in 32 bits.
  struct HandlerSlot {
    FdHandler handler;
    const char* origin_file = "";
    std::uint32_t origin_line = 0;
    std::uint32_t generation = 0;  // bumped by each add_handler for this fd
    // The low 32 bits of polls_ when the handler was added: events of a poll that began before
    // are not for it. After 2^32 polls one poll's events may be skipped: the pollers are
    // level-triggered, so the next poll reports them again.
    std::uint32_t since = 0;
    std::uint16_t events = 0;
    bool registered = false;
    bool internal = false;  // the waker or the signal pipe: not counted, not closed
  };
  static_assert(sizeof(void*) != 8 || sizeof(HandlerSlot) == 48);
  struct Queued {
    // A constructor, so add_callback can build the entry in place in the queue: each extra
    // move of a just-built callback costs a store-forwarding stall (bench/README.md).
    Queued(Callback&& cb, SourceLocation where) noexcept : callback(std::move(cb)), origin(where) {}
    template <class F>
    Queued(F&& f, SourceLocation where) : callback(std::forward<F>(f)), origin(where) {}
    Callback callback;
    SourceLocation origin;
  };
  static constexpr std::size_t kChunk = 64;  // fd table grows in chunks so slots never move
  using Chunk = std::array<HandlerSlot, kChunk>;

  HandlerSlot* slot(int fd) const;
  HandlerSlot& slot_for_add(int fd);
  int add_internal_handler(int fd, FdHandler handler);
  void iterate(double max_wait, bool once);
  void add_remote_callback(Callback&& cb, SourceLocation origin);
  // add_callback's other-thread path for any callable, out of line: the Callback it builds
  // then lives in this function's frame, and the loop thread's path needs no frame at all.
  template <class F>
  [[gnu::noinline]] void add_remote_callable(F&& f, SourceLocation origin) {
    add_remote_callback(Callback(std::forward<F>(f)), origin);
  }
  void take_remote_callbacks();
  void run_callbacks();
  void run_due_timeouts();
  void run_continuations();
  bool should_poll() const;
  int poll_timeout_ms(double max_wait) const;
  void poll_and_dispatch(int timeout_ms);
  void run_guarded(Callback& call, const SourceLocation& origin, const char* what);
  void run_timed(Callback& call, const SourceLocation& origin, const char* what);
  void report_exception(const SourceLocation& origin, const char* what);
  void report_slow(double started, const SourceLocation& origin, const char* what);
  void handle_signals();
  void restore_signals();

  std::unique_ptr<detail::Poller> poller_;
  std::unique_ptr<detail::Waker> waker_;
  std::vector<std::unique_ptr<Chunk>> handlers_;
  std::size_t user_handlers_ = 0;
  std::vector<detail::PollEvent> events_;
  std::vector<FdHandler> retired_;
  std::uint64_t polls_ = 0;

  // The loop thread's queue for the next iteration, and the batch this iteration runs: two
  // queues that trade roles at the top of each iteration by swapping these two pointers.
  // Swapping the queues instead moves their pointers right after a push wrote one of them,
  // which stalls store forwarding on every iteration of a busy loop; an index to flip costs
  // an address computation at each use (bench/README.md, posted_callbacks).
  std::array<detail::CallbackQueue<Queued>, 2> queues_;
  detail::CallbackQueue<Queued>* pending_ = &queues_[0];
  detail::CallbackQueue<Queued>* batch_ = &queues_[1];
  std::vector<Queued> continuations_;
  std::vector<Callback> close_hooks_;
  std::size_t continuations_head_ = 0;
  std::size_t callbacks_since_poll_ = 0;
  mutable detail::Mutex remote_mutex_;
  std::vector<Queued> remote_ TORNADO_GUARDED_BY(remote_mutex_);  // from other threads
  std::atomic<bool> remote_nonempty_{false};

  detail::TimeoutHeap timeouts_;
  std::vector<Timeout> due_;

  std::atomic<bool> running_{false};
  std::atomic<bool> stopped_{false};
  bool closed_ = false;
  bool closing_ TORNADO_GUARDED_BY(remote_mutex_) = false;
  bool dispatching_ = false;
  double blocking_threshold_ = 0.0;
  std::uint64_t iterations_ = 0;

  std::unique_ptr<detail::Waker> signal_pipe_;
  std::map<int, Callback> signal_handlers_;
};

// Every user callable runs through here (Tornado's _run_callback + handle_callback_exception).
// The common case, no slow-callback threshold, is small enough to inline into the loops that
// call it; timing and the exception report are out of line. A posted callback costs one loop
// iteration, so each instruction here shows in bench/README.md's posted_callbacks.
inline void IOLoop::run_guarded(Callback& call, const SourceLocation& origin, const char* what) {
  if (blocking_threshold_ > 0) {
    run_timed(call, origin, what);
    return;
  }
  try {
    call();
  } catch (...) {
    report_exception(origin, what);
  }
}

// Calls a callback every callback_time milliseconds (Tornado's PeriodicCallback).
//
//   tornado::PeriodicCallback tick([&] { ++n; }, 100.0);   // every 100 ms
//   tick.start();
//
// If a run overruns one or more periods, the missed runs are skipped, not bunched: the next
// run is at the next multiple of the period after now. `jitter` (0..1) varies each period by
// up to jitter/2 either way, to spread periodic work of many processes. Ownership: the
// PeriodicCallback owns its callable; destroying it stops it, even from inside its callback.
class PeriodicCallback {
 public:
  PeriodicCallback(InlineFunction<void()> callback, double callback_time_ms, double jitter = 0.0,
                   IOLoop* loop = nullptr);
  template <class Rep, class Period>
  PeriodicCallback(InlineFunction<void()> callback, std::chrono::duration<Rep, Period> every,
                   double jitter = 0.0, IOLoop* loop = nullptr)
      : PeriodicCallback(std::move(callback),
                         std::chrono::duration<double, std::milli>(every).count(), jitter, loop) {}
  ~PeriodicCallback();
  PeriodicCallback(const PeriodicCallback&) = delete;
  PeriodicCallback& operator=(const PeriodicCallback&) = delete;

  void start();
  void stop();
  bool is_running() const { return running_; }
  double callback_time() const { return callback_time_ms_; }

 private:
  void run();
  void schedule_next();
  void update_next(double now);

  InlineFunction<void()> callback_;
  double callback_time_ms_;
  double jitter_;
  IOLoop* loop_;
  bool running_ = false;
  double next_timeout_ = 0.0;
  Timeout timeout_;
  bool* destroyed_ = nullptr;  // set while run() is on the stack
};

}  // namespace tornado
