// tests/stream/tcpserver_test.cc: TCPServer.
// Mirrors:  tornado/test/tcpserver_test.py (test_handle_stream_coroutine_logging,
//           test_handle_stream_native_coroutine, test_stop_twice, test_stop_in_callback), plus
//           the echo server under 1,000 concurrent clients.
#include "tornado/stream/tcpserver.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/tcpclient.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::SocketAddress;
using StreamPtr = std::shared_ptr<IOStream>;

namespace {

// A client stream made without TCPClient, so that these cases test the server alone.
Future<StreamPtr> open_stream(SocketAddress to) {
  auto stream =
      IOStream::create(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  co_await stream->connect(to.get(), to.len);
  co_return stream;
}

Future<std::string> round_trip(StreamPtr stream, std::string line) {
  co_await stream->write(line);
  co_return co_await stream->read_until("\n");
}

class EchoServer : public TCPServer {
 public:
  int active = 0;
  std::vector<SocketAddress> peers;

  Future<void> handle_stream(StreamPtr stream, SocketAddress address) override {
    ++active;
    peers.push_back(address);
    try {
      for (;;) co_await stream->write(co_await stream->read_until("\n"));
    } catch (const StreamClosedError&) {
    }
    --active;
  }
};

SocketAddress listen_local(TCPServer& server, int backlog = netutil::kDefaultBacklog) {
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET, backlog));
  return server.addresses().at(0);
}

}  // namespace

// On every poller backend: the accept handler and the streams run on each.
TEST_CASE(
    "tcpserver: echo through a handle_stream override (test_handle_stream_native_coroutine)") {
  TORNADO_EACH_BACKEND(backend) {
    CAPTURE(backend);
    LoopCase c(backend);
    EchoServer server;
    const SocketAddress addr = listen_local(server);
    StreamPtr client = testing::run_sync(c.loop(), [&] { return open_stream(addr); });
    CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "hello\n"); }) == "hello\n");
    CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "again\n"); }) == "again\n");
    REQUIRE(server.peers.size() == 1);
    CHECK(server.peers[0].host() == "127.0.0.1");
    CHECK(server.peers[0].port() == SocketAddress::of_socket(client->fileno()).port());
    client->close();
    CHECK(run_until(c.loop(), [&] { return server.active == 0; }));
    server.stop();
  }
}

TEST_CASE("tcpserver: a callable handler, returning nothing or a Future") {
  LoopCase c;
  std::vector<StreamPtr> kept;
  TCPServer plain([&](StreamPtr stream, SocketAddress) { kept.push_back(std::move(stream)); });
  const SocketAddress plain_addr = listen_local(plain);
  StreamPtr a = testing::run_sync(c.loop(), [&] { return open_stream(plain_addr); });
  CHECK(run_until(c.loop(), [&] { return kept.size() == 1; }));
  kept[0]->close();
  a->close();

  int active = 0;
  TCPServer coro([&active](StreamPtr stream, SocketAddress) -> Future<void> {
    ++active;
    try {
      for (;;) co_await stream->write(co_await stream->read_until("\n"));
    } catch (const StreamClosedError&) {
    }
    --active;
  });
  const SocketAddress coro_addr = listen_local(coro);
  StreamPtr b = testing::run_sync(c.loop(), [&] { return open_stream(coro_addr); });
  CHECK(testing::run_sync(c.loop(), [&] { return round_trip(b, "x\n"); }) == "x\n");
  b->close();
  CHECK(run_until(c.loop(), [&] { return active == 0; }));
}

TEST_CASE("tcpserver: handle_stream_coroutine_logging") {
  LoopCase c;
  TCPServer server([](StreamPtr stream, SocketAddress) -> Future<void> {
    (void)co_await stream->read_until("\n");
    throw std::runtime_error("handler failed on purpose");
  });
  const SocketAddress addr = listen_local(server);
  ExpectLog log("handler failed on purpose");
  StreamPtr client = testing::run_sync(c.loop(), [&] { return open_stream(addr); });
  (void)client->write("go\n");
  CHECK(run_until(c.loop(), [&] { return log.count() == 1; }));
  CHECK(log.lines().back().find("Exception in handle_stream") != std::string::npos);
  client->close();
  c.loop().run_once(0);
}

TEST_CASE("tcpserver: an exception thrown by the handler, or no handler at all, is logged") {
  LoopCase c;
  TCPServer throwing([](StreamPtr, SocketAddress) { throw std::runtime_error("sync failure"); });
  TCPServer none;
  const SocketAddress a = listen_local(throwing);
  const SocketAddress b = listen_local(none);
  ExpectLog log("Error in connection callback");
  Fds clients;
  clients.fds.push_back(connect_blocking(a));
  clients.fds.push_back(connect_blocking(b));
  CHECK(run_until(c.loop(), [&] { return log.count() == 2; }));
  bool saw_sync = false, saw_none = false;
  for (const std::string& l : log.lines()) {
    saw_sync |= l.find("sync failure") != std::string::npos;
    saw_none |= l.find("override handle_stream") != std::string::npos;
  }
  CHECK(saw_sync);
  CHECK(saw_none);
  // The streams were dropped, so the connections were closed.
  for (int fd : clients.fds) {
    char ch;
    CHECK(::recv(fd, &ch, 1, 0) == 0);
  }
}

TEST_CASE("tcpserver: stop() closes the listening socket and keeps open connections") {
  LoopCase c;
  EchoServer server;
  const SocketAddress addr = listen_local(server);
  StreamPtr client = testing::run_sync(c.loop(), [&] { return open_stream(addr); });
  CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "before\n"); }) == "before\n");
  server.stop();
  CHECK(server.addresses().empty());
  try {
    (void)testing::run_sync(c.loop(), [&] { return open_stream(addr); });
    FAIL("connected to a stopped server");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == ECONNREFUSED);
  }
  CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "after\n"); }) == "after\n");
  client->close();
  CHECK(run_until(c.loop(), [&] { return server.active == 0; }));
}

TEST_CASE("tcpserver: stop_twice") {
  LoopCase c;
  EchoServer server;
  (void)listen_local(server);
  server.stop();
  server.stop();
}

// Issue #2069: stopping the server from handle_stream must not make the accept loop go on
// with the closed socket for the other connections that were ready in the same event.
TEST_CASE("tcpserver: stop_in_callback") {
  LoopCase c;
  int handled = 0;
  std::vector<StreamPtr> kept;
  TCPServer* self = nullptr;
  TCPServer server([&](StreamPtr stream, SocketAddress) {
    ++handled;
    kept.push_back(std::move(stream));
    self->stop();
  });
  self = &server;
  const SocketAddress addr = listen_local(server);
  Fds clients;
  for (int i = 0; i < 5; ++i) clients.fds.push_back(connect_blocking(addr));
  ExpectLog log("accept");
  CHECK(run_until(c.loop(), [&] { return handled > 0; }));
  c.loop().run_once(0.05);
  CHECK(handled == 1);
  CHECK(log.count() == 0);
  kept.clear();
}

// start(2) forks (tests/stream/process_test.cc); with a loop already made it is refused, and
// the server can still start in this process.
TEST_CASE("tcpserver: bind then start; start(2) refused once a loop exists") {
  LoopCase c;
  EchoServer server;
  server.bind(0, "127.0.0.1");
  REQUIRE(server.addresses().size() == 1);
  CHECK_THROWS_AS(server.start(2), std::logic_error);
  server.start();
  CHECK_THROWS_AS(server.start(), std::logic_error);
  const SocketAddress addr = server.addresses()[0];
  StreamPtr client = testing::run_sync(c.loop(), [&] { return open_stream(addr); });
  CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "started\n"); }) ==
        "started\n");
  client->close();
  CHECK(run_until(c.loop(), [&] { return server.active == 0; }));
}

TEST_CASE("tcpserver: IOStreamOptions reach every connection's stream") {
  LoopCase c;
  IOStreamOptions opts;
  opts.max_buffer_size = 1000;
  opts.read_chunk_size = 100;
  std::vector<StreamPtr> kept;
  TCPServer server([&](StreamPtr stream, SocketAddress) { kept.push_back(std::move(stream)); },
                   opts);
  const SocketAddress addr = listen_local(server);
  Fds client;
  client.fds.push_back(connect_blocking(addr));
  CHECK(run_until(c.loop(), [&] { return kept.size() == 1; }));
  CHECK(kept[0]->options().max_buffer_size == 1000);
  CHECK(kept[0]->options().read_chunk_size == 100);
  kept.clear();
}

TEST_CASE("tcpserver: serves a Unix-domain socket") {
  LoopCase c;
  char dir[] = "/tmp/tornado-tcpserver-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/echo.sock";
  EchoServer server;
  server.add_socket(netutil::bind_unix_socket(path));
  const SocketAddress addr = server.addresses().at(0);
  CHECK(addr.to_string() == path);
  StreamPtr client = testing::run_sync(c.loop(), [&] { return open_stream(addr); });
  CHECK(testing::run_sync(c.loop(), [&] { return round_trip(client, "unix\n"); }) == "unix\n");
  CHECK(server.peers.at(0).family == AF_UNIX);
  client->close();
  CHECK(run_until(c.loop(), [&] { return server.active == 0; }));
  server.stop();
  ::unlink(path.c_str());
  ::rmdir(dir);
}

// The acceptance case: every message of every client comes back, within seconds.
namespace {

Future<int> echo_client(TCPClient& client, int port, int id, int messages) {
  StreamPtr stream = co_await client.connect("127.0.0.1", port);
  int echoed = 0;
  for (int k = 0; k < messages; ++k) {
    const std::string msg = "client " + std::to_string(id) + " message " + std::to_string(k) + "\n";
    co_await stream->write(msg);
    if (co_await stream->read_until("\n") == msg) ++echoed;
  }
  stream->close();
  co_return echoed;
}

}  // namespace

TEST_CASE("tcpserver: echo server with 1,000 concurrent clients, 100 messages each") {
  constexpr int kClients = 1000, kMessages = 100;
  // Each connection costs two descriptors here (both ends live in this process).
  if (!ensure_fd_limit(2 * kClients + 256)) {
    TORNADO_SKIP("the hard RLIMIT_NOFILE is below " + std::to_string(2 * kClients + 256));
  }
  // The platform's best backend, even when TORNADO_POLLER asks for select, which cannot watch
  // the descriptors past FD_SETSIZE that 2,000 connections need.
  LoopCase c(IOLoop::available_pollers().front());
  EchoServer server;
  // A backlog above the client count: a full accept queue drops SYNs, and the retransmission
  // would cost a second.
  const SocketAddress addr = listen_local(server, 2 * kClients);
  TCPClient client;
  std::vector<Future<int>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i)
    clients.push_back(echo_client(client, addr.port(), i, kMessages));
  // About 2 s here, 3 s under the sanitizers; the deadline only bounds a failure.
  const std::vector<int> echoed = testing::run_sync(
      c.loop(), [&] { return gen::multi(std::move(clients)); }, gen::Duration(30));
  int total = 0;
  for (int n : echoed) total += n;
  CHECK(total == kClients * kMessages);
  CHECK(server.peers.size() == static_cast<std::size_t>(kClients));
  CHECK(run_until(
      c.loop(), [&] { return server.active == 0; }, 10.0));
  server.stop();
}
