// stream/process.h: several processes on one set of listening sockets, and child programs
// whose pipes are streams.
//
// Mirrors:  tornado/process.py (cpu_count, fork_processes, task_id, Subprocess,
//           CalledProcessError).
//
//   auto fds = tornado::netutil::bind_sockets(8888);        // bind in the parent...
//   tornado::process::fork_processes(0);                    // ...one child per CPU...
//   tornado::HTTPServer server(app);
//   server.add_sockets(fds);                                // ...each child accepts on them
//   tornado::IOLoop::current().start();
//
//   tornado::Subprocess child({"sort"}, {.in = tornado::Subprocess::STREAM,
//                                        .out = tornado::Subprocess::STREAM});
//   co_await child.stdin_stream()->write("b\na\n");
//   child.stdin_stream()->close();
//   std::string sorted = co_await child.stdout_stream()->read_until_close();
//   int status = co_await child.wait_for_exit();            // 0, or CalledProcessError
//
// Role:     fork_processes is called before any IOLoop exists (the children must not share a
//           loop's epoll fd): the parent becomes a supervisor that never returns, the children
//           return their task id and build their loop. Subprocess runs on IOLoop::current():
//           the loop's SIGCHLD handler reaps it and calls its exit callback there.
// Ownership: a Subprocess owns the parent's ends of its pipes (as PipeIOStreams). The child
//           itself outlives the object if it must: it is still reaped when it exits, so no
//           zombie is left, but nobody is told.
// Errors:   fork, pipe and exec failures throw std::system_error (a program that cannot be
//           run fails in the constructor with the errno of execvp, ENOENT for one not found).
//           wait_for_exit(true) fails with CalledProcessError on a non-zero status.
// Thread:   fork_processes before any thread is started; a Subprocess on its loop's thread.
// See:      man tornado.process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/stream/iostream.h"

namespace tornado {

namespace process {

// The number of CPUs this process may run on (its affinity mask, so a container limited to
// two cores counts two), at least 1.
int cpu_count();

// Which child of fork_processes this is (0 .. n-1), or nullopt outside one.
std::optional<int> task_id();

struct ForkOptions {
  // A child that dies by a signal or exits non-zero is started again, up to this many times
  // in all; one more failure and the parent throws std::runtime_error.
  int max_restarts = 100;
  // The listening sockets the children share. The parent closes them when it is told to stop,
  // so that new connections are refused at once rather than queued for nobody.
  std::vector<int> listening_fds;
};

// Starts num_processes children (0 or less: cpu_count()). In each child it returns that
// child's task id. The parent never returns: it restarts children that fail, and exits once
// every child has ended, with status 0. SIGTERM or SIGINT sent to the parent is forwarded to
// every child; the parent then restarts none, waits for all, and exits 0 if each exited 0 or
// by the forwarded signal, 1 otherwise. Throws std::logic_error when called twice or after
// this thread made an IOLoop, std::system_error when fork fails. Logs a warning when another
// thread runs: the children are forked with glibc's _Fork, without its fork handlers.
int fork_processes(int num_processes, const ForkOptions& options);
inline int fork_processes(int num_processes, int max_restarts = 100) {
  return fork_processes(num_processes, ForkOptions{max_restarts, {}});
}

namespace detail {
// fork_processes without its end: in a child, the task id; in the parent, nullopt once every
// child is done, with the status the parent would exit with (for tests, which must not exit).
std::optional<int> fork_and_supervise(int num_processes, const ForkOptions& options,
                                      int& parent_status);
}  // namespace detail

// Where a child's standard stream goes (Tornado's stdin=, stdout=, stderr= arguments).
struct Stdio {
  enum class Kind : std::uint8_t { kInherit, kStream, kDevNull, kFd };
  Kind kind = Kind::kInherit;
  int fd = -1;  // for kFd: duplicated onto the child's stream; the caller keeps it
};
inline constexpr Stdio INHERIT{Stdio::Kind::kInherit, -1};
inline constexpr Stdio STREAM{Stdio::Kind::kStream, -1};
inline constexpr Stdio DEVNULL{Stdio::Kind::kDevNull, -1};
constexpr Stdio use_fd(int fd) { return Stdio{Stdio::Kind::kFd, fd}; }

}  // namespace process

// A child program exited with a non-zero status (Python's subprocess.CalledProcessError).
class CalledProcessError : public std::runtime_error {
 public:
  explicit CalledProcessError(int returncode);
  // The exit status, or minus the number of the signal that killed it.
  int returncode() const { return returncode_; }

 private:
  int returncode_;
};

// What Subprocess starts its child with.
struct SubprocessOptions {
  process::Stdio in = process::INHERIT;
  process::Stdio out = process::INHERIT;
  process::Stdio err = process::INHERIT;
  std::string cwd;  // empty: this process's
  // The child's whole environment, "NAME=value" each; none: this process's.
  std::optional<std::vector<std::string>> env;
  IOStreamOptions stream_options;
};

class Subprocess {
 public:
  static constexpr process::Stdio STREAM = process::STREAM;

  using Options = SubprocessOptions;

  // Starts argv[0] (looked up in PATH when it has no slash) with `argv`. The child gets only
  // its three standard streams: every other fd of this process is close-on-exec.
  explicit Subprocess(std::vector<std::string> argv, Options options = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's ends of the pipes asked for with STREAM (else nullptr); Tornado's
  // Subprocess.stdin, .stdout, .stderr.
  const std::shared_ptr<PipeIOStream>& stdin_stream() const { return stdin_; }
  const std::shared_ptr<PipeIOStream>& stdout_stream() const { return stdout_; }
  const std::shared_ptr<PipeIOStream>& stderr_stream() const { return stderr_; }

  // Runs cb(returncode) on this loop once the child has exited (at once, on the next
  // iteration, if it already has). Replaces an earlier callback.
  void set_exit_callback(std::function<void(int)> cb);
  // Resolves with the return code once the child has exited; with raise_error, a non-zero one
  // fails it with CalledProcessError instead.
  Future<int> wait_for_exit(bool raise_error = true);
  // The exit status, or minus the signal's number; nullopt while it runs.
  std::optional<int> returncode() const;

  // Installs the SIGCHLD handler on `loop` (IOLoop::current() when null). Each Subprocess
  // does it on its own loop; when another loop already handles SIGCHLD, that one reaps for
  // the whole process, so it must keep running while children of other loops live.
  // uninitialize() removes the handler (closing the loop does too).
  static void initialize(IOLoop* loop = nullptr);
  static void uninitialize(IOLoop* loop = nullptr);

  struct State;

 private:
  pid_t pid_ = -1;
  std::shared_ptr<State> state_;
  std::shared_ptr<PipeIOStream> stdin_;
  std::shared_ptr<PipeIOStream> stdout_;
  std::shared_ptr<PipeIOStream> stderr_;
};

}  // namespace tornado
