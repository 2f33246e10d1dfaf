// tests/demos/process_demo_test.cc: the demos with --processes=N and --debug, run as a user
// would (the built binaries, separate processes, plain sockets).
// Mirrors:  what Tornado's process.fork_processes and autoreload promise, checked from
//           outside: graceful shutdown of a pre-forked server, a killed child replaced, the
//           executable touched and the server back on its feet.
// Rules:    waits are bounded polls (the demos' children have no fd to wait on).
#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

// The pids whose parent is `parent` (from /proc/PID/stat).
std::set<pid_t> children_of(pid_t parent) {
  std::set<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (const dirent* e = ::readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[512];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    const char* close_paren = std::strrchr(buf, ')');  // the name may hold spaces and parens
    int ppid = 0;
    char state = 0;
    if (close_paren && std::sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
        ppid == parent && state != 'Z')
      out.insert(pid);
  }
  ::closedir(d);
  return out;
}

bool poll_until(const std::function<bool()>& done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    ::usleep(10000);  // what is polled (other processes) gives no fd to wait on
  }
  return true;
}

// A connection to 127.0.0.1:port, or -1 with *refused set when the port refuses it.
int try_connect(int port, bool* refused) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  *refused = errno == ECONNREFUSED;
  ::close(fd);
  return -1;
}

void send_text(int fd, const std::string& s) {
  REQUIRE(::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
}

std::string get(int port, const std::string& path) {
  bool refused = false;
  const int fd = try_connect(port, &refused);
  if (fd < 0) return "refused";
  send_text(fd, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::string r = read_until_close(fd, 10);
  ::close(fd);
  return r;
}

}  // namespace

// The scenario of the manual page: SIGTERM to the parent of a pre-forked server while a
// request is in flight.
TEST_CASE("demos: nonblocking --processes=2: SIGTERM finishes the request, refuses, exits 0") {
  LoopCase c;
  DemoProcess demo(c.loop(), "nonblocking", {"--processes=2", "--delay=1s"});
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  std::set<pid_t> children;
  REQUIRE(poll_until([&] { return (children = children_of(demo.pid())).size() == 2; }, 10));
  // One answer first, so the connection is surely some child's; then the slow request.
  bool refused = false;
  const int fd = try_connect(demo.port(), &refused);
  REQUIRE(fd >= 0);
  send_text(fd, "GET /justnow HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(read_until_text(fd, "i am just now\n", 10).find("200 OK") != std::string::npos);
  send_text(fd, "GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");

  ::kill(demo.pid(), SIGTERM);
  // Refused while /sleep still runs: every copy of the listening socket is closed.
  CHECK(poll_until(
      [&] {
        bool r = false;
        const int other = try_connect(demo.port(), &r);
        if (other >= 0) ::close(other);
        return r;
      },
      5));
  const std::string r = read_until_close(fd, 10);
  ::close(fd);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(r.find("slept\n") != std::string::npos);
  const int status = demo.wait(10);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (const pid_t child : children) {
    CAPTURE(child);
    CHECK((::kill(child, 0) == -1 && errno == ESRCH));
  }
  CHECK(demo.rest_of_log().find("ERROR") == std::string::npos);
}

TEST_CASE("demos: helloworld --processes=2: a child killed while idle is replaced") {
  LoopCase c;
  DemoProcess demo(c.loop(), "helloworld", {"--processes=2"});
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  std::set<pid_t> children;
  REQUIRE(poll_until([&] { return (children = children_of(demo.pid())).size() == 2; }, 10));
  const pid_t victim = *children.begin();
  ::kill(victim, SIGKILL);
  CHECK(poll_until(
      [&] {
        children = children_of(demo.pid());
        return children.size() == 2 && children.count(victim) == 0;
      },
      10));
  for (int i = 0; i < 6; ++i) {
    CAPTURE(i);
    const std::string r = get(demo.port(), "/");
    CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(r.find("Hello, world") != std::string::npos);
  }
  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(demo.rest_of_log().find("killed by signal 9, restarting") != std::string::npos);
}

// autoreload: a copy of helloworld, started with --debug, is touched: it logs the change,
// execs itself (same pid, its original arguments) and serves again.
TEST_CASE("demos: helloworld --debug restarts itself when its executable changes") {
  if (const char* emu = std::getenv("TORNADO_TEST_EMULATOR"); emu && *emu)
    TORNADO_SKIP("re-executing the program goes through qemu-user, which cannot exec it");
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  if (!dir) TORNADO_SKIP("TORNADO_DEMO_DIR is not set (make test sets it)");
  const std::string built = std::string(dir) + "/helloworld";
  if (::access(built.c_str(), X_OK) != 0) TORNADO_SKIP(built + " is not built");
  char tmp[] = "/tmp/tornado-autoreload-XXXXXX";
  REQUIRE(::mkdtemp(tmp) != nullptr);
  const std::string copy = std::string(tmp) + "/helloworld";
  {
    const int in = ::open(built.c_str(), O_RDONLY | O_CLOEXEC);
    const int out = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    REQUIRE(in >= 0);
    REQUIRE(out >= 0);
    char buf[65536];
    for (ssize_t n; (n = ::read(in, buf, sizeof buf)) > 0;)
      REQUIRE(::write(out, buf, static_cast<std::size_t>(n)) == n);
    ::close(in);
    ::close(out);
  }
  {
    LoopCase c;
    const std::string port_line = "listening on ([0-9.]+):([0-9]+)\n";
    DemoProcess demo(c.loop(), {copy, "--port=0", "--debug"}, port_line);
    REQUIRE(demo.running());
    CHECK(get(demo.port(), "/").find("Hello, world") != std::string::npos);
    const int first_port = demo.port();
    const pid_t pid = demo.pid();
    // A new modification time, as a relink gives it.
    timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
    ::clock_gettime(CLOCK_REALTIME, &times[1]);
    times[1].tv_sec += 10;
    REQUIRE(::utimensat(AT_FDCWD, copy.c_str(), times, 0) == 0);
    demo.read_log_until("modified; restarting server", 10);
    const std::string line = demo.read_log_until(port_line, 10);
    const int port = std::atoi(line.substr(line.rfind(':') + 1).c_str());
    CHECK(demo.pid() == pid);
    CHECK(::waitpid(pid, nullptr, WNOHANG) == 0);  // the same process, still running
    CHECK(get(port, "/").find("Hello, world") != std::string::npos);
    if (port != first_port) CHECK(get(first_port, "/") == "refused");  // closed on exec
    const int status = demo.stop();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  ::unlink(copy.c_str());
  ::rmdir(tmp);
}
