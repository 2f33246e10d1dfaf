// tests/http/httpclient_peer_test.cc: AsyncHTTPClient against servers that are not this
// library: Python's http.server (tests/support/http_peer.py, always: python3 is a build
// dependency of the tests) and Debian's nginx when it is installed.
// Role:     the peers count connections and requests on their side, so keep-alive reuse, the
//           max_clients queue and the retry of a request on a connection the server dropped
//           are proven from the server's books, not from the client's.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/gen/gen.h"
#include "tornado/http/httpclient.h"
#include "tornado/stream/netutil.h"

using namespace tornado;
using tornado::testing::DemoProcess;

namespace {

const std::filesystem::path kSupport =
    std::filesystem::path(__FILE__).parent_path().parent_path() / "support";

struct PeerCase {
  tornado::testing::LoopCase c;
  std::unique_ptr<DemoProcess> peer;
  std::string base;
  // Empty when the peer runs.
  std::string skip;

  PeerCase() {
    const std::filesystem::path script = kSupport / "http_peer.py";
    if (!std::filesystem::exists("/usr/bin/python3") || !std::filesystem::exists(script)) {
      skip = "python3 or " + script.string() + " is missing";
      return;
    }
    peer = std::make_unique<DemoProcess>(
        c.loop(), std::vector<std::string>{"/usr/bin/python3", script.string()},
        "listening on ([0-9.]+):([0-9]+)\n");
    base = "http://127.0.0.1:" + std::to_string(peer->port());
  }
  HTTPResponse fetch(AsyncHTTPClient& client, HTTPRequest r, bool raise_error = true) {
    if (r.url.front() == '/') r.url = base + r.url;
    return testing::run_sync(
        c.loop(), [&] { return client.fetch(r, raise_error); }, gen::Duration(20));
  }
  // "connections requests dropped" as the peer counted them.
  std::vector<int> stats(AsyncHTTPClient& client) {
    std::istringstream in(fetch(client, "/stats").body);
    std::vector<int> v(3);
    in >> v[0] >> v[1] >> v[2];
    return v;
  }
};

}  // namespace

TEST_CASE("httpclient peer (python http.server): reuse counted by the server") {
  PeerCase p;
  if (!p.skip.empty()) {
    TORNADO_SKIP(p.skip);
  }
  AsyncHTTPClient client;
  for (int i = 0; i < 10; ++i) CHECK(p.fetch(client, "/hello").body == "hello");
  HTTPResponse r = p.fetch(client, "/chunked");
  CHECK(r.body == "chunk1chunk2");
  r = p.fetch(client, "/redirect/3");
  CHECK(r.body == "hello");
  CHECK(r.effective_url == p.base + "/hello");
  HTTPRequest post("/echo");
  post.method = "POST";
  post.body = std::string(100000, 'p');
  CHECK(p.fetch(client, post).body == post.body);
  HTTPRequest head("/hello");
  head.method = "HEAD";
  r = p.fetch(client, head);
  CHECK(r.headers.get("Content-Length") == "5");
  CHECK(r.body.empty());
  CHECK(p.fetch(client, "/missing", false).code == 404);
  // 10 + 1 + 5 (the chain) + 1 + 1 + 1 requests, and this /stats: one connection.
  CHECK(p.stats(client) == std::vector<int>{1, 20, 0});
  // Connection: close from the server: the next fetch needs a new connection.
  CHECK(p.fetch(client, "/close").body == "bye");
  CHECK(client.idle_connections() == 0);
  CHECK(p.stats(client) == std::vector<int>{2, 22, 0});
  // Expect: 100-continue: http.server answers 100 Continue on HTTP/1.1.
  HTTPRequest expect("/echo");
  expect.method = "POST";
  expect.body = "continued";
  expect.expect_100_continue = true;
  CHECK(p.fetch(client, expect).body == "continued");
}

TEST_CASE("httpclient peer (python http.server): a dropped idle connection is retried once") {
  PeerCase p;
  if (!p.skip.empty()) {
    TORNADO_SKIP(p.skip);
  }
  AsyncHTTPClient client;
  CHECK(p.fetch(client, "/arm-drop").body == "armed");
  // The server reads this GET on the pooled connection and closes it unanswered: the client
  // sends it again on a new connection.
  CHECK(p.fetch(client, "/hello").body == "hello");
  CHECK(p.stats(client) == std::vector<int>{2, 3, 1});
  // A POST is never sent twice: the failure is the caller's to handle.
  CHECK(p.fetch(client, "/arm-drop").body == "armed");
  HTTPRequest post("/echo");
  post.method = "POST";
  post.body = "once";
  HTTPResponse r = p.fetch(client, post, false);
  CHECK(r.code == 599);
  CHECK_THROWS_AS(r.rethrow(), StreamClosedError);
  // The /arm-drop and /stats before it were counted; the POST only as dropped.
  CHECK(p.stats(client) == std::vector<int>{3, 5, 2});
}

TEST_CASE("httpclient peer (python http.server): 11 slow requests, max_clients 10") {
  PeerCase p;
  if (!p.skip.empty()) {
    TORNADO_SKIP(p.skip);
  }
  AsyncHTTPClient client;  // max_clients is 10 by default
  REQUIRE(client.options().max_clients == 10);
  std::vector<HTTPResponse> rs = testing::run_sync(
      p.c.loop(),
      [&] {
        std::vector<Future<HTTPResponse>> fs;
        for (int i = 0; i < 11; ++i) fs.push_back(client.fetch(p.base + "/slow?ms=400"));
        CHECK(client.active() == 10);
        CHECK(client.queued() == 1);
        return gen::multi(std::move(fs));
      },
      gen::Duration(20));
  // The server's clock: the 11th request started after one of the first ten ended, and the
  // first ten overlapped.
  std::vector<std::pair<double, double>> spans;
  for (const HTTPResponse& r : rs) {
    std::istringstream in(r.body);
    double start = 0, end = 0;
    in >> start >> end;
    spans.emplace_back(start, end);
  }
  const auto last = spans.back();
  double first_end = 1e300, latest_start_of_ten = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    first_end = std::min(first_end, spans[i].second);
    latest_start_of_ten = std::max(latest_start_of_ten, spans[i].first);
  }
  CHECK(last.first >= first_end);
  CHECK(latest_start_of_ten < first_end);
  // All 11 over 10 connections.
  CHECK(p.stats(client)[0] == 10);
}

TEST_CASE("httpclient peer (python http.server): max_body_size, request timeout") {
  PeerCase p;
  if (!p.skip.empty()) {
    TORNADO_SKIP(p.skip);
  }
  AsyncHTTPClient client(HTTPClientOptions{.max_body_size = 4096});
  CHECK(p.fetch(client, "/big?n=4096").body.size() == 4096);
  HTTPResponse r = p.fetch(client, "/big?n=4097", false);
  CHECK(r.code == 599);
  CHECK_THROWS_AS(r.rethrow(), HTTPInputError);
  HTTPRequest slow("/slow?ms=2000");
  slow.request_timeout = 0.2;
  r = p.fetch(client, slow, false);
  CHECK(r.code == 599);
  CHECK_THROWS_WITH_AS(r.rethrow(), "HTTP 599: Timeout during request", HTTPClientError);
}

// nginx on a socket this test binds (port 0), handed over as nginx's own binary upgrade does:
// the NGINX environment variable names inherited listening fds.
TEST_CASE("httpclient peer (nginx): static files, keep-alive reuse, keepalive_requests") {
  const char* nginx = "/usr/sbin/nginx";
  if (!std::filesystem::exists(nginx)) {
    TORNADO_SKIP("nginx is not installed (apt-get install nginx-light)");
  }
  tornado::testing::LoopCase c;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tornado-nginx-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "html");
  std::ofstream(dir / "html" / "index.html") << "hello from nginx\n";
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  const int port = bound.port;
  const std::string d = dir.string();
  std::ofstream(dir / "nginx.conf")
      << (::geteuid() == 0 ? "user root; " : "") << "daemon off; worker_processes 1; pid " << d
      << "/nginx.pid;\n"
      << "error_log stderr notice;\n"
      << "events { worker_connections 64; }\n"
      << "http {\n"
      << "  log_format conn '$connection $connection_requests $request';\n"
      << "  access_log " << d << "/access.log conn;\n"
      << "  client_body_temp_path " << d << "; proxy_temp_path " << d << ";\n"
      << "  fastcgi_temp_path " << d << "; uwsgi_temp_path " << d << "; scgi_temp_path " << d
      << ";\n"
      << "  keepalive_requests 3;\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << port << ";\n"
      << "    root " << d << "/html;\n"
      << "    location = /moved { return 301 /index.html; }\n"
      << "  }\n"
      << "}\n";
  // The fd survives exec; NGINX names it. A shell prints the line DemoProcess waits for: the
  // socket already listens, so connections queue until nginx accepts them.
  ::fcntl(bound.fd, F_SETFD, 0);
  const std::string cmd = "echo listening on 127.0.0.1:" + std::to_string(port) + "; NGINX='" +
                          std::to_string(bound.fd) + ";' exec " + nginx + " -p " + d + " -c " + d +
                          "/nginx.conf";
  DemoProcess server(c.loop(), std::vector<std::string>{"/bin/sh", "-c", cmd},
                     "listening on ([0-9.]+):([0-9]+)\n");
  ::close(bound.fd);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  AsyncHTTPClient client;
  auto fetch = [&](HTTPRequest r) {
    return testing::run_sync(
        c.loop(), [&] { return client.fetch(r, false); }, gen::Duration(10));
  };
  for (int i = 0; i < 7; ++i) CHECK(fetch(base + "/index.html").body == "hello from nginx\n");
  HTTPResponse r = fetch(base + "/moved");
  CHECK(r.code == 200);
  CHECK(r.effective_url == base + "/index.html");
  CHECK(fetch(base + "/nothing-here").code == 404);
  HTTPRequest head(base + "/index.html");
  head.method = "HEAD";
  CHECK(fetch(head).headers.get("Content-Length") == "17");
  server.stop();
  // nginx closes each connection after 3 requests (Connection: close on the third); the client
  // must not reuse it. 11 requests: connections of 3, 3, 3 and 2, each counted 1, 2, 3.
  std::ifstream log(dir / "access.log");
  std::vector<std::pair<long, int>> seen;
  for (std::string line; std::getline(log, line);) {
    std::istringstream in(line);
    long conn = 0;
    int n = 0;
    in >> conn >> n;
    seen.emplace_back(conn, n);
  }
  REQUIRE(seen.size() == 11);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[i].second == static_cast<int>(i % 3) + 1);
    CHECK(seen[i].first == seen[i - i % 3].first);
  }
  std::filesystem::remove_all(dir);
}
