// reactor/autoreload.h: restart the program when its executable or a watched file changes.
//
// Mirrors:  tornado/autoreload.py (start, watch, add_reload_hook).
//
//   tornado::autoreload::watch("templates/index.html");   // the executable is always watched
//   tornado::autoreload::start();                          // checks every 500 ms
//   tornado::IOLoop::current().start();                    // `make` relinks: the program restarts
//
// Role:     a PeriodicCallback on the loop compares each watched file's modification time
//           (and size) with what it was at start(). When one changed, and has then stayed the
//           same for one more check (a linker writes the executable in pieces; Tornado's
//           source files do not have that problem), the reload hooks run, the log is
//           flushed, and the process replaces itself (execv) with its executable and its
//           original arguments. Every fd this library opens is close-on-exec, so the
//           listening sockets close on the exec and the new program can bind them again.
//           web::Application turns this on with its debug (or autoreload) setting, as Tornado.
// Ownership: the module keeps its own state (one checker, on the loop it was started on); the
//           loop must outlive it or autoreload::stop() must be called before the loop goes.
// Errors:   a file that cannot be stat()ed (not there yet, being replaced) is skipped until it
//           can. An exec that fails is logged (ERROR) and the program goes on; the next change
//           tries again. Within a child of fork_processes nothing is reloaded (as Tornado:
//           each child would restart alone and fork again).
// Thread:   the loop thread.
// See:      man tornado.autoreload.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tornado {

class IOLoop;

namespace autoreload {

// Starts checking every check_time_ms on `loop` (IOLoop::current() when null). A second call
// for the same loop does nothing; for another loop, it moves the checker there (warning).
void start(double check_time_ms = 500, IOLoop* loop = nullptr);
// Stops checking (the watch list and hooks stay).
void stop();
bool is_running();

// Adds a file to check, besides the executable.
void watch(std::string path);
// Runs fn just before the exec (Tornado: prefer close-on-exec fds to hooks that close them).
void add_reload_hook(std::function<void()> fn);

// The program and arguments to exec: by default the running executable (/proc/self/exe) and
// the arguments it was started with (/proc/self/cmdline). Systems without /proc, or programs
// that want another command, give it here; argv[0] is then looked up in PATH if it has no
// slash.
void set_command_line(std::vector<std::string> argv);

namespace detail {
// fork_processes calls this in each child: from then on no reload is attempted.
void set_in_forked_child();
}  // namespace detail

}  // namespace autoreload
}  // namespace tornado
