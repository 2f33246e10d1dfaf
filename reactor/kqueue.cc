// reactor/kqueue.cc: the kqueue(2) backend of the Poller interface (BSD, macOS).
//
// Mirrors:  tornado/platform/kqueue.py (_KQueue) and Python's select.kqueue.
// In loop:  IOLoop::start() calls poll() once per iteration; add/update/remove_handler call
//           register_fd/modify/unregister when a handler's event mask changes.
// Calls:    kqueue, kevent. On Linux this same file is built only into the test binary, against
//           tests/support/kqueue_shim/sys/event.h (kqueue over epoll, DESIGN §5).
// Rules:    the ident of every kevent is the fd; the IOLoop maps fd -> handler. poll() reports
//           each fd once, with the read and write filters' results merged.
// Thread:   loop thread only.
// See:      reactor/poller.h (the contract), man tornado.ioloop.
//
// Notes on kqueue, the things that bite:
// - Reading and writing are two filters (EVFILT_READ, EVFILT_WRITE), each added and deleted on
//   its own; one fd ready both ways comes back as two kevents, which poll() merges into one
//   event, since the Poller contract is one event per fd per poll.
// - modify() changes only the filters whose interest changed, in one kevent() call: deleting a
//   filter that is not there is an error (ENOENT), so the backend remembers which are active.
// - EV_EOF on the read filter means the peer closed: READ is reported, and the read returns
//   the remaining data and then 0. EV_EOF on the write filter (a refused connect, a reset
//   peer) is reported as ERROR, as Tornado does. EV_ERROR in a returned event is ERROR too.
// - Closing an fd removes its filters in the kernel, so unregister() of a closed fd fails with
//   EBADF or ENOENT; the IOLoop ignores that, as Tornado does.
#include <poll.h>
#include <sys/event.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "tornado/reactor/poller.h"

namespace tornado::detail {

namespace {

class KqueuePoller final : public Poller {
 public:
  explicit KqueuePoller(int kq) : kq_(kq), ready_(kInitialEvents) {}
  ~KqueuePoller() override { ::close(kq_); }

  const char* name() const override { return "kqueue"; }
  int fileno() const override { return kq_; }

  int register_fd(int fd, std::uint32_t events) override {
    if (fd < 0) return -EBADF;
    if (known(fd)) return -EEXIST;
    return change(fd, kNone, events & (POLLIN | POLLOUT));
  }

  int modify(int fd, std::uint32_t events) override {
    const std::uint8_t now = active(fd);
    if (now == kNone && !known(fd)) return -ENOENT;
    return change(fd, now, events & (POLLIN | POLLOUT));
  }

  int unregister(int fd) override {
    if (!known(fd)) return -ENOENT;
    const int rc = change(fd, active(fd), 0);
    known_[static_cast<std::size_t>(fd)] = false;
    return rc;
  }

  int poll(int timeout_ms, std::vector<PollEvent>& out) override {
    timespec ts{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1000000L};
    const int n = ::kevent(kq_, nullptr, 0, ready_.data(), static_cast<int>(ready_.size()),
                           timeout_ms < 0 ? nullptr : &ts);
    if (n < 0) return -errno;
    const std::size_t first = out.size();
    for (int i = 0; i < n; ++i) {
      const struct kevent& ev = ready_[static_cast<std::size_t>(i)];
      const int fd = static_cast<int>(ev.ident);
      std::uint32_t bits = 0;
      if (ev.flags & EV_ERROR) {
        bits = POLLERR;
      } else if (ev.filter == EVFILT_READ) {
        bits = POLLIN;
      } else if (ev.filter == EVFILT_WRITE) {
        bits = (ev.flags & EV_EOF) ? (POLLOUT | POLLERR) : POLLOUT;
      }
      // Merge with the fd's other filter when it came back in this batch too. Batches are
      // small (at most kMaxEvents), and the two kevents of one fd are usually adjacent.
      bool merged = false;
      for (std::size_t j = out.size(); j-- > first;) {
        if (out[j].fd == fd) {
          out[j].events |= bits;
          merged = true;
          break;
        }
      }
      if (!merged) out.push_back(PollEvent{fd, bits, 0});
    }
    if (static_cast<std::size_t>(n) == ready_.size() && ready_.size() < kMaxEvents)
      ready_.resize(ready_.size() * 2);
    return static_cast<int>(out.size() - first);
  }

 private:
  static constexpr std::uint8_t kNone = 0, kRead = 1, kWrite = 2;
  static constexpr std::size_t kInitialEvents = 64;
  static constexpr std::size_t kMaxEvents = 4096;

  std::uint8_t active(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < filters_.size()
               ? filters_[static_cast<std::size_t>(fd)]
               : kNone;
  }
  bool known(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < known_.size() &&
           known_[static_cast<std::size_t>(fd)];
  }

  // Adds and deletes filters so that exactly those in `events` are active, in one kevent call.
  int change(int fd, std::uint8_t now, std::uint32_t events) {
    const std::uint8_t want = static_cast<std::uint8_t>(((events & POLLIN) ? kRead : 0) |
                                                        ((events & POLLOUT) ? kWrite : 0));
    struct kevent changes[2];
    int count = 0;
    const auto ident = static_cast<uintptr_t>(fd);
    if ((want & kRead) != (now & kRead))
      EV_SET(&changes[count++], ident, EVFILT_READ, (want & kRead) ? EV_ADD : EV_DELETE, 0, 0,
             nullptr);
    if ((want & kWrite) != (now & kWrite))
      EV_SET(&changes[count++], ident, EVFILT_WRITE, (want & kWrite) ? EV_ADD : EV_DELETE, 0, 0,
             nullptr);
    if (count > 0 && ::kevent(kq_, changes, count, nullptr, 0, nullptr) != 0) return -errno;
    if (static_cast<std::size_t>(fd) >= filters_.size()) {
      filters_.resize(static_cast<std::size_t>(fd) + 1, kNone);
      known_.resize(static_cast<std::size_t>(fd) + 1, false);
    }
    filters_[static_cast<std::size_t>(fd)] = want;
    known_[static_cast<std::size_t>(fd)] = true;
    return 0;
  }

  int kq_;
  std::vector<struct kevent> ready_;
  std::vector<std::uint8_t> filters_;  // per fd: which filters are in the kernel
  std::vector<bool> known_;            // per fd: registered (possibly with no filter)
};

}  // namespace

std::unique_ptr<Poller> make_kqueue_poller(int* error) {
  const int kq = ::kqueue();
  if (kq < 0) {
    *error = -errno;
    return nullptr;
  }
  *error = 0;
  return std::make_unique<KqueuePoller>(kq);
}

}  // namespace tornado::detail
