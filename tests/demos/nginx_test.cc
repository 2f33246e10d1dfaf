// tests/demos/nginx_test.cc: two helloworld instances behind a real nginx, as the manual
// pages show (upstream with keepalive); one of them stopped gracefully under traffic.
// Mirrors:  Tornado's documentation, "Running behind a load balancer".
// Peer:     nginx (Debian's nginx-light), run by this test as a non-daemon single process
//           (master_process off: no user switch, no workers) with a prefix, configuration,
//           error log and pid file of its own in a temporary folder, listening on a port
//           found free by binding port 0. Without nginx the case says so and skips.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/stream/process.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

std::string find_nginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// One request through nginx on a new connection: the response, or "" if none came.
std::string get_through(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string r;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()))
      r = read_until_close(fd, 10);
  }
  ::close(fd);
  return r;
}

// The upstream that answered, from the X-Upstream header the configuration adds.
std::string upstream_of(const std::string& response) {
  const std::size_t at = response.find("\r\nX-Upstream: ");
  if (at == std::string::npos) return {};
  const std::size_t from = at + 14;
  return response.substr(from, response.find("\r\n", from) - from);
}

std::string read_file(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "re")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

bool write_file(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "we");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

TEST_CASE("demos: two helloworld instances behind nginx; one stopped gracefully loses nothing") {
  const std::string nginx = find_nginx();
  if (nginx.empty()) TORNADO_SKIP("nginx is not installed (Debian: nginx-light)");
  LoopCase c;
  DemoProcess a(c.loop(), "helloworld");
  if (!a.running()) TORNADO_SKIP(a.skip_reason());
  DemoProcess b(c.loop(), "helloworld");
  REQUIRE(b.running());

  char dir[] = "/tmp/tornado-nginx-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string prefix = dir;
  const BoundPort free_port = bind_unused_port();
  const int port = free_port.port;
  ::close(free_port.fd);  // nginx binds it next
  const std::string a_addr = "127.0.0.1:" + std::to_string(a.port());
  const std::string b_addr = "127.0.0.1:" + std::to_string(b.port());
  // What tornado.process(3) shows, plus what a test needs: its own paths, one process, and
  // max_fails=0 so the stopped instance is tried (and retried elsewhere) on every request.
  const std::string conf =
      "daemon off;\nmaster_process off;\nerror_log " + prefix + "/error.log warn;\npid " + prefix +
      "/nginx.pid;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n" +
      "  client_body_temp_path " + prefix + "/body;\n  proxy_temp_path " + prefix +
      "/proxy;\n  fastcgi_temp_path " + prefix + "/fastcgi;\n  uwsgi_temp_path " + prefix +
      "/uwsgi;\n  scgi_temp_path " + prefix + "/scgi;\n" + "  upstream tornado {\n    server " +
      a_addr + " max_fails=0;\n    server " + b_addr + " max_fails=0;\n    keepalive 16;\n  }\n" +
      "  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n" +
      "    location / {\n      proxy_pass http://tornado;\n      proxy_http_version 1.1;\n" +
      "      proxy_set_header Connection \"\";\n" +
      "      add_header X-Upstream $upstream_addr always;\n    }\n  }\n}\n";
  REQUIRE(write_file(prefix + "/nginx.conf", conf));

  SubprocessOptions o;
  o.out = process::DEVNULL;
  o.err = process::DEVNULL;
  Subprocess server(
      {nginx, "-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"}, o);
  // Up once it answers (nginx prints nothing to wait on).
  std::string first;
  CHECK(run_until(
      c.loop(),
      [&] {
        first = get_through(port);
        return !first.empty() || server.returncode().has_value();
      },
      10));
  REQUIRE(first.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);

  std::set<std::string> answered;
  for (int i = 0; i < 8; ++i) {
    const std::string r = get_through(port);
    CHECK(r.find("Hello, world") != std::string::npos);
    answered.insert(upstream_of(r));
  }
  CHECK(answered == std::set<std::string>{a_addr, b_addr});  // round robin reaches both

  // nginx holds idle keep-alive connections to both. a is told to stop in the middle of a
  // run of requests; each of them must still succeed: a closes its idle connections and
  // refuses new ones, and nginx retries those requests on b.
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    if (i == 5) ::kill(a.pid(), SIGTERM);
    const double sent = c.loop().time();
    const std::string r = get_through(port);
    if (r.rfind("HTTP/1.1 200 OK\r\n", 0) != 0) {
      ++failed;
      MESSAGE("request " << i << " through nginx got: " << (r.empty() ? "nothing" : r) << " after "
                         << (c.loop().time() - sent) << " s");
    }
  }
  if (failed != 0) MESSAGE("nginx's error log:\n" << read_file(prefix + "/error.log"));
  CHECK(failed == 0);
  const int status = a.wait(10);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(upstream_of(get_through(port)) == b_addr);

  ::kill(server.pid(), SIGQUIT);  // nginx's graceful stop
  CHECK(run_sync(c.loop(), [&] { return server.wait_for_exit(false); }) == 0);
  CHECK(b.stop() == 0);
  for (const char* sub : {"/body", "/proxy", "/fastcgi", "/uwsgi", "/scgi"})
    ::rmdir((prefix + sub).c_str());
  for (const char* file : {"/nginx.conf", "/error.log", "/nginx.pid"})
    ::unlink((prefix + file).c_str());
  ::rmdir(dir);
}
