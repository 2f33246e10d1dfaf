// tests/support/fake_dns.h: DNS replies built by hand, and a nameserver that answers from a table.
//
// Mirrors:  no Tornado test helper (Tornado's resolver tests ask the system's resolver); what
//           the stub resolver's tests (tests/stream/netutil_dns_test.cc,
//           netutil_dns_lookup_test.cc) need to play the nameserver's part.
// Role:     FakeDnsServer is a UDP socket on 127.0.0.1, port 0, with a TCP listener on the same
//           port (RFC 7766's length-prefixed messages), served by a thread of its own with
//           poll(2), so that it answers the loop's resolver and the synchronous one alike.
//           Unknown names get NXDOMAIN; each answer can be a reply, silence (a timeout), or any
//           datagrams the case makes (forged, malformed).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace tornado::testing {

using Bytes = std::vector<unsigned char>;

// One resource record of an answer section.
struct FakeRecord {
  std::string name;
  std::uint16_t type;
  Bytes rdata;
};
FakeRecord a_record(std::string name, const std::string& ip);  // A or AAAA, by the address
FakeRecord cname_record(std::string name, std::string_view target);

// A name in wire form, without compression.
Bytes wire_name(std::string_view name);
// A reply to `query`: its id and question echoed, QR and RA set, `rcode`, the records.
Bytes dns_reply(const Bytes& query, unsigned rcode, const std::vector<FakeRecord>& answers,
                bool truncated = false);
// The query the resolver sends for (name, qtype) with `id`.
Bytes dns_query(std::string_view name, std::uint16_t qtype, std::uint16_t id = 0x1234);

// What the server does with one query.
struct FakeAnswer {
  unsigned rcode = 0;
  std::vector<FakeRecord> records;
  bool truncated = false;  // over UDP only: TCP gets the whole answer
  bool silent = false;     // no reply at all
  // When set, the datagrams to send instead of the reply (given the query and the reply).
  std::function<std::vector<Bytes>(const Bytes& query, const Bytes& reply)> datagrams;
};

class FakeDnsServer {
 public:
  // `tcp` false: nothing listens on the TCP port.
  explicit FakeDnsServer(bool tcp = true);
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  // "127.0.0.1:PORT", as ResolverConfig::nameservers takes it.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The answer to every query for (name, qtype) (case-insensitive name).
  void answer(const std::string& name, std::uint16_t qtype, FakeAnswer a);
  // An answer used once, before those set by answer(); several queue up in order.
  void answer_once(const std::string& name, std::uint16_t qtype, FakeAnswer a);
  // Every query for any name answered so.
  void answer_all(FakeAnswer a);
  // How many queries came for (name, qtype), and in all.
  int queries(const std::string& name, std::uint16_t qtype) const;
  int queries() const;
  // How many queries came over TCP, and how many TCP connections are open now (a case waits for
  // none before its fd leak check: the server closes its side when the client has closed).
  int tcp_queries() const;
  int tcp_open() const;
  // The names asked, in order.
  std::vector<std::string> names_asked() const;

 private:
  void serve();
  // The datagrams (or TCP messages) that answer `query`.
  std::vector<Bytes> respond(const Bytes& query, bool tcp);
  void serve_tcp(int conn);

  int fd_ = -1;
  int listener_ = -1;
  int tcp_count_ = 0;
  int tcp_open_ = 0;
  int stop_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::uint16_t>, FakeAnswer> table_;
  std::map<std::pair<std::string, std::uint16_t>, std::deque<FakeAnswer>> once_;
  std::map<std::pair<std::string, std::uint16_t>, int> counts_;
  std::vector<std::string> asked_;
  bool all_set_ = false;
  FakeAnswer all_;
  std::thread thread_;
};

}  // namespace tornado::testing
