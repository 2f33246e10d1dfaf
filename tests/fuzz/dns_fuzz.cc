// tests/fuzz/dns_fuzz.cc: libFuzzer target for the stub resolver's readers.
//
//   make fuzz && build/fuzz/dns_fuzz tests/fuzz/corpus/dns -max_total_time=600
//
// The input is read as a DNS reply to a query for www.example.com (type A, then AAAA, each with
// the id its first two bytes hold, so that most inputs get past the id check), and as the text
// of /etc/hosts and of /etc/resolv.conf. What must hold whatever the input: no crash or
// out-of-bounds read (ASan), addresses only in an answer, an error message for every other
// outcome, at most as many addresses as the message could hold, resolv.conf's limits kept, and
// the search list only ever giving valid names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tornado/stream/netutil_dns.h"

namespace dns = tornado::netutil::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint16_t id = size >= 2 ? static_cast<std::uint16_t>(data[0] << 8 | data[1]) : 0;
  for (const std::uint16_t qtype : {dns::kTypeA, dns::kTypeAAAA}) {
    const dns::Reply r = dns::parse_reply({data, size}, id, "www.example.com", qtype);
    if ((r.outcome == dns::Outcome::kAddresses) != r.error.empty()) std::abort();
    if (r.outcome != dns::Outcome::kAddresses && !r.addresses.empty()) std::abort();
    if (r.addresses.size() > size / 11) std::abort();  // a record takes at least 11 bytes
    for (const dns::IpAddress& a : r.addresses)
      if (a.family != (qtype == dns::kTypeA ? AF_INET : AF_INET6)) std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<dns::HostsEntry> hosts = dns::parse_hosts(text);
  for (const dns::HostsEntry& e : hosts)
    if (e.name.empty() || (e.address.family != AF_INET && e.address.family != AF_INET6))
      std::abort();
  // A name found in the file is found again (one final dot is dropped from both sides, so a
  // name written with two cannot be asked for).
  if (!hosts.empty() && hosts[0].name.back() != '.' &&
      dns::hosts_lookup(hosts, hosts[0].name, AF_UNSPEC).empty())
    std::abort();
  const tornado::netutil::ResolverConfig c = dns::parse_resolv_conf(text);
  if (c.nameservers.empty() || c.nameservers.size() > 3 || c.search.size() > 6 || c.ndots < 0 ||
      c.ndots > 15 || c.timeout < 1 || c.timeout > 30 || c.attempts < 1 || c.attempts > 5)
    std::abort();
  if (dns::valid_hostname(text))
    for (const std::string& name : dns::search_names(text, c))
      if (!dns::valid_hostname(name)) std::abort();
  return 0;
}
