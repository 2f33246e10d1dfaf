// tests/support/async_test.cc: the loop fixture, waiting helpers, log capture and fd pairs.
#include "tests/support/async_test.h"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "tornado/stream/netutil.h"

namespace tornado::testing {

std::vector<std::string> backends() { return IOLoop::available_pollers(); }

namespace {
std::string g_skip_reason;  // the running case's; one case runs at a time
}  // namespace

void skip_case(const std::string& reason) {
  MESSAGE("skipped: " << reason);
  if (g_skip_reason.empty()) g_skip_reason = reason;
}

std::string take_skip_reason() { return std::exchange(g_skip_reason, {}); }

BoundPort bind_unused_port() {
  const std::vector<int> fds = netutil::bind_sockets(0, "127.0.0.1");
  REQUIRE(fds.size() == 1);
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(fds[0], reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  return {fds[0], ntohs(sa.sin_port)};
}

int count_open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own fd
}

LoopCase::LoopCase(const std::string& backend)
    : fds_before_(count_open_fds()), loop_(std::make_unique<IOLoop>(backend)) {}

LoopCase::~LoopCase() {
  CHECK_MESSAGE(loop_->handler_count() == 0, "a handler was left registered");
  CHECK_MESSAGE(loop_->pending_callbacks() == 0, "a callback was left queued");
  CHECK_MESSAGE(loop_->pending_timeouts() == 0, "a timeout was left pending");
  loop_.reset();
  CHECK_MESSAGE(count_open_fds() == fds_before_, "the case leaked file descriptors");
}

bool run_until(IOLoop& loop, const std::function<bool()>& done, double timeout) {
  const double deadline = loop.time() + timeout;
  while (!done()) {
    const double left = deadline - loop.time();
    if (left <= 0) return false;
    loop.run_once(left < 0.05 ? left : 0.05);
  }
  return true;
}

bool start_with_timeout(IOLoop& loop, double timeout) {
  bool timed_out = false;
  const Timeout t = loop.call_later(timeout, [&] {
    timed_out = true;
    loop.stop();
  });
  loop.start();
  loop.remove_timeout(t);
  return !timed_out;
}

ExpectLog::ExpectLog(std::string substring) : substring_(std::move(substring)) {
  previous_ = log::set_sink([this](const log::Record& r) {
    std::string line(r.message);
    if (line.find(substring_) != std::string::npos) ++count_;
    lines_.push_back(std::move(line));
  });
}

ExpectLog::~ExpectLog() { log::set_sink(std::move(previous_)); }

FdPair::~FdPair() {
  close_a();
  close_b();
}
void FdPair::close_a() {
  if (a >= 0) ::close(a);
  a = -1;
}
void FdPair::close_b() {
  if (b >= 0) ::close(b);
  b = -1;
}

FdPair make_socketpair() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  FdPair p;
  p.a = fds[0];
  p.b = fds[1];
  return p;
}

FdPair make_pipe() {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  FdPair p;
  p.a = fds[0];
  p.b = fds[1];
  return p;
}

}  // namespace tornado::testing
