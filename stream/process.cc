// stream/process.cc: cpu_count, task_id and fork_processes (the pre-fork supervisor).
//
// Mirrors:  tornado/process.py (cpu_count, fork_processes, task_id).
// In loop:  none: the parent supervises without an IOLoop (it must not have one, or its
//           children would share its epoll fd), blocked in sigtimedwait on SIGCHLD, SIGTERM
//           and SIGINT. Those three are blocked in the parent before the first fork, so none
//           can arrive between a check and the wait (no lost wake-up), and unblocked again in
//           each child at once.
// Callers:  TCPServer::start(n), users before they make their loop; Calls: fork, waitpid.
// Rules:    as Tornado, a child that dies by a signal or exits non-zero is restarted (up to
//           max_restarts), one that exits 0 is not. Unlike Tornado, SIGTERM or SIGINT sent to
//           the parent is forwarded to the children (Tornado's parent died and left them
//           running), the parent closes its copies of the listening sockets so new
//           connections are refused, and exits once they are all gone.
// Thread:   the main thread, before any other is started.
#include "tornado/stream/process.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <system_error>

#include "tornado/reactor/autoreload.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"

namespace tornado::process {

namespace {

std::optional<int> g_task_id;

}  // namespace

int cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::optional<int> task_id() { return g_task_id; }

namespace detail {

std::optional<int> fork_and_supervise(int num_processes, const ForkOptions& options,
                                      int& parent_status) {
  if (g_task_id) throw std::logic_error("fork_processes: already in a child of fork_processes");
  if (IOLoop::current_or_null() != nullptr)
    throw std::logic_error(
        "fork_processes: this thread already has an IOLoop; fork before making one (the "
        "children would share its poller)");
  if (num_processes <= 0) num_processes = cpu_count();
  log::gen_log.info("Starting %d processes", num_processes);

  sigset_t watched, old_mask;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  sigaddset(&watched, SIGINT);
  ::sigprocmask(SIG_BLOCK, &watched, &old_mask);

  log::flush();                   // a buffered line would be written again by each child
  std::map<pid_t, int> children;  // pid -> task id
  auto start_child = [&](int id) -> bool {
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int err = errno;
      ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      throw std::system_error(err, std::generic_category(), "fork_processes: fork");
    }
    if (pid == 0) {
      ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      g_task_id = id;
      autoreload::detail::set_in_forked_child();
      return true;
    }
    children.emplace(pid, id);
    return false;
  };

  for (int i = 0; i < num_processes; ++i)
    if (start_child(i)) return g_task_id;

  int restarts = 0;
  int stopping_signal = 0;  // the signal forwarded, once told to stop
  bool all_clean = true;    // every child ended with 0 or the forwarded signal
  while (!children.empty()) {
    timespec timeout{1, 0};  // a safety net only: SIGCHLD wakes the wait
    siginfo_t info;
    const int signo = ::sigtimedwait(&watched, &info, &timeout);
    if (signo == SIGTERM || signo == SIGINT) {
      if (stopping_signal == 0) {
        log::gen_log.info("Received signal %d: stopping %zu children", signo, children.size());
        for (const int fd : options.listening_fds) ::close(fd);
      }
      stopping_signal = signo;
      for (const auto& [pid, id] : children) ::kill(pid, signo);
    }
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      const auto it = children.find(pid);
      if (it == children.end()) continue;
      const int id = it->second;
      children.erase(it);
      const bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                         (stopping_signal != 0 && WIFSIGNALED(status) &&
                          (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT));
      if (stopping_signal != 0) {
        if (!clean) {
          all_clean = false;
          log::gen_log.warning("child %d (pid %d) ended with status %d while stopping", id,
                               static_cast<int>(pid), status);
        }
        continue;
      }
      if (WIFSIGNALED(status)) {
        log::gen_log.warning("child %d (pid %d) killed by signal %d, restarting", id,
                             static_cast<int>(pid), WTERMSIG(status));
      } else if (WEXITSTATUS(status) != 0) {
        log::gen_log.warning("child %d (pid %d) exited with status %d, restarting", id,
                             static_cast<int>(pid), WEXITSTATUS(status));
      } else {
        log::gen_log.info("child %d (pid %d) exited normally", id, static_cast<int>(pid));
        continue;
      }
      if (++restarts > options.max_restarts) {
        ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        throw std::runtime_error("Too many child restarts, giving up");
      }
      if (start_child(id)) return g_task_id;
    }
    log::flush();  // no loop flushes the parent's buffered lines
  }
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  parent_status = all_clean ? 0 : 1;
  return std::nullopt;
}

}  // namespace detail

int fork_processes(int num_processes, const ForkOptions& options) {
  int status = 0;
  if (const std::optional<int> id = detail::fork_and_supervise(num_processes, options, status))
    return *id;
  // Tornado's sys.exit(0): the parent's work ends with its children.
  std::exit(status);
}

}  // namespace tornado::process
