// tests/stream/netutil_dns_test.cc: the stub resolver's readers and writers, from tables.
// Mirrors:  no Tornado test (Tornado leaves this to the C library); the rules are glibc's for
//           /etc/hosts and resolv.conf(5), RFC 1035's for messages.
// Role:     parse_hosts/hosts_lookup, parse_resolv_conf, search_names, valid_hostname,
//           build_query and parse_reply, each against hostile input too (DESIGN.md §6). The
//           lookups on a loop against a nameserver: netutil_dns_lookup_test.cc.
#include "tornado/stream/netutil_dns.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/fake_dns.h"

using namespace tornado;
using namespace tornado::testing;
namespace dns = tornado::netutil::dns;

namespace {

std::vector<std::string> strings(const std::vector<dns::IpAddress>& addrs) {
  std::vector<std::string> out;
  for (const dns::IpAddress& a : addrs) out.push_back(dns::ip_to_string(a));
  return out;
}

// Four labels, the last of `last` letters: 253 characters with 61, the most a name may have.
std::string long_name(std::size_t last) {
  return std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
         std::string(last, 'd');
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("netutil_dns: hosts file") {
  const std::string text =
      "# comment line\n"
      "127.0.0.1\tlocalhost  LocalHost.localdomain # trailing comment\n"
      "::1 localhost ip6-localhost\n"
      "192.0.2.7 Web.Example.  www\r\n"
      "not-an-address bogus\n"
      "192.0.2.8\n"
      "fe80::1%eth0 scoped\n"
      "   \n"
      "192.0.2.10 . \n"
      "192.0.2.9 web.example\n"
      "127.0.0.1 localhost\n";
  const std::vector<dns::HostsEntry> hosts = dns::parse_hosts(text);
  struct Row {
    std::string name;
    int family;
    std::vector<std::string> want;
  };
  const Row table[] = {
      {"localhost", AF_UNSPEC, {"127.0.0.1", "::1"}},  // file order, each once
      {"localhost", AF_INET, {"127.0.0.1"}},
      {"localhost", AF_INET6, {"::1"}},
      {"LOCALHOST", AF_UNSPEC, {"127.0.0.1", "::1"}},
      {"localhost.localdomain", AF_INET, {"127.0.0.1"}},
      {"ip6-localhost", AF_INET, {}},
      {"web.example", AF_INET, {"192.0.2.7", "192.0.2.9"}},
      {"web.example.", AF_INET, {"192.0.2.7", "192.0.2.9"}},
      {"www", AF_UNSPEC, {"192.0.2.7"}},
      {"bogus", AF_UNSPEC, {}},
      {"scoped", AF_UNSPEC, {}},
      {"comment", AF_UNSPEC, {}},
      {"trailing", AF_UNSPEC, {}},
      {"", AF_UNSPEC, {}},
      {".", AF_UNSPEC, {}},
  };
  for (const Row& row : table) {
    CAPTURE(row.name);
    CAPTURE(row.family);
    CHECK(strings(dns::hosts_lookup(hosts, row.name, row.family)) == row.want);
  }
}

TEST_CASE("netutil_dns: resolv.conf") {
  struct Row {
    std::string text;
    std::vector<std::string> nameservers;
    std::vector<std::string> search;
    int ndots;
    double timeout;
    int attempts;
  };
  const Row table[] = {
      {"", {"127.0.0.1"}, {}, 1, 5, 2},  // glibc's defaults
      {"nameserver 192.0.2.1\nnameserver 2001:db8::1\n", {"192.0.2.1", "2001:db8::1"}, {}, 1, 5, 2},
      {"nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n",
       {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
       {},
       1,
       5,
       2},  // at most 3
      {"nameserver dns.example\nnameserver\n", {"127.0.0.1"}, {}, 1, 5, 2},
      {"# nameserver 192.0.2.1\n; nameserver 192.0.2.2\nnameserver 192.0.2.3 # why\n",
       {"192.0.2.3"},
       {},
       1,
       5,
       2},
      {"search a.example b.example.\n", {"127.0.0.1"}, {"a.example", "b.example"}, 1, 5, 2},
      {"search a.example\ndomain c.example\n", {"127.0.0.1"}, {"c.example"}, 1, 5, 2},
      {"domain c.example\nsearch a.example b.example\n",
       {"127.0.0.1"},
       {"a.example", "b.example"},
       1,
       5,
       2},
      {"search 1 2 3 4 5 6 7 8\n", {"127.0.0.1"}, {"1", "2", "3", "4", "5", "6"}, 1, 5, 2},
      {"options ndots:3 timeout:1 attempts:4 rotate edns0\n", {"127.0.0.1"}, {}, 3, 1, 4},
      {"options ndots:99 timeout:999 attempts:99\n", {"127.0.0.1"}, {}, 15, 30, 5},
      {"options ndots:x timeout: attempts:-1 timeout:0\n", {"127.0.0.1"}, {}, 1, 1, 2},
      {"\tnameserver\t192.0.2.1\r\n", {"192.0.2.1"}, {}, 1, 5, 2},
  };
  for (const Row& row : table) {
    CAPTURE(row.text);
    const netutil::ResolverConfig c = dns::parse_resolv_conf(row.text);
    CHECK(c.nameservers == row.nameservers);
    CHECK(c.search == row.search);
    CHECK(c.ndots == row.ndots);
    CHECK(c.timeout == row.timeout);
    CHECK(c.attempts == row.attempts);
  }
}

TEST_CASE("netutil_dns: hostnames and the search list") {
  struct Valid {
    std::string name;
    bool valid;
  };
  const Valid names[] = {
      {"example.com", true},
      {"example.com.", true},
      {"a", true},
      {"under_score.x", true},
      {"x-y.z", true},
      {"\xc3\xa9t\xc3\xa9.fr", true},
      {"", false},
      {".", false},
      {"a..b", false},
      {".a", false},
      {"a b", false},
      {"a/b", false},
      {"a.b..", false},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), false},
      {long_name(61), true},
      {long_name(61) + ".", true},
      {long_name(62), false},
      {std::string("a\0b", 3), false},
  };
  for (const Valid& v : names) {
    CAPTURE(v.name);
    CHECK(dns::valid_hostname(v.name) == v.valid);
  }
  struct Row {
    std::string name;
    int ndots;
    std::vector<std::string> want;
  };
  const Row table[] = {
      {"www", 1, {"www.a.example", "www.b.example", "www"}},
      {"www.x", 1, {"www.x", "www.x.a.example", "www.x.b.example"}},
      {"www.x", 2, {"www.x.a.example", "www.x.b.example", "www.x"}},
      {"www.x.", 1, {"www.x"}},
      {"a.b.c", 0, {"a.b.c", "a.b.c.a.example", "a.b.c.b.example"}},
  };
  for (const Row& row : table) {
    CAPTURE(row.name);
    netutil::ResolverConfig c;
    c.search = {"a.example", "b.example"};
    c.ndots = row.ndots;
    CHECK(dns::search_names(row.name, c) == row.want);
  }
}

TEST_CASE("netutil_dns: query") {
  const Bytes q = dns::build_query("Www.Example.com.", 0xBEEF, dns::kTypeAAAA);
  const Bytes want =
      cat({0xBE, 0xEF, 0x01, 0x00, 0,   1,   0,   0,   0,   0, 0,   0,   3,   'W', 'w',
           'w',  7,    'E',  'x',  'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0},
          {0, 28, 0, 1});
  CHECK(q == want);
  CHECK(dns_query("Www.Example.com", 28, 0xBEEF) == want);
  // Ids differ from query to query (16 random bits: 8 draws all equal would be 2^-112).
  bool differ = false;
  const std::uint16_t first = dns::random_id();
  for (int i = 0; i < 8; ++i) differ = differ || dns::random_id() != first;
  CHECK(differ);
}

TEST_CASE("netutil_dns: replies") {
  const Bytes q = dns_query("www.example.com", dns::kTypeA, 0x1234);
  const Bytes q6 = dns_query("www.example.com", dns::kTypeAAAA, 0x1234);
  auto reply = [&](unsigned rcode, std::vector<FakeRecord> rr, bool tc = false) {
    return dns_reply(q, rcode, rr, tc);
  };
  // A reply whose answer names point back at the question (0xC00C) and at each other.
  Bytes compressed = reply(0, {});
  compressed[7] = 3;  // ANCOUNT
  compressed = cat(compressed, {0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'c', 'd', 'n', 0xC0,
                                0x10});  // www.example.com CNAME cdn.example.com
  compressed = cat(compressed, {0xC0, 0x2D, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1});
  compressed = cat(compressed, {0xC0, 0x2D, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2});
  Bytes self_loop = reply(0, {});
  self_loop[7] = 1;
  self_loop = cat(self_loop, {0xC0, 0x21, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  Bytes forward = reply(0, {});
  forward[7] = 1;
  forward = cat(forward, {0xC0, 0x22, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4, 0});
  Bytes two_step_loop = reply(0, {});  // 0x21 -> label, then a pointer back to 0x21
  two_step_loop[7] = 1;
  two_step_loop =
      cat(two_step_loop, {1, 'x', 0xC0, 0x21, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  Bytes unknown_label = reply(0, {});
  unknown_label[7] = 1;
  unknown_label = cat(unknown_label, {0x40, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  Bytes wrong_id = reply(0, {a_record("www.example.com", "192.0.2.1")});
  wrong_id[1] ^= 1;
  Bytes not_reply = reply(0, {a_record("www.example.com", "192.0.2.1")});
  not_reply[2] &= 0x7F;
  Bytes no_question = reply(0, {});
  no_question[5] = 0;
  Bytes cut = reply(0, {a_record("www.example.com", "192.0.2.1")});
  cut.pop_back();
  FakeRecord short_a = a_record("www.example.com", "192.0.2.1");
  short_a.rdata.pop_back();
  Bytes cname_loop = reply(0, {cname_record("www.example.com", "a.example.com"),
                               cname_record("a.example.com", "www.example.com")});
  using O = dns::Outcome;
  struct Row {
    std::string what;
    Bytes message;
    std::uint16_t qtype;
    O outcome;
    std::vector<std::string> addresses;
  };
  const Row table[] = {
      {"A",
       reply(0, {a_record("www.example.com", "192.0.2.1"), a_record("www.example.com", "192.0.2.2"),
                 a_record("www.example.com", "192.0.2.1")}),
       dns::kTypeA,
       O::kAddresses,
       {"192.0.2.1", "192.0.2.2"}},
      {"AAAA",
       dns_reply(q6, 0, {a_record("www.example.com", "2001:db8::1")}),
       dns::kTypeAAAA,
       O::kAddresses,
       {"2001:db8::1"}},
      {"name case differs",
       reply(0, {a_record("WWW.EXAMPLE.COM", "192.0.2.1")}),
       dns::kTypeA,
       O::kAddresses,
       {"192.0.2.1"}},
      {"CNAME chain",
       reply(0,
             {cname_record("www.example.com", "a.example.net"),
              cname_record("a.example.net", "b.example.org"),
              a_record("b.example.org", "192.0.2.3"), a_record("elsewhere.example", "192.0.2.4")}),
       dns::kTypeA,
       O::kAddresses,
       {"192.0.2.3"}},
      {"compressed names", compressed, dns::kTypeA, O::kAddresses, {"192.0.2.1", "192.0.2.2"}},
      {"records of other names only",
       reply(0, {a_record("other.example", "192.0.2.1")}),
       dns::kTypeA,
       O::kNoData,
       {}},
      {"CNAME to nothing",
       reply(0, {cname_record("www.example.com", "a.example")}),
       dns::kTypeA,
       O::kNoData,
       {}},
      {"no answer", reply(0, {}), dns::kTypeA, O::kNoData, {}},
      {"AAAA asked, A given",
       reply(0, {a_record("www.example.com", "192.0.2.1")}),
       dns::kTypeAAAA,
       O::kMismatch,
       {}},
      {"NXDOMAIN", reply(3, {}), dns::kTypeA, O::kNxDomain, {}},
      {"SERVFAIL", reply(2, {}), dns::kTypeA, O::kServFail, {}},
      {"REFUSED", reply(5, {}), dns::kTypeA, O::kRefused, {}},
      {"rcode 9", reply(9, {}), dns::kTypeA, O::kRefused, {}},
      {"TC", reply(0, {}, true), dns::kTypeA, O::kTruncated, {}},
      {"wrong id", wrong_id, dns::kTypeA, O::kMismatch, {}},
      {"not a reply", not_reply, dns::kTypeA, O::kMismatch, {}},
      {"other question",
       dns_reply(dns_query("www.example.org", 1, 0x1234), 0,
                 {a_record("www.example.org", "192.0.2.1")}),
       dns::kTypeA,
       O::kMismatch,
       {}},
      {"no question", no_question, dns::kTypeA, O::kMismatch, {}},
      {"empty", {}, dns::kTypeA, O::kMalformed, {}},
      {"half a header", Bytes(q.begin(), q.begin() + 6), dns::kTypeA, O::kMalformed, {}},
      {"cut short", cut, dns::kTypeA, O::kMalformed, {}},
      {"A of 3 bytes", reply(0, {short_a}), dns::kTypeA, O::kMalformed, {}},
      {"pointer to itself", self_loop, dns::kTypeA, O::kMalformed, {}},
      {"pointer forward", forward, dns::kTypeA, O::kMalformed, {}},
      {"pointer loop over a label", two_step_loop, dns::kTypeA, O::kMalformed, {}},
      {"unknown label type", unknown_label, dns::kTypeA, O::kMalformed, {}},
      {"CNAME loop", cname_loop, dns::kTypeA, O::kMalformed, {}},
  };
  for (const Row& row : table) {
    CAPTURE(row.what);
    const dns::Reply r = dns::parse_reply(row.message, 0x1234, "www.example.com", row.qtype);
    CHECK(r.outcome == row.outcome);
    CHECK(strings(r.addresses) == row.addresses);
    CHECK(r.error.empty() == (row.outcome == O::kAddresses));
  }
  // Every prefix of a good reply is rejected (or, for the header alone, not taken as an answer).
  const Bytes good =
      reply(0, {cname_record("www.example.com", "a.example"), a_record("a.example", "192.0.2.1")});
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK(dns::parse_reply({good.data(), n}, 0x1234, "www.example.com", dns::kTypeA).outcome !=
          O::kAddresses);
  }
}
