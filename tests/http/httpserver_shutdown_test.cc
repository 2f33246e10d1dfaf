// tests/http/httpserver_shutdown_test.cc: HTTPServer::shutdown, the graceful stop.
// Mirrors:  nothing in Tornado's tests (it has close_all_connections only); what its users
//           asked for: stop accepting, close idle keep-alive connections at once, let the
//           requests in progress finish up to a deadline, then close the rest.
// Clients:  raw non-blocking sockets, so that the server's side is all that runs on the loop.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/http/httpserver.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

// Answers at once, except /slow, which is held until the test answers it.
struct App {
  std::vector<std::shared_ptr<HTTPServerRequest>> held;
  int answered = 0;
  HTTPServer::RequestCallback callback() {
    return [this](std::shared_ptr<HTTPServerRequest> r) {
      if (r->uri == "/slow") {
        held.push_back(std::move(r));
        return;
      }
      answer(*r);
    };
  }
  void answer(HTTPServerRequest& r) {
    ++answered;
    HTTPHeaders h{{"Content-Length", "2"}};
    (void)r.connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, "OK"}, h, "ok");
    (void)r.connection->finish();
  }
};

int connect_to(int port, bool* refused = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (refused) *refused = rc != 0 && errno == ECONNREFUSED;
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void send_get(int fd, const std::string& path) {
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
}

// What the server sends on `fd`, running the loop, until `want` is in it or it closes (then
// *closed is set) or `seconds` pass.
std::string read_from(IOLoop& loop, int fd, const std::string& want, bool* closed,
                      double seconds = 5) {
  std::string got;
  *closed = false;
  run_until(
      loop,
      [&] {
        char buf[4096];
        for (;;) {
          const ssize_t n = ::read(fd, buf, sizeof buf);
          if (n > 0) {
            got.append(buf, static_cast<std::size_t>(n));
            continue;
          }
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) *closed = true;
          break;
        }
        return *closed || (!want.empty() && got.find(want) != std::string::npos);
      },
      seconds);
  return got;
}

// The held request answered while a shutdown waits for it: the response says Connection:
// close, the connection closes, and the shutdown's Future resolves with no connection left.
void answer_held_and_drain(LoopCase& c, App& app, HTTPServer& server, Future<void>& done, int busy,
                           int idle) {
  bool closed = false;
  app.answer(*app.held[0]);
  const std::string r = read_from(c.loop(), busy, "", &closed);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(closed);
  CHECK(run_until(c.loop(), [&] { return done.done(); }));
  CHECK(server.connection_count() == 0);
  app.held.clear();
  ::close(idle);
  ::close(busy);
  c.loop().run_once(0);
}

}  // namespace

TEST_CASE("httpserver shutdown: idle closed at once, in flight finished, new refused") {
  LoopCase c;
  App app;
  HTTPServer server(app.callback());
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  const int port = server.addresses().at(0).port();
  bool closed = false;

  const int idle = connect_to(port);
  send_get(idle, "/fast");
  CHECK(read_from(c.loop(), idle, "ok", &closed).find("200 OK") != std::string::npos);
  CHECK_FALSE(closed);  // kept alive, and now idle
  const int busy = connect_to(port);
  send_get(busy, "/slow");
  REQUIRE(run_until(c.loop(), [&] { return app.held.size() == 1; }));

  Future<void> done = server.shutdown(5);
  CHECK(read_from(c.loop(), idle, "", &closed).empty());
  CHECK(closed);  // closed at once, long before the deadline
  CHECK_FALSE(done.done());
  bool refused = false;
  CHECK(connect_to(port, &refused) == -1);
  CHECK(refused);

  answer_held_and_drain(c, app, server, done, busy, idle);
}

TEST_CASE("httpserver shutdown: what is still running at the deadline is closed") {
  LoopCase c;
  App app;
  HTTPServer server(app.callback());
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  const int port = server.addresses().at(0).port();
  const int busy = connect_to(port);
  send_get(busy, "/slow");
  REQUIRE(run_until(c.loop(), [&] { return app.held.size() == 1; }));
  ExpectLog warned("still busy");
  const double t0 = c.loop().time();
  Future<void> done = server.shutdown(0.1);
  CHECK(run_until(c.loop(), [&] { return done.done(); }));
  CHECK(c.loop().time() - t0 >= 0.09);
  CHECK(warned.count() == 1);
  bool closed = false;
  CHECK(read_from(c.loop(), busy, "", &closed).empty());
  CHECK(closed);
  CHECK(server.connection_count() == 0);
  app.held.clear();
  ::close(busy);
  c.loop().run_once(0);
}

// The application may keep a request (and through it the request's connection) after
// answering it. The keep-alive connection it came on is idle all the same and is closed at
// once; it was once taken for a response still in progress and left open until the deadline.
TEST_CASE("httpserver shutdown: idle closed at once while the application keeps its request") {
  LoopCase c;
  std::vector<std::shared_ptr<HTTPServerRequest>> kept;
  HTTPServer server([&](std::shared_ptr<HTTPServerRequest> r) {
    HTTPHeaders h{{"Content-Length", "2"}};
    (void)r->connection->write_headers(ResponseStartLine{"HTTP/1.1", 200, "OK"}, h, "ok");
    (void)r->connection->finish();
    kept.push_back(std::move(r));
  });
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  const int fd = connect_to(server.addresses().at(0).port());
  send_get(fd, "/kept");
  bool closed = false;
  CHECK(read_from(c.loop(), fd, "ok", &closed).find("200 OK") != std::string::npos);
  CHECK_FALSE(closed);
  REQUIRE(kept.size() == 1);
  Future<void> done = server.shutdown(5);
  CHECK(read_from(c.loop(), fd, "", &closed, 1).empty());
  CHECK(closed);
  CHECK(run_until(
      c.loop(), [&] { return done.done(); }, 1));
  kept.clear();
  ::close(fd);
  c.loop().run_once(0);
}

// A request already in the kernel's buffer when the shutdown begins was sent before it: the
// connection is not idle, the request is served (with Connection: close), not cut off.
TEST_CASE("httpserver shutdown: a request sent but not yet read is still served") {
  LoopCase c;
  App app;
  HTTPServer server(app.callback());
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  const int fd = connect_to(server.addresses().at(0).port());
  REQUIRE(run_until(c.loop(), [&] { return server.connection_count() == 1; }));
  send_get(fd, "/fast");  // in the server's socket buffer; the loop has not run since
  Future<void> done = server.shutdown(5);
  bool closed = false;
  const std::string r = read_from(c.loop(), fd, "", &closed);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(closed);
  CHECK(app.answered == 1);
  CHECK(run_until(c.loop(), [&] { return done.done(); }));
  ::close(fd);
  c.loop().run_once(0);
}

// A program may end without shutdown(): its server and then its loop are destroyed (the
// reverse of their declaration, as at the end of main) while a client still holds an idle
// keep-alive connection. The connection being cut then is normal and must leave no WARNING
// or ERROR in the log; it once logged "Future exception was never retrieved: Stream is
// closed" for the read that waited for the connection's next request.
TEST_CASE("httpserver shutdown: destroyed holding an idle keep-alive connection logs nothing") {
  std::vector<std::string> complaints;
  log::Sink previous = log::set_sink([&](const log::Record& r) {
    if (r.level >= log::Level::kWarning) complaints.emplace_back(r.message);
  });
  int fd = -1;
  {
    IOLoop loop;
    loop.make_current();
    App app;
    HTTPServer server(app.callback());
    server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
    fd = connect_to(server.addresses().at(0).port());
    send_get(fd, "/fast");
    bool closed = false;
    CHECK(read_from(loop, fd, "ok", &closed).find("200 OK") != std::string::npos);
    CHECK_FALSE(closed);
    REQUIRE(server.connection_count() == 1);
  }
  log::set_sink(std::move(previous));
  ::close(fd);
  for (const std::string& line : complaints) MESSAGE(line);
  CHECK(complaints.empty());
}

// HTTPServer finds its connections on its settings' HeadDeadlines: the waiting list (in
// deadline order) and the other one. Whichever a connection is on - waiting for a head, moved
// off the waiting list by the timer once its head came, or never on it (no idle timeout) -
// connection_count() counts it and shutdown() reaches it.
TEST_CASE("httpserver shutdown: every connection is found, whichever list it is on") {
  struct Case {
    const char* name;
    double idle_timeout;  // 0: no head deadline, so no connection is ever on the waiting list
  };
  const Case cases[] = {{"idle timeout", 0.05}, {"no idle timeout", 0}};
  for (const Case& k : cases) {
    CAPTURE(k.name);
    LoopCase c;
    App app;
    HTTPServerOptions o;
    o.idle_connection_timeout = k.idle_timeout;
    HTTPServer server(app.callback(), o);
    server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
    const int port = server.addresses().at(0).port();
    bool closed = false;

    const int busy = connect_to(port);
    send_get(busy, "/slow");
    REQUIRE(run_until(c.loop(), [&] { return app.held.size() == 1; }));
    const int idle = connect_to(port);
    send_get(idle, "/fast");
    CHECK(read_from(c.loop(), idle, "ok", &closed).find("200 OK") != std::string::npos);
    CHECK(server.connection_count() == 2);
    if (k.idle_timeout > 0) {
      // The timer closes the idle one and moves the busy one (its head came) off the list.
      CHECK(read_from(c.loop(), idle, "", &closed).empty());
      CHECK(closed);
      REQUIRE(run_until(c.loop(), [&] { return server.connection_count() == 1; }));
    }

    Future<void> done = server.shutdown(5);
    if (k.idle_timeout == 0) {
      CHECK(read_from(c.loop(), idle, "", &closed).empty());
      CHECK(closed);  // shutdown found it: closed at once
    }
    CHECK_FALSE(done.done());
    answer_held_and_drain(c, app, server, done, busy, idle);
  }
}

namespace {

// Answers every request; with /detach, takes the stream over instead (as a WebSocket does).
// Keeps weak pointers to the last connection and its stream, to see when they are destroyed.
struct Watcher : HTTPServerConnectionDelegate {
  struct Message : HTTPMessageDelegate {
    Watcher* owner;
    std::shared_ptr<HTTP1Connection> conn;
    bool detach = false;
    Message(Watcher* w, std::shared_ptr<HTTP1Connection> c) : owner(w), conn(std::move(c)) {}
    std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders) override {
      detach = std::get<RequestStartLine>(start_line).path == "/detach";
      return std::nullopt;
    }
    std::optional<Future<void>> data_received(std::string_view) override { return std::nullopt; }
    void finish() override {
      if (detach) {
        owner->detached = conn->detach();
        return;
      }
      HTTPHeaders h{{"Content-Length", "2"}};
      (void)conn->write_headers(ResponseStartLine{"HTTP/1.1", 200, "OK"}, h, "ok");
      (void)conn->finish();
    }
    void on_connection_close() override {}
  };

  std::weak_ptr<HTTP1ServerConnection> conn;
  std::weak_ptr<BaseIOStream> stream;
  std::shared_ptr<IOStream> detached;
  int closes = 0;

  std::unique_ptr<HTTPMessageDelegate> start_request(
      HTTP1ServerConnection& server_conn, std::shared_ptr<HTTPConnection> request_conn) override {
    conn = server_conn.weak_from_this();
    stream = server_conn.stream()->weak_from_this();
    return std::make_unique<Message>(this, std::static_pointer_cast<HTTP1Connection>(request_conn));
  }
  void on_close(HTTP1ServerConnection&) override { ++closes; }
};

}  // namespace

// An accepted connection and its stream are one allocation (HTTP1ServerConnection::create): one
// control block, which the stream's and the connection's shared_from_this both reach. However
// the connection ends, the allocation is destroyed once (ASan would see a second destruction or
// a use after it; LSan a leak), and only when nothing holds the connection or its stream.
TEST_CASE(
    "httpserver: a connection and its stream, one allocation, destroyed once however it ends") {
  enum class End { kPeerCloses, kShutdown, kCloseAll, kServerDestroyed, kDetachedDropped };
  struct Case {
    const char* name;
    End end;
  };
  const Case cases[] = {{"the peer closes", End::kPeerCloses},
                        {"shutdown() drains it", End::kShutdown},
                        {"close_all_connections()", End::kCloseAll},
                        {"the server is destroyed", End::kServerDestroyed},
                        {"its stream is detached, then dropped", End::kDetachedDropped}};
  for (const Case& k : cases) {
    CAPTURE(k.name);
    LoopCase c;
    Watcher w;
    auto server = std::make_unique<HTTPServer>(w);
    server->add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
    const int fd = connect_to(server->addresses().at(0).port());
    bool closed = false;
    send_get(fd, k.end == End::kDetachedDropped ? "/detach" : "/");
    if (k.end == End::kDetachedDropped) {
      REQUIRE(run_until(c.loop(), [&] { return w.detached != nullptr; }));
    } else {
      CHECK(read_from(c.loop(), fd, "ok", &closed).find("200 OK") != std::string::npos);
    }
    REQUIRE_FALSE(w.conn.expired());
    REQUIRE_FALSE(w.stream.expired());
    CHECK_FALSE(w.conn.owner_before(w.stream));  // one control block for the two
    CHECK_FALSE(w.stream.owner_before(w.conn));

    std::optional<Future<void>> done;
    switch (k.end) {
      case End::kPeerCloses:
        ::close(fd);
        break;
      case End::kShutdown:
        done = server->shutdown(5);
        break;
      case End::kCloseAll:
        done = server->close_all_connections();
        break;
      case End::kServerDestroyed:
        server.reset();
        break;
      case End::kDetachedDropped: {
        // The connection has ended; the detached stream keeps the allocation, and works.
        REQUIRE(run_until(c.loop(), [&] { return w.closes == 1; }));
        CHECK_FALSE(w.conn.expired());
        (void)w.detached->write(std::string_view("bye"));
        CHECK(read_from(c.loop(), fd, "bye", &closed) == "bye");
        w.detached.reset();
        break;
      }
    }
    CHECK(run_until(c.loop(), [&] { return w.conn.expired() && w.stream.expired(); }));
    if (done) CHECK(run_until(c.loop(), [&] { return done->done(); }));
    CHECK(w.closes == (k.end == End::kServerDestroyed ? 0 : 1));  // on_close: once, if at all
    if (server) CHECK(server->connection_count() == 0);
    if (k.end != End::kPeerCloses) ::close(fd);
    server.reset();
    c.loop().run_once(0);
  }
}
