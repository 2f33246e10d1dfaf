// tests/web/websocket_test.cc: WebSocketHandler and websocket_connect against each other, and
// against a raw socket that sends what a real client never would.
// Mirrors:  tornado/test/websocket_test.py (WebSocketTest: echo, binary, unicode, path args,
//           check_origin, bad handshakes, close codes, subprotocols, server and client pings,
//           max_message_size; PingTest / ClientPeriodicPingTest).
#include "tornado/web/websocket.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/web/testing.h"

using namespace tornado;
using namespace tornado::websocket;
using tornado::testing::AsyncHTTPTestCase;

namespace {

struct Seen {
  int opened = 0;
  int closed = 0;
  int pongs = 0;
  std::vector<std::string> args;
  std::vector<std::string> pings;
  std::optional<std::uint16_t> code;
  std::string reason;
};

// Echoes; "close:CODE" closes with that code and the reason "bye".
struct Echo : WebSocketHandler {
  void initialize(Seen* seen) { seen_ = seen; }
  void open() {
    ++seen_->opened;
    seen_->args = path_args();
  }
  void on_message(std::string m, bool binary) {
    if (m.rfind("close:", 0) == 0) {
      close(static_cast<std::uint16_t>(std::stoi(m.substr(6))), "bye");
      return;
    }
    (void)write_message(m, binary);
  }
  void on_ping(std::string_view d) override { seen_->pings.emplace_back(d); }
  void on_pong(std::string_view) override { ++seen_->pongs; }
  void on_close() override {
    ++seen_->closed;
    seen_->code = close_code();
    seen_->reason = close_reason();
  }
  std::optional<std::string> select_subprotocol(const std::vector<std::string>& offered) override {
    for (const std::string& p : offered)
      if (p == "chosen") return p;
    return std::nullopt;
  }
  Seen* seen_ = nullptr;
};

struct Fixture {
  explicit Fixture(web::Settings settings = {})
      : app({web::url<Echo>("/echo/(.*)", &seen)}, std::move(settings)), t(app) {}
  std::string url(std::string_view path = "/echo/x") const {
    return "ws://127.0.0.1:" + std::to_string(t.get_http_port()) + std::string(path);
  }
  template <class F>
  auto run(F&& f) {
    return testing::run_sync(t.io_loop(), std::forward<F>(f));
  }
  Seen seen;
  web::Application app;
  AsyncHTTPTestCase t;
};

const char* kUpgradeHead =
    "GET /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// A raw client: sends the upgrade for `path` and `frames` in one write (so that the frames
// are there as soon as the handshake is), reads the answer's frames until a close frame (or
// the end), then hangs up. Returns "101 close:CODE" and the like.
std::string raw_session(AsyncHTTPTestCase& t, const std::string& frames,
                        std::string_view path = "/echo/x", std::string_view version = "13") {
  const int fd = testing::connect_blocking(testing::loopback(AF_INET, t.get_http_port()));
  REQUIRE(fd >= 0);
  std::string out = kUpgradeHead + frames;
  const std::string v = "Version: 13";
  out.replace(out.find(v) + v.size() - 2, 2, version);
  out.replace(4, 7, path);
  REQUIRE(::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
  std::string got;
  std::string summary;
  FrameReader reader(false, 1 << 20);
  bool head_done = false;
  testing::run_until(t.io_loop(), [&] {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    got.append(buf, static_cast<std::size_t>(n));
    if (!head_done) {
      const std::size_t end = got.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      summary = got.substr(9, 3);
      reader.feed(std::string_view(got).substr(end + 4));
      head_done = true;
    } else {
      reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    while (std::optional<Event> e = reader.next()) {
      if (e->kind == Event::Kind::kClose) {
        summary += " close:" + std::to_string(e->code);
        return true;
      }
      summary += e->kind == Event::Kind::kText ? " text:" + e->data : " other";
    }
    return false;
  });
  ::close(fd);
  return summary;
}

std::string masked(Opcode op, std::string_view payload, bool fin = true) {
  return encode_frame(op, payload, fin, 0x01020304u);
}

}  // namespace

TEST_CASE("websocket: echo of text and binary messages of every length form") {
  Fixture f;
  const std::vector<std::size_t> sizes = {0, 1, 125, 126, 65535, 65536, 1 << 20};
  f.run([&]() -> Future<void> {
    auto conn = co_await websocket_connect(f.url("/echo/abc"));
    for (std::size_t n : sizes) {
      for (bool binary : {false, true}) {
        CAPTURE(n);
        std::string m(n, binary ? '\xFE' : 'a');
        co_await conn->write_message(m, binary);
        std::optional<WebSocketMessage> back = co_await conn->read_message();
        REQUIRE(back);
        CHECK(back->is_binary == binary);
        CHECK(back->data == m);
      }
    }
    conn->close(1000);
    CHECK_FALSE(co_await conn->read_message());
  });
  CHECK(f.seen.opened == 1);
  CHECK(f.seen.args == std::vector<std::string>{"abc"});
  CHECK(testing::run_until(f.t.io_loop(), [&] { return f.seen.closed == 1; }));
  CHECK(f.seen.code == 1000);
}

TEST_CASE("websocket: handshakes that are refused, as Tornado answers them") {
  Fixture f;
  struct Row {
    const char* name;
    std::vector<std::pair<const char*, const char*>> headers;
    int code;
  };
  const std::vector<Row> rows = {
      {"not an upgrade", {}, 400},
      {"no Connection: Upgrade", {{"Upgrade", "websocket"}}, 400},
      {"another origin",
       {{"Upgrade", "websocket"},
        {"Connection", "keep-alive, Upgrade"},
        {"Origin", "http://evil.example"},
        {"Sec-WebSocket-Version", "13"}},
       403},
      {"version 12",
       {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "12"}},
       426},
      {"no version", {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}, 426},
      {"no key",
       {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"}},
       400},
      {"a key that is not 16 bytes",
       {{"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Version", "13"},
        {"Sec-WebSocket-Key", "c2hvcnQ="}},
       400},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    testing::FetchOptions o;
    for (const auto& [k, v] : row.headers) o.headers.add(k, v);
    const testing::Response r = f.t.fetch("/echo/x", o);
    CHECK(r.code == row.code);
    // Tornado names the versions it speaks: the drafts 7 and 8, framed as 13.
    if (row.code == 426) CHECK(r.headers.get("Sec-WebSocket-Version") == "7, 8, 13");
  }
  CHECK(f.seen.opened == 0);
}

TEST_CASE("websocket: same-origin browsers are accepted, with the chosen subprotocol") {
  Fixture f;
  f.run([&]() -> Future<void> {
    HTTPRequest req(f.url());
    req.headers.add("Origin", "http://127.0.0.1:" + std::to_string(f.t.get_http_port()));
    WebSocketClientOptions o;
    o.subprotocols = {"other", "chosen"};
    auto conn = co_await websocket_connect(req, o);
    CHECK(conn->selected_subprotocol() == "chosen");
    conn->close();
  });
  CHECK(f.seen.opened == 1);
}

TEST_CASE("websocket: close codes and reasons travel both ways") {
  Fixture f;
  f.run([&]() -> Future<void> {
    auto conn = co_await websocket_connect(f.url());
    co_await conn->write_message("close:4001");
    CHECK_FALSE(co_await conn->read_message());
    CHECK(conn->close_code() == 4001);
    CHECK(conn->close_reason() == "bye");
    CHECK_THROWS_AS((void)conn->write_message("late"), WebSocketClosedError);
  });
  CHECK(testing::run_until(f.t.io_loop(), [&] { return f.seen.closed == 1; }));
  // The server sent 4001; the client echoed it (RFC 6455 §5.5.1).
  CHECK(f.seen.code == 4001);

  f.run([&]() -> Future<void> {
    auto conn = co_await websocket_connect(f.url());
    conn->close(3003, "client says bye");
    CHECK_FALSE(co_await conn->read_message());
  });
  CHECK(testing::run_until(f.t.io_loop(), [&] { return f.seen.closed == 2; }));
  CHECK(f.seen.code == 3003);
  CHECK(f.seen.reason == "client says bye");
}

TEST_CASE("websocket: hostile client frames get the RFC's close code, then the end") {
  web::Settings s;
  s.websocket_max_message_size = 1000;
  Fixture f(s);
  struct Row {
    const char* name;
    std::string frames;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"a good frame, echoed", masked(Opcode::kText, "hi") + masked(Opcode::kClose, ""),
       "101 text:hi close:0"},
      {"unmasked", encode_frame(Opcode::kText, "hi"), "101 close:1002"},
      {"reserved bits", encode_frame(Opcode::kText, "hi", true, 1u, true), "101 close:1002"},
      {"reserved opcode", std::string("\x83\x80\0\0\0\0", 6), "101 close:1002"},
      {"ping over 125 bytes", masked(Opcode::kPing, std::string(200, 'p')), "101 close:1002"},
      {"fragmented ping", masked(Opcode::kPing, "p", false), "101 close:1002"},
      {"continuation without a start", masked(Opcode::kContinuation, "x"), "101 close:1002"},
      {"text not UTF-8", masked(Opcode::kText, "\xC0\xAF"), "101 close:1007"},
      {"close with code 1005", masked(Opcode::kClose, close_payload(1005, "")), "101 close:1002"},
      {"over the message limit", masked(Opcode::kBinary, std::string(1001, 'x')), "101 close:1009"},
  };
  int closed = 0;
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CHECK(raw_session(f.t, row.frames) == row.expected);
    ++closed;
    CHECK(testing::run_until(f.t.io_loop(), [&] { return f.seen.closed == closed; }));
  }
}

TEST_CASE("websocket: pings are answered, and the server's keepalive sees pongs") {
  web::Settings s;
  s.websocket_ping_interval = 0.05;
  Fixture f(s);
  f.run([&]() -> Future<void> {
    auto conn = co_await websocket_connect(f.url());
    conn->ping("hello");
    // The pong comes back before the echo of a message sent after the ping.
    co_await conn->write_message("after");
    CHECK((co_await conn->read_message())->data == "after");
    CHECK(conn->pongs() == 1);
    // Our client answers the server's pings: the connection outlives several intervals.
    while (f.seen.pongs < 3) co_await gen::sleep(std::chrono::milliseconds(10));
    CHECK(conn->is_open());
    conn->close();
  });
  CHECK(f.seen.pings == std::vector<std::string>{"hello"});
}

TEST_CASE("websocket: a peer that answers no ping is dropped after ping_timeout") {
  web::Settings s;
  s.websocket_ping_interval = 0.05;
  s.websocket_ping_timeout = 0.15;
  Fixture f(s);
  const int fd = testing::connect_blocking(testing::loopback(AF_INET, f.t.get_http_port()));
  REQUIRE(fd >= 0);
  REQUIRE(::send(fd, kUpgradeHead, std::strlen(kUpgradeHead), MSG_NOSIGNAL) > 0);
  // The raw socket never reads, so it never pongs.
  const double start = f.t.io_loop().time();
  CHECK(testing::run_until(
      f.t.io_loop(), [&] { return f.seen.closed == 1; }, 3.0));
  CHECK(f.t.io_loop().time() - start >= 0.15);
  ::close(fd);
}

TEST_CASE("websocket: the client's own keepalive pings the server") {
  Fixture f;
  f.run([&]() -> Future<void> {
    WebSocketClientOptions o;
    o.ping_interval = 0.05;
    auto conn = co_await websocket_connect(f.url(), o);
    while (conn->pongs() < 2) co_await gen::sleep(std::chrono::milliseconds(10));
    CHECK(f.seen.pings.size() >= 2);
    conn->close();
  });
}

TEST_CASE("websocket: connect errors: a plain HTTP answer, a refused port") {
  Fixture f;
  f.run([&]() -> Future<void> {
    CHECK_THROWS_AS(co_await websocket_connect(f.url("/nowhere")), HTTPClientError);
    testing::BoundPort closed = testing::bind_unused_port();
    ::close(closed.fd);
    CHECK_THROWS_AS(
        co_await websocket_connect("ws://127.0.0.1:" + std::to_string(closed.port) + "/"),
        StreamClosedError);
  });
}

TEST_CASE("websocket: a loop closed with a connection open ends it: on_close runs, no fd stays") {
  // A server stopped by a signal closes its loop with its sockets open: each is held by its
  // frame loop and its handler, a cycle that used to outlive the loop with its fd.
  const int fds_before = testing::count_open_fds();
  Seen seen;
  {
    web::Application app({web::url<Echo>("/echo/(.*)", &seen)});
    std::shared_ptr<WebSocketClientConnection> conn;  // outlives the loop, open to the end
    AsyncHTTPTestCase t(app);
    const std::string url = "ws://127.0.0.1:" + std::to_string(t.get_http_port()) + "/echo/x";
    testing::run_sync(t.io_loop(), [&]() -> Future<void> {
      conn = co_await websocket_connect(url);
      co_await conn->write_message("hi");
      CHECK((co_await conn->read_message())->data == "hi");
    });
    CHECK(seen.opened == 1);
    CHECK(seen.closed == 0);
  }
  CHECK(seen.closed == 1);
  CHECK(testing::count_open_fds() == fds_before);
}

TEST_CASE("websocket: the drafts 7 and 8, framed as 13, are accepted as Tornado accepts them") {
  Fixture f;
  for (const char* version : {"7", "8", "13"}) {
    CAPTURE(version);
    CHECK(raw_session(f.t, masked(Opcode::kText, "hi") + masked(Opcode::kClose, ""), "/echo/x",
                      version) == "101 text:hi close:0");
  }
  CHECK(testing::run_until(f.t.io_loop(), [&] { return f.seen.closed == 3; }));
}

namespace {

// What the handlers below saw, in order.
using Journal = std::vector<std::string>;

// "a, b, c": what a failed CHECK prints.
std::string str(const Journal& j) {
  std::string out;
  for (const std::string& e : j) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// open(room) is a coroutine that needs a loop iteration to finish.
struct SlowOpen : WebSocketHandler {
  void initialize(Journal* j) { j_ = j; }
  Future<void> open(std::string room) {
    j_->push_back("open:" + room);
    co_await gen::moment;
    j_->push_back("opened");
  }
  void on_message(std::string m, bool) {
    j_->push_back("message:" + m);
    (void)write_message(m);
  }
  void on_close() override { j_->push_back("closed"); }
  Journal* j_ = nullptr;
};

// open takes both groups; on_message is a coroutine that needs a loop iteration.
struct SlowMessage : WebSocketHandler {
  void initialize(Journal* j) { j_ = j; }
  void open(const std::string& a, std::string_view b) {
    j_->push_back("open:" + a + "," + std::string(b));
  }
  Future<void> on_message(std::string m, bool) {
    j_->push_back("start:" + m);
    co_await gen::moment;
    j_->push_back("end:" + m);
    co_await write_message(m);
  }
  Journal* j_ = nullptr;
};

// "open" or "message": which coroutine fails, after a loop iteration.
struct Failing : WebSocketHandler {
  void initialize(Journal* j) { j_ = j; }
  Future<void> open(const std::string& which) {
    j_->push_back("open");
    co_await gen::moment;
    if (which == "open") throw std::runtime_error("no room");
  }
  Future<void> on_message(std::string m, bool) {
    j_->push_back("message:" + m);
    co_await gen::moment;
    throw std::runtime_error("cannot take " + m);
  }
  void on_close() override { j_->push_back("closed"); }
  Journal* j_ = nullptr;
};

struct CoroutineFixture {
  CoroutineFixture()
      : app({web::url<SlowOpen>(R"(/slow-open/(\w+))", &journal),
             web::url<SlowOpen>("/slow-open-without-room", &journal),
             web::url<SlowMessage>(R"(/slow-message/(\w+)/(\w+))", &journal),
             web::url<Failing>(R"(/failing/(\w+))", &journal)}),
        t(app) {}
  // The journal once `last` is in it.
  Journal until(const std::string& last) {
    CHECK(testing::run_until(t.io_loop(),
                             [&] { return !journal.empty() && journal.back() == last; }));
    return journal;
  }
  Journal journal;
  web::Application app;
  AsyncHTTPTestCase t;
};

}  // namespace

TEST_CASE("websocket: a coroutine open(room) gets the group; no message before it resolves") {
  // The frames come with the upgrade: without the wait they would reach on_message at once.
  CoroutineFixture f;
  const std::string frames =
      masked(Opcode::kText, "a") + masked(Opcode::kText, "b") + masked(Opcode::kClose, "");
  CHECK(raw_session(f.t, frames, "/slow-open/lobby") == "101 text:a text:b close:0");
  CHECK(str(f.until("closed")) == "open:lobby, opened, message:a, message:b, closed");
}

TEST_CASE("websocket: coroutine on_message calls run one after another, in order") {
  CoroutineFixture f;
  const std::string frames = masked(Opcode::kText, "a") + masked(Opcode::kText, "b") +
                             masked(Opcode::kText, "c") + masked(Opcode::kClose, "");
  CHECK(raw_session(f.t, frames, "/slow-message/x/y") == "101 text:a text:b text:c close:0");
  CHECK(str(f.until("end:c")) == "open:x,y, start:a, end:a, start:b, end:b, start:c, end:c");
}

TEST_CASE("websocket: a failed coroutine open or on_message is logged and ends the connection") {
  CoroutineFixture f;
  const std::string frames = masked(Opcode::kText, "a") + masked(Opcode::kText, "b");
  {
    // As Tornado: no message is delivered and on_close does not run after a failed open.
    testing::ExpectLog log("Uncaught exception in WebSocket open: no room");
    CHECK(raw_session(f.t, frames, "/failing/open") == "101");
    CHECK(log.count() == 1);
    CHECK(str(f.journal) == "open");
  }
  f.journal.clear();
  {
    testing::ExpectLog log("Uncaught exception in WebSocket on_message: cannot take a");
    CHECK(raw_session(f.t, frames, "/failing/message") == "101");
    CHECK(str(f.until("closed")) == "open, message:a, closed");
    CHECK(log.count() == 1);
  }
}

TEST_CASE("websocket: an open() that takes no group the pattern has is refused before the 101") {
  CoroutineFixture f;
  testing::ExpectLog log("open() takes neither the pattern's 0 groups nor no argument");
  testing::FetchOptions o;
  o.headers.add("Upgrade", "websocket");
  o.headers.add("Connection", "Upgrade");
  o.headers.add("Sec-WebSocket-Version", "13");
  o.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(f.t.fetch("/slow-open-without-room", o).code == 500);
  CHECK(log.count() == 1);
  CHECK(f.journal.empty());
}

namespace {

// open("open") or on_message waits longer than the test lives. Each coroutine frame marks its
// end in the journal through the handler, so the handler must outlive its frames.
struct Forever : WebSocketHandler {
  struct Mark {
    Forever* h;
    const char* what;
    ~Mark() { h->j_->push_back(what); }
  };
  void initialize(Journal* j) { j_ = j; }
  ~Forever() override { j_->push_back("destroyed"); }
  Future<void> open(const std::string& which) {
    j_->push_back("open");
    Mark mark{this, "open frame ends"};
    if (which == "open") co_await gen::sleep(3600);
  }
  Future<void> on_message(std::string m, bool) {
    j_->push_back("message:" + m);
    Mark mark{this, "message frame ends"};
    co_await gen::sleep(3600);
  }
  void on_close() override { j_->push_back("closed"); }
  Journal* j_ = nullptr;
};

}  // namespace

TEST_CASE("websocket: a loop closed while a coroutine open or on_message waits: no leak") {
  const int fds_before = testing::count_open_fds();
  struct Row {
    std::string which;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"open", "open, closed, open frame ends, destroyed"},
      {"message", "open, open frame ends, message:a, closed, message frame ends, destroyed"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.which);
    Journal j;
    int fd = -1;
    {
      web::Application app({web::url<Forever>(R"(/forever/(\w+))", &j)});
      AsyncHTTPTestCase t(app);
      fd = testing::connect_blocking(testing::loopback(AF_INET, t.get_http_port()));
      REQUIRE(fd >= 0);
      std::string out = kUpgradeHead + masked(Opcode::kText, "a");
      out.replace(4, 7, "/forever/" + row.which);
      REQUIRE(::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
      const std::string waiting = row.which == "open" ? "open" : "message:a";
      CHECK(testing::run_until(t.io_loop(), [&] { return !j.empty() && j.back() == waiting; }));
    }
    ::close(fd);
    CHECK(str(j) == row.expected);
  }
  CHECK(testing::count_open_fds() == fds_before);
}
