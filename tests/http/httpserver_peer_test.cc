// tests/http/httpserver_peer_test.cc: HTTPServer against real clients: python3's http.client
// and curl (keep-alive, chunked uploads, 100-continue), each skipped when the tool is missing.
// Mirrors:  tornado/test/httpserver_test.py's use of real clients; the raw-socket cases are in
//           httpserver_test.cc.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/http/httpserver_test.h"
#include "tests/support/async_test.h"

using namespace httpserver_test;

namespace {

// Runs a command while the loop serves; returns its exit status and what it printed.
struct Command {
  int status = -1;
  std::string out;
};

Future<Command> run_command(std::vector<std::string> argv) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), ::environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(p[1]);
  REQUIRE(rc == 0);
  auto out = PipeIOStream::create(p[0]);
  Command cmd;
  cmd.out = co_await out->read_until_close();
  while (::waitpid(pid, &cmd.status, WNOHANG) == 0) co_await gen::sleep(0.01);
  co_return cmd;
}

bool have(const char* tool) {
  const std::string probe = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(probe.c_str()) == 0;
}

}  // namespace

TEST_CASE("httpserver: python3's http.client: keep-alive, chunked upload, 100-continue") {
  if (!have("python3")) {
    TORNADO_SKIP("python3 is not installed");
  }
  LoopCase c;
  EchoApp app;
  HTTPServer server(app.callback());
  const SocketAddress addr = listen_local(server);
  const std::string script =
      "import http.client, sys\n"
      "c = http.client.HTTPConnection('127.0.0.1', " +
      std::to_string(addr.port()) +
      ")\n"
      "out = []\n"
      "for i in range(3):\n"
      "    c.request('GET', '/k%d' % i)\n"
      "    r = c.getresponse(); out.append('%d %s' % (r.status, r.read().decode()))\n"
      "sock = c.sock\n"
      "c.request('POST', '/up', body=iter([b'ab', b'cd']), encode_chunked=True,\n"
      "          headers={'Transfer-Encoding': 'chunked'})\n"
      "r = c.getresponse(); out.append('%d %s' % (r.status, r.read().decode()))\n"
      "c.request('PUT', '/e', body=b'xyz', headers={'Expect': '100-continue'})\n"
      "r = c.getresponse(); out.append('%d %s' % (r.status, r.read().decode()))\n"
      "out.append('same socket' if c.sock is sock else 'new socket')\n"
      "print('|'.join(out))\n";
  const Command cmd = run(
      c,
      [&] {
        return run_command({"python3", "-c", script});
      },
      20.0);
  CHECK(WIFEXITED(cmd.status));
  CHECK(WEXITSTATUS(cmd.status) == 0);
  CHECK(cmd.out ==
        "200 GET /k0 |200 GET /k1 |200 GET /k2 |200 POST /up abcd|200 PUT /e xyz|same socket\n");
  run(c, [&] { return server.close_all_connections(); });
}

TEST_CASE("httpserver: curl: several URLs on one connection, chunked upload, 100-continue") {
  if (!have("curl")) {
    TORNADO_SKIP("curl is not installed");
  }
  LoopCase c;
  EchoApp app;
  int connections = 0;
  HTTPServer server(app.callback());
  const SocketAddress addr = listen_local(server);
  const std::string base = "http://127.0.0.1:" + std::to_string(addr.port());
  ExpectLog log("(127.0.0.1)");
  const Command many = run(
      c,
      [&] {
        return run_command({"curl", "-s", "--http1.1", "-w", "[%{num_connects}]\n", base + "/1",
                            base + "/2", base + "/3"});
      },
      20.0);
  CHECK(WEXITSTATUS(many.status) == 0);
  CHECK(many.out == "GET /1 [1]\nGET /2 [0]\nGET /3 [0]\n");  // one connect, then reuse
  const Command chunked = run(
      c,
      [&] {
        return run_command({"curl", "-s", "--http1.1", "-H", "Transfer-Encoding: chunked",
                            "--data-binary", "hello", base + "/chunked"});
      },
      20.0);
  CHECK(chunked.out == "POST /chunked hello");
  const Command expect = run(
      c,
      [&] {
        return run_command({"curl", "-s", "--http1.1", "-H", "Expect: 100-continue",
                            "--data-binary", "body", base + "/expect"});
      },
      20.0);
  CHECK(expect.out == "POST /expect body");
  (void)connections;
  CHECK(log.count() == 5);
  run(c, [&] { return server.close_all_connections(); });
}
