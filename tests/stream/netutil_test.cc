// tests/stream/netutil_test.cc: listening sockets, addresses and resolvers.
// Mirrors:  tornado/test/netutil_test.py (TestPortAllocation, IsValidIPTest, the resolver
//           tests).
// Role:     bind_sockets against getaddrinfo's answers and its errors, bind_unix_socket,
//           is_valid_ip, the resolvers. The accept loop: netutil_accept_test.cc.
#include "tornado/stream/netutil.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;
using netutil::ResolvedAddress;
using netutil::SocketAddress;

namespace {

bool flag_set(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, name, &v, &len) == 0 && v != 0;
}

void check_listening_socket(int fd) {
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(flag_set(fd, SOL_SOCKET, SO_ACCEPTCONN));
  if (SocketAddress::of_socket(fd).family != AF_UNIX) CHECK(flag_set(fd, SOL_SOCKET, SO_REUSEADDR));
  if (SocketAddress::of_socket(fd).family == AF_INET6)
    CHECK(flag_set(fd, IPPROTO_IPV6, IPV6_V6ONLY));
}

bool contains(const std::vector<ResolvedAddress>& addrs, const std::string& host, int port) {
  for (const ResolvedAddress& a : addrs)
    if (a.host() == host && a.port() == port) return true;
  return false;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/tornado-netutil-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

// ---------------------------------------------------------------- bind_sockets

TEST_CASE("netutil: same_port_allocation") {
  for (const char* address : {"localhost", ""}) {
    CAPTURE(address);
    Fds s(netutil::bind_sockets(0, address));
    REQUIRE(!s.fds.empty());
    const int port = SocketAddress::of_socket(s[0]).port();
    CHECK(port != 0);
    for (int fd : s.fds) {
      CHECK(SocketAddress::of_socket(fd).port() == port);
      check_listening_socket(fd);
    }
    // "" means every interface: 0.0.0.0 first, then :: (which IPV6_V6ONLY lets share the port).
    if (address[0] == '\0' && ipv6_available()) {
      REQUIRE(s.fds.size() == 2);
      CHECK(SocketAddress::of_socket(s[0]).family == AF_INET);
      CHECK(SocketAddress::of_socket(s[1]).family == AF_INET6);
    }
  }
}

TEST_CASE("netutil: bind_sockets on 127.0.0.1 and ::1 with port 0") {
  Fds v4(netutil::bind_sockets(0, "127.0.0.1"));
  REQUIRE(v4.fds.size() == 1);
  const SocketAddress a = SocketAddress::of_socket(v4[0]);
  CHECK(a.family == AF_INET);
  CHECK(a.host() == "127.0.0.1");
  CHECK(a.port() != 0);
  check_listening_socket(v4[0]);
  if (!ipv6_available()) {
    MESSAGE("IPv6 is not available on this host: the ::1 half is skipped");
    return;
  }
  Fds v6(netutil::bind_sockets(0, "::1"));
  REQUIRE(v6.fds.size() == 1);
  CHECK(SocketAddress::of_socket(v6[0]).to_string().rfind("[::1]:", 0) == 0);
  check_listening_socket(v6[0]);
  // The same port on the other family is free to take, as port 0 across families relies on.
  Fds same(netutil::bind_sockets(a.port(), "::1"));
  CHECK(SocketAddress::of_socket(same[0]).port() == a.port());
  // family restricts the result.
  Fds only4(netutil::bind_sockets(0, "", AF_INET));
  REQUIRE(only4.fds.size() == 1);
  CHECK(SocketAddress::of_socket(only4[0]).family == AF_INET);
}

namespace {

// A passive lookup's answer: each address as "family host" (sorted, ports left out), or the
// EAI_* code.
struct Answer {
  int error = 0;
  std::vector<std::string> addresses;
  bool operator==(const Answer&) const = default;
};

std::string family_host(const SocketAddress& a) {
  return std::to_string(a.family) + " " + a.host();
}

// What getaddrinfo answers, with the flags bind_sockets gave it before it worked numeric
// addresses out itself: AI_NUMERICHOST for digits, AI_ADDRCONFIG for "" (every address).
Answer getaddrinfo_answer(const std::string& address, int family) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (address.empty() ? AI_ADDRCONFIG : AI_NUMERICHOST);
  addrinfo* res = nullptr;
  Answer a;
  a.error = ::getaddrinfo(address.empty() ? nullptr : address.c_str(), "0", &hints, &res);
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next)
    a.addresses.push_back(family_host(SocketAddress::from(ai->ai_addr, ai->ai_addrlen)));
  if (res != nullptr) ::freeaddrinfo(res);
  std::sort(a.addresses.begin(), a.addresses.end());
  return a;
}

template <class Bind>
Answer bind_answer(Bind bind, const std::string& address, int family) {
  Answer a;
  try {
    Fds s(bind(0, address, family, 16, false));
    for (const int fd : s.fds) {
      a.addresses.push_back(family_host(SocketAddress::of_socket(fd)));
      check_listening_socket(fd);
    }
  } catch (const netutil::ResolveError& e) {
    a.error = e.code().value();
  }
  std::sort(a.addresses.begin(), a.addresses.end());
  return a;
}

}  // namespace

// bind_sockets works numeric addresses and "" out without getaddrinfo (so that a static
// program need not link it): its answer must be getaddrinfo's, errors included.
TEST_CASE("netutil: numeric and empty addresses bind as getaddrinfo answers them") {
  struct Case {
    const char* address;
    int family;
    bool ipv6;  // needs IPv6 on this host
  };
  const Case cases[] = {
      {"127.0.0.1", AF_UNSPEC, false},
      {"127.0.0.1", AF_INET, false},
      {"127.0.0.1", AF_INET6, false},
      {"0.0.0.0", AF_UNSPEC, false},
      {"::1", AF_UNSPEC, true},
      {"::1", AF_INET6, true},
      {"::1", AF_INET, false},
      {"::", AF_INET6, true},
      {"", AF_UNSPEC, true},
      {"", AF_INET, false},
      {"", AF_INET6, true},
      {"127.0.0.1", AF_UNIX, false},
  };
  int compared = 0;
  for (const Case& c : cases) {
    if (c.ipv6 && !ipv6_available()) continue;
    CAPTURE(c.address);
    CAPTURE(c.family);
    const Answer want = getaddrinfo_answer(c.address, c.family);
    CHECK(bind_answer(netutil::bind_sockets, c.address, c.family) == want);
    CHECK(bind_answer(netutil::bind_numeric_sockets, c.address, c.family) == want);
    ++compared;
  }
  CHECK(compared >= 7);
  // A name: bind_sockets looks it up, bind_numeric_sockets refuses it as AI_NUMERICHOST does.
  CHECK(bind_answer(netutil::bind_sockets, "localhost", AF_INET).addresses ==
        std::vector<std::string>{family_host(*SocketAddress::from_ip("127.0.0.1", 0))});
  try {
    (void)netutil::bind_numeric_sockets(0, "localhost");
    FAIL("bind_numeric_sockets looked a name up");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.code() == std::error_code(EAI_NONAME, netutil::gai_category()));
    CHECK(e.host() == "localhost");
  }
}

TEST_CASE("netutil: reuse_port") {
  Fds first(netutil::bind_sockets(0, "127.0.0.1", AF_UNSPEC, 128, true));
  const int port = SocketAddress::of_socket(first[0]).port();
  Fds second(netutil::bind_sockets(port, "127.0.0.1", AF_UNSPEC, 128, true));
  CHECK(SocketAddress::of_socket(second[0]).port() == port);
  CHECK(flag_set(second[0], SOL_SOCKET, SO_REUSEPORT));
}

TEST_CASE("netutil: bind_sockets errors name the address and port and leave nothing open") {
  const int fds_before = count_open_fds();
  Fds taken(netutil::bind_sockets(0, "127.0.0.1"));
  const int port = SocketAddress::of_socket(taken[0]).port();
  try {
    (void)netutil::bind_sockets(port, "127.0.0.1");
    FAIL("a second listener on the same port was allowed");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  }
  try {
    (void)netutil::bind_sockets(0, "no-such-host.invalid");
    FAIL("an unresolvable address was accepted");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.host() == "no-such-host.invalid");
    CHECK(std::string(e.what()).find("no-such-host.invalid") != std::string::npos);
  }
  CHECK_THROWS_AS((void)netutil::bind_sockets(70000), std::invalid_argument);
  CHECK(count_open_fds() == fds_before + 1);  // only `taken`
}

// ---------------------------------------------------------------- bind_unix_socket

TEST_CASE("netutil: bind_unix_socket replaces a stale socket file, refuses any other file") {
  const int fds_before = count_open_fds();
  const std::string dir = temp_dir();
  const std::string path = dir + "/sock";
  {
    // A stale socket: bound, then closed without unlinking, as a crashed server leaves it.
    const int stale = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strcpy(un.sun_path, path.c_str());
    REQUIRE(::bind(stale, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0);
    ::close(stale);
  }
  const int fd = netutil::bind_unix_socket(path);
  check_listening_socket(fd);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(SocketAddress::of_socket(fd).host() == path);
  // A client gets in.
  const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(::connect(client, SocketAddress::of_socket(fd).get(), SocketAddress::of_socket(fd).len) ==
        0);
  ::close(client);
  ::close(fd);
  ::unlink(path.c_str());

  const std::string file = dir + "/regular";
  const int f = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  ::close(f);
  CHECK_THROWS_AS((void)netutil::bind_unix_socket(file), std::system_error);
  CHECK(::access(file.c_str(), F_OK) == 0);  // not removed
  ::unlink(file.c_str());
  ::rmdir(dir.c_str());
  CHECK(count_open_fds() == fds_before);
}

// ---------------------------------------------------------------- is_valid_ip

TEST_CASE("netutil: is_valid_ip") {
  struct Row {
    std::string ip;
    bool valid;
  };
  const Row table[] = {
      {"127.0.0.1", true},
      {"4.4.4.4", true},
      {"::1", true},
      {"2620:0:1cfe:face:b00c::3", true},
      {"::ffff:127.0.0.1", true},
      {"www.google.com", false},
      {"localhost", false},
      {"4.4.4.4<", false},
      {" 127.0.0.1", false},
      {"127.0.0.1 ", false},
      {"", false},
      {" ", false},
      {"\n", false},
      {std::string("\0", 1), false},
      {std::string("127.0.0.1\0junk", 14), false},
      {std::string(100, 'a'), false},
      {"256.1.1.1", false},
      {"1.2.3", false},
      {"fe80::1%lo", false},
      {":::", false},
  };
  for (const Row& row : table) {
    CAPTURE(row.ip);
    CHECK(netutil::is_valid_ip(row.ip) == row.valid);
  }
}

TEST_CASE("netutil: SocketAddress::host writes IPv4 addresses as inet_ntop does") {
  // Every octet value in every position, and addresses built from the boundary values
  // (0, 9, 10, 99, 100, 255) in all positions at once.
  std::vector<std::uint32_t> addrs;
  for (std::uint32_t v = 0; v < 256; ++v)
    for (int shift = 0; shift < 32; shift += 8) addrs.push_back(v << shift | 0x01010101u);
  const std::uint32_t edges[] = {0, 9, 10, 99, 100, 255};
  for (std::uint32_t a : edges)
    for (std::uint32_t b : edges)
      for (std::uint32_t c : edges)
        for (std::uint32_t d : edges) addrs.push_back(a << 24 | b << 16 | c << 8 | d);
  for (std::uint32_t host_order : addrs) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(host_order);
    char expected[INET_ADDRSTRLEN] = {};
    REQUIRE(::inet_ntop(AF_INET, &in.sin_addr, expected, sizeof expected) != nullptr);
    const SocketAddress sa = SocketAddress::from(reinterpret_cast<const sockaddr*>(&in), sizeof in);
    CAPTURE(expected);
    CHECK(sa.host() == expected);
  }
}

// ---------------------------------------------------------------- resolvers

TEST_CASE("netutil: resolver localhost") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  const auto addrs = testing::run_sync(
      c.loop(), [&] { return resolver.resolve("localhost", 80); }, gen::Duration(10));
  CHECK((contains(addrs, "127.0.0.1", 80) || contains(addrs, "::1", 80)));
  const auto only4 = testing::run_sync(
      c.loop(), [&] { return resolver.resolve("localhost", 80, AF_INET); }, gen::Duration(10));
  REQUIRE(!only4.empty());
  for (const ResolvedAddress& a : only4) CHECK(a.family == AF_INET);
}

TEST_CASE("netutil: resolver answers a numeric address at once, without a worker") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  Future<std::vector<ResolvedAddress>> f = resolver.resolve("127.0.0.1", 8080);
  REQUIRE(f.done());
  REQUIRE(f.result().size() == 1);
  CHECK(f.result()[0].to_string() == "127.0.0.1:8080");
  Future<std::vector<ResolvedAddress>> wrong = resolver.resolve("127.0.0.1", 80, AF_INET6);
  REQUIRE(wrong.done());
  CHECK_THROWS_AS(wrong.result(), netutil::ResolveError);
}

TEST_CASE("netutil: resolver bad_host") {
  LoopCase c;
  netutil::DefaultResolver resolver;
  for (const char* host : {"nonexistent.invalid", "an invalid domain"}) {
    CAPTURE(host);
    try {
      (void)testing::run_sync(
          c.loop(), [&] { return resolver.resolve(host, 80); }, gen::Duration(20));
      FAIL("resolved");
    } catch (const netutil::ResolveError& e) {
      CHECK(e.host() == host);
      CHECK(std::string(e.what()).find(host) != std::string::npos);
    }
  }
  resolver.close();
  CHECK_THROWS_AS((void)resolver.resolve("localhost", 80).result(), std::logic_error);
}

// Tornado's ThreadedResolver: getaddrinfo on workers, for what only glibc's NSS knows.
TEST_CASE("netutil: ThreadedResolver") {
  LoopCase c;
  netutil::ThreadedResolver resolver(2);
  const auto only4 = testing::run_sync(
      c.loop(), [&] { return resolver.resolve("localhost", 80, AF_INET); }, gen::Duration(10));
  REQUIRE(!only4.empty());
  for (const ResolvedAddress& a : only4) CHECK(a.to_string() == "127.0.0.1:80");
  Future<std::vector<ResolvedAddress>> numeric = resolver.resolve("::1", 8080);
  REQUIRE(numeric.done());  // without a worker
  CHECK(numeric.result().at(0).to_string() == "[::1]:8080");
  try {
    (void)testing::run_sync(
        c.loop(), [&] { return resolver.resolve("an invalid domain", 80); }, gen::Duration(20));
    FAIL("resolved");
  } catch (const netutil::ResolveError& e) {
    CHECK(e.host() == "an invalid domain");
    CHECK(e.code().category() == netutil::gai_category());
  }
  resolver.close();
  CHECK_THROWS_AS((void)resolver.resolve("localhost", 80).result(), std::logic_error);
}

TEST_CASE("netutil: override resolver (resolve_multiaddr)") {
  LoopCase c;
  auto inner = std::make_shared<netutil::DefaultResolver>();
  netutil::OverrideResolver resolver(
      inner, {.hosts = {{"example.com", "127.0.0.1"}},
              .host_ports = {{{"google.com", 80}, {"1.2.3.4", 80}}},
              .host_port_families = {
                  {{"google.com", 80, AF_INET}, {"1.2.3.4", 80}},
                  {{"google.com", 80, AF_INET6}, {"2a02:6b8:7c:40c:c51e:495f:e23a:3", 80}}}});
  auto resolve = [&](const char* host, int port, int family) {
    return testing::run_sync(c.loop(), [&] { return resolver.resolve(host, port, family); });
  };
  CHECK(contains(resolve("google.com", 80, AF_INET), "1.2.3.4", 80));
  CHECK(contains(resolve("google.com", 80, AF_INET6), "2a02:6b8:7c:40c:c51e:495f:e23a:3", 80));
  CHECK(contains(resolve("google.com", 80, AF_UNSPEC), "1.2.3.4", 80));
  CHECK(contains(resolve("example.com", 8080, AF_UNSPEC), "127.0.0.1", 8080));
  CHECK(contains(resolve("127.0.0.1", 9, AF_UNSPEC), "127.0.0.1", 9));  // no entry: passed on
  resolver.close();                                                     // closes the inner one
  CHECK_THROWS_AS((void)inner->resolve("127.0.0.1", 80).result(), std::logic_error);
}
