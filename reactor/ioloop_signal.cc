// reactor/ioloop_signal.cc: POSIX signals delivered as loop callbacks.
//
// Mirrors:  nothing in Tornado 4's IOLoop (it offered add_callback_from_signal); asked for by its
//           users for graceful shutdown, and what asyncio's add_signal_handler does.
// In loop:  the C signal handler sets a per-signal flag and writes one byte to the owning
//           loop's signal pipe; the pipe's READ handler (an internal handler, like the waker)
//           runs handle_signals(), which calls each flagged signal's callback on the loop.
// Rules:    the C handler does only async-signal-safe things: an atomic store, write(2), and it
//           saves errno. Flags, not bytes, carry which signal came, so a full pipe loses no
//           signal (several arrivals of one signal before the loop runs still coalesce, as
//           POSIX signals do). One loop per signal at a time (-EBUSY otherwise).
// Thread:   loop thread; the C handler runs on whatever thread the kernel picks.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/waker.h"

namespace tornado {

namespace {

constexpr int kMaxSignal = 65;  // covers the real-time signals on Linux (NSIG is 65)

// All zeros at start, so that the table takes no room in the program file (.bss instead of
// 11 KB of .data): hence the pipe's descriptor plus one, 0 meaning no pipe.
struct SignalState {
  std::atomic<int> write_fd_plus_one{0};
  std::atomic<bool> pending{false};
  IOLoop* owner = nullptr;  // changed only by add/remove, on the owner's thread
  struct sigaction previous {};
};

SignalState g_signals[kMaxSignal];
std::mutex g_signals_mutex;  // add/remove from loops on different threads

extern "C" void on_signal(int signo) {
  if (signo <= 0 || signo >= kMaxSignal) return;
  const int saved = errno;
  g_signals[signo].pending.store(true, std::memory_order_release);
  const int fd = g_signals[signo].write_fd_plus_one.load(std::memory_order_acquire) - 1;
  if (fd >= 0) {
    const unsigned char byte = 1;
    // A full pipe is fine: the loop has a wake-up pending already, and the flag is set.
    (void)!::write(fd, &byte, 1);
  }
  errno = saved;
}

}  // namespace

int IOLoop::add_signal_handler(int signo, Callback cb) {
  if (signo <= 0 || signo >= kMaxSignal || signo == SIGKILL || signo == SIGSTOP) return -EINVAL;
  if (closed_) return -EBADF;
  if (!signal_pipe_) {
    int err = 0;
    auto pipe = std::make_unique<detail::Waker>(detail::Waker::Kind::kPipe, &err);
    if (err != 0) return err;
    const int rc = add_internal_handler(pipe->fileno(), [this](int, std::uint32_t) {
      signal_pipe_->consume();
      handle_signals();
    });
    if (rc != 0) return rc;
    signal_pipe_ = std::move(pipe);
  }
  std::lock_guard lock(g_signals_mutex);
  SignalState& st = g_signals[signo];
  if (st.owner != nullptr && st.owner != this) return -EBUSY;
  signal_handlers_[signo] = std::move(cb);
  if (st.owner == nullptr) {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    st.pending.store(false);
    st.write_fd_plus_one.store(signal_pipe_->write_fd() + 1);
    if (::sigaction(signo, &sa, &st.previous) != 0) {
      const int err = -errno;
      st.write_fd_plus_one.store(0);
      signal_handlers_.erase(signo);
      return err;
    }
    st.owner = this;
  }
  return 0;
}

int IOLoop::remove_signal_handler(int signo) {
  if (signo <= 0 || signo >= kMaxSignal) return -EINVAL;
  std::lock_guard lock(g_signals_mutex);
  SignalState& st = g_signals[signo];
  if (st.owner != this) return -ENOENT;
  ::sigaction(signo, &st.previous, nullptr);
  st.write_fd_plus_one.store(0);
  st.pending.store(false);
  st.owner = nullptr;
  signal_handlers_.erase(signo);
  return 0;
}

void IOLoop::restore_signals() {
  while (!signal_handlers_.empty()) (void)remove_signal_handler(signal_handlers_.begin()->first);
}

void IOLoop::handle_signals() {
  // Copy the list of signals first: a callback may add or remove handlers.
  std::vector<int> fired;
  for (auto& [signo, cb] : signal_handlers_)
    if (g_signals[signo].pending.exchange(false, std::memory_order_acq_rel)) fired.push_back(signo);
  for (const int signo : fired) {
    auto it = signal_handlers_.find(signo);
    if (it != signal_handlers_.end())
      run_guarded(it->second, SourceLocation::current(), "signal handler");
  }
}

}  // namespace tornado
