// reactor/poller.h: the readiness-notification interface every backend implements.
// Internal to reactor/: not installed.
//
// Mirrors:  the _impl object of Tornado 4.x PollIOLoop (platform/interface.py, epoll.py,
//           kqueue.py, select.py): register, modify, unregister, poll.
// In loop:  IOLoop::add_handler/update_handler/remove_handler call register_fd/modify/
//           unregister; IOLoop::start() phase 5 calls poll() once per iteration.
// Ownership: the IOLoop owns its Poller through a unique_ptr; a Poller never owns the fds it
//           watches and never closes them.
// Rules:    event bits are IOLoop::READ/WRITE/ERROR, which equal POLLIN, POLLOUT and
//           POLLERR|POLLHUP; epoll and poll need no translation, select and kqueue translate.
//           poll() reports each fd at most once per call. Every call returns 0 (or a count) on
//           success and -errno on failure; EINTR is returned, not retried, so the loop can run
//           its signal handlers.
// Thread:   loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tornado::detail {

struct PollEvent {
  int fd;
  std::uint32_t events;
  std::uint32_t generation;  // filled in by the IOLoop, not by the backend
};

class Poller {
 public:
  virtual ~Poller() = default;
  virtual const char* name() const = 0;
  virtual int register_fd(int fd, std::uint32_t events) = 0;
  virtual int modify(int fd, std::uint32_t events) = 0;
  virtual int unregister(int fd) = 0;
  // Waits up to timeout_ms (-1: forever, 0: no wait) and appends ready fds to `out`.
  // Returns the number appended, or -errno.
  virtual int poll(int timeout_ms, std::vector<PollEvent>& out) = 0;
  // The kernel object a host loop can wait on (epoll or kqueue fd), or -1 when the backend
  // has none (poll, select).
  virtual int fileno() const { return -1; }
};

using PollerFactory = std::unique_ptr<Poller> (*)(int* error);

// Backend factories; each lives in its own file, built only where the platform has it.
std::unique_ptr<Poller> make_epoll_poller(int* error);
std::unique_ptr<Poller> make_kqueue_poller(int* error);
std::unique_ptr<Poller> make_poll_poller(int* error);
std::unique_ptr<Poller> make_select_poller(int* error);

// Creates the backend called `name` ("epoll", "kqueue", "poll", "select"); an empty name picks
// the platform's best. Returns nullptr with *error = -ENOENT for an unknown or unavailable
// name, or the backend's own -errno.
std::unique_ptr<Poller> make_poller(std::string_view name, int* error);
// The names available in this build, best first.
std::vector<std::string> available_pollers();
// Adds a backend at run time. The test suite uses it to plug in kqueue over its epoll shim.
void register_poller(std::string name, PollerFactory factory);

}  // namespace tornado::detail
