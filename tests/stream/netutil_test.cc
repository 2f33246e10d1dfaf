// tests/stream/netutil_test.cc: listening sockets, the accept loop, resolvers.
// Mirrors:  tornado/test/netutil_test.py (TestPortAllocation, IsValidIPTest, the resolver
//           tests), plus the accept loop's limits, which Tornado does not test: the batch of
//           128, and running out of descriptors (in a child process, with a lowered
//           RLIMIT_NOFILE).
#include "tornado/stream/netutil.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::ResolvedAddress;
using netutil::SocketAddress;

namespace {

bool flag_set(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, name, &v, &len) == 0 && v != 0;
}

void check_listening_socket(int fd) {
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(flag_set(fd, SOL_SOCKET, SO_ACCEPTCONN));
  if (SocketAddress::of_socket(fd).family != AF_UNIX) CHECK(flag_set(fd, SOL_SOCKET, SO_REUSEADDR));
  if (SocketAddress::of_socket(fd).family == AF_INET6)
    CHECK(flag_set(fd, IPPROTO_IPV6, IPV6_V6ONLY));
}

bool contains(const std::vector<ResolvedAddress>& addrs, const std::string& host, int port) {
  for (const ResolvedAddress& a : addrs)
    if (a.host() == host && a.port() == port) return true;
  return false;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/tornado-netutil-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

// ---------------------------------------------------------------- bind_sockets

TEST_CASE("netutil: same_port_allocation") {
  for (const char* address : {"localhost", ""}) {
    CAPTURE(address);
    Fds s(netutil::bind_sockets(0, address));
    REQUIRE(!s.fds.empty());
    const int port = SocketAddress::of_socket(s[0]).port();
    CHECK(port != 0);
    for (int fd : s.fds) {
      CHECK(SocketAddress::of_socket(fd).port() == port);
      check_listening_socket(fd);
    }
    // "" means every interface: 0.0.0.0 first, then :: (which IPV6_V6ONLY lets share the port).
    if (address[0] == '\0' && ipv6_available()) {
      REQUIRE(s.fds.size() == 2);
      CHECK(SocketAddress::of_socket(s[0]).family == AF_INET);
      CHECK(SocketAddress::of_socket(s[1]).family == AF_INET6);
    }
  }
}

TEST_CASE("netutil: bind_sockets on 127.0.0.1 and ::1 with port 0") {
  Fds v4(netutil::bind_sockets(0, "127.0.0.1"));
  REQUIRE(v4.fds.size() == 1);
  const SocketAddress a = SocketAddress::of_socket(v4[0]);
  CHECK(a.family == AF_INET);
  CHECK(a.host() == "127.0.0.1");
  CHECK(a.port() != 0);
  check_listening_socket(v4[0]);
  if (!ipv6_available()) {
    MESSAGE("IPv6 is not available on this host: the ::1 half is skipped");
    return;
  }
  Fds v6(netutil::bind_sockets(0, "::1"));
  REQUIRE(v6.fds.size() == 1);
  CHECK(SocketAddress::of_socket(v6[0]).to_string().rfind("[::1]:", 0) == 0);
  check_listening_socket(v6[0]);
  // The same port on the other family is free to take, as port 0 across families relies on.
  Fds same(netutil::bind_sockets(a.port(), "::1"));
  CHECK(SocketAddress::of_socket(same[0]).port() == a.port());
  // family restricts the result.
  Fds only4(netutil::bind_sockets(0, "", AF_INET));
  REQUIRE(only4.fds.size() == 1);
  CHECK(SocketAddress::of_socket(only4[0]).family == AF_INET);
}

namespace {

// A passive lookup's answer: each address as "family host" (sorted, ports left out), or the
// EAI_* code.
struct Answer {
  int error = 0;
  std::vector<std::string> addresses;
  bool operator==(const Answer&) const = default;
};

std::string family_host(const SocketAddress& a) {
  return std::to_string(a.family) + " " + a.host();
}

// What getaddrinfo answers, with the flags bind_sockets gave it before it worked numeric
// addresses out itself: AI_NUMERICHOST for digits, AI_ADDRCONFIG for "" (every address).
Answer getaddrinfo_answer(const std::string& address, int family) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (address.empty() ? AI_ADDRCONFIG : AI_NUMERICHOST);
  addrinfo* res = nullptr;
  Answer a;
  a.error = ::getaddrinfo(address.empty() ? nullptr : address.c_str(), "0", &hints, &res);
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next)
    a.addresses.push_back(family_host(SocketAddress::from(ai->ai_addr, ai->ai_addrlen)));
  if (res != nullptr) ::freeaddrinfo(res);
  std::sort(a.addresses.begin(), a.addresses.end());
  return a;
}

template <class Bind>
Answer bind_answer(Bind bind, const std::string& address, int family) {
  Answer a;
  try {
    Fds s(bind(0, address, family, 16, false));
    for (const int fd : s.fds) {
      a.addresses.push_back(family_host(SocketAddress::of_socket(fd)));
      check_listening_socket(fd);
    }
  } catch (const netutil::ResolveError& e) {
    a.error = e.code().value();
  }
  std::sort(a.addresses.begin(), a.addresses.end());
  return a;
}

}  // namespace

// bind_sockets works numeric addresses and "" out without getaddrinfo (so that a static
// program need not link it): its answer must be getaddrinfo's, errors included.
TEST_CASE("netutil: numeric and empty addresses bind as getaddrinfo answers them") {
  struct Case {
    const char* address;
    int family;
    bool ipv6;  // needs IPv6 on this host
  };
  const Case cases[] = {
      {"127.0.0.1", AF_UNSPEC, false},
      {"127.0.0.1", AF_INET, false},
      {"127.0.0.1", AF_INET6, false},
      {"0.0.0.0", AF_UNSPEC, false},
      {"::1", AF_UNSPEC, true},
      {"::1", AF_INET6, true},
      {"::1", AF_INET, false},
      {"::", AF_INET6, true},
      {"", AF_UNSPEC, true},
      {"", AF_INET, false},
      {"", AF_INET6, true},
      {"127.0.0.1", AF_UNIX, false},
  };
  int compared = 0;
  for (const Case& c : cases) {
    if (c.ipv6 && !ipv6_available()) continue;
    CAPTURE(c.address);
    CAPTURE(c.family);
    const Answer want = getaddrinfo_answer(c.address, c.family);
    CHECK(bind_answer(netutil::bind_sockets, c.address, c.family) == want);
    CHECK(bind_answer(netutil::bind_numeric_sockets, c.address, c.family) == want);
    ++compared;
  }
  CHECK(compared >= 7);
  // A name: bind_sockets looks it up, bind_numeric_sockets refuses it as AI_NUMERICHOST does.
  CHECK(bind_answer(netutil::bind_sockets, "localhost", AF_INET).addresses ==
        std::vector<std::string>{family_host(*SocketAddress::from_ip("127.0.0.1", 0))});
  try {
    (void)netutil::bind_numeric_sockets(0, "localhost");
    FAIL("bind_numeric_sockets looked a name up");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.code() == std::error_code(EAI_NONAME, netutil::gai_category()));
    CHECK(e.host() == "localhost");
  }
}

TEST_CASE("netutil: reuse_port") {
  Fds first(netutil::bind_sockets(0, "127.0.0.1", AF_UNSPEC, 128, true));
  const int port = SocketAddress::of_socket(first[0]).port();
  Fds second(netutil::bind_sockets(port, "127.0.0.1", AF_UNSPEC, 128, true));
  CHECK(SocketAddress::of_socket(second[0]).port() == port);
  CHECK(flag_set(second[0], SOL_SOCKET, SO_REUSEPORT));
}

TEST_CASE("netutil: bind_sockets errors name the address and port and leave nothing open") {
  const int fds_before = count_open_fds();
  Fds taken(netutil::bind_sockets(0, "127.0.0.1"));
  const int port = SocketAddress::of_socket(taken[0]).port();
  try {
    (void)netutil::bind_sockets(port, "127.0.0.1");
    FAIL("a second listener on the same port was allowed");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  }
  try {
    (void)netutil::bind_sockets(0, "no-such-host.invalid");
    FAIL("an unresolvable address was accepted");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.host() == "no-such-host.invalid");
    CHECK(std::string(e.what()).find("no-such-host.invalid") != std::string::npos);
  }
  CHECK_THROWS_AS((void)netutil::bind_sockets(70000), std::invalid_argument);
  CHECK(count_open_fds() == fds_before + 1);  // only `taken`
}

// ---------------------------------------------------------------- bind_unix_socket

TEST_CASE("netutil: bind_unix_socket replaces a stale socket file, refuses any other file") {
  const int fds_before = count_open_fds();
  const std::string dir = temp_dir();
  const std::string path = dir + "/sock";
  {
    // A stale socket: bound, then closed without unlinking, as a crashed server leaves it.
    const int stale = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strcpy(un.sun_path, path.c_str());
    REQUIRE(::bind(stale, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0);
    ::close(stale);
  }
  const int fd = netutil::bind_unix_socket(path);
  check_listening_socket(fd);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(SocketAddress::of_socket(fd).host() == path);
  // A client gets in.
  const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(::connect(client, SocketAddress::of_socket(fd).get(), SocketAddress::of_socket(fd).len) ==
        0);
  ::close(client);
  ::close(fd);
  ::unlink(path.c_str());

  const std::string file = dir + "/regular";
  const int f = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ::close(f);
  CHECK_THROWS_AS((void)netutil::bind_unix_socket(file), std::system_error);
  CHECK(::access(file.c_str(), F_OK) == 0);  // not removed
  ::unlink(file.c_str());
  ::rmdir(dir.c_str());
  CHECK(count_open_fds() == fds_before);
}

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

// ---------------------------------------------------------------- is_valid_ip

TEST_CASE("netutil: is_valid_ip") {
  struct Row {
    std::string ip;
    bool valid;
  };
  const Row table[] = {
      {"127.0.0.1", true},
      {"4.4.4.4", true},
      {"::1", true},
      {"2620:0:1cfe:face:b00c::3", true},
      {"::ffff:127.0.0.1", true},
      {"www.google.com", false},
      {"localhost", false},
      {"4.4.4.4<", false},
      {" 127.0.0.1", false},
      {"127.0.0.1 ", false},
      {"", false},
      {" ", false},
      {"\n", false},
      {std::string("\0", 1), false},
      {std::string("127.0.0.1\0junk", 14), false},
      {std::string(100, 'a'), false},
      {"256.1.1.1", false},
      {"1.2.3", false},
      {"fe80::1%lo", false},
      {":::", false},
  };
  for (const Row& row : table) {
    CAPTURE(row.ip);
    CHECK(netutil::is_valid_ip(row.ip) == row.valid);
  }
}

// ---------------------------------------------------------------- resolvers

TEST_CASE("netutil: resolver localhost") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  const auto addrs = testing::run_sync(
      c.loop(), [&] { return resolver.resolve("localhost", 80); }, gen::Duration(10));
  CHECK((contains(addrs, "127.0.0.1", 80) || contains(addrs, "::1", 80)));
  const auto only4 = testing::run_sync(
      c.loop(), [&] { return resolver.resolve("localhost", 80, AF_INET); }, gen::Duration(10));
  REQUIRE(!only4.empty());
  for (const ResolvedAddress& a : only4) CHECK(a.family == AF_INET);
}

TEST_CASE("netutil: resolver answers a numeric address at once, without a worker") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  Future<std::vector<ResolvedAddress>> f = resolver.resolve("127.0.0.1", 8080);
  REQUIRE(f.done());
  REQUIRE(f.result().size() == 1);
  CHECK(f.result()[0].to_string() == "127.0.0.1:8080");
  Future<std::vector<ResolvedAddress>> wrong = resolver.resolve("127.0.0.1", 80, AF_INET6);
  REQUIRE(wrong.done());
  CHECK_THROWS_AS(wrong.result(), netutil::ResolveError);
}

TEST_CASE("netutil: resolver bad_host") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  for (const char* host : {"nonexistent.invalid", "an invalid domain"}) {
    CAPTURE(host);
    try {
      (void)testing::run_sync(
          c.loop(), [&] { return resolver.resolve(host, 80); }, gen::Duration(20));
      FAIL("resolved");
    } catch (const netutil::ResolveError& e) {
      CHECK(e.host() == host);
      CHECK(std::string(e.what()).find(host) != std::string::npos);
    }
  }
  resolver.close();
  CHECK_THROWS_AS((void)resolver.resolve("localhost", 80).result(), std::logic_error);
}

TEST_CASE("netutil: override resolver (resolve_multiaddr)") {
  LoopCase c;
  auto inner = std::make_shared<netutil::DefaultResolver>();
  netutil::OverrideResolver resolver(
      inner, {.hosts = {{"example.com", "127.0.0.1"}},
              .host_ports = {{{"google.com", 80}, {"1.2.3.4", 80}}},
              .host_port_families = {
                  {{"google.com", 80, AF_INET}, {"1.2.3.4", 80}},
                  {{"google.com", 80, AF_INET6}, {"2a02:6b8:7c:40c:c51e:495f:e23a:3", 80}}}});
  auto resolve = [&](const char* host, int port, int family) {
    return testing::run_sync(c.loop(), [&] { return resolver.resolve(host, port, family); });
  };
  CHECK(contains(resolve("google.com", 80, AF_INET), "1.2.3.4", 80));
  CHECK(contains(resolve("google.com", 80, AF_INET6), "2a02:6b8:7c:40c:c51e:495f:e23a:3", 80));
  CHECK(contains(resolve("google.com", 80, AF_UNSPEC), "1.2.3.4", 80));
  CHECK(contains(resolve("example.com", 8080, AF_UNSPEC), "127.0.0.1", 8080));
  CHECK(contains(resolve("127.0.0.1", 9, AF_UNSPEC), "127.0.0.1", 9));  // no entry: passed on
  resolver.close();                                                     // closes the inner one
  CHECK_THROWS_AS((void)inner->resolve("127.0.0.1", 80).result(), std::logic_error);
}
