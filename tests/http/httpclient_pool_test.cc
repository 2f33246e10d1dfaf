// tests/http/httpclient_pool_test.cc: AsyncHTTPClient's connection pool, its max_clients
// queue, the upload forms (body_producer, Expect: 100-continue), and bad responses, against
// this library's server and against a socket that answers canned bytes.
// Mirrors:  tornado/test/simple_httpclient_test.py (test_queue_timeout, test_max_clients,
//           test_100_continue, test_body_producer / test_streaming_body, test_zero_timeout in
//           httpclient_test.py), and the keep-alive pool this client adds.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/http/http1connection.h"
#include "tornado/http/httpclient.h"
#include "tornado/http/httpserver.h"
#include "tornado/stream/netutil.h"
#include "tornado/stream/tcpserver.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

// Answers with the client's port as the server sees it: equal ports, one connection.
struct PeerPort : RequestHandler {
  void get() {
    // HTTPServer's connections are HTTP1Connections (a static_cast: the suite also builds
    // with -fno-rtti).
    auto& conn = static_cast<HTTP1Connection&>(*request().connection);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    REQUIRE(::getpeername(conn.stream()->fileno(), reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    write(std::to_string(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)));
  }
  void post() {
    write(request().method + ":" + request().headers.get("Transfer-Encoding") + ":" +
          request().body);
  }
  void put() { post(); }
};
struct Sleepy : RequestHandler {
  Future<void> get() {
    co_await gen::sleep(std::chrono::milliseconds(300));
    write("slept");
  }
};

template <class T>
T run(IOLoop& loop, std::function<Future<T>()> f, double seconds = 10) {
  return testing::run_sync(loop, std::move(f), gen::Duration(seconds));
}

}  // namespace

TEST_CASE("httpclient pool: one connection for sequential fetches, a new one after close") {
  Application app({url<PeerPort>("/port")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client;
  std::vector<std::string> ports;
  for (int i = 0; i < 5; ++i)
    ports.push_back(
        run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/port")); }).body);
  for (const std::string& p : ports) CHECK(p == ports[0]);
  HTTPResponse again =
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/port")); });
  CHECK(again.reused_connection);
  CHECK(again.time_info.connect == 0);
  CHECK(client.idle_connections() == 1);
  CHECK(t.server().connection_count() == 1);
  // Connection: close from the caller: answered, and the connection is not kept.
  HTTPRequest bye(t.get_url("/port"));
  bye.headers.set("Connection", "close");
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(bye); }).body == ports[0]);
  CHECK(client.idle_connections() == 0);
  const std::string next =
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/port")); }).body;
  CHECK(next != ports[0]);
  // keep_alive off: Tornado's behaviour, a connection per fetch.
  AsyncHTTPClient plain(HTTPClientOptions{.keep_alive = false});
  const std::string a =
      run<HTTPResponse>(t.io_loop(), [&] { return plain.fetch(t.get_url("/port")); }).body;
  const std::string b =
      run<HTTPResponse>(t.io_loop(), [&] { return plain.fetch(t.get_url("/port")); }).body;
  CHECK(a != b);
  CHECK(plain.idle_connections() == 0);
}

TEST_CASE("httpclient pool: idle connections time out, and a server's close drops them") {
  Application app({url<PeerPort>("/port")});
  HTTPServerOptions so;
  so.idle_connection_timeout = 0.2;
  AsyncHTTPTestCase t(app, so);
  AsyncHTTPClient client(HTTPClientOptions{.idle_timeout = 60});
  const std::string first =
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/port")); }).body;
  CHECK(client.idle_connections() == 1);
  // The server closes it after 0.2 s: the pool notices without being asked.
  CHECK(tornado::testing::run_until(t.io_loop(), [&] { return client.idle_connections() == 0; }));
  const std::string second =
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/port")); }).body;
  CHECK(second != first);

  AsyncHTTPTestCase t2(app);
  AsyncHTTPClient brief(HTTPClientOptions{.idle_timeout = 0.1});
  (void)run<HTTPResponse>(t2.io_loop(), [&] { return brief.fetch(t2.get_url("/port")); });
  CHECK(brief.idle_connections() == 1);
  CHECK(tornado::testing::run_until(t2.io_loop(), [&] { return brief.idle_connections() == 0; }));
  CHECK(tornado::testing::run_until(t2.io_loop(),
                                    [&] { return t2.server().connection_count() == 0; }));
}

TEST_CASE("httpclient pool: at most max_idle_per_host kept; close() empties the pool") {
  Application app({url<Sleepy>("/sleepy")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client(HTTPClientOptions{.max_idle_per_host = 2});
  (void)run<std::vector<HTTPResponse>>(t.io_loop(), [&] {
    std::vector<Future<HTTPResponse>> fs;
    for (int i = 0; i < 4; ++i) fs.push_back(client.fetch(t.get_url("/sleepy")));
    return gen::multi(std::move(fs));
  });
  CHECK(client.idle_connections() == 2);
  client.close();
  CHECK(client.idle_connections() == 0);
  CHECK_THROWS_AS(
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/sleepy")); }),
      std::logic_error);
}

TEST_CASE("httpclient queue: max_clients in flight, the rest in order, queue timeout 599") {
  Application app({url<Sleepy>("/sleepy")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client(HTTPClientOptions{.max_clients = 2});
  std::vector<int> order;
  std::vector<Future<HTTPResponse>> fs;
  for (int i = 0; i < 5; ++i) {
    fs.push_back(client.fetch(t.get_url("/sleepy")));
    fs.back().add_done_callback([&order, i](Future<HTTPResponse>&) { order.push_back(i); });
  }
  CHECK(client.active() == 2);
  CHECK(client.queued() == 3);
  for (auto& f : fs) (void)run<HTTPResponse>(t.io_loop(), [&] { return f; });
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(client.active() == 0);
  CHECK(client.queued() == 0);

  // Waiting for a slot is bounded by min(connect_timeout, request_timeout).
  AsyncHTTPClient one(HTTPClientOptions{.max_clients = 1});
  Future<HTTPResponse> busy = one.fetch(t.get_url("/sleepy"));
  HTTPRequest waiting(t.get_url("/sleepy"));
  waiting.connect_timeout = 0.05;
  HTTPResponse r = run<HTTPResponse>(t.io_loop(), [&] { return one.fetch(waiting, false); });
  CHECK(r.code == 599);
  CHECK_THROWS_WITH_AS(r.rethrow(), "HTTP 599: Timeout in request queue", HTTPClientError);
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return busy; }).body == "slept");
  CHECK(one.active() == 0);
  // The abandoned waiter holds no slot: the next fetch starts at once.
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return one.fetch(t.get_url("/sleepy")); }).code ==
        200);
}

TEST_CASE("httpclient: a request_timeout of 0 means no timeout, as Tornado") {
  Application app({url<Sleepy>("/sleepy")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client;
  HTTPRequest r(t.get_url("/sleepy"));
  r.request_timeout = 0;
  r.connect_timeout = 0;
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(r); }).body == "slept");
}

TEST_CASE("httpclient: body_producer streams a chunked upload; Expect: 100-continue") {
  Application app({url<PeerPort>("/port")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client;
  HTTPRequest post(t.get_url("/port"));
  post.method = "POST";
  post.body_producer = [](HTTPRequest::BodyWriter write) -> Future<void> {
    co_await write("one,");
    co_await gen::moment;
    co_await write("two,");
    co_await write("three");
  };
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(post); }).body ==
        "POST:chunked:one,two,three");
  // With a Content-Length the producer's pieces go as they are.
  post.headers.set("Content-Length", "13");
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(post); }).body ==
        "POST::one,two,three");
  HTTPRequest put(t.get_url("/port"));
  put.method = "PUT";
  put.body = "after the 100";
  put.expect_100_continue = true;
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(put); }).body ==
        "PUT::after the 100");
  // The connection stays usable after both.
  CHECK(client.idle_connections() == 1);
  HTTPRequest both(t.get_url("/port"));
  both.method = "POST";
  both.body = "x";
  both.body_producer = post.body_producer;
  CHECK_THROWS_AS(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(both); }),
                  std::invalid_argument);
}

TEST_CASE("httpclient: a final answer instead of 100 Continue: the body is never sent") {
  // A server that refuses the upload at once (as for a 413) and closes.
  tornado::testing::LoopCase c;
  std::string seen;
  TCPServer server([&seen](std::shared_ptr<IOStream> s, TCPServer::Address) -> Future<void> {
    seen = co_await s->read_until("\r\n\r\n");
    co_await s->write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!");
    s->close();
  });
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  server.add_socket(bound.fd);
  AsyncHTTPClient client;
  HTTPRequest put("http://127.0.0.1:" + std::to_string(bound.port) + "/");
  put.method = "PUT";
  put.body = "a body never sent";
  put.expect_100_continue = true;
  HTTPResponse r = run<HTTPResponse>(c.loop(), [&] { return client.fetch(put, false); });
  CHECK(r.code == 413);
  CHECK(r.body == "big!");
  CHECK(seen.find("Expect: 100-continue") != std::string::npos);
  CHECK(client.idle_connections() == 0);
  server.stop();
}

TEST_CASE("httpclient: malformed and truncated responses are errors, not crashes") {
  // One canned answer per connection, then the server closes.
  struct Row {
    const char* name;
    const char* response;
    int code;          // 599 for an error
    const char* body;  // when code != 599
  };
  const Row rows[] = {
      {"good, until close", "HTTP/1.0 200 OK\r\n\r\nall of it", 200, "all of it"},
      {"good, chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "abc"},
      {"bad status line", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 599, ""},
      {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", 599, ""},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", 599,
       ""},
      {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 599, ""},
      {"truncated chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 599,
       ""},
      {"truncated head", "HTTP/1.1 200 OK\r\nContent-Len", 599, ""},
      {"nothing at all", "", 599, ""},
      {"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 599,
       ""},
      {"length and chunked",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: "
       "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       599, ""},
      {"header without colon", "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n", 599,
       ""},
      {"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 599, ""},
  };
  tornado::testing::LoopCase c;
  const Row* current = nullptr;
  TCPServer server([&current](std::shared_ptr<IOStream> s, TCPServer::Address) -> Future<void> {
    (void)co_await s->read_until("\r\n\r\n");
    co_await s->write(current->response);
    s->close();
  });
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  server.add_socket(bound.fd);
  const std::string url = "http://127.0.0.1:" + std::to_string(bound.port) + "/";
  AsyncHTTPClient client;
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    current = &row;
    HTTPResponse r = run<HTTPResponse>(c.loop(), [&] { return client.fetch(url, false); });
    CHECK(r.code == row.code);
    if (row.code == 599) {
      CHECK(r.error != nullptr);
      CHECK(client.idle_connections() == 0);  // a connection that failed is never kept
    } else {
      CHECK(r.body == row.body);
    }
  }
  server.stop();
}

// The client too refuses a chunked body for the sizes it declares, before their bytes: a
// server that promises a 1 GiB chunk and then sends nothing must not hold the fetch until its
// request_timeout. The canned server here keeps the connection open after its bytes.
TEST_CASE("httpclient: a declared chunk size past max_body_size fails the fetch at once") {
  struct Row {
    const char* name;
    std::size_t max_body_size;  // the client's
    std::string response;       // it always ends with a chunk-size line
  };
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string kib(1024, 'x');
  const Row rows[] = {
      {"one 1 GiB chunk", 100 * 1024 * 1024, head + "40000000\r\n"},
      {"one 128 MiB chunk", 100 * 1024 * 1024, head + "8000000\r\n"},
      {"four 1 KiB chunks, then one more byte past 4 KiB", 4096,
       head + "400\r\n" + kib + "\r\n400\r\n" + kib + "\r\n400\r\n" + kib + "\r\n400\r\n" + kib +
           "\r\n1\r\n"},
  };
  tornado::testing::LoopCase c;
  const Row* current = nullptr;
  TCPServer server([&current](std::shared_ptr<IOStream> s, TCPServer::Address) -> Future<void> {
    (void)co_await s->read_until("\r\n\r\n");
    co_await s->write(current->response);
    try {
      (void)co_await s->read_until_close();  // until the client gives up
    } catch (const StreamClosedError&) {
    }
  });
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  server.add_socket(bound.fd);
  const std::string url = "http://127.0.0.1:" + std::to_string(bound.port) + "/";
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    current = &row;
    AsyncHTTPClient client(HTTPClientOptions{.max_body_size = row.max_body_size});
    HTTPResponse r = run<HTTPResponse>(c.loop(), [&] { return client.fetch(url, false); });
    CHECK(r.code == 599);
    CHECK_THROWS_WITH_AS(r.rethrow(), "chunked body too large", HTTPInputError);
    CHECK(client.idle_connections() == 0);
  }
  server.stop();
  (void)run<void>(c.loop(), [] { return gen::sleep(0.0); });
}

TEST_CASE("httpclient: a body over max_body_size fails the fetch") {
  struct Big : RequestHandler {
    void get() { write(std::string(std::stoul(get_argument("n")), 'x')); }
  };
  Application app({url<Big>("/big")});
  AsyncHTTPTestCase t(app);
  AsyncHTTPClient client(HTTPClientOptions{.max_body_size = 1000});
  CHECK(run<HTTPResponse>(t.io_loop(), [&] {
          return client.fetch(t.get_url("/big?n=1000"));
        }).body.size() == 1000);
  HTTPResponse r =
      run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(t.get_url("/big?n=1001"), false); });
  CHECK(r.code == 599);
  CHECK_THROWS_AS(r.rethrow(), HTTPInputError);
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("httpclient: instance() is one client per loop, gone when the loop closes") {
  IOLoop* previous = IOLoop::current_or_null();  // before: a new loop may make itself current
  auto loop = std::make_unique<IOLoop>();
  loop->make_current();
  AsyncHTTPClient& a = AsyncHTTPClient::instance();
  CHECK(&a == &AsyncHTTPClient::instance());
  {
    IOLoop other;
    other.make_current();
    CHECK(&AsyncHTTPClient::instance() != &a);
    loop->make_current();
  }
  loop->close();
  loop.reset();
  if (previous) {
    previous->make_current();
  } else {
    IOLoop::clear_current();
  }
}

TEST_CASE("httpclient: connect timeout (a listener whose backlog is full), network_interface") {
  tornado::testing::LoopCase c;
  // Nothing accepts, and the queue holds one connection: once it is full the kernel drops the
  // next SYN, and that connect waits for its retry.
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  REQUIRE(::listen(bound.fd, 0) == 0);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(bound.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(fd);
  }
  AsyncHTTPClient client;
  HTTPRequest r("http://127.0.0.1:" + std::to_string(bound.port) + "/");
  r.connect_timeout = 0.2;
  HTTPResponse resp = run<HTTPResponse>(c.loop(), [&] { return client.fetch(r, false); });
  CHECK(resp.code == 599);
  CHECK_THROWS_WITH_AS(resp.rethrow(), "HTTP 599: Timeout while connecting", HTTPClientError);
  for (int fd : fillers) ::close(fd);
  ::close(bound.fd);

  // network_interface: the local address the connection is made from.
  Application app({url<PeerPort>("/port")});
  AsyncHTTPTestCase t(app);
  HTTPRequest from(t.get_url("/port"));
  from.network_interface = "127.0.0.1";
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(from); }).code == 200);
  from.network_interface = "192.0.2.1";  // TEST-NET-1: not an address of this host
  CHECK(run<HTTPResponse>(t.io_loop(), [&] { return client.fetch(from, false); }).code == 599);
}

// An IOStream subclass that sees every byte, as a TLS stream would encrypt them.
class CountingStream : public IOStream {
 public:
  explicit CountingStream(int fd) : IOStream(fd, {}) {}
  std::size_t read = 0, written = 0;

 protected:
  ssize_t read_from_fd(char* buf, std::size_t n) override {
    const ssize_t r = IOStream::read_from_fd(buf, n);
    if (r > 0) read += static_cast<std::size_t>(r);
    return r;
  }
  ssize_t write_to_fd(const struct iovec* iov, int count) override {
    const ssize_t r = IOStream::write_to_fd(iov, count);
    if (r > 0) written += static_cast<std::size_t>(r);
    return r;
  }
};

TEST_CASE("httpclient: HTTPClientOptions::connect, the transport seam (a Unix socket, https)") {
  tornado::testing::LoopCase c;
  struct Hello : RequestHandler {
    void get() { write("over " + request().protocol); }
  };
  Application app({url<Hello>("/")});
  HTTPServer server(app);
  const std::string path = "/tmp/tornado-httpclient-" + std::to_string(::getpid()) + ".sock";
  server.add_socket(netutil::bind_unix_socket(path));
  // Every new connection goes to the Unix socket, whatever the URL says.
  int connects = 0;
  std::vector<std::string> schemes;
  std::vector<std::shared_ptr<CountingStream>> made;
  HTTPClientOptions o;
  std::vector<std::string> tls;  // the request's TLS settings, which the hook must honour
  o.connect = [&](const URL& url, const HTTPRequest& req) -> Future<std::shared_ptr<IOStream>> {
    ++connects;
    schemes.push_back(url.scheme);
    tls.push_back(req.ca_certs + (req.validate_cert ? " verify" : " no-verify"));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    auto s = std::make_shared<CountingStream>(fd);
    made.push_back(s);
    Future<void> connected = s->connect(reinterpret_cast<sockaddr*>(&a), sizeof a);
    co_await connected;
    co_return s;
  };
  AsyncHTTPClient client(o);
  for (int i = 0; i < 3; ++i)
    CHECK(run<HTTPResponse>(c.loop(), [&] { return client.fetch("http://docker/"); }).body ==
          "over http");
  // https:// is no longer refused: the hook is where a TLS stream would be made. (This one
  // is plain, so the server sees http.) A different scheme is a different pool.
  HTTPRequest https("https://docker/");
  https.ca_certs = "/etc/ssl/certs/ca-certificates.crt";
  https.validate_cert = false;
  CHECK(run<HTTPResponse>(c.loop(), [&] { return client.fetch(https); }).body == "over http");
  CHECK(connects == 2);
  CHECK(schemes == std::vector<std::string>{"http", "https"});
  CHECK(tls == std::vector<std::string>{" verify", "/etc/ssl/certs/ca-certificates.crt no-verify"});
  // Every byte of both connections went through the subclass's hooks.
  for (const auto& m : made) {
    CHECK(m->written > 0);
    CHECK(m->read > 0);
  }
  client.close();
  CHECK(tornado::testing::run_until(c.loop(), [&] { return server.connection_count() == 0; }));
  server.stop();
  (void)run<void>(c.loop(), [] { return gen::sleep(0.0); });
  ::unlink(path.c_str());
}

TEST_CASE("httpclient pool: a connection with bytes nobody asked for is never reused") {
  tornado::testing::LoopCase c;
  // Each connection: one response, then stray bytes, and the server keeps it open.
  int connections = 0;
  std::vector<std::shared_ptr<IOStream>> open;
  TCPServer server([&](std::shared_ptr<IOStream> s, TCPServer::Address) -> Future<void> {
    ++connections;
    open.push_back(s);
    (void)co_await s->read_until("\r\n\r\n");
    co_await s->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    co_await s->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray");
  });
  const tornado::testing::BoundPort bound = tornado::testing::bind_unused_port();
  server.add_socket(bound.fd);
  const std::string url = "http://127.0.0.1:" + std::to_string(bound.port) + "/";
  AsyncHTTPClient client;
  for (int i = 1; i <= 3; ++i) {
    CAPTURE(i);
    HTTPResponse r = run<HTTPResponse>(c.loop(), [&] { return client.fetch(url); });
    CHECK(r.body == "ok");
    CHECK_FALSE(r.reused_connection);
    CHECK(connections == i);
  }
  client.close();
  for (auto& s : open) s->close();
  server.stop();
  (void)run<void>(c.loop(), [] { return gen::sleep(0.0); });
}
