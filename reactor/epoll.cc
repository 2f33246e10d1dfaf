// reactor/epoll.cc: the epoll(7) backend of the Poller interface.
//
// Mirrors:  tornado/platform/epoll.py (EPollIOLoop) and Python's select.epoll.
// In loop:  IOLoop::start() calls poll() once per iteration; add/update/remove_handler call
//           register_fd/modify/unregister when a handler's event mask changes.
// Calls:    epoll_create1, epoll_ctl, epoll_wait. Nothing else in the library.
// Rules:    epoll data carries the fd, never a pointer; the IOLoop maps fd -> handler and drops
//           events for fds removed earlier in the same iteration.
// Thread:   loop thread only.
// See:      reactor/poller.h (the contract), man tornado.ioloop (THE LOOP, CAVEATS).
//
// Notes on epoll, the things that bite:
// - Level-triggered, as Tornado uses it: an fd stays ready until drained, so a handler that
//   reads only part of what is there is called again next iteration. That is what makes a
//   bounded read per event fair.
// - EPOLLERR and EPOLLHUP are always reported, asked for or not, so ERROR needs no bit in the
//   registration. EPOLLHUP can arrive without EPOLLIN (a socket whose both halves are shut);
//   the loop passes ERROR through and the handler's read sees EOF or the error.
// - The kernel's interest set holds the open file description, not the fd number: closing an
//   fd that another process (or a dup) still holds keeps it registered. The IOLoop therefore
//   always unregisters before the fd is closed (DESIGN §4).
// - Regular files cannot be registered (EPERM); poll and select report them always ready.
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "tornado/reactor/poller.h"

namespace tornado::detail {

static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLERR == POLLERR &&
                  EPOLLHUP == POLLHUP,
              "IOLoop event bits are the poll(2) bits; epoll must agree so it needs no mapping");

namespace {

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(int epfd) : epfd_(epfd), ready_(kInitialEvents) {}
  ~EpollPoller() override { ::close(epfd_); }

  const char* name() const override { return "epoll"; }
  int fileno() const override { return epfd_; }

  int register_fd(int fd, std::uint32_t events) override { return ctl(EPOLL_CTL_ADD, fd, events); }
  int modify(int fd, std::uint32_t events) override { return ctl(EPOLL_CTL_MOD, fd, events); }
  int unregister(int fd) override {
    epoll_event ev{};  // a non-null pointer: kernels before 2.6.9 demanded one
    return ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) == 0 ? 0 : -errno;
  }

  int poll(int timeout_ms, std::vector<PollEvent>& out) override {
    const int n = ::epoll_wait(epfd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; ++i) {
      out.push_back(PollEvent{
          ready_[static_cast<std::size_t>(i)].data.fd,
          ready_[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP),
          0});
    }
    // A full batch suggests more fds are ready than we asked for: ask for more next time.
    if (static_cast<std::size_t>(n) == ready_.size() && ready_.size() < kMaxEvents)
      ready_.resize(ready_.size() * 2);
    return n;
  }

 private:
  static constexpr std::size_t kInitialEvents = 64;
  static constexpr std::size_t kMaxEvents = 4096;

  int ctl(int op, int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events & (EPOLLIN | EPOLLOUT);
    ev.data.fd = fd;
    return ::epoll_ctl(epfd_, op, fd, &ev) == 0 ? 0 : -errno;
  }

  int epfd_;
  std::vector<epoll_event> ready_;
};

}  // namespace

std::unique_ptr<Poller> make_epoll_poller(int* error) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *error = -errno;
    return nullptr;
  }
  *error = 0;
  return std::make_unique<EpollPoller>(epfd);
}

}  // namespace tornado::detail
