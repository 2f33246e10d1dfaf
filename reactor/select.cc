// reactor/select.cc: the select(2) backend of the Poller interface.
//
// Mirrors:  tornado/platform/select.py (_Select): three fd sets, ERROR in the except set.
// In loop:  IOLoop::start() calls poll() once per iteration; add/update/remove_handler call
//           register_fd/modify/unregister.
// Calls:    select(2).
// Notes:    an fd_set is a fixed bitmap of FD_SETSIZE bits (1024 on glibc). FD_SET on a larger
//           fd writes past the end of the set, silently corrupting the stack; so register_fd
//           refuses such fds with -EINVAL, and the IOLoop turns that into a logged error that
//           names FD_SETSIZE (poller_test: "select refuses fds past FD_SETSIZE").
//           A peer that closed shows up as readable (the read returns 0), not in the except set;
//           the except set carries out-of-band data and, on some systems, errors.
//           select modifies its sets, so each poll copies the registered sets first.
// Thread:   loop thread only.
#include <poll.h>
#include <sys/select.h>

#include <cerrno>

#include "tornado/reactor/poller.h"

namespace tornado::detail {

namespace {

class SelectPoller final : public Poller {
 public:
  SelectPoller() {
    FD_ZERO(&read_);
    FD_ZERO(&write_);
    FD_ZERO(&except_);
  }

  const char* name() const override { return "select"; }

  int register_fd(int fd, std::uint32_t events) override {
    if (fd < 0) return -EBADF;
    if (fd >= FD_SETSIZE) return -EINVAL;
    if (registered(fd)) return -EEXIST;
    if (static_cast<std::size_t>(fd) >= present_.size())
      present_.resize(static_cast<std::size_t>(fd) + 1, false);
    present_[static_cast<std::size_t>(fd)] = true;
    if (fd > max_fd_) max_fd_ = fd;
    set(fd, events);
    return 0;
  }

  int modify(int fd, std::uint32_t events) override {
    if (!registered(fd)) return -ENOENT;
    set(fd, events);
    return 0;
  }

  int unregister(int fd) override {
    if (!registered(fd)) return -ENOENT;
    FD_CLR(fd, &read_);
    FD_CLR(fd, &write_);
    FD_CLR(fd, &except_);
    present_[static_cast<std::size_t>(fd)] = false;
    while (max_fd_ >= 0 && !present_[static_cast<std::size_t>(max_fd_)]) --max_fd_;
    return 0;
  }

  int poll(int timeout_ms, std::vector<PollEvent>& out) override {
    fd_set r = read_, w = write_, e = except_;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    const int n = ::select(max_fd_ + 1, &r, &w, &e, timeout_ms < 0 ? nullptr : &tv);
    if (n < 0) return -errno;
    int found = 0;
    for (int fd = 0; fd <= max_fd_ && found < n; ++fd) {
      std::uint32_t ev = 0;
      if (FD_ISSET(fd, &r)) ev |= POLLIN;
      if (FD_ISSET(fd, &w)) ev |= POLLOUT;
      if (FD_ISSET(fd, &e)) ev |= POLLERR;
      if (ev == 0) continue;
      out.push_back(PollEvent{fd, ev, 0});
      ++found;
    }
    return found;
  }

 private:
  bool registered(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < present_.size() &&
           present_[static_cast<std::size_t>(fd)];
  }
  void set(int fd, std::uint32_t events) {
    if (events & POLLIN)
      FD_SET(fd, &read_);
    else
      FD_CLR(fd, &read_);
    if (events & POLLOUT)
      FD_SET(fd, &write_);
    else
      FD_CLR(fd, &write_);
    FD_SET(fd, &except_);  // ERROR is always watched, as Tornado's add_handler always adds it
  }

  fd_set read_, write_, except_;
  std::vector<unsigned char> present_;  // per fd: registered
  int max_fd_ = -1;
};

}  // namespace

std::unique_ptr<Poller> make_select_poller(int* error) {
  *error = 0;
  return std::make_unique<SelectPoller>();
}

}  // namespace tornado::detail
