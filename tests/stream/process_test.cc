// tests/stream/process_test.cc: cpu_count, fork_processes (restarts, signal forwarding) and
// Subprocess (pipes, exit status, reaping, no inherited fds).
// Mirrors:  tornado/test/process_test.py (ProcessTest.test_multi_process, SubprocessTest:
//           test_subprocess, test_close_stdin, test_stderr, test_sigchild, test_sigchild_signal,
//           test_wait_for_exit_raise).
// Rules:    fork_processes runs in a forked "supervisor" copy of this runner, so that its
//           parent side (which would exit) never returns into doctest; every forked copy ends
//           with _exit and makes no doctest assertion. Waits are bounded polls.
#include "tornado/stream/process.h"

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

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

// Runs `body` in a forked copy of this process, which _exits with what it returns.
pid_t run_forked(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int status = 98;
    try {
      IOLoop::clear_current();  // the runner's loop is not this process's
      status = body();
    } catch (...) {
      status = 99;
    }
    ::_exit(status);
  }
  return pid;
}

// waitpid with a deadline; -1 if it is still running then.
int wait_status(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) return st;
    ::usleep(5000);  // no fd tells a child's exit without pidfd (not under qemu-user)
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

// Lines from `fd` until `count` have come, EOF, or `seconds` pass.
std::vector<std::string> read_lines(int fd, std::size_t count, double seconds,
                                    bool* eof = nullptr) {
  std::vector<std::string> lines;
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  if (eof) *eof = false;
  while (lines.size() < count) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char c[256];
    const ssize_t n = ::read(fd, c, sizeof c);
    if (n <= 0) {
      if (eof) *eof = true;
      break;
    }
    buf.append(c, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1))
      lines.push_back(buf.substr(0, nl));
  }
  return lines;
}

void say(int fd, const std::string& line) {
  const std::string l = line + "\n";
  (void)!::write(fd, l.data(), l.size());
}

// No child of this process is left, running or zombie.
bool no_children_left() { return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD; }

}  // namespace

TEST_CASE("process: cpu_count and task_id") {
  CHECK(process::cpu_count() >= 1);
  CHECK_FALSE(process::task_id().has_value());
}

TEST_CASE("process: fork_processes gives each child its task id and the parent exits 0") {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  const pid_t supervisor = run_forked([&] {
    int status = 0;
    const std::optional<int> id = process::detail::fork_and_supervise(3, {}, status);
    if (id) {
      say(p[1], "t" + std::to_string(*id) + " " + std::to_string(*process::task_id()));
      ::_exit(0);
    }
    return status;
  });
  ::close(p[1]);
  bool eof = false;
  std::vector<std::string> lines = read_lines(p[0], 4, 10, &eof);
  ::close(p[0]);
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"t0 0", "t1 1", "t2 2"});
  CHECK(eof);
  const int st = wait_status(supervisor, 10);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  CHECK(no_children_left());
}

TEST_CASE("process: a child that fails is restarted with its task id, up to max_restarts") {
  struct Case {
    int processes;
    int max_restarts;
    bool fail_once;  // else always
    std::vector<std::string> lines;
    int supervisor_status;
  };
  const Case cases[] = {
      {2, 100, true, {"f0", "f1", "ok0", "ok1"}, 0},
      // 1 + 2 restarts, then the third failure is one too many: Tornado's RuntimeError.
      {1, 2, false, {"f0", "f0", "f0"}, 3},
  };
  for (const Case& c : cases) {
    CAPTURE(c.max_restarts);
    char dir[] = "/tmp/tornado-fork-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    const pid_t supervisor = run_forked([&] {
      int status = 0;
      std::optional<int> id;
      try {
        id = process::detail::fork_and_supervise(c.processes, {c.max_restarts, {}}, status);
      } catch (const std::runtime_error&) {
        return 3;
      }
      if (id) {
        // The first run of each task id makes its marker and fails; a restart finds it.
        const std::string marker = std::string(dir) + "/" + std::to_string(*id);
        const bool first = ::mkdir(marker.c_str(), 0700) == 0;
        if (first || !c.fail_once) {
          say(p[1], "f" + std::to_string(*id));
          ::_exit(first ? 7 : 1);
        }
        say(p[1], "ok" + std::to_string(*id));
        ::_exit(0);
      }
      return status;
    });
    ::close(p[1]);
    bool eof = false;
    std::vector<std::string> lines = read_lines(p[0], c.lines.size() + 1, 10, &eof);
    ::close(p[0]);
    std::sort(lines.begin(), lines.end());
    CHECK(lines == c.lines);
    CHECK(eof);
    const int st = wait_status(supervisor, 10);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == c.supervisor_status);
    for (int i = 0; i < c.processes; ++i)
      ::rmdir((std::string(dir) + "/" + std::to_string(i)).c_str());
    ::rmdir(dir);
  }
  CHECK(no_children_left());
}

// What the demos rely on: SIGKILL of a child brings a new one with the same task id; SIGTERM
// to the parent reaches every child, the parent closes its copy of the listening socket (a
// new connection is refused) and exits 0 once they are gone.
TEST_CASE("process: fork_processes replaces a killed child and forwards SIGTERM") {
  const BoundPort listening = bind_unused_port();
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  const pid_t supervisor = run_forked([&] {
    int status = 0;
    process::ForkOptions options;
    options.listening_fds = {listening.fd};
    const std::optional<int> id = process::detail::fork_and_supervise(2, options, status);
    if (id) {
      ::signal(SIGTERM, SIG_DFL);  // not the runner's crash reporter
      say(p[1], std::to_string(*id) + " " + std::to_string(::getpid()));
      for (;;) ::pause();  // until the forwarded SIGTERM (default action) ends it
    }
    return status;
  });
  ::close(p[1]);
  ::close(listening.fd);  // the supervisor and its children hold it now
  std::vector<std::string> started = read_lines(p[0], 2, 10);
  REQUIRE(started.size() == 2);
  std::sort(started.begin(), started.end());
  const pid_t first0 = std::stoi(started[0].substr(2));
  REQUIRE(started[0].rfind("0 ", 0) == 0);
  ::kill(first0, SIGKILL);
  const std::vector<std::string> again = read_lines(p[0], 1, 10);
  REQUIRE(again.size() == 1);
  CHECK(again[0].rfind("0 ", 0) == 0);
  CHECK(std::stoi(again[0].substr(2)) != first0);

  ::kill(supervisor, SIGTERM);
  bool eof = false;
  CHECK(read_lines(p[0], 1, 10, &eof).empty());
  CHECK(eof);  // every child is gone
  ::close(p[0]);
  const int st = wait_status(supervisor, 10);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  CHECK(no_children_left());
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(listening.port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == -1);
  CHECK(errno == ECONNREFUSED);
  ::close(fd);
}

TEST_CASE("process: fork_processes refuses a thread that already has an IOLoop") {
  LoopCase c;
  int status = 0;
  CHECK_THROWS_AS(process::detail::fork_and_supervise(2, {}, status), std::logic_error);
}

TEST_CASE("process: fork_processes warns of a second thread, and still forks") {
  // Its children are forked without glibc's fork handlers, so another thread could leave a
  // lock held in them: it says so, as Python's os.fork does.
  const pid_t copy = run_forked([] {
    int gate[2];
    if (::pipe2(gate, O_CLOEXEC) != 0) return 1;
    std::thread waiter([&] {
      char b;
      (void)!::read(gate[0], &b, 1);
    });
    ExpectLog warned("threads are running");
    int status = 1;
    if (process::detail::fork_and_supervise(1, {}, status)) ::_exit(0);  // the child
    (void)!::write(gate[1], "x", 1);
    waiter.join();
    return status == 0 && warned.count() == 1 ? 0 : 4;
  });
  const int st = wait_status(copy, 10);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  CHECK(no_children_left());
}

TEST_CASE("subprocess: stdin, stdout and stderr as streams; the exit status") {
  LoopCase c;
  Subprocess::Options o;
  o.in = Subprocess::STREAM;
  o.out = Subprocess::STREAM;
  o.err = Subprocess::STREAM;
  Subprocess child({"/bin/sh", "-c", "read x; echo \"got $x\"; echo oops >&2; exit 3"}, o);
  CHECK(child.pid() > 0);
  CHECK_FALSE(child.returncode().has_value());
  const auto [out, err, code] =
      run_sync(c.loop(), [&]() -> Future<std::tuple<std::string, std::string, int>> {
        co_await child.stdin_stream()->write("hello\n");
        child.stdin_stream()->close();
        std::string o1 = co_await child.stdout_stream()->read_until_close();
        std::string e1 = co_await child.stderr_stream()->read_until_close();
        const int rc = co_await child.wait_for_exit(false);
        co_return std::make_tuple(std::move(o1), std::move(e1), rc);
      });
  CHECK(out == "got hello\n");
  CHECK(err == "oops\n");
  CHECK(code == 3);
  CHECK(child.returncode() == 3);
  bool raised = false;
  try {
    run_sync(c.loop(), [&] { return child.wait_for_exit(); });
  } catch (const CalledProcessError& e) {
    raised = e.returncode() == 3;
  }
  CHECK(raised);
}

TEST_CASE("subprocess: killed by a signal; the exit callback; a destroyed one is still reaped") {
  LoopCase c;
  Subprocess::Options o;
  o.out = Subprocess::STREAM;
  Subprocess sleeper({"/bin/sh", "-c", "echo up; exec sleep 30"}, o);
  int called = 0;
  int code = 0;
  sleeper.set_exit_callback([&](int rc) {
    ++called;
    code = rc;
  });
  CHECK(run_sync(c.loop(), [&] { return sleeper.stdout_stream()->read_until("\n"); }) == "up\n");
  ::kill(sleeper.pid(), SIGKILL);
  CHECK(run_until(c.loop(), [&] { return called == 1; }));
  CHECK(code == -SIGKILL);
  // Set after the exit: called on the next iteration.
  sleeper.set_exit_callback([&](int rc) { code = rc + 100; });
  CHECK(run_until(c.loop(), [&] { return code == 100 - SIGKILL; }));
  sleeper.stdout_stream()->close();

  pid_t gone;
  {
    Subprocess quick({"/bin/sh", "-c", "exit 0"});
    gone = quick.pid();
  }
  // Reaped (not a zombie, for which kill(pid, 0) still succeeds) with no object left.
  CHECK(run_until(c.loop(), [&] { return ::kill(gone, 0) == -1 && errno == ESRCH; }));
  c.loop().run_once(0);
}

TEST_CASE("subprocess: a program that cannot run throws with execvp's errno, leaving nothing") {
  LoopCase c;
  Subprocess::initialize(&c.loop());  // the loop's signal pipe is opened here, not counted
  const int fds = count_open_fds();
  Subprocess::Options o;
  o.out = Subprocess::STREAM;
  int err = 0;
  try {
    Subprocess missing({"/nonexistent/program"}, o);
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  CHECK(err == ENOENT);
  CHECK(count_open_fds() == fds);
  CHECK(no_children_left());
}

std::set<int> fds_of(const std::string& listing) {
  std::set<int> out;
  std::size_t pos = 0;
  for (std::size_t nl; (nl = listing.find('\n', pos)) != std::string::npos; pos = nl + 1)
    out.insert(std::stoi(listing.substr(pos, nl - pos)));
  return out;
}

std::set<int> my_fds() {
  std::set<int> out;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.' && std::atoi(e->d_name) != own) out.insert(std::atoi(e->d_name));
    ::closedir(d);
  }
  return out;
}

// Every fd this case opens (the loop's, the pipes of another child, a listening socket) is
// close-on-exec: the child's shell lists none of them, only what the runner itself was given.
TEST_CASE("subprocess: no fd of this process leaks into the child") {
  const std::set<int> before = my_fds();
  LoopCase c;
  const BoundPort bound = bind_unused_port();
  Subprocess::Options o;
  o.in = Subprocess::STREAM;
  o.out = Subprocess::STREAM;
  o.err = Subprocess::STREAM;
  Subprocess other({"/bin/cat"}, o);
  Subprocess::Options lo;
  lo.out = Subprocess::STREAM;
  std::set<int> opened;
  for (const int fd : my_fds())
    if (!before.count(fd)) opened.insert(fd);
  CHECK(opened.size() >= 5);
  // The shell lists its own fds (ls would add the fd of the directory it reads).
  Subprocess lister({"/bin/sh", "-c", "ls /proc/$$/fd"}, lo);
  const std::set<int> seen =
      fds_of(run_sync(c.loop(), [&] { return lister.stdout_stream()->read_until_close(); }));
  CHECK(seen.count(0) == 1);
  CHECK(seen.count(1) == 1);
  CHECK(seen.count(2) == 1);
  for (const int fd : seen) {
    CAPTURE(fd);
    CHECK(opened.count(fd) == 0);
  }
  CHECK(run_sync(c.loop(), [&] { return lister.wait_for_exit(); }) == 0);
  other.stdin_stream()->close();
  CHECK(run_sync(c.loop(), [&] { return other.wait_for_exit(); }) == 0);
  lister.stdout_stream()->close();
  other.stdout_stream()->close();
  other.stderr_stream()->close();
  ::close(bound.fd);
  c.loop().run_once(0);
  CHECK(no_children_left());
}
