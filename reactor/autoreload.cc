// reactor/autoreload.cc: the modification-time checker and the re-exec.
//
// Mirrors:  tornado/autoreload.py (_reload_on_update, _check_file, _reload).
// In loop:  one PeriodicCallback on the loop given to start(); each run stats every watched
//           path and, once a changed one has settled, calls reload().
// Callers:  users, web::Application (debug / autoreload settings), fork_processes (children
//           never reload); Calls: stat, execv/execvp.
// Rules:    the command line is read at start(), not at reload time: by then the executable
//           may be a new file, and /proc/self/exe names the deleted old one. The checker is
//           allocated once and kept (stop() deletes it): a PeriodicCallback left in a static
//           would be destroyed at exit after its loop.
// Thread:   the loop thread.
#include "tornado/reactor/autoreload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"

namespace tornado::autoreload {

namespace {

// What a check saw of one file: a change is taken once two checks in a row see the same new
// stamp.
struct Stamp {
  long long sec = 0;
  long long nsec = 0;
  long long size = -1;
  bool operator==(const Stamp&) const = default;
};

struct FileState {
  Stamp known;                 // what start() (or the last reload attempt) saw
  std::optional<Stamp> fresh;  // a different stamp seen at the last check
};

struct State {
  std::vector<std::string> watched;
  std::vector<std::function<void()>> hooks;
  std::vector<std::string> command;  // set_command_line, or read at start()
  bool command_given = false;
  std::string executable;
  std::map<std::string, FileState> files;
  PeriodicCallback* checker = nullptr;
  IOLoop* loop = nullptr;
  bool forked_child = false;
};

State& state() {
  static State* s = new State;  // never destroyed: see Rules above
  return *s;
}

std::optional<Stamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return Stamp{static_cast<long long>(st.st_mtim.tv_sec),
               static_cast<long long>(st.st_mtim.tv_nsec), static_cast<long long>(st.st_size)};
}

std::string read_file(const char* path) {
  std::string out;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void learn_command_line(State& s) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) s.executable.assign(buf, static_cast<std::size_t>(n));
  if (s.command_given) return;
  const std::string cmdline = read_file("/proc/self/cmdline");
  s.command.clear();
  for (std::size_t pos = 0; pos < cmdline.size();) {
    const std::size_t end = cmdline.find('\0', pos);
    s.command.push_back(cmdline.substr(pos, end == std::string::npos ? end : end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
}

std::vector<std::string> paths_to_check(const State& s) {
  std::vector<std::string> paths = s.watched;
  if (!s.executable.empty()) paths.push_back(s.executable);
  return paths;
}

void remember_all(State& s) {
  s.files.clear();
  for (const std::string& p : paths_to_check(s))
    if (const std::optional<Stamp> st = stamp_of(p)) s.files[p].known = *st;
}

void reload(State& s, const std::string& changed) {
  log::gen_log.info("%s modified; restarting server", changed.c_str());
  for (auto& hook : s.hooks) hook();
  log::flush();
  std::vector<char*> argv;
  for (std::string& a : s.command) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (s.command_given) {
    ::execvp(argv[0], argv.data());
  } else if (!s.executable.empty() && argv.size() > 1) {
    ::execv(s.executable.c_str(), argv.data());
  } else {
    errno = ENOENT;
  }
  log::gen_log.error(
      "autoreload: cannot run %s again: %s",
      s.command_given || s.executable.empty() ? (argv[0] ? argv[0] : "?") : s.executable.c_str(),
      std::strerror(errno));
  // Still running: what is on disk now is the new baseline, so the next change retries.
  remember_all(s);
}

void check(State& s) {
  if (s.forked_child) return;
  for (const std::string& path : paths_to_check(s)) {
    const std::optional<Stamp> now = stamp_of(path);
    if (!now) continue;  // not there right now (being replaced): look again next time
    auto [it, added] = s.files.try_emplace(path);
    FileState& f = it->second;
    if (added) {  // watched after start(), or missing then
      f.known = *now;
      continue;
    }
    if (*now == f.known) {
      f.fresh.reset();
      continue;
    }
    if (f.fresh && *f.fresh == *now) {
      reload(s, path);
      return;
    }
    f.fresh = *now;  // changed: take it once it has stopped changing
  }
}

}  // namespace

void start(double check_time_ms, IOLoop* loop) {
  State& s = state();
  IOLoop& target = loop ? *loop : IOLoop::current();
  if (s.checker && s.loop == &target) return;
  if (s.checker) {
    log::gen_log.warning("tornado.autoreload started more than once in the same process");
    stop();
  }
  learn_command_line(s);
  remember_all(s);
  s.loop = &target;
  s.checker = new PeriodicCallback([&s] { check(s); }, check_time_ms, 0.0, &target);
  s.checker->start();
  // The checker lives on its loop (Tornado keeps one per loop): when that loop closes, the
  // checker goes with it, so that no timeout is left on a closed loop and a later start() on
  // another loop (a new Application with debug on) is a fresh start, not a second one.
  target.add_close_hook([&s, closing = &target] {
    if (s.loop == closing) stop();
  });
}

void stop() {
  State& s = state();
  delete s.checker;
  s.checker = nullptr;
  s.loop = nullptr;
}

bool is_running() { return state().checker != nullptr; }

void watch(std::string path) {
  State& s = state();
  for (const std::string& p : s.watched)
    if (p == path) return;
  if (s.checker)
    if (const std::optional<Stamp> st = stamp_of(path)) s.files[path].known = *st;
  s.watched.push_back(std::move(path));
}

void add_reload_hook(std::function<void()> fn) { state().hooks.push_back(std::move(fn)); }

void set_command_line(std::vector<std::string> argv) {
  State& s = state();
  s.command = std::move(argv);
  s.command_given = !s.command.empty();
}

namespace detail {
void set_in_forked_child() { state().forked_child = true; }
}  // namespace detail

}  // namespace tornado::autoreload
