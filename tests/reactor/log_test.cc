// tests/reactor/log_test.cc: Tornado's log line format, the logger levels, and when buffered
// lines reach their file; what the process prints when std::terminate ends it (reactor/log.cc).
// Mirrors:  tornado/test/log_test.py (LogFormatterTest), for what applies without Python.
#include "tornado/reactor/log.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <new>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/reactor/options.h"

using namespace tornado;

TEST_CASE("log: format_record has Tornado's shape") {
  const log::Record r{&log::app_log, log::Level::kInfo, SourceLocation::current(), "hello"};
  const std::string line = log::format_record(r, false);
  CHECK(std::regex_match(line, std::regex(R"(\[I \d{6} \d\d:\d\d:\d\d log_test:\d+\] hello\n)")));
  const std::string colored = log::format_record(r, true);
  CHECK(colored.find("\033[") == 0);
  CHECK(colored.find("hello\n") != std::string::npos);
}

namespace {

std::string strftime_now() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%y%m%d %H:%M:%S", &local);
  return stamp;
}

}  // namespace

// Tornado's LogFormatter datefmt, "%y%m%d %H:%M:%S" in local time (the line writes it out
// without strftime).
TEST_CASE("log: the time stamp is strftime's %y%m%d %H:%M:%S in local time") {
  const log::Record r{&log::app_log, log::Level::kInfo, SourceLocation::current(), "x"};
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string before = strftime_now();
    const std::string line = log::format_record(r, false);
    if (strftime_now() != before) continue;  // a second ended in between: take another
    CHECK(line.substr(3, before.size()) == before);
    return;
  }
  FAIL("the clock's second kept changing");
}

TEST_CASE("log: module_name strips directories and extensions") {
  CHECK(log::module_name("reactor/ioloop.cc") == "ioloop");
  CHECK(log::module_name("web.h") == "web");
  CHECK(log::module_name("noext") == "noext");
  CHECK(log::module_name("/work/./dir.d/name") == "name");  // a dot before the last slash
  CHECK(log::module_name("a/b.tar.gz") == "b");
  CHECK(log::module_name("dir/") == "");
}

TEST_CASE("log: levels filter, printf arguments format, long messages are whole") {
  testing::ExpectLog cap("");
  log::gen_log.set_level(log::Level::kWarning);
  log::gen_log.info("dropped %d", 1);
  log::gen_log.warning("kept %d %s %.1f", 2, "two", 2.5);
  log::gen_log.set_level(log::Level::kInfo);
  const std::string big(2000, 'z');
  log::gen_log.error("%s", big.c_str());
  REQUIRE(cap.lines().size() == 2);
  CHECK(cap.lines()[0] == "kept 2 two 2.5");
  CHECK(cap.lines()[1] == big);
}

// ---------------------------------------------------------------- buffered INFO lines

namespace {

// Forks a child whose stderr is the write end of a new pipe: returns 0 in the child, and in
// the parent the child's pid, with the pipe's read end in *read_end.
pid_t fork_with_stderr_piped(int* read_end) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    return 0;
  }
  ::close(fds[1]);
  *read_end = fds[0];
  return pid;
}

// What the child wrote on the pipe, to its end; closes fd.
std::string read_to_end(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::string slurp(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

// A log file in a fresh folder, installed as the sink; the previous sink and levels come back
// (and the folder goes) at the end.
struct LogFile {
  std::string dir;
  std::string path;
  log::Sink previous;
  LogFile() {
    char tmpl[] = "/tmp/tornado-logbuf-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/app.log";
    previous = log::set_sink(nullptr);
    log::PrettyLogging config;
    config.file_prefix = path;
    log::enable_pretty_logging(config);
  }
  ~LogFile() {
    log::set_sink(std::move(previous));
    std::system(("rm -rf " + dir).c_str());
  }
};

}  // namespace

TEST_CASE("log: INFO lines wait in a buffer; a WARNING writes them first, then itself") {
  LogFile f;
  log::access_log.info("200 GET /a");
  log::access_log.info("200 GET /b");
  CHECK(slurp(f.path).empty());  // held back: no write(2) per request line
  log::app_log.warning("something odd");
  const std::string text = slurp(f.path);
  const auto a = text.find("200 GET /a"), b = text.find("200 GET /b"),
             w = text.find("something odd");
  REQUIRE(w != std::string::npos);
  CHECK(a < b);
  CHECK(b < w);
  log::access_log.info("200 GET /c");
  log::flush();
  CHECK(slurp(f.path).find("200 GET /c") != std::string::npos);
}

TEST_CASE("log: a running IOLoop writes buffered lines within 100 ms, even when idle") {
  LogFile f;
  testing::LoopCase c;
  log::access_log.info("200 GET /idle");
  CHECK(slurp(f.path).empty());
  CHECK(log::flush_deadline() > 0.0);
  // Nothing else is scheduled: the loop must wake for the log's deadline by itself.
  const double t0 = c.loop().time();
  CHECK(testing::run_until(
      c.loop(), [&] { return slurp(f.path).find("200 GET /idle") != std::string::npos; }, 2.0));
  CHECK(c.loop().time() - t0 >= 0.05);  // not written before its time: it was buffered
  CHECK(log::flush_deadline() == 0.0);
}

TEST_CASE("log: a full buffer is written without waiting") {
  LogFile f;
  const std::string filler(100, 'x');
  for (int i = 0; i < 200; ++i) log::access_log.info("%d %s", i, filler.c_str());  // > 16 KiB
  const std::string text = slurp(f.path);
  CHECK(text.find("0 " + filler) != std::string::npos);
  CHECK(text.size() >= 16 * 1024);
  log::flush();
  CHECK(slurp(f.path).find("199 " + filler) != std::string::npos);
}

TEST_CASE("log: a process that exits normally loses no buffered line") {
  char tmpl[] = "/tmp/tornado-logexit-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string path = std::string(tmpl) + "/app.log";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    log::PrettyLogging config;
    config.file_prefix = path;
    log::enable_pretty_logging(config);
    for (int i = 0; i < 3; ++i) log::access_log.info("line %d before exit", i);
    std::exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  const std::string text = slurp(path);
  CHECK(text.find("line 0 before exit") != std::string::npos);
  CHECK(text.find("line 2 before exit") != std::string::npos);
  std::system((std::string("rm -rf ") + tmpl).c_str());
}

// The default sink formats each line straight into its stderr buffer (no string of its own):
// the lines come out as format_record shapes them, whole, in order; INFO lines wait, a WARNING
// writes them and itself at once.
TEST_CASE("log: lines on stderr have format_record's shape; INFO waits, WARNING does not") {
  log::flush();  // nothing of this process's for the child to write again
  int from_child = -1;
  const pid_t pid = fork_with_stderr_piped(&from_child);
  if (pid == 0) {
    log::set_sink(nullptr);
    log::access_log.set_level(log::Level::kInfo);
    log::app_log.set_level(log::Level::kInfo);
    log::access_log.info("first %d", 1);
    log::access_log.write(log::Level::kInfo, SourceLocation::current(), std::string(3000, 'y'));
    (void)!::write(STDERR_FILENO, "+\n", 2);  // before the INFO lines, which wait
    log::app_log.warning("then a warning");
    (void)!::write(STDERR_FILENO, "-\n", 2);  // after the warning, which went out at once
    log::access_log.info("last");
    std::exit(0);
  }
  std::string out = read_to_end(from_child);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < out.size();) {
    std::size_t end = out.find('\n', at);
    end = end == std::string::npos ? out.size() : end + 1;
    if (out.compare(at, 5, "qemu:") != 0) lines.push_back(out.substr(at, end - at));
    at = end;
  }
  REQUIRE(lines.size() == 6);
  const std::string head = R"(\[(I|W) \d{6} \d\d:\d\d:\d\d log_test:\d+\] )";
  CHECK(lines[0] == "+\n");
  CHECK(std::regex_match(lines[1], std::regex(head + "first 1\n")));
  CHECK(std::regex_match(lines[2], std::regex(head + std::string(3000, 'y') + "\n")));
  CHECK(std::regex_match(lines[3], std::regex(head + "then a warning\n")));
  CHECK(lines[3].substr(0, 2) == "[W");
  CHECK(lines[4] == "-\n");
  CHECK(std::regex_match(lines[5], std::regex(head + "last\n")));
}

namespace {

// What __gnu_cxx::__verbose_terminate_handler prints on stderr in a child process that calls
// std::terminate from `body`; the child dies of SIGABRT or the result is empty.
std::string terminate_message(void (*body)()) {
  int from_child = -1;
  const pid_t pid = fork_with_stderr_piped(&from_child);
  if (pid == 0) {
    std::signal(SIGABRT, SIG_DFL);  // doctest's handler would report the abort too
    std::set_terminate(__gnu_cxx::__verbose_terminate_handler);
    body();
    ::_exit(0);
  }
  std::string out = read_to_end(from_child);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) return "";
  // Under qemu-user (make check-cross) the emulator reports the abort on the same stderr:
  // "qemu: uncaught target signal 6 (Aborted) - core dumped". That line is not the handler's.
  std::string kept;
  for (std::size_t at = 0; at < out.size();) {
    std::size_t end = out.find('\n', at);
    end = end == std::string::npos ? out.size() : end + 1;
    if (out.compare(at, 5, "qemu:") != 0) kept.append(out, at, end - at);
    at = end;
  }
  return kept;
}

template <typename E>
void terminate_with(const E& e) {
  try {
    throw e;
  } catch (...) {
    std::terminate();
  }
}

}  // namespace

// The library's terminate handler (reactor/log.cc) prints what libstdc++'s verbose handler
// prints, without linking the C++ demangler: the same lines for the same exceptions.
TEST_CASE("log: terminate prints the exception's type and what(), as libstdc++'s handler") {
  struct Case {
    void (*body)();
    const char* expected;
  };
  const Case cases[] = {
      {[] { terminate_with(std::runtime_error("boom")); },
       "terminate called after throwing an instance of 'std::runtime_error'\n  what():  boom\n"},
      {[] { terminate_with(options::Error("bad option")); },
       "terminate called after throwing an instance of 'tornado::options::Error'\n"
       "  what():  bad option\n"},
      {[] { terminate_with(std::bad_alloc()); },
       "terminate called after throwing an instance of 'std::bad_alloc'\n"
       "  what():  std::bad_alloc\n"},
      {[] { std::terminate(); }, "terminate called without an active exception\n"},
  };
  for (const Case& c : cases) CHECK(terminate_message(c.body) == c.expected);
}
