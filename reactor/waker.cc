// reactor/waker.cc: eventfd or self-pipe wake-ups for the IOLoop.
//
// Mirrors:  tornado/platform/posix.py (Waker).
// In loop:  registered for READ by the IOLoop constructor; add_callback (other thread) and
//           stop() call wake(); the loop's handler calls consume().
// Calls:    eventfd(2) where the platform has it, else pipe2(2) (pipe + fcntl on systems
//           without pipe2); write(2) and read(2).
// Rules:    wake() only writes and ignores EAGAIN: a full pipe or a saturated counter already
//           guarantees the next poll returns. errno is saved and restored so a signal handler
//           calling wake() cannot clobber the interrupted code's errno.
#include "tornado/reactor/waker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#if defined(__linux__)
#include <sys/eventfd.h>
#endif

namespace tornado::detail {

namespace {

int open_eventfd() {
#if defined(__linux__)
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return fd >= 0 ? fd : -errno;
#else
  return -ENOSYS;
#endif
}

int open_pipe(int fds[2]) {
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
  return ::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0 ? 0 : -errno;
#else
  if (::pipe(fds) != 0) return -errno;
  for (int i = 0; i < 2; ++i) {
    ::fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    ::fcntl(fds[i], F_SETFL, ::fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  }
  return 0;
#endif
}

}  // namespace

Waker::Waker(Kind kind, int* error) {
  *error = 0;
  if (kind != Kind::kPipe) {
    const int fd = open_eventfd();
    if (fd >= 0) {
      read_fd_ = write_fd_ = fd;
      return;
    }
    if (kind == Kind::kEventfd) {
      *error = fd;
      return;
    }
  }
  int fds[2];
  const int rc = open_pipe(fds);
  if (rc != 0) {
    *error = rc;
    return;
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
}

Waker::~Waker() {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0 && write_fd_ != read_fd_) ::close(write_fd_);
}

void Waker::wake() {
  const int saved = errno;
  const std::uint64_t one = 1;
  // eventfd takes exactly 8 bytes; a pipe takes any, and one byte is enough.
  const std::size_t len = is_eventfd() ? sizeof one : 1;
  while (::write(write_fd_, &one, len) < 0 && errno == EINTR) {
  }
  errno = saved;
}

void Waker::consume() {
  unsigned char buf[256];
  for (;;) {
    const ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n > 0 && !is_eventfd() && static_cast<std::size_t>(n) == sizeof buf) continue;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

}  // namespace tornado::detail
