// tests/reactor/autoreload_test.cc: autoreload's checker, hooks and exec, in a forked copy of
// the runner (the exec replaces that copy, never the runner).
// Mirrors:  tornado/test/autoreload_test.py (test_reload: a changed file restarts the
//           program, with the reload hooks run first).
#include "tornado/reactor/autoreload.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/demo_process.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"

using namespace tornado;

namespace {

void touch_later(const std::string& path, int seconds) {
  timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
  ::clock_gettime(CLOCK_REALTIME, &times[1]);
  times[1].tv_sec += seconds;
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("autoreload: a watched file that changes runs the hooks, then execs the command") {
  char path[] = "/tmp/tornado-watched-XXXXXX";
  const int file = ::mkstemp(path);
  REQUIRE(file >= 0);
  ::close(file);
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(p[1], 1);  // the exec'd command's stdout (dup2 leaves it inheritable)
    IOLoop::clear_current();
    IOLoop loop;
    autoreload::set_command_line({"/bin/sh", "-c", "echo exec $0; exit 5", "again"});
    autoreload::watch(path);
    autoreload::add_reload_hook([&] { (void)!::write(p[1], "hook\n", 5); });
    autoreload::start(10, &loop);
    loop.call_later(10, [] { ::_exit(9); });  // never reached when the exec works
    (void)!::write(p[1], "ready\n", 6);
    loop.start();
    ::_exit(8);
  }
  ::close(p[1]);
  CHECK(testing::read_until_text(p[0], "ready\n", 10) == "ready\n");
  touch_later(path, 10);
  const std::string out = testing::read_until_text(p[0], "exec again\n", 10);
  ::close(p[0]);
  CHECK(out == "hook\nexec again\n");
  int status = 0;
  CHECK(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 5);
  ::unlink(path);
}

TEST_CASE("autoreload: start and stop on a loop leave nothing behind") {
  IOLoop loop;
  CHECK_FALSE(autoreload::is_running());
  autoreload::start(500, &loop);
  CHECK(autoreload::is_running());
  autoreload::start(500, &loop);  // the same loop: nothing more
  CHECK(loop.pending_timeouts() == 1);
  autoreload::stop();
  CHECK_FALSE(autoreload::is_running());
  CHECK(loop.pending_timeouts() == 0);
}

// A debug Application starts the checker on its loop; when that loop closes, the checker
// goes with it: nothing stays attached to the closed loop, and a debug Application on the
// next loop starts a fresh checker instead of warning that autoreload started twice.
TEST_CASE("autoreload: the checker stops when its loop closes") {
  std::vector<std::string> warnings;
  log::Sink previous = log::set_sink([&](const log::Record& r) {
    if (r.level >= log::Level::kWarning) warnings.emplace_back(r.message);
  });
  {
    IOLoop first;
    autoreload::start(500, &first);
    CHECK(autoreload::is_running());
  }
  CHECK_FALSE(autoreload::is_running());
  {
    IOLoop second;
    autoreload::start(500, &second);
    CHECK(autoreload::is_running());
    CHECK(second.pending_timeouts() == 1);
    second.close();
    CHECK_FALSE(autoreload::is_running());
  }
  log::set_sink(std::move(previous));
  CHECK(warnings.empty());
}
