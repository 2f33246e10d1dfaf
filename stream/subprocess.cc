// stream/subprocess.cc: Subprocess: fork/exec with pipes, reaped on SIGCHLD.
//
// Mirrors:  tornado/process.py (Subprocess, Subprocess.initialize, _try_cleanup_process,
//           _set_returncode, CalledProcessError).
// In loop:  the SIGCHLD handler (IOLoop::add_signal_handler, so it runs as a loop callback)
//           calls waitpid(pid, WNOHANG) for each child still registered, never waitpid(-1):
//           children this module did not start belong to someone else. A reaped child's exit
//           callback and wait_for_exit Futures run on the loop that made it.
// Callers:  users; Calls: fork, execvp(e), PipeIOStream::create.
// Rules:    every pipe is made with O_CLOEXEC; the child dup2()s onto 0, 1, 2 (which clears the
//           flag there only), so it inherits nothing else. Between fork and exec the child
//           calls only async-signal-safe functions; everything it needs is prepared before
//           fork. An exec failure comes back through a close-on-exec pipe as the errno.
// Thread:   the loop thread (the registry has a mutex: loops on several threads may start
//           children).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <system_error>

#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/stream/process.h"

namespace tornado {

struct Subprocess::State {
  pid_t pid = -1;
  IOLoop* loop = nullptr;
  std::optional<int> returncode;
  std::function<void(int)> exit_callback;
  std::vector<std::pair<Future<int>, bool>> waiters;  // (future, raise_error)
};

namespace {

std::mutex g_mutex;
std::map<pid_t, std::shared_ptr<Subprocess::State>> g_waiting;  // not yet reaped

int returncode_of(int status) {
  return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

// On the child's loop: the callback, then the waiters.
void deliver(const std::shared_ptr<Subprocess::State>& st) {
  const int code = *st->returncode;
  if (st->exit_callback) {
    auto cb = std::move(st->exit_callback);
    st->exit_callback = nullptr;
    cb(code);
  }
  auto waiters = std::move(st->waiters);
  st->waiters.clear();
  for (auto& [future, raise] : waiters) {
    if (raise && code != 0) {
      future.set_exception(CalledProcessError(code));
    } else {
      future.set_result(code);
    }
  }
}

void reap_children() {
  std::vector<std::shared_ptr<Subprocess::State>> done;
  {
    std::lock_guard lock(g_mutex);
    for (auto it = g_waiting.begin(); it != g_waiting.end();) {
      int status = 0;
      pid_t r;
      do {
        r = ::waitpid(it->first, &status, WNOHANG);
      } while (r < 0 && errno == EINTR);
      if (r == 0 || (r < 0 && errno != ECHILD)) {
        ++it;
        continue;
      }
      // ECHILD: someone else reaped it; its status is lost, as for Python's subprocess.
      it->second->returncode = r > 0 ? returncode_of(status) : 255;
      done.push_back(std::move(it->second));
      it = g_waiting.erase(it);
    }
  }
  IOLoop* here = IOLoop::current_or_null();
  for (auto& st : done) {
    if (st->loop == here) {
      deliver(st);
    } else {
      st->loop->add_callback([st] { deliver(st); });
    }
  }
}

struct Pipe {
  int r = -1;
  int w = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "Subprocess: pipe2");
  return Pipe{fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// In the child: makes `fd` the child's `target` (0, 1, 2), without close-on-exec.
bool install(int fd, int target) {
  if (fd < 0) return true;
  if (fd == target) return ::fcntl(fd, F_SETFD, 0) == 0;
  return ::dup2(fd, target) == target;
}

[[noreturn]] void child_failed(int err_fd) {
  const int e = errno;
  (void)!::write(err_fd, &e, sizeof e);
  ::_exit(127);
}

// The child's three fds (-1: inherit), which of them are ours to close, the parent's ends to
// wrap in streams, and the pipe an exec failure comes back through.
struct ChildFds {
  int child[3] = {-1, -1, -1};
  bool owned[3] = {false, false, false};
  int parent[3] = {-1, -1, -1};
  Pipe err_pipe;

  void close_child_ends() {
    for (int i = 0; i < 3; ++i) {
      if (owned[i]) close_fd(child[i]);
      owned[i] = false;
    }
  }
  void close_all() {
    close_child_ends();
    for (int& fd : parent) close_fd(fd);
    close_fd(err_pipe.r);
    close_fd(err_pipe.w);
  }
};

// The fds for stdin, stdout and stderr as `options` asks (a pipe, /dev/null, a given fd, or
// the parent's), and the exec-failure pipe; on an error, none is left open.
ChildFds open_child_fds(const Subprocess::Options& options) {
  ChildFds fds;
  const process::Stdio* which[3] = {&options.in, &options.out, &options.err};
  try {
    for (int i = 0; i < 3; ++i) {
      switch (which[i]->kind) {
        case process::Stdio::Kind::kInherit:
          break;
        case process::Stdio::Kind::kStream: {
          const Pipe p = make_pipe();
          fds.child[i] = i == 0 ? p.r : p.w;
          fds.parent[i] = i == 0 ? p.w : p.r;
          fds.owned[i] = true;
          break;
        }
        case process::Stdio::Kind::kDevNull:
          fds.child[i] = ::open("/dev/null", O_RDWR | O_CLOEXEC);
          if (fds.child[i] < 0)
            throw std::system_error(errno, std::generic_category(), "Subprocess: /dev/null");
          fds.owned[i] = true;
          break;
        case process::Stdio::Kind::kFd:
          fds.child[i] = which[i]->fd;
          break;
      }
    }
    fds.err_pipe = make_pipe();
  } catch (...) {
    fds.close_all();
    throw;
  }
  return fds;
}

// In the child, between fork and exec: only async-signal-safe calls. Signals the parent
// catches go back to their defaults (exec would do it, but not before), and so does SIGPIPE,
// which PipeIOStream ignores; every signal is unblocked; fds go onto 0, 1, 2; then exec.
[[noreturn]] void exec_child(ChildFds& fds, char* const* args, char* const* envp, const char* cwd) {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (::sigaction(sig, nullptr, &sa) != 0) continue;
    if (sa.sa_handler != SIG_DFL && (sa.sa_handler != SIG_IGN || sig == SIGPIPE)) {
      sa = {};
      sa.sa_handler = SIG_DFL;
      ::sigaction(sig, &sa, nullptr);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // dup2 onto 0..2 in an order that cannot clobber a source: first move any source that
  // sits on a low fd out of the way.
  for (int i = 0; i < 3; ++i) {
    if (fds.child[i] >= 0 && fds.child[i] < 3 && fds.child[i] != i) {
      const int moved = ::fcntl(fds.child[i], F_DUPFD_CLOEXEC, 3);
      if (moved < 0) child_failed(fds.err_pipe.w);
      fds.child[i] = moved;
    }
  }
  for (int i = 0; i < 3; ++i)
    if (!install(fds.child[i], i)) child_failed(fds.err_pipe.w);
  if (cwd && ::chdir(cwd) != 0) child_failed(fds.err_pipe.w);
  if (envp) {
    ::execvpe(args[0], args, envp);
  } else {
    ::execvp(args[0], args);
  }
  child_failed(fds.err_pipe.w);
}

// The errno the child sent if it could not exec, or 0 at end of file (it did); closes the
// pipe's read end.
int read_exec_errno(int& fd) {
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(fd, &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close_fd(fd);
  return n == static_cast<ssize_t>(sizeof child_errno) ? child_errno : 0;
}

}  // namespace

CalledProcessError::CalledProcessError(int returncode)
    : std::runtime_error("Process returned non-zero exit status " + std::to_string(returncode)),
      returncode_(returncode) {}

void Subprocess::initialize(IOLoop* loop) {
  IOLoop& target = loop ? *loop : IOLoop::current();
  const int rc = target.add_signal_handler(SIGCHLD, [] { reap_children(); });
  if (rc == -EBUSY) return;  // another loop handles SIGCHLD for the process
  if (rc != 0) throw std::system_error(-rc, std::generic_category(), "Subprocess: SIGCHLD");
}

void Subprocess::uninitialize(IOLoop* loop) {
  (void)(loop ? *loop : IOLoop::current()).remove_signal_handler(SIGCHLD);
}

Subprocess::Subprocess(std::vector<std::string> argv, Options options)
    : state_(std::make_shared<State>()) {
  if (argv.empty()) throw std::invalid_argument("Subprocess: empty argv");
  IOLoop& loop = IOLoop::current();
  // Before the fork, so that a child that ends at once still raises a SIGCHLD we handle.
  initialize(&loop);
  state_->loop = &loop;

  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  if (options.env) {
    for (std::string& e : *options.env) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
  ChildFds fds = open_child_fds(options);

  // No handler of this process may run in the child between fork and exec (it would write
  // to the loop's signal pipe, shared with the parent): all signals are blocked across fork.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(fds, args.data(), options.env ? envp.data() : nullptr, cwd);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) {
    fds.close_all();
    throw std::system_error(fork_errno, std::generic_category(), "Subprocess: fork");
  }
  fds.close_child_ends();
  close_fd(fds.err_pipe.w);
  if (const int child_errno = read_exec_errno(fds.err_pipe.r)) {
    pid_t r;
    do {
      r = ::waitpid(pid, nullptr, 0);  // it has exited (127) or is about to
    } while (r < 0 && errno == EINTR);
    for (int i = 0; i < 3; ++i) close_fd(fds.parent[i]);
    throw std::system_error(child_errno, std::generic_category(),
                            "Subprocess: cannot run " + argv[0]);
  }

  pid_ = pid;
  state_->pid = pid;
  {
    std::lock_guard lock(g_mutex);
    g_waiting.emplace(pid, state_);
  }
  if (fds.parent[0] >= 0)
    stdin_ = PipeIOStream::create(std::exchange(fds.parent[0], -1), options.stream_options);
  if (fds.parent[1] >= 0)
    stdout_ = PipeIOStream::create(std::exchange(fds.parent[1], -1), options.stream_options);
  if (fds.parent[2] >= 0)
    stderr_ = PipeIOStream::create(std::exchange(fds.parent[2], -1), options.stream_options);
}

// The child keeps its registry entry: it is reaped when it exits, with nobody to tell.
Subprocess::~Subprocess() {
  if (state_) {
    state_->exit_callback = nullptr;
  }
}

void Subprocess::set_exit_callback(std::function<void(int)> cb) {
  state_->exit_callback = std::move(cb);
  if (state_->returncode) {
    std::weak_ptr<State> weak = state_;
    state_->loop->add_callback([weak] {
      if (auto st = weak.lock(); st && st->exit_callback) deliver(st);
    });
  }
}

Future<int> Subprocess::wait_for_exit(bool raise_error) {
  Future<int> f;
  if (state_->returncode) {
    const int code = *state_->returncode;
    if (raise_error && code != 0) {
      f.set_exception(CalledProcessError(code));
    } else {
      f.set_result(code);
    }
    return f;
  }
  state_->waiters.emplace_back(f, raise_error);
  return f;
}

std::optional<int> Subprocess::returncode() const { return state_->returncode; }

}  // namespace tornado
