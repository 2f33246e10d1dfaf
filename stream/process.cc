// stream/process.cc: cpu_count, task_id and fork_processes (the pre-fork supervisor).
//
// Mirrors:  tornado/process.py (cpu_count, fork_processes, task_id).
// In loop:  none: the parent supervises without an IOLoop (it must not have one, or its
//           children would share its epoll fd), blocked in sigtimedwait on SIGCHLD, SIGTERM
//           and SIGINT. Those three are blocked in the parent before the first fork, so none
//           can arrive between a check and the wait (no lost wake-up), and unblocked again in
//           each child at once.
// Callers:  TCPServer::start(n), users before they make their loop; Calls: _Fork, waitpid.
// Rules:    as Tornado, a child that dies by a signal or exits non-zero is restarted (up to
//           max_restarts), one that exits 0 is not. Unlike Tornado, SIGTERM or SIGINT sent to
//           the parent is forwarded to the children (Tornado's parent died and left them
//           running), the parent closes its copies of the listening sockets so new
//           connections are refused, and exits once they are all gone.
// Thread:   the main thread, before any other is started (a second thread is warned of).
#include "tornado/stream/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

namespace {

// How many threads the process runs, from /proc/self/status; 0 when that cannot be read (no
// /proc on a small system), which the caller takes as "cannot tell".
int running_threads() {
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* line = std::strstr(buf, "\nThreads:");
  return line ? std::atoi(line + 9) : 0;
}

// The fork of fork_processes. glibc's fork() also runs the pthread_atfork handlers and takes
// malloc's and stdio's locks around the call, so that the child of a threaded parent finds
// them free; linked statically, it brings NSS's fork hooks and with them glibc's NSS and DNS
// code (about 90 KB of a static helloworld: bench/README.md, "Static builds and size"). Here
// the process runs one thread (the rule; fork_and_supervise warns otherwise), so no other
// thread can hold a lock, and glibc's _Fork (2.34) is the same system call without that work.
// Other C libraries, and older glibc, get fork().
pid_t fork_one_thread() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return ::_Fork();
#else
  return ::fork();
#endif
}

// The parent's side of fork_processes: its children by pid, what it was told, and how many
// restarts it has made. In a child, start_child() and reap() return true and nothing else of
// it is used.
class Supervisor {
 public:
  Supervisor(const ForkOptions& options, const sigset_t& watched, const sigset_t& old_mask)
      : options_(options), watched_(watched), old_mask_(old_mask) {}

  bool empty() const { return children_.empty(); }
  // Every child ended with 0, or with the signal forwarded to it.
  bool all_clean() const { return all_clean_; }

  // Forks child `id`; true in the child, with the signal mask it had before.
  bool start_child(int id) {
    const pid_t pid = fork_one_thread();
    if (pid < 0) {
      const int err = errno;
      ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
      throw std::system_error(err, std::generic_category(), "fork_processes: fork");
    }
    if (pid == 0) {
      ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
      g_task_id = id;
      autoreload::detail::set_in_forked_child();
      return true;
    }
    children_.emplace(pid, id);
    return false;
  }

  // Waits for a watched signal (SIGCHLD wakes it; the 1 s is a safety net only) and passes
  // SIGTERM or SIGINT on to every child, closing the listening sockets the first time.
  void wait_and_forward() {
    timespec timeout{1, 0};
    siginfo_t info;
    const int signo = ::sigtimedwait(&watched_, &info, &timeout);
    if (signo != SIGTERM && signo != SIGINT) return;
    if (stopping_signal_ == 0) {
      log::gen_log.info("Received signal %d: stopping %zu children", signo, children_.size());
      for (const int fd : options_.listening_fds) ::close(fd);
    }
    stopping_signal_ = signo;
    for (const auto& [pid, id] : children_) ::kill(pid, signo);
  }

  // Reaps every child that ended, restarting one that failed (unless stopping); true in a
  // restarted child.
  bool reap() {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return false;
      const auto it = children_.find(pid);
      if (it == children_.end()) continue;
      const int id = it->second;
      children_.erase(it);
      if (!should_restart(id, pid, status)) continue;
      if (++restarts_ > options_.max_restarts) {
        ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
        throw std::runtime_error("Too many child restarts, giving up");
      }
      if (start_child(id)) return true;
    }
  }

 private:
  // Logs how child `id` ended; true when it failed outside a stop (Tornado restarts it).
  bool should_restart(int id, pid_t pid, int status) {
    if (stopping_signal_ != 0) {
      const bool clean =
          (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
          (WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT));
      if (!clean) {
        all_clean_ = false;
        log::gen_log.warning("child %d (pid %d) ended with status %d while stopping", id,
                             static_cast<int>(pid), status);
      }
      return false;
    }
    if (WIFSIGNALED(status)) {
      log::gen_log.warning("child %d (pid %d) killed by signal %d, restarting", id,
                           static_cast<int>(pid), WTERMSIG(status));
      return true;
    }
    if (WEXITSTATUS(status) != 0) {
      log::gen_log.warning("child %d (pid %d) exited with status %d, restarting", id,
                           static_cast<int>(pid), WEXITSTATUS(status));
      return true;
    }
    log::gen_log.info("child %d (pid %d) exited normally", id, static_cast<int>(pid));
    return false;
  }

  const ForkOptions& options_;
  sigset_t watched_;
  sigset_t old_mask_;
  std::map<pid_t, int> children_;  // pid -> task id
  int restarts_ = 0;
  int stopping_signal_ = 0;  // the signal forwarded, once told to stop
  bool all_clean_ = true;
};

}  // namespace

std::optional<int> fork_and_supervise(int num_processes, const ForkOptions& options,
                                      int& parent_status) {
  if (g_task_id) throw std::logic_error("fork_processes: already in a child of fork_processes");
  if (IOLoop::current_or_null() != nullptr)
    throw std::logic_error(
        "fork_processes: this thread already has an IOLoop; fork before making one (the "
        "children would share its poller)");
  // As Python's os.fork since 3.12, a warning and not a refusal: the count includes threads
  // that are not the program's (qemu-user runs one of its own beside every program).
  if (const int threads = running_threads(); threads > 1)
    log::gen_log.warning(
        "fork_processes: %d threads are running; a child may find a lock held by a thread it "
        "does not have (fork before starting any)",
        threads);
  if (num_processes <= 0) num_processes = cpu_count();
  log::gen_log.info("Starting %d processes", num_processes);

  sigset_t watched, old_mask;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  sigaddset(&watched, SIGINT);
  ::sigprocmask(SIG_BLOCK, &watched, &old_mask);

  log::flush();  // a buffered line would be written again by each child
  Supervisor supervisor(options, watched, old_mask);
  for (int i = 0; i < num_processes; ++i)
    if (supervisor.start_child(i)) return g_task_id;
  while (!supervisor.empty()) {
    supervisor.wait_and_forward();
    if (supervisor.reap()) return g_task_id;
    log::flush();  // no loop flushes the parent's buffered lines
  }
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  parent_status = supervisor.all_clean() ? 0 : 1;
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
