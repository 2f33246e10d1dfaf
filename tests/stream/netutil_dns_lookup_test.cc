// tests/stream/netutil_dns_lookup_test.cc: the stub resolver against a nameserver of the test's.
// Mirrors:  tornado/test/netutil_test.py's resolver tests, with the nameserver played by
//           tests/support/fake_dns (UDP on 127.0.0.1, port 0), so that every answer is known.
// Role:     DefaultResolver on the loop and resolve_blocking without one: A, AAAA, both, CNAME
//           chains, NXDOMAIN, SERVFAIL then the next nameserver, timeouts and retries, forged
//           and malformed replies, truncated replies asked again over TCP, the hosts file, the
//           search list, "localhost". Each case ends well under a second.
#include <doctest/doctest.h>
#include <netdb.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/fake_dns.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/netutil.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::ResolvedAddress;
namespace dns = tornado::netutil::dns;

namespace {

// A configuration that asks `servers` only, with short timeouts and no hosts file. Cases that
// wait for a timeout make it a tenth of a second; the others leave room for a slow emulator.
netutil::ResolverConfig config_for(std::vector<std::string> servers, int attempts = 2,
                                   double timeout = 0.5) {
  netutil::ResolverConfig c;
  c.nameservers = std::move(servers);
  c.timeout = timeout;
  c.attempts = attempts;
  c.hosts_path = "";
  return c;
}

std::vector<std::string> hosts_of(const std::vector<ResolvedAddress>& addrs) {
  std::vector<std::string> out;
  for (const ResolvedAddress& a : addrs) out.push_back(a.host());
  return out;
}

FakeAnswer records(std::vector<FakeRecord> rr) {
  FakeAnswer a;
  a.records = std::move(rr);
  return a;
}

FakeAnswer rcode(unsigned code) {
  FakeAnswer a;
  a.rcode = code;
  return a;
}

// What a lookup on the loop gives: the addresses, or the error's code and message.
struct Outcome {
  std::vector<std::string> hosts;
  int port = 0;
  int error = 0;
  std::string what;
};

// `tcp_server`: the nameserver whose TCP connection must be closed on its side too before the
// case's fd leak check.
Outcome resolve_on_loop(netutil::ResolverConfig config, const std::string& host,
                        int family = AF_UNSPEC, const FakeDnsServer* tcp_server = nullptr) {
  LoopCase c;
  netutil::DefaultResolver resolver(std::move(config));
  Outcome o;
  try {
    const std::vector<ResolvedAddress> addrs = testing::run_sync(
        c.loop(), [&] { return resolver.resolve(host, 8080, family); }, gen::Duration(5));
    o.hosts = hosts_of(addrs);
    if (!addrs.empty()) o.port = addrs[0].port();
  } catch (const netutil::ResolveError& e) {
    CHECK(e.code().category() == netutil::gai_category());
    CHECK(e.host() == host);
    o.error = e.code().value();
    o.what = e.what();
  }
  if (tcp_server != nullptr)
    CHECK(run_until(
        c.loop(), [&] { return tcp_server->tcp_open() == 0; }, 2.0));
  return o;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

double elapsed_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A UDP port on 127.0.0.1 where nothing listens (bound, then closed).
std::string closed_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  const netutil::SocketAddress any = *netutil::SocketAddress::from_ip("127.0.0.1", 0);
  REQUIRE(::bind(fd, any.get(), any.len) == 0);
  const int port = netutil::SocketAddress::of_socket(fd).port();
  ::close(fd);
  return "127.0.0.1:" + std::to_string(port);
}

}  // namespace

TEST_CASE("netutil_dns_lookup: answers") {
  FakeDnsServer ns;
  ns.answer("v4.test", dns::kTypeA, records({a_record("v4.test", "192.0.2.1")}));
  ns.answer("v6.test", dns::kTypeAAAA, records({a_record("v6.test", "2001:db8::6")}));
  ns.answer("both.test", dns::kTypeA,
            records({a_record("both.test", "192.0.2.2"), a_record("both.test", "192.0.2.3")}));
  ns.answer("both.test", dns::kTypeAAAA, records({a_record("both.test", "2001:db8::2")}));
  ns.answer("alias.test", dns::kTypeA,
            records({cname_record("alias.test", "mid.test"), cname_record("mid.test", "end.test"),
                     a_record("end.test", "192.0.2.9")}));
  struct Row {
    std::string host;
    int family;
    std::vector<std::string> want;
  };
  const Row table[] = {
      {"v4.test", AF_INET, {"192.0.2.1"}},
      {"v4.test", AF_UNSPEC, {"192.0.2.1"}},  // AAAA: NXDOMAIN from the table's default
      {"V4.Test.", AF_INET, {"192.0.2.1"}},
      {"v6.test", AF_INET6, {"2001:db8::6"}},
      {"both.test", AF_UNSPEC, {"192.0.2.2", "192.0.2.3", "2001:db8::2"}},  // IPv4 first
      {"both.test", AF_INET6, {"2001:db8::2"}},
      {"alias.test", AF_INET, {"192.0.2.9"}},
  };
  for (const Row& row : table) {
    CAPTURE(row.host);
    CAPTURE(row.family);
    const Outcome o = resolve_on_loop(config_for({ns.address()}), row.host, row.family);
    CHECK(o.what == "");
    CHECK(o.hosts == row.want);
    CHECK(o.port == 8080);
  }
  // One query per family asked: AF_INET sends no AAAA query.
  CHECK(ns.queries("v6.test", dns::kTypeA) == 0);
  CHECK(ns.queries("both.test", dns::kTypeA) == 1);
}

TEST_CASE("netutil_dns_lookup: errors") {
  FakeDnsServer ns;
  ns.answer("servfail.test", dns::kTypeA, rcode(2));
  ns.answer("refused.test", dns::kTypeA, rcode(5));
  ns.answer("nodata.test", dns::kTypeA, records({a_record("other.test", "192.0.2.1")}));
  FakeAnswer tc_twice;  // TC over UDP and over TCP too
  tc_twice.datagrams = [](const Bytes&, const Bytes& reply) {
    Bytes r = reply;
    r[2] |= 0x02;
    return std::vector<Bytes>{r};
  };
  ns.answer("big.test", dns::kTypeA, tc_twice);
  FakeAnswer loop;
  loop.datagrams = [](const Bytes& query, const Bytes& reply) {
    Bytes r = reply;
    r[7] = 1;  // one answer, whose name points at itself
    const unsigned at = static_cast<unsigned>(r.size());
    r.insert(r.end(), {static_cast<unsigned char>(0xC0 | at >> 8), static_cast<unsigned char>(at),
                       0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
    (void)query;
    return std::vector<Bytes>{r};
  };
  ns.answer("loop.test", dns::kTypeA, loop);
  FakeAnswer garbage;
  garbage.datagrams = [](const Bytes& query, const Bytes&) {
    return std::vector<Bytes>{Bytes(query.begin(), query.begin() + 5)};
  };
  ns.answer("garbage.test", dns::kTypeA, garbage);
  FakeAnswer silent;
  silent.silent = true;
  ns.answer("silent.test", dns::kTypeA, silent);
  struct Row {
    std::string host;
    int error;
    std::string says;
  };
  const Row table[] = {
      {"nxdomain.test", EAI_NONAME, "NXDOMAIN"},
      {"nodata.test", EAI_NONAME, "NODATA"},
      {"servfail.test", EAI_AGAIN, "SERVFAIL"},
      {"refused.test", EAI_FAIL, "REFUSED"},
      {"big.test", EAI_FAIL, "truncated (TC bit) over TCP"},
      {"loop.test", EAI_FAIL, "compression pointer"},
      {"garbage.test", EAI_FAIL, "shorter than a DNS header"},
      {"silent.test", EAI_AGAIN, "no reply within the timeout"},
      {"an invalid name", EAI_NONAME, "not a valid host name"},
      {"a..b", EAI_NONAME, "not a valid host name"},
  };
  for (const Row& row : table) {
    CAPTURE(row.host);
    const auto t0 = std::chrono::steady_clock::now();
    const double timeout = row.host == "silent.test" ? 0.1 : 0.5;
    const Outcome o =
        resolve_on_loop(config_for({ns.address()}, 2, timeout), row.host, AF_INET, &ns);
    CHECK(o.hosts.empty());
    CHECK(o.error == row.error);
    CHECK(mentions(o.what, row.says));
    CHECK(mentions(o.what, row.host));
    if (row.error != EAI_NONAME) CHECK(mentions(o.what, ns.address()));  // who said so
    CHECK(elapsed_since(t0) < 1.0);
  }
  CHECK(ns.queries("an invalid name", dns::kTypeA) == 0);
  CHECK(ns.queries("silent.test", dns::kTypeA) == 2);  // attempts
}

TEST_CASE("netutil_dns_lookup: the next nameserver, retries and forged replies") {
  FakeDnsServer failing, good;
  failing.answer_all(rcode(2));
  good.answer("www.test", dns::kTypeA, records({a_record("www.test", "192.0.2.7")}));
  // SERVFAIL from the first nameserver: the second answers.
  Outcome o = resolve_on_loop(config_for({failing.address(), good.address()}), "www.test", AF_INET);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.7"});
  CHECK(failing.queries("www.test", dns::kTypeA) == 1);
  // Nothing listens at the first (an ICMP error, not a wait for the timeout).
  const auto t0 = std::chrono::steady_clock::now();
  o = resolve_on_loop(config_for({closed_port(), good.address()}, 1), "www.test", AF_INET);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.7"});
  // A query that goes unanswered is sent again (attempts), and the second one answered.
  FakeAnswer silent;
  silent.silent = true;
  good.answer_once("retry.test", dns::kTypeA, silent);
  good.answer("retry.test", dns::kTypeA, records({a_record("retry.test", "192.0.2.8")}));
  o = resolve_on_loop(config_for({good.address()}, 2, 0.2), "retry.test", AF_INET);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.8"});
  CHECK(good.queries("retry.test", dns::kTypeA) == 2);
  // Replies with another id, to another question, or not replies at all come first: each is
  // ignored and the true one accepted.
  FakeAnswer forged = records({a_record("forged.test", "192.0.2.10")});
  forged.datagrams = [](const Bytes& query, const Bytes& reply) {
    Bytes wrong_id = dns_reply(query, 0, {a_record("forged.test", "203.0.113.1")});
    wrong_id[1] ^= 0x5A;
    const Bytes other_question = dns_reply(
        dns_query("other.test", dns::kTypeA, static_cast<std::uint16_t>(query[0] << 8 | query[1])),
        0, {a_record("other.test", "203.0.113.2")});
    Bytes not_reply = dns_reply(query, 0, {a_record("forged.test", "203.0.113.3")});
    not_reply[2] &= 0x7F;
    return std::vector<Bytes>{wrong_id, other_question, not_reply, reply};
  };
  good.answer("forged.test", dns::kTypeA, forged);
  o = resolve_on_loop(config_for({good.address()}), "forged.test", AF_INET);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.10"});
  CHECK(elapsed_since(t0) < 1.0);
  // Every nameserver fails: the last one's reason.
  o = resolve_on_loop(config_for({failing.address(), closed_port()}, 1), "www.test", AF_INET);
  CHECK(o.error == EAI_AGAIN);
  CHECK(mentions(o.what, "refused"));
}

TEST_CASE("netutil_dns_lookup: truncated replies are asked again over TCP") {
  FakeDnsServer ns;
  FakeAnswer big = records({a_record("big.test", "192.0.2.1"), a_record("big.test", "192.0.2.2")});
  big.truncated = true;  // over UDP; TCP gets the whole answer
  ns.answer("big.test", dns::kTypeA, big);
  FakeAnswer big6 = records({a_record("big.test", "2001:db8::1")});
  big6.truncated = true;
  ns.answer("big.test", dns::kTypeAAAA, big6);
  Outcome o = resolve_on_loop(config_for({ns.address()}), "big.test", AF_INET, &ns);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});
  CHECK(ns.tcp_queries() == 1);
  // Both questions go over the one connection when both were truncated or unanswered.
  o = resolve_on_loop(config_for({ns.address()}), "big.test", AF_UNSPEC, &ns);
  CHECK(o.hosts == std::vector<std::string>{"192.0.2.1", "192.0.2.2", "2001:db8::1"});
  CHECK(ns.tcp_queries() >= 2);
  // Nothing listens on the TCP port: the error says so.
  FakeDnsServer udp_only(false);
  udp_only.answer("big.test", dns::kTypeA, big);
  o = resolve_on_loop(config_for({udp_only.address()}, 1), "big.test", AF_INET);
  CHECK(o.error == EAI_AGAIN);
  CHECK(mentions(o.what, "TCP"));
  CHECK(mentions(o.what, udp_only.address()));
  // Without a loop, the same (last: no case's fd check follows while the server closes its side).
  const int before = ns.tcp_queries();
  const std::vector<ResolvedAddress> addrs =
      netutil::resolve_blocking("big.test", 53, AF_INET6, config_for({ns.address()}));
  REQUIRE(addrs.size() == 1);
  CHECK(addrs[0].host() == "2001:db8::1");
  CHECK(ns.tcp_queries() == before + 1);
}

TEST_CASE("netutil_dns_lookup: hosts file, search list and localhost") {
  FakeDnsServer ns;
  ns.answer("web.test", dns::kTypeA, records({a_record("web.test", "192.0.2.1")}));
  ns.answer("www.corp.test", dns::kTypeA, records({a_record("www.corp.test", "192.0.2.2")}));
  ns.answer("a.b", dns::kTypeA, records({a_record("a.b", "192.0.2.3")}));
  ns.answer("x.y.corp.test", dns::kTypeA, records({a_record("x.y.corp.test", "192.0.2.4")}));
  char path[] = "/tmp/tornado-hosts-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string hosts = "192.0.2.50 Web.Test alias\n2001:db8::50 web.test\n";
  REQUIRE(::write(fd, hosts.data(), hosts.size()) == static_cast<ssize_t>(hosts.size()));
  ::close(fd);
  netutil::ResolverConfig c = config_for({ns.address()});
  c.hosts_path = path;
  c.search = {"corp.test"};
  // The hosts file wins over DNS, which is then not asked.
  CHECK(resolve_on_loop(c, "web.test").hosts ==
        std::vector<std::string>{"192.0.2.50", "2001:db8::50"});
  CHECK(resolve_on_loop(c, "web.test", AF_INET6).hosts == std::vector<std::string>{"2001:db8::50"});
  CHECK(ns.queries() == 0);
  // Fewer dots than ndots (1): the search domains first.
  CHECK(resolve_on_loop(c, "www", AF_INET).hosts == std::vector<std::string>{"192.0.2.2"});
  CHECK(ns.names_asked() == std::vector<std::string>{"www.corp.test"});
  // As many: the name itself first; NXDOMAIN then sends it on to the search list.
  CHECK(resolve_on_loop(c, "a.b", AF_INET).hosts == std::vector<std::string>{"192.0.2.3"});
  CHECK(resolve_on_loop(c, "x.y", AF_INET).hosts == std::vector<std::string>{"192.0.2.4"});
  CHECK(ns.names_asked() ==
        std::vector<std::string>{"www.corp.test", "a.b", "x.y", "x.y.corp.test"});
  c.ndots = 2;
  CHECK(resolve_on_loop(c, "x.y", AF_INET).hosts == std::vector<std::string>{"192.0.2.4"});
  CHECK(ns.names_asked().back() == "x.y.corp.test");
  ::unlink(path);
  // "localhost" with no hosts file: the loopback addresses, no query (RFC 6761).
  const int before = ns.queries();
  CHECK(resolve_on_loop(config_for({ns.address()}), "localhost").hosts ==
        std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(resolve_on_loop(config_for({ns.address()}), "db.localhost", AF_INET6).hosts ==
        std::vector<std::string>{"::1"});
  CHECK(ns.queries() == before);
  // The system's configuration: localhost from /etc/hosts (or the rule above).
  LoopCase loop;
  netutil::DefaultResolver system;
  const auto addrs =
      testing::run_sync(loop.loop(), [&] { return system.resolve("localhost", 80); });
  REQUIRE(!addrs.empty());
  CHECK((addrs[0].host() == "127.0.0.1" || addrs[0].host() == "::1"));
}

TEST_CASE("netutil_dns_lookup: resolve_blocking and configurations") {
  FakeDnsServer ns;
  ns.answer("sync.test", dns::kTypeA, records({a_record("sync.test", "192.0.2.11")}));
  ns.answer("sync.test", dns::kTypeAAAA, records({a_record("sync.test", "2001:db8::11")}));
  const std::vector<ResolvedAddress> addrs =
      netutil::resolve_blocking("sync.test", 443, AF_UNSPEC, config_for({ns.address()}));
  REQUIRE(addrs.size() == 2);
  CHECK(addrs[0].to_string() == "192.0.2.11:443");
  CHECK(addrs[1].to_string() == "[2001:db8::11]:443");
  CHECK(netutil::resolve_blocking("127.0.0.1", 80)[0].to_string() == "127.0.0.1:80");
  try {
    (void)netutil::resolve_blocking("nothere.test", 80, AF_INET, config_for({ns.address()}));
    FAIL("resolved");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.code() == std::error_code(EAI_NONAME, netutil::gai_category()));
  }
  // Nameservers are addresses in digits, with a port or not.
  for (const char* bad : {"dns.example", "192.0.2.1:", "192.0.2.1:99999", "[::1]", "::1]:53"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(netutil::DefaultResolver(config_for({bad})), std::invalid_argument);
  }
  for (const char* good : {"192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:53"})
    CHECK_NOTHROW(netutil::DefaultResolver(config_for({good})));
}
