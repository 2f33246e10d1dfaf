// stream/netutil_dns.h: the library's own stub resolver: what it reads from /etc/hosts and
// /etc/resolv.conf, and the DNS messages it sends and reads.
//
// Mirrors:  no Tornado module: Tornado's DefaultResolver asks the C library (getaddrinfo).
//           Here DefaultResolver (netutil.h) asks the nameservers itself, as musl's resolver
//           does, so that a static program does not link glibc's NSS and DNS code.
//
//   netutil::ResolverConfig config = netutil::ResolverConfig::system();  // /etc/resolv.conf
//   std::vector<unsigned char> q = netutil::dns::build_query("example.com", id, dns::kTypeA);
//   netutil::dns::Reply r = netutil::dns::parse_reply(datagram, id, "example.com", dns::kTypeA);
//
// Everything here is a pure function of its input (the file readers apart), so that each can
// be tested from a table and fuzzed (tests/fuzz/dns_fuzz.cc). The lookup that drives them, on
// the loop or with poll(2), is netutil_dns_lookup.cc's.
// Errors:   input is hostile (DESIGN.md §6): a reply that is truncated, malformed or loops is a
//           Reply whose outcome says so, with a message; nothing throws, nothing reads out of
//           bounds.
// Thread:   any.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tornado::netutil {

// What the stub resolver needs to know: where to ask, and how. ResolverConfig::system() reads
// /etc/resolv.conf; a test builds one by hand to point at a nameserver of its own.
struct ResolverConfig {
  // "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" or "[2001:db8::1]:5353" (port 53 when none).
  std::vector<std::string> nameservers;
  // Domains tried after (or before, see ndots) a name with fewer than ndots dots.
  std::vector<std::string> search;
  int ndots = 1;         // options ndots:N (glibc's default and limit 15)
  double timeout = 5.0;  // seconds each attempt waits for a nameserver (options timeout:N)
  int attempts = 2;      // rounds over the nameservers (options attempts:N)
  std::string hosts_path = "/etc/hosts";  // read on each lookup; a missing file is empty

  // /etc/resolv.conf (or `path`) as glibc reads it; with no search or domain line, the domain
  // of the host's name (the part of gethostname's after the first dot).
  static ResolverConfig system(const std::string& path = "/etc/resolv.conf");
};

namespace dns {

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeCNAME = 5;
inline constexpr std::uint16_t kTypeAAAA = 28;
inline constexpr std::uint16_t kClassIN = 1;
// Longest name in presentation form (RFC 1035 §3.1: 255 octets on the wire).
inline constexpr std::size_t kMaxName = 253;
// Most CNAMEs followed within one answer (glibc follows a chain of any length within the
// answer; a longer one is taken as hostile).
inline constexpr int kMaxCnames = 16;

// An IPv4 (4 bytes used) or IPv6 address.
struct IpAddress {
  int family = AF_UNSPEC;
  std::array<unsigned char, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
};

// The first `limit` bytes of a file; empty when it cannot be read.
std::string read_file(const std::string& path, std::size_t limit);

// An address in digits (inet_pton: dotted quad or IPv6 without a scope); false otherwise.
bool parse_ip(std::string_view text, IpAddress& out);
// "192.0.2.1" or "2001:db8::1".
std::string ip_to_string(const IpAddress& a);

// One name of a line of /etc/hosts, lower-cased, with its address.
struct HostsEntry {
  IpAddress address;
  std::string name;
};
// /etc/hosts: "address name [aliases...]" per line, '#' to the end of a line a comment. Lines
// whose address is not one in digits are skipped, as glibc does.
std::vector<HostsEntry> parse_hosts(std::string_view text);
// The addresses listed for `name` (case-insensitive, a final dot ignored) of `family` (AF_INET,
// AF_INET6, or AF_UNSPEC for both), in the file's order, each once.
std::vector<IpAddress> hosts_lookup(const std::vector<HostsEntry>& entries, std::string_view name,
                                    int family);

// resolv.conf(5) as glibc reads it: at most 3 nameservers (addresses in digits; others are
// skipped), "search" and "domain" (the last one wins; at most 6 domains), "options" ndots:N
// (at most 15), timeout:N (at most 30), attempts:N (at most 5); '#' and ';' start comments.
// Defaults as glibc's: 127.0.0.1 when no nameserver is listed, timeout 5, attempts 2, ndots 1.
ResolverConfig parse_resolv_conf(std::string_view text);

// Whether `name` may be looked up: letters, digits, '-', '_' and non-ASCII bytes, in labels of
// 1 to 63 separated by dots (one final dot allowed), at most kMaxName in all (musl's rule).
bool valid_hostname(std::string_view name);

// The names to ask for, in order, as glibc's res_search expands `name` with the search list:
// a name ending in a dot only as it is; one with at least ndots dots first as it is, then with
// each search domain; one with fewer, first with each domain, then as it is.
std::vector<std::string> search_names(std::string_view name, const ResolverConfig& config);

// A query for `name` (a valid hostname) of type `qtype`, class IN, recursion desired.
std::vector<unsigned char> build_query(std::string_view name, std::uint16_t id,
                                       std::uint16_t qtype);
// A random query id (getrandom), as RFC 5452 asks, so that a forged reply must guess it.
std::uint16_t random_id();

// What a reply says about the question it was matched against.
enum class Outcome {
  kAddresses,  // the name has addresses of the type asked (after the answer's CNAMEs)
  kNoData,     // the name exists, with no address of that type
  kNxDomain,   // RCODE 3: no such name
  kServFail,   // RCODE 2: the nameserver could not answer now
  kRefused,    // another RCODE (FORMERR, NOTIMP, REFUSED, ...)
  kTruncated,  // the TC bit: the answer did not fit in the datagram (ask again over TCP)
  kMalformed,  // the message breaks RFC 1035's rules or its own bounds
  kMismatch,   // not a reply to this query (id, QR bit or question differ): to be ignored
};

struct Reply {
  Outcome outcome = Outcome::kMalformed;
  std::vector<IpAddress> addresses;  // kAddresses: in the answer's order, each once
  std::string error;                 // what was wrong, for every outcome but kAddresses
};

// Reads a reply to the query (id, name, qtype) built by build_query.
Reply parse_reply(std::span<const unsigned char> message, std::uint16_t id, std::string_view name,
                  std::uint16_t qtype);

}  // namespace dns
}  // namespace tornado::netutil
