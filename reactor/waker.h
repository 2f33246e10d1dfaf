// reactor/waker.h: wakes a poll() that is blocked, from another thread or a signal handler.
// Internal to reactor/: not installed.
//
// Mirrors:  tornado/platform/posix.py (Waker): a pipe whose read end the loop watches.
// In loop:  the IOLoop registers fileno() for READ with consume() as the handler; add_callback
//           from another thread and stop() call wake().
// Ownership: owns its fds (one eventfd, or both ends of a pipe) and closes them in the
//           destructor.
// Rules:    wake() is async-signal-safe and never blocks: a full pipe already means "awake".
//           Prefers eventfd (one fd, a counter that cannot fill up) and falls back to a
//           non-blocking, close-on-exec pipe where eventfd does not exist.
#pragma once

namespace tornado::detail {

class Waker {
 public:
  enum class Kind { kAuto, kEventfd, kPipe };
  // Returns -errno in *error when no fd could be made; the Waker is then unusable.
  explicit Waker(Kind kind, int* error);
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  int fileno() const { return read_fd_; }
  int write_fd() const { return write_fd_; }
  bool is_eventfd() const { return write_fd_ == read_fd_; }
  void wake();     // any thread, or a signal handler
  void consume();  // loop thread: drains every pending wake-up

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace tornado::detail
