// tests/stream/tcpclient_test.cc: TCPClient and its Happy Eyeballs connector.
// Mirrors:  tornado/test/tcpclient_test.py (TCPClientTest: test_connect_ipv4_ipv4,
//           test_connect_ipv6_ipv6, test_refused_ipv4, test_source_ip_fail,
//           test_source_ip_success, test_source_port_fail, test_connect_timeout; ConnectorTest's
//           scenarios, here over real sockets: a refused address fails at once, a black-holed
//           one never answers).
#include "tornado/stream/tcpclient.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/tcpserver.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::ResolvedAddress;
using netutil::SocketAddress;
using StreamPtr = std::shared_ptr<IOStream>;

namespace {

// Answers every lookup with a fixed list, in order: what lets a case choose the primary and
// secondary families, and put a refusing or black-holed address first.
class FixedResolver : public netutil::Resolver {
 public:
  explicit FixedResolver(std::vector<ResolvedAddress> addrs) : addrs_(std::move(addrs)) {}
  Future<std::vector<ResolvedAddress>> resolve(const std::string&, int, int) override {
    ++calls;
    return make_ready_future<std::vector<ResolvedAddress>>(addrs_);
  }
  int calls = 0;

 private:
  std::vector<ResolvedAddress> addrs_;
};

// A server that keeps each accepted stream and remembers its peer.
struct KeepServer {
  std::vector<StreamPtr> streams;
  std::vector<SocketAddress> peers;
  TCPServer server{[this](StreamPtr s, SocketAddress a) {
    streams.push_back(std::move(s));
    peers.push_back(a);
  }};
  SocketAddress listen(const char* address) {
    server.add_sockets(netutil::bind_sockets(0, address));
    return server.addresses().at(0);
  }
  ~KeepServer() {
    for (const StreamPtr& s : streams) s->close();
  }
};

int peer_family(const StreamPtr& s) { return SocketAddress::of_peer(s->fileno()).family; }

}  // namespace

TEST_CASE("tcpclient: connect_ipv4_ipv4") {
  LoopCase c;
  KeepServer srv;
  const SocketAddress addr = srv.listen("127.0.0.1");
  TCPClient client;
  StreamPtr s =
      testing::run_sync(c.loop(), [&] { return client.connect("127.0.0.1", addr.port()); });
  CHECK(peer_family(s) == AF_INET);
  CHECK(SocketAddress::of_peer(s->fileno()).port() == addr.port());
  CHECK(run_until(c.loop(), [&] { return srv.streams.size() == 1; }));
  // The connection carries data both ways.
  (void)s->write("ping\n");
  CHECK(testing::run_sync(c.loop(), [&] { return srv.streams[0]->read_until("\n"); }) == "ping\n");
  s->close();
}

TEST_CASE("tcpclient: connect_ipv6_ipv6") {
  if (!ipv6_available()) {
    TORNADO_SKIP("IPv6 is not available on this host");
  }
  LoopCase c;
  KeepServer srv;
  const SocketAddress addr = srv.listen("::1");
  TCPClient client;
  StreamPtr s =
      testing::run_sync(c.loop(), [&] { return client.connect("::1", addr.port(), AF_INET6); });
  CHECK(peer_family(s) == AF_INET6);
  s->close();
}

TEST_CASE("tcpclient: connect to localhost through the default resolver") {
  LoopCase c;
  KeepServer srv;
  // Listen wherever "localhost" points, so that whichever address comes first answers.
  srv.server.add_sockets(netutil::bind_sockets(0, "localhost"));
  const int port = srv.server.addresses().at(0).port();
  TCPClient client;
  StreamPtr s = testing::run_sync(
      c.loop(), [&] { return client.connect("localhost", port); }, gen::Duration(10));
  CHECK(SocketAddress::of_peer(s->fileno()).port() == port);
  s->close();
  client.close();
}

TEST_CASE("tcpclient: refused_ipv4") {
  LoopCase c;
  RefusingAddress refused(AF_INET);
  TCPClient client;
  try {
    (void)testing::run_sync(c.loop(),
                            [&] { return client.connect("127.0.0.1", refused.address.port()); });
    FAIL("connected");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == ECONNREFUSED);
  }
}

TEST_CASE("tcpclient: a name that does not resolve fails with ResolveError") {
  LoopCase c;
  TCPClient client;
  CHECK_THROWS_AS(
      testing::run_sync(
          c.loop(), [&] { return client.connect("nonexistent.invalid", 80); }, gen::Duration(20)),
      netutil::ResolveError);
}

TEST_CASE("tcpclient: connect_timeout") {
  BlackHole hole;
  if (!hole.make(AF_INET)) {
    TORNADO_SKIP("this host answers every SYN, so no connect can be made to hang");
  }
  LoopCase c;
  auto resolver = std::make_shared<FixedResolver>(std::vector<ResolvedAddress>{hole.address});
  TCPClient client(resolver);
  const double started = c.loop().time();
  CHECK_THROWS_AS(
      testing::run_sync(c.loop(),
                        [&] { return client.connect("blackhole", 80, AF_UNSPEC, {}, 0, 0.2); }),
      TimeoutError);
  const double elapsed = c.loop().time() - started;
  CHECK(elapsed >= 0.19);
  CHECK(elapsed < 2.0);
  c.loop().run_once(0);  // the abandoned attempt's stream closes on the loop
}

// RFC 6555: the primary family (the first address's) has 0.3 s alone; then the secondary
// starts, and the first to connect wins.
TEST_CASE("tcpclient: happy eyeballs: a black-holed primary, the secondary wins after 0.3 s") {
  if (!ipv6_available()) {
    TORNADO_SKIP("two address families are needed and IPv6 is not available");
  }
  BlackHole hole;
  if (!hole.make(AF_INET)) {
    TORNADO_SKIP("this host answers every SYN, so no connect can be made to hang");
  }
  LoopCase c;
  KeepServer srv;
  const SocketAddress v6 = srv.listen("::1");
  auto resolver = std::make_shared<FixedResolver>(std::vector<ResolvedAddress>{hole.address, v6});
  TCPClient client(resolver);
  const double started = c.loop().time();
  StreamPtr s = testing::run_sync(c.loop(), [&] { return client.connect("dual", 80); });
  const double elapsed = c.loop().time() - started;
  CHECK(peer_family(s) == AF_INET6);
  CHECK(elapsed >= TCPClient::kInitialConnectTimeout - 0.01);
  CHECK(elapsed < 2.0);
  s->close();
  c.loop().run_once(0);
}

TEST_CASE(
    "tcpclient: a refused primary starts the secondary at once (two_families_immediate_failure)") {
  if (!ipv6_available()) {
    TORNADO_SKIP("two address families are needed and IPv6 is not available");
  }
  LoopCase c;
  RefusingAddress refused(AF_INET);
  KeepServer srv;
  const SocketAddress v6 = srv.listen("::1");
  auto resolver =
      std::make_shared<FixedResolver>(std::vector<ResolvedAddress>{refused.address, v6});
  TCPClient client(resolver);
  const double started = c.loop().time();
  StreamPtr s = testing::run_sync(c.loop(), [&] { return client.connect("dual", 80); });
  CHECK(c.loop().time() - started < TCPClient::kInitialConnectTimeout);
  CHECK(peer_family(s) == AF_INET6);
  s->close();
}

TEST_CASE(
    "tcpclient: one family, the second address after the first is refused "
    "(one_family_second_try)") {
  LoopCase c;
  RefusingAddress refused(AF_INET);
  KeepServer srv;
  const SocketAddress good = srv.listen("127.0.0.1");
  auto resolver =
      std::make_shared<FixedResolver>(std::vector<ResolvedAddress>{refused.address, good});
  TCPClient client(resolver);
  StreamPtr s = testing::run_sync(c.loop(), [&] { return client.connect("two", 80); });
  CHECK(SocketAddress::of_peer(s->fileno()).port() == good.port());
  s->close();
}

TEST_CASE("tcpclient: every address refused: the last error (all_fail)") {
  LoopCase c;
  RefusingAddress a(AF_INET), b(AF_INET);
  std::vector<ResolvedAddress> addrs{a.address, b.address};
  std::unique_ptr<RefusingAddress> v6;
  if (ipv6_available()) {
    v6 = std::make_unique<RefusingAddress>(AF_INET6);
    addrs.push_back(v6->address);
  }
  TCPClient client(std::make_shared<FixedResolver>(addrs));
  try {
    (void)testing::run_sync(c.loop(), [&] { return client.connect("nowhere", 80); });
    FAIL("connected");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == ECONNREFUSED);
  }
}

TEST_CASE("tcpclient: source_port and source_ip_success") {
  LoopCase c;
  KeepServer srv;
  const SocketAddress addr = srv.listen("127.0.0.1");
  int free_port;
  {
    Fds probe(netutil::bind_sockets(0, "127.0.0.1"));
    free_port = SocketAddress::of_socket(probe[0]).port();
  }
  TCPClient client;
  StreamPtr s = testing::run_sync(
      c.loop(), [&] { return client.connect("127.0.0.1", addr.port(), AF_INET, {}, free_port); });
  CHECK(SocketAddress::of_socket(s->fileno()).port() == free_port);
  CHECK(run_until(c.loop(), [&] { return srv.peers.size() == 1; }));
  CHECK(srv.peers[0].port() == free_port);
  s->close();
  StreamPtr t = testing::run_sync(
      c.loop(), [&] { return client.connect("127.0.0.1", addr.port(), AF_INET, "127.0.0.1"); });
  CHECK(SocketAddress::of_socket(t->fileno()).host() == "127.0.0.1");
  t->close();
}

TEST_CASE("tcpclient: source_ip_fail and source_port_fail") {
  LoopCase c;
  KeepServer srv;
  const SocketAddress addr = srv.listen("127.0.0.1");
  TCPClient client;
  // An address this host does not have (TEST-NET-3), one that is not numeric, and a port in
  // use by a listener.
  for (const char* ip : {"203.0.113.7", "not-an-ip"}) {
    CAPTURE(ip);
    CHECK_THROWS_AS(
        testing::run_sync(c.loop(),
                          [&] { return client.connect("127.0.0.1", addr.port(), AF_INET, ip); }),
        std::system_error);
  }
  try {
    (void)testing::run_sync(c.loop(), [&] {
      return client.connect("127.0.0.1", addr.port(), AF_INET, "127.0.0.1", addr.port());
    });
    FAIL("bound to a port a listener has");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
  }
}

TEST_CASE("tcpclient: IOStreamOptions reach the stream") {
  LoopCase c;
  KeepServer srv;
  const SocketAddress addr = srv.listen("127.0.0.1");
  IOStreamOptions opts;
  opts.max_buffer_size = 4096;
  TCPClient client;
  StreamPtr s = testing::run_sync(c.loop(), [&] {
    return client.connect("127.0.0.1", addr.port(), AF_UNSPEC, {}, 0, std::nullopt, opts);
  });
  CHECK(s->options().max_buffer_size == 4096);
  s->close();
}
