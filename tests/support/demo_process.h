// tests/support/demo_process.h: running a built demo as a user would, for the demo tests.
//
// Role:     starts build/demos/NAME with --port=0, reads its stderr until the "listening on
//           ADDR:PORT" line, and stops it with SIGTERM at the end, checking it exits 0. The
//           demos are found through $TORNADO_DEMO_DIR, which `make test` sets; without it (or
//           without the binary) start() says why and the case skips.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tornado/reactor/ioloop.h"
#include "tornado/stream/iostream.h"

namespace tornado::testing {

// The shell command that runs the built demo NAME: its path under $TORNADO_DEMO_DIR, behind
// the emulator a cross-built suite runs under ($TORNADO_TEST_EMULATOR), if any.
std::string demo_command(const std::string& name);

// Runs a shell command to its end; returns what it wrote to stdout, and its wait status.
std::string run_command(const std::string& command, int& status);

class DemoProcess {
 public:
  // An empty `skip_reason` after start() means it runs.
  DemoProcess(IOLoop& loop, const std::string& name, std::vector<std::string> args = {});
  // Any program: argv[0] is its path; `port_line` is a regex whose two groups are the host
  // and the port in the line it prints once it listens (on stdout or stderr).
  DemoProcess(IOLoop& loop, std::vector<std::string> argv, const std::string& port_line);
  ~DemoProcess();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // Sends SIGTERM and waits (up to 10 s); returns the wait status, or -1 if it had to be killed.
  int stop();
  // Waits up to `seconds` for it to exit by itself (no signal sent); returns the wait status,
  // or -1 if it is still running.
  int wait(double seconds);
  // What it logs (stdout and stderr) from here up to the first match of `regex`, waiting on
  // the loop up to `seconds` (REQUIREs the match).
  std::string read_log_until(const std::string& regex, double seconds = 10);
  // After stop(): the rest of what it logged.
  std::string rest_of_log();

 private:
  void start(std::vector<std::string> argv, const std::string& port_line);
  IOLoop& loop_;
  pid_t pid_ = -1;
  std::shared_ptr<PipeIOStream> log_;
  std::string skip_reason_;
  std::string host_;
  int port_ = 0;
};

// A blocking, close-on-exec socket connected to 127.0.0.1:port (REQUIREs success).
int connect_loopback(int port);
// Reads until the peer closes or `seconds` pass in all; returns what came.
std::string read_until_close(int fd, double seconds);
// The same, stopping as soon as `want` has come. A signal (SIGCHLD) does not end either.
std::string read_until_text(int fd, const std::string& want, double seconds);

}  // namespace tornado::testing
