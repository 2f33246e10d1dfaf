// tests/support/demo_process.cc: fork/exec of a demo, its "listening on" line, SIGTERM.
#include "tests/support/demo_process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

namespace tornado::testing {

std::string demo_command(const std::string& name) {
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  const char* emulator = std::getenv("TORNADO_TEST_EMULATOR");
  std::string command = emulator && *emulator ? std::string(emulator) + " " : std::string();
  return command + (dir ? dir : ".") + "/" + name;
}

std::string run_command(const std::string& command, int& status) {
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  status = ::pclose(p);
  return out;
}

DemoProcess::DemoProcess(IOLoop& loop, const std::string& name, std::vector<std::string> args)
    : loop_(loop) {
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  if (dir == nullptr) {
    skip_reason_ = "TORNADO_DEMO_DIR is not set (make test sets it)";
    return;
  }
  const std::string path = std::string(dir) + "/" + name;
  if (::access(path.c_str(), X_OK) != 0) {
    skip_reason_ = path + " is not built";
    return;
  }
  args.insert(args.begin(), "--port=0");
  args.insert(args.begin(), path);
  // A cross-built suite runs under qemu-user, which cannot exec a foreign binary by itself
  // (there may be no binfmt_misc): `make check-cross` names the emulator for the demos.
  if (const char* emulator = std::getenv("TORNADO_TEST_EMULATOR"); emulator && *emulator)
    args.insert(args.begin(), emulator);
  start(std::move(args), "listening on ([0-9.]+):([0-9]+)\n");
}

DemoProcess::DemoProcess(IOLoop& loop, std::vector<std::string> argv, const std::string& port_line)
    : loop_(loop) {
  start(std::move(argv), port_line);
}

void DemoProcess::start(std::vector<std::string> args, const std::string& port_line) {
  int err[2];
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  ::close(err[1]);
  pid_ = pid;
  log_ = PipeIOStream::create(err[0]);
  const std::string line = testing::run_sync(
      loop_, [&] { return log_->read_until_regex(port_line); }, gen::Duration(15));
  std::smatch m;
  REQUIRE(std::regex_search(line, m, std::regex(port_line)));
  host_ = m[1].str();
  port_ = std::stoi(m[2].str());
}

int DemoProcess::wait(double seconds) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return st;
    }
    ::usleep(10000);  // polling a child's exit: there is no fd to wait on without pidfd
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

int DemoProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const pid_t pid = pid_;
  const int status = wait(10);
  pid_ = pid;
  if (status == -1) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
  return status;
}

std::string DemoProcess::read_log_until(const std::string& regex, double seconds) {
  REQUIRE(log_);
  return testing::run_sync(
      loop_, [&] { return log_->read_until_regex(regex); }, gen::Duration(seconds));
}

std::string DemoProcess::rest_of_log() {
  REQUIRE(log_);
  REQUIRE(pid_ <= 0);  // stopped: the pipe ends
  return testing::run_sync(
      loop_, [&] { return log_->read_until_close(); }, gen::Duration(10));
}

DemoProcess::~DemoProcess() {
  if (pid_ > 0) stop();
  if (log_) {
    log_->close();
    loop_.run_once(0);
  }
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

std::string read_until_text(int fd, const std::string& want, double seconds) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (want.empty() || out.find(want) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // A signal (SIGCHLD from a demo that exits) interrupts poll even under SA_RESTART
    // (signal(7)): that is a reason to wait again, not the end of the answer.
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[8192];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string read_until_close(int fd, double seconds) { return read_until_text(fd, "", seconds); }

}  // namespace tornado::testing
