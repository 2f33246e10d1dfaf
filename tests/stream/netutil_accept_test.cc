// tests/stream/netutil_accept_test.cc: the accept loop (add_accept_handler).
// Mirrors:  tornado/netutil.py add_accept_handler, whose limits Tornado does not test.
// Role:     the batch of at most 128 connections per readiness event, the remover called from
//           inside the callback, and running out of descriptors (each in a child process,
//           with a lowered RLIMIT_NOFILE). Listening sockets and resolvers: netutil_test.cc.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/netutil.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::SocketAddress;

// ---------------------------------------------------------------- add_accept_handler

TEST_CASE("netutil: add_accept_handler accepts at most 128 connections per readiness event") {
  LoopCase c;
  Fds listener(netutil::bind_sockets(0, "127.0.0.1", AF_INET, 512));
  const SocketAddress addr = SocketAddress::of_socket(listener[0]);
  Fds clients;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_blocking(addr);
    REQUIRE(fd >= 0);
    clients.fds.push_back(fd);
  }
  Fds accepted;
  std::vector<SocketAddress> peers;
  netutil::AcceptHandle h =
      netutil::add_accept_handler(c.loop(), listener[0], [&](int fd, const SocketAddress& peer) {
        accepted.fds.push_back(fd);
        peers.push_back(peer);
      });
  c.loop().run_once(1.0);
  CHECK(accepted.fds.size() == netutil::kDefaultBacklog);
  CHECK(run_until(c.loop(), [&] { return accepted.fds.size() == 200; }));
  for (std::size_t i = 0; i < peers.size(); ++i) {
    CHECK(peers[i].host() == "127.0.0.1");
    CHECK(peers[i].port() == SocketAddress::of_socket(clients[i]).port());
    CHECK((::fcntl(accepted[i], F_GETFL) & O_NONBLOCK) != 0);
    CHECK((::fcntl(accepted[i], F_GETFD) & FD_CLOEXEC) != 0);
  }
  h.remove();
}

TEST_CASE("netutil: the remover stops accepting, even from inside the callback") {
  LoopCase c;
  Fds listener(netutil::bind_sockets(0, "127.0.0.1"));
  const SocketAddress addr = SocketAddress::of_socket(listener[0]);
  Fds clients;
  for (int i = 0; i < 5; ++i) clients.fds.push_back(connect_blocking(addr));
  Fds accepted;
  netutil::AcceptHandle h;
  h = netutil::add_accept_handler(c.loop(), listener[0], [&](int fd, const SocketAddress&) {
    accepted.fds.push_back(fd);
    h();  // Tornado's remove_handler(), called with four more connections queued
  });
  CHECK(h.active());
  CHECK(run_until(c.loop(), [&] { return !accepted.fds.empty(); }));
  c.loop().run_once(0.05);
  CHECK(accepted.fds.size() == 1);
  CHECK_FALSE(h.active());
  CHECK(c.loop().handler_count() == 0);
}

// The problem of accept() when out of descriptors. Each case runs in a child process, because
// it lowers RLIMIT_NOFILE and fills the descriptor table. The child reports through a pipe
// and its exit status; the parent waits for both with a deadline.
namespace {

struct ChildResult {
  bool finished = false;
  int status = -1;
  std::string report;
};

template <class F>
ChildResult run_in_child(F body, double timeout) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(p[0]);
    int code = 1;
    try {
      code = body(p[1]);
    } catch (const std::exception& e) {
      (void)!::write(p[1], e.what(), std::strlen(e.what()));
    }
    ::_exit(code);  // no atexit handlers, no leak check, no doctest report in the child
  }
  ::close(p[1]);
  ChildResult r;
  char buf[512];
  const int deadline_ms = static_cast<int>(timeout * 1000);
  for (;;) {
    pollfd pfd{p[0], POLLIN, 0};
    if (::poll(&pfd, 1, deadline_ms) <= 0) break;  // the deadline: the child is stuck
    const ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) {
      r.finished = true;  // EOF: the child has exited
      break;
    }
    r.report.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  if (!r.finished) ::kill(pid, SIGKILL);
  ::waitpid(pid, &r.status, 0);
  return r;
}

// Reports why the child failed; returns the exit code to give.
int fail(int report, int code, const std::string& why) {
  (void)!::write(report, why.data(), why.size());
  return code;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Runs `loop` for `seconds` of wall time (what is measured is how busy it is meanwhile).
void run_for(IOLoop& loop, double seconds) {
  const Timeout t = loop.call_later(seconds, [&] { loop.stop(); });
  loop.start();
  loop.remove_timeout(t);
}

// Runs `loop` until done() or the deadline.
template <class P>
bool run_until_child(IOLoop& loop, P done, double timeout) {
  const double deadline = loop.time() + timeout;
  while (!done() && loop.time() < deadline) loop.run_once(0.05);
  return done();
}

// The child's body. with_spare: the handler is added while descriptors are free, so it holds
// a spare and sheds connections; otherwise the table is full before it is added, no spare can
// be opened, and it must pause instead.
int emfile_child(int report, bool with_spare) {
  IOLoop loop;
  loop.make_current();
  int warnings = 0, recoveries = 0;
  std::string recovery_line;
  log::set_sink([&](const log::Record& r) {
    const std::string line(r.message);
    if (line.find("Too many open files") != std::string::npos) ++warnings;
    if (line.find("works again") != std::string::npos) {
      ++recoveries;
      recovery_line = line;
    }
  });
  const std::vector<int> listener = netutil::bind_sockets(0, "127.0.0.1", AF_INET, 64);
  const SocketAddress addr = SocketAddress::of_socket(listener[0]);
  int served = 0;
  auto serve = [&](int fd, const SocketAddress&) {
    (void)!::send(fd, "ok", 2, MSG_NOSIGNAL);
    ::close(fd);
    ++served;
  };
  netutil::AcceptHandle handle;
  if (with_spare) handle = netutil::add_accept_handler(loop, listener[0], serve);

  constexpr std::size_t kClients = 8;
  std::vector<int> clients;  // made now: no socket can be made once the table is full
  for (std::size_t i = 0; i < kClients + 1; ++i)
    clients.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // Fill the descriptor table up to a lowered limit: kRoom slots above the highest open
  // descriptor, so there is room to free later however the slots below it are taken (a
  // process may inherit descriptors with no holes between them, or one far above the rest).
  constexpr int kRoom = 16;
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  const int scan = static_cast<int>(std::min<rlim_t>(rl.rlim_cur, rlim_t{1} << 20));
  int highest = 0;
  for (int fd = 0; fd < scan; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
  rl.rlim_cur = static_cast<rlim_t>(highest + 1 + kRoom);
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) return fail(report, 2, "setrlimit failed");
  std::vector<int> filler;
  filler.reserve(static_cast<std::size_t>(highest + 1 + kRoom));
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) filler.push_back(fd);
  if (errno != EMFILE) return fail(report, 3, "filling the table did not end in EMFILE");
  if (filler.size() < static_cast<std::size_t>(kRoom))
    return fail(report, 3, "only " + std::to_string(filler.size()) + " descriptors to free");
  if (!with_spare) handle = netutil::add_accept_handler(loop, listener[0], serve);

  for (std::size_t i = 0; i < kClients; ++i)
    if (::connect(clients[i], addr.get(), addr.len) != 0 && errno != EINPROGRESS)
      return fail(report, 4, "connect failed: " + std::string(std::strerror(errno)));
  const double cpu_before = cpu_seconds();
  run_for(loop, 0.5);
  const double cpu = cpu_seconds() - cpu_before;
  if (cpu > 0.2) return fail(report, 5, "the loop spun: " + std::to_string(cpu) + " s of CPU");
  if (served != 0) return fail(report, 6, "served with a full table");
  if (warnings != 1) return fail(report, 7, std::to_string(warnings) + " warnings, not 1");
  // Shed clients see their connection closed at once; paused ones are still waiting.
  for (std::size_t i = 0; i < kClients; ++i) {
    char b;
    const ssize_t n = ::recv(clients[i], &b, 1, MSG_DONTWAIT);
    const bool closed = n == 0 || (n < 0 && errno == ECONNRESET);
    if (closed != with_spare)
      return fail(report, 8, "client " + std::to_string(i) + (closed ? ": closed" : ": open"));
  }

  for (int fd : filler) ::close(fd);
  if (::connect(clients[kClients], addr.get(), addr.len) != 0 && errno != EINPROGRESS)
    return fail(report, 9, "late connect failed");
  const int expected = with_spare ? 1 : static_cast<int>(kClients) + 1;
  if (!run_until_child(
          loop, [&] { return served == expected; }, 5.0))
    return fail(report, 10, "served " + std::to_string(served) + " after descriptors were freed");
  char buf[2];
  if (::recv(clients[kClients], buf, 2, MSG_WAITALL) != 2)
    return fail(report, 11, "the late client got no answer");
  if (recoveries != 1 || warnings != 1) return fail(report, 12, "episode not logged once");
  const std::string shed = "(" + std::to_string(with_spare ? kClients : 0) + " connections";
  if (recovery_line.find(shed) == std::string::npos)
    return fail(report, 13, "recovery line: " + recovery_line);
  handle.remove();
  for (int fd : clients) ::close(fd);
  ::close(listener[0]);
  return 0;
}

void check_child(const ChildResult& r) {
  INFO("child report: " << r.report);
  REQUIRE(r.finished);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
}

}  // namespace

TEST_CASE("netutil: accept under EMFILE sheds waiting connections with the spare, no spin") {
  check_child(run_in_child([](int report) { return emfile_child(report, true); }, 20.0));
}

TEST_CASE("netutil: accept under EMFILE without a spare pauses, then serves who waited") {
  check_child(run_in_child([](int report) { return emfile_child(report, false); }, 20.0));
}
