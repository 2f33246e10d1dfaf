// bench/websocket_load.cc: WebSocket load figures (a plain program, not a Google Benchmark):
// echo round trips over one connection, broadcast fan-out, and memory per idle connection.
//
//   build/bench/websocket_load --echo ws://127.0.0.1:8888/ws/echo 3        (seconds)
//   build/bench/websocket_load --broadcast ws://127.0.0.1:8888/chatsocket 1000 20
//   build/bench/websocket_load --idle 10000
//
// --echo: one client, one 64-byte text message in flight, round trips per second against any
//         echo server (the httpbin demo's /ws/echo, or tests/support/ws_peer.py server).
// --broadcast URL N M: N clients connect to a chat server (the chat demo's /chatsocket, or
//         ws_peer.py chat); one of them posts M messages ({"body": ...}) one after another,
//         each once every client has received the previous; prints messages delivered per
//         second (N * M over the time).
// --idle N: an in-process server (an echo WebSocketHandler) and N clients in a child process:
//         first N HTTP keep-alive connections after one request each, then N WebSocket
//         connections after the handshake; prints the server's RSS growth per connection
//         for each (bench/README.md records them).
// bench/websocket.sh runs the first two against this library's demos and python3-websockets.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "tornado/gen/gen.h"
#include "tornado/reactor/log.h"
#include "tornado/web/websocket.h"

using namespace tornado;
using namespace tornado::websocket;

namespace {

Future<void> echo(std::string url, double seconds) {
  auto conn = co_await websocket_connect(url);
  const std::string message(64, 'x');
  IOLoop& loop = IOLoop::current();
  const double start = loop.time();
  long n = 0;
  while (loop.time() - start < seconds) {
    for (int i = 0; i < 100; ++i) {
      co_await conn->write_message(message);
      std::optional<WebSocketMessage> back = co_await conn->read_message();
      if (!back) throw std::runtime_error("the server closed the connection");
    }
    n += 100;
  }
  const double took = loop.time() - start;
  std::printf("echo round trips: %ld in %.2f s: %.0f /s\n", n, took, static_cast<double>(n) / took);
  conn->close();
}

Future<void> broadcast(std::string url, int clients, int messages) {
  std::vector<std::shared_ptr<WebSocketClientConnection>> conns;
  for (int i = 0; i < clients; ++i) conns.push_back(co_await websocket_connect(url));
  // A server that keeps a backlog sends it first: wait until it is quiet, reading nothing.
  co_await gen::sleep(std::chrono::milliseconds(200));
  IOLoop& loop = IOLoop::current();
  const double start = loop.time();
  for (int m = 0; m < messages; ++m) {
    co_await conns[0]->write_message("{\"body\": \"message " + std::to_string(m) + "\"}");
    const std::string want = "message " + std::to_string(m);
    for (auto& c : conns) {
      for (;;) {
        std::optional<WebSocketMessage> got = co_await c->read_message();
        if (!got) throw std::runtime_error("a connection closed");
        if (got->data.find(want + "\"") != std::string::npos) break;  // not a backlog message
      }
    }
  }
  const double took = loop.time() - start;
  const double delivered = static_cast<double>(clients) * messages;
  std::printf("broadcast to %d clients: %d messages, %.0f deliveries in %.2f s: %.0f /s\n", clients,
              messages, delivered, took, delivered / took);
  for (auto& c : conns) c->close();
}

struct Echo : WebSocketHandler {
  void on_message(std::string m, bool binary) { (void)write_message(m, binary); }
};
struct Hello : web::RequestHandler {
  void get() { write("Hello, world"); }
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::exit(1);
  return fd;
}

// The child: n connections that each send `request` and read the answer's head, then wait.
void hold_connections(int port, int n, const std::string& request, int ready, int go) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    const int fd = connect_to(port);
    (void)!::write(fd, request.data(), request.size());
    fds.push_back(fd);
  }
  for (int fd : fds) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
    if (head.find("Hello") == std::string::npos) {
      char rest[64];
      (void)!::recv(fd, rest, sizeof rest, MSG_DONTWAIT);  // the HTTP body, if any
    }
  }
  (void)!::write(ready, "r", 1);
  char done = 0;
  (void)!::read(go, &done, 1);
  _exit(0);
}

double measure(IOLoop& loop, int port, int n, const std::string& request) {
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0) std::exit(1);
  const long before = bench::rss_bytes();
  const pid_t child = ::fork();
  if (child == 0) hold_connections(port, n, request, ready[1], go[0]);
  // The loop serves the connections until the child says it has all its answers.
  ::fcntl(ready[0], F_SETFL, O_NONBLOCK);
  char c;
  while (::read(ready[0], &c, 1) != 1) loop.run_once(0.01);
  for (int i = 0; i < 20; ++i) loop.run_once(0);
  const long after = bench::rss_bytes();
  (void)!::write(go[1], "x", 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (int i = 0; i < 50; ++i) loop.run_once(0.01);  // the server sees them go
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
  return static_cast<double>(after - before) / n;
}

int idle(int n) {
  if (!bench::raise_fd_limit(n)) return 1;
  IOLoop loop;
  log::access_log.set_level(log::Level::kWarning);
  web::Application app({web::url<Hello>("/"), web::url<Echo>("/ws")});
  HTTPServer& server = app.listen(0, "127.0.0.1");
  const int port = server.addresses()[0].port();
  // A warm-up round, so that the allocator's first growth is not counted against either.
  (void)measure(loop, port, n / 10, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const double http = measure(loop, port, n, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const double ws = measure(loop, port, n,
                            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n");
  std::printf(
      "idle connections: %d; server RSS per connection: HTTP keep-alive %.0f bytes, "
      "WebSocket %.0f bytes\n",
      n, http, ws);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "--idle" && argc == 3) return idle(std::atoi(argv[2]));
    IOLoop loop;
    if (mode == "--echo" && argc == 4) {
      gen::run_sync(loop, [&] { return echo(argv[2], std::atof(argv[3])); });
      return 0;
    }
    if (mode == "--broadcast" && argc == 5) {
      gen::run_sync(loop,
                    [&] { return broadcast(argv[2], std::atoi(argv[3]), std::atoi(argv[4])); });
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "websocket_load: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: websocket_load --echo URL SECONDS | --broadcast URL CLIENTS MESSAGES | "
               "--idle N\n");
  return 2;
}
