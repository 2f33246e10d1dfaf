// tests/demos/web_demos_test.cc: helloworld and nonblocking driven as a user would: the built
// binaries, started with --port=0, spoken to over plain sockets.
// Mirrors:  Tornado's demos/helloworld and the nonblocking lesson (/sleep, /blocking,
//           /justnow) of its documentation.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

void send_get(int fd, const std::string& path) {
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
}

// The whole answer to GET path on a connection of its own (Connection: close).
std::string get_answer(int port, const std::string& path) {
  const int fd = connect_loopback(port);
  send_get(fd, path);
  std::string r = read_until_close(fd, 10);
  ::close(fd);
  return r;
}

}  // namespace

TEST_CASE("demos: helloworld answers Hello, world") {
  LoopCase c;
  DemoProcess demo(c.loop(), "helloworld");
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  const std::string r = get_answer(demo.port(), "/");
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\nContent-Length: 12\r\n") != std::string::npos);
  CHECK(r.substr(r.size() - 12) == "Hello, world");
  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// Not a stopwatch: the order of the answers shows the loop was free. A loop that ran the
// /blocking calls itself would have answered every one queued before /justnow.
TEST_CASE("demos: nonblocking: /justnow answers while 20 /sleep and 20 /blocking wait") {
  LoopCase c;
  DemoProcess demo(c.loop(), "nonblocking", {"--delay=0.3s"});
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  std::vector<int> sleepers, blockers;
  for (int i = 0; i < 20; ++i) {
    sleepers.push_back(connect_loopback(demo.port()));
    send_get(sleepers.back(), "/sleep");
    blockers.push_back(connect_loopback(demo.port()));
    send_get(blockers.back(), "/blocking");
  }
  // All 40 are in flight: the 20 /blocking take 3 s on the executor's two threads.
  const auto t0 = std::chrono::steady_clock::now();
  const std::string r = get_answer(demo.port(), "/justnow");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.find("i am just now") != std::string::npos);
  int blockers_answered = 0;
  for (int b : blockers) {
    pollfd pfd{b, POLLIN, 0};
    if (::poll(&pfd, 1, 0) > 0) ++blockers_answered;
  }
  CHECK(blockers_answered < 10);
  MESSAGE("/justnow took " << ms << " ms; " << blockers_answered
                           << " of 20 /blocking had answered");
  for (int s : sleepers) {
    CHECK(read_until_close(s, 10).find("slept") != std::string::npos);
    ::close(s);
  }
  for (int b : blockers) {
    CHECK(read_until_close(b, 10).find("blocked for a while") != std::string::npos);
    ::close(b);
  }
  const int status = demo.stop();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("demos: httpclient fetches from the httpbin demo") {
  LoopCase c;
  DemoProcess httpbin(c.loop(), "httpbin", {"--static_path=demos/static"});
  if (!httpbin.running()) {
    TORNADO_SKIP(httpbin.skip_reason());
  }
  const std::string tool = demo_command("httpclient");
  const std::string base = "http://127.0.0.1:" + std::to_string(httpbin.port());
  const auto run = run_command;
  int status = -1;
  std::string out = run(tool + " '" + base + "/get?a=1'", status);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find("\"args\":{\"a\":\"1\"}") != std::string::npos);  // Flask's compact JSON
  out = run(tool + " --print_headers --print_body=false " + base + "/status/418", status);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.rfind("418 I'm a Teapot\n", 0) == 0);
  CHECK(out.find("X-More-Info: http://tools.ietf.org/html/rfc2324") != std::string::npos);
  out = run(tool + " " + base + "/redirect/2", status);
  CHECK(out.find("\"url\":\"" + base + "/get\"") != std::string::npos);
  out = run(tool + " --method=POST --body=a=1 " + base + "/post", status);
  CHECK(out.find("\"data\":\"a=1\"") != std::string::npos);
  out = run(tool + " https://127.0.0.1:1/ 2>&1", status);
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(out.find("TLS, which is not built in") != std::string::npos);
  CHECK(WEXITSTATUS(httpbin.stop()) == 0);
}

// The index page comes from demos/templates/nonblocking.html through RequestHandler::render:
// the loop over the pages, the values, the "single" whitespace of an .html file.
TEST_CASE("demos: nonblocking: / is rendered from its template") {
  LoopCase c;
  DemoProcess demo(c.loop(), "nonblocking", {"--delay=0.5s"});
  if (!demo.running()) {
    TORNADO_SKIP(demo.skip_reason());
  }
  const std::string r = get_answer(demo.port(), "/");
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("<title>Non-blocking lessons</title>") != std::string::npos);
  CHECK(r.find("takes 0.5 s") != std::string::npos);
  CHECK(r.find("\n<li><a href=\"/justnow\">/justnow</a>: at once</li>\n") != std::string::npos);
  demo.stop();
}
