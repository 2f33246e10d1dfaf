// tests/web/web_connection_close_test.cc: clients that leave while a coroutine handler is still
// working on their request.
// Mirrors:  tornado/test/web_test.py (ConnectionCloseTest), at scale and for the three ways a
//           coroutine handler ends: a peer that leaves is normal, so every handler hears
//           on_connection_close, its later output is dropped, and nothing is logged at
//           WARNING or above.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;

namespace {

struct Counts {
  std::size_t started = 0;
  std::size_t closed = 0;    // on_connection_close
  std::size_t finished = 0;  // on_finish
  std::size_t destroyed = 0;
  bool release = false;  // the handlers may stop sleeping
};

// httpbin's /delay: sleeps, then answers. ?how= says how it ends: by auto-finish, by an
// explicit finish(), or by co_awaiting flush() first (which throws: the client is gone).
struct SlowHandler : RequestHandler {
  void initialize(Counts* c) { counts = c; }
  ~SlowHandler() override { ++counts->destroyed; }
  Future<void> get() {
    ++counts->started;
    while (!counts->release) co_await gen::sleep(std::chrono::milliseconds(10));
    const std::string how = get_argument("how", "auto");
    write("late");
    if (how == "flush") co_await flush();
    if (how != "auto") (void)finish();
  }
  void on_connection_close() override { ++counts->closed; }
  void on_finish() override { ++counts->finished; }
  Counts* counts = nullptr;
};

// Every record at WARNING or above, while alive.
class WarningsAndAbove {
 public:
  WarningsAndAbove()
      : previous_(log::set_sink([this](const log::Record& r) {
          if (r.level >= log::Level::kWarning) lines.emplace_back(r.message);
        })) {}
  ~WarningsAndAbove() { log::set_sink(std::move(previous_)); }
  std::vector<std::string> lines;

 private:
  log::Sink previous_;
};

}  // namespace

// A client that closes (or resets) its connection while the handler sleeps used to log four
// ERROR lines: the write's Future never retrieved, "finish called before write_headers" (the
// closed connection forgot the headers were written), and two from send_error.
TEST_CASE("web: 100 clients leave while a coroutine handler sleeps: quiet, all closed, no leak") {
  Counts counts;
  Application app({url<SlowHandler>("/slow", &counts)});
  tornado::testing::AsyncHTTPTestCase t(app);
  WarningsAndAbove warnings;
  constexpr std::size_t kClients = 100;
  const char* const hows[] = {"auto", "finish", "flush"};
  std::vector<int> fds;
  for (std::size_t i = 0; i < kClients; ++i) {
    const int fd =
        tornado::testing::connect_blocking(tornado::testing::loopback(AF_INET, t.get_http_port()));
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    const std::string req =
        std::string("GET /slow?how=") + hows[i % 3] + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    // One at a time, so the accept queue never fills while the loop is not running.
    REQUIRE(tornado::testing::run_until(t.io_loop(), [&] { return counts.started == i + 1; }));
  }
  // Half leave with a FIN, half with a reset (SO_LINGER 0).
  for (std::size_t i = 0; i < kClients; ++i) {
    if (i % 2) {
      const linger reset{1, 0};
      REQUIRE(::setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0);
    }
    ::close(fds[i]);
  }
  CHECK(tornado::testing::run_until(t.io_loop(), [&] { return counts.closed == kClients; }));
  counts.release = true;
  CHECK(tornado::testing::run_until(t.io_loop(), [&] { return counts.destroyed == kClients; }));
  CHECK(counts.started == kClients);
  CHECK(counts.closed == kClients);
  CHECK(counts.finished == kClients);
  std::string logged;
  for (const std::string& line : warnings.lines) logged += line + "\n";
  CHECK_MESSAGE(warnings.lines.empty(), logged);
  CHECK(
      tornado::testing::run_until(t.io_loop(), [&] { return t.server().connection_count() == 0; }));
}

namespace {

// More than the loopback socket buffers of both ends hold, so the response is still queued
// in the server's stream when the client goes.
struct BigHandler : RequestHandler {
  void initialize(Counts* c) { counts = c; }
  void get() { write(std::string(32 * 1024 * 1024, 'x')); }
  void on_finish() override { ++counts->finished; }
  Counts* counts = nullptr;
};

}  // namespace

// The same when the client resets while its response is still being written: the queued
// write fails with StreamClosedError, which nobody looks at, and that is not an error.
TEST_CASE("web: a client that resets while its response is queued: quiet") {
  Counts counts;
  Application app({url<BigHandler>("/big", &counts)});
  tornado::testing::AsyncHTTPTestCase t(app);
  WarningsAndAbove warnings;
  const int fd =
      tornado::testing::connect_blocking(tornado::testing::loopback(AF_INET, t.get_http_port()));
  REQUIRE(fd >= 0);
  const std::string req = "GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  REQUIRE(tornado::testing::run_until(t.io_loop(), [&] { return counts.finished == 1; }));
  const linger reset{1, 0};
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0);
  ::close(fd);
  CHECK(
      tornado::testing::run_until(t.io_loop(), [&] { return t.server().connection_count() == 0; }));
  std::string logged;
  for (const std::string& line : warnings.lines) logged += line + "\n";
  CHECK_MESSAGE(warnings.lines.empty(), logged);
}
