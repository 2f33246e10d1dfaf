// tests/support/kqueue_shim/kqueue_shim.cc: kqueue() and kevent() over epoll, for tests.
//
// Role:     a kqueue is an epoll fd plus, per watched fd, which filters are active. kevent()
//           applies the change list as EPOLL_CTL_ADD/MOD/DEL, then waits with epoll_wait and
//           splits each epoll event into one kevent per active filter, setting EV_EOF where BSD
//           would: on the read filter when the peer shut down (EPOLLRDHUP, EPOLLHUP), on the
//           write filter when the socket can no longer be written (EPOLLHUP, EPOLLERR).
//           Registers the real reactor/kqueue.cc backend with the poller registry, so
//           IOLoop::available_pollers() lists "kqueue" in the test binary.
// Thread:   kqueues may be used from several threads (one per loop): the table of kqueues is
//           locked, but never while epoll_wait blocks.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <vector>

#include "tests/support/kqueue_shim/sys/event.h"
#include "tornado/reactor/poller.h"

namespace {

struct Kqueue {
  std::map<int, unsigned> filters;  // fd -> 1 (read) | 2 (write)
};

std::mutex g_mutex;
std::map<int, Kqueue> g_kqueues;  // epoll fd -> its filters

constexpr unsigned kRead = 1, kWrite = 2;

std::uint32_t epoll_bits(unsigned filters) {
  std::uint32_t bits = 0;
  if (filters & kRead) bits |= EPOLLIN | EPOLLRDHUP;
  if (filters & kWrite) bits |= EPOLLOUT;
  return bits;
}

int apply(int kq, Kqueue& q, const struct kevent& change) {
  const int fd = static_cast<int>(change.ident);
  const unsigned bit = change.filter == EVFILT_READ    ? kRead
                       : change.filter == EVFILT_WRITE ? kWrite
                                                       : 0;
  if (bit == 0) return EINVAL;
  const unsigned before = q.filters.count(fd) ? q.filters[fd] : 0;
  unsigned after = before;
  if (change.flags & EV_ADD) after |= bit;
  if (change.flags & EV_DELETE) {
    if (!(before & bit)) return ENOENT;  // BSD: deleting a filter that is not there
    after &= ~bit;
  }
  if (after == before) return 0;
  epoll_event ev{};
  ev.events = epoll_bits(after);
  ev.data.fd = fd;
  const int op = before == 0 ? EPOLL_CTL_ADD : after == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  if (::epoll_ctl(kq, op, fd, &ev) != 0) {
    const int err = errno;
    if (op == EPOLL_CTL_DEL) q.filters.erase(fd);  // a closed fd is gone from the set anyway
    return err;
  }
  if (after == 0) {
    q.filters.erase(fd);
  } else {
    q.filters[fd] = after;
  }
  return 0;
}

std::unique_ptr<tornado::detail::Poller> make_shim_kqueue(int* error) {
  return tornado::detail::make_kqueue_poller(error);
}

// Makes "kqueue" one of the test binary's backends.
const bool g_registered = [] {
  tornado::detail::register_poller("kqueue", &make_shim_kqueue);
  return true;
}();

}  // namespace

extern "C" int kqueue(void) {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return -1;
  std::lock_guard lock(g_mutex);
  // A closed kqueue's table stays until its fd number comes back here; then it starts afresh.
  g_kqueues[fd] = Kqueue{};
  return fd;
}

extern "C" int kevent(int kq, const struct kevent* changelist, int nchanges,
                      struct kevent* eventlist, int nevents, const struct timespec* timeout) {
  {
    std::lock_guard lock(g_mutex);
    auto it = g_kqueues.find(kq);
    if (it == g_kqueues.end()) {
      errno = EBADF;
      return -1;
    }
    for (int i = 0; i < nchanges; ++i) {
      if (const int err = apply(kq, it->second, changelist[i]); err != 0) {
        errno = err;
        return -1;
      }
    }
  }
  if (nevents <= 0) return 0;
  // Each epoll event can become two kevents: ask for at most half.
  const int max = nevents / 2 > 0 ? nevents / 2 : 1;
  std::vector<epoll_event> ready(static_cast<std::size_t>(max));
  int ms = -1;
  if (timeout != nullptr)
    ms = static_cast<int>(timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000);
  const int n = ::epoll_wait(kq, ready.data(), max, ms);
  if (n < 0) return -1;
  std::lock_guard lock(g_mutex);
  Kqueue& q = g_kqueues[kq];
  int out = 0;
  for (int i = 0; i < n && out < nevents; ++i) {
    const epoll_event& e = ready[static_cast<std::size_t>(i)];
    const unsigned filters = q.filters.count(e.data.fd) ? q.filters[e.data.fd] : 0;
    const bool hup = e.events & (EPOLLHUP | EPOLLERR);
    if ((filters & kRead) && (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
      const unsigned short eof = (e.events & (EPOLLRDHUP | EPOLLHUP)) ? EV_EOF : 0;
      EV_SET(&eventlist[out++], static_cast<uintptr_t>(e.data.fd), EVFILT_READ, eof, 0, 0, nullptr);
    }
    if ((filters & kWrite) && (e.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && out < nevents) {
      EV_SET(&eventlist[out++], static_cast<uintptr_t>(e.data.fd), EVFILT_WRITE, hup ? EV_EOF : 0,
             0, 0, nullptr);
    }
  }
  return out;
}
