// reactor/poll.cc: the poll(2) backend of the Poller interface.
//
// Mirrors:  no Tornado 4.x file (4.x went epoll -> kqueue -> select); this is the portable
//           backend that has no FD_SETSIZE limit, as libev's ev_poll.c.
// In loop:  IOLoop::start() calls poll() once per iteration; add/update/remove_handler call
//           register_fd/modify/unregister.
// Calls:    poll(2).
// Layout:   a dense pollfd array, and an fd -> index table. Unregister moves the last entry into
//           the hole, so removal is O(1) and the array never has gaps for poll() to skip.
// Notes:    poll reports POLLERR, POLLHUP and POLLNVAL whether asked or not; POLLNVAL (an fd
//           closed while still registered, a bug in the caller) is reported as ERROR so the
//           handler runs and can clean up, instead of the loop spinning on it silently.
//           Regular files are always readable and writable.
// Thread:   loop thread only.
#include <poll.h>

#include <cerrno>

#include "tornado/reactor/poller.h"

namespace tornado::detail {

namespace {

class PollPoller final : public Poller {
 public:
  const char* name() const override { return "poll"; }

  int register_fd(int fd, std::uint32_t events) override {
    if (fd < 0) return -EBADF;
    if (index_of(fd) >= 0) return -EEXIST;
    if (static_cast<std::size_t>(fd) >= index_.size())
      index_.resize(static_cast<std::size_t>(fd) + 1, -1);
    index_[static_cast<std::size_t>(fd)] = static_cast<int>(fds_.size());
    fds_.push_back(pollfd{fd, to_poll(events), 0});
    return 0;
  }

  int modify(int fd, std::uint32_t events) override {
    const int i = index_of(fd);
    if (i < 0) return -ENOENT;
    fds_[static_cast<std::size_t>(i)].events = to_poll(events);
    return 0;
  }

  int unregister(int fd) override {
    const int i = index_of(fd);
    if (i < 0) return -ENOENT;
    const pollfd last = fds_.back();
    fds_[static_cast<std::size_t>(i)] = last;
    index_[static_cast<std::size_t>(last.fd)] = i;
    fds_.pop_back();
    index_[static_cast<std::size_t>(fd)] = -1;
    return 0;
  }

  int poll(int timeout_ms, std::vector<PollEvent>& out) override {
    const int n = ::poll(fds_.data(), fds_.size(), timeout_ms);
    if (n < 0) return -errno;
    int found = 0;
    for (const pollfd& p : fds_) {
      if (found == n) break;
      if (p.revents == 0) continue;
      ++found;
      std::uint32_t ev =
          static_cast<std::uint32_t>(p.revents) & (POLLIN | POLLOUT | POLLERR | POLLHUP);
      if (p.revents & POLLNVAL) ev |= POLLERR;
      out.push_back(PollEvent{p.fd, ev, 0});
    }
    return found;
  }

 private:
  static short to_poll(std::uint32_t events) {
    return static_cast<short>(events & (POLLIN | POLLOUT));
  }
  int index_of(int fd) const {
    if (fd < 0 || static_cast<std::size_t>(fd) >= index_.size()) return -1;
    return index_[static_cast<std::size_t>(fd)];
  }

  std::vector<pollfd> fds_;
  std::vector<int> index_;
};

}  // namespace

std::unique_ptr<Poller> make_poll_poller(int* error) {
  *error = 0;
  return std::make_unique<PollPoller>();
}

}  // namespace tornado::detail
