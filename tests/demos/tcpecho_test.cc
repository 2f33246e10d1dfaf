// tests/demos/tcpecho_test.cc: drives the built demos/tcpecho binary as a user would.
// Mirrors:  running Tornado's demos/tcpecho/server.py and talking to it with a client.
// The demo is found through $TORNADO_DEMO_DIR, which `make test` sets; without it the case
// is skipped with a message.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "gen/gen.h"
#include "stream/iostream.h"
#include "tests/support/async_test.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

struct Child {
  pid_t pid = -1;
  int stderr_fd = -1;
};

Child spawn(const std::string& path, const std::vector<std::string>& args) {
  int err[2];
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err[1], 2);
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    _exit(127);
  }
  ::close(err[1]);
  return Child{pid, err[0]};
}

// Waits for the child to exit, up to `seconds`; returns its wait status, or -1 (then kills it).
int wait_exit(pid_t pid, double seconds) {
  for (int i = 0; i < static_cast<int>(seconds * 100); ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    ::usleep(10000);  // polling a child's exit: there is no fd to wait on without pidfd
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

}  // namespace

TEST_CASE("demos: tcpecho echoes lines over TCP and shuts down on SIGTERM") {
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  if (dir == nullptr) {
    MESSAGE("skipped: TORNADO_DEMO_DIR is not set (make test sets it)");
    return;
  }
  const std::string path = std::string(dir) + "/tcpecho";
  if (::access(path.c_str(), X_OK) != 0) {
    MESSAGE("skipped: " << path << " is not built");
    return;
  }
  LoopCase c;
  Child child = spawn(path, {"--port=0", "--address=127.0.0.1"});
  auto log = PipeIOStream::create(child.stderr_fd);
  // The demo logs "listening on 127.0.0.1:PORT" once it accepts.
  const std::string line = gen::run_sync(
      c.loop(), [&] { return log->read_until_regex("listening on [0-9.]+:[0-9]+\n"); },
      gen::Duration(10));
  std::smatch m;
  REQUIRE(std::regex_search(line, m, std::regex(R"(listening on ([0-9.]+):([0-9]+))")));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(m[2].str())));
  REQUIRE(::inet_pton(AF_INET, m[1].str().c_str(), &addr.sin_addr) == 1);

  auto client = IOStream::create(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto talk = [&]() -> Future<std::string> {
    co_await client->connect(reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    co_await client->write("hello\nwor");
    std::string first = co_await client->read_until("\n");
    co_await client->write("ld\n");
    std::string second = co_await client->read_until("\n");
    co_return first + second;
  };
  CHECK(gen::run_sync(c.loop(), talk, gen::Duration(10)) == "hello\nworld\n");
  client->close();

  REQUIRE(::kill(child.pid, SIGTERM) == 0);
  const int status = wait_exit(child.pid, 10);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  log->close();
}
