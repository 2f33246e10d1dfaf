// stream/netutil_dns.cc: /etc/hosts, /etc/resolv.conf and DNS messages, read and written.
//
// Mirrors:  no Tornado module (see netutil_dns.h): RFC 1035's message format, with the reading
//           rules glibc's and musl's stub resolvers follow.
// In loop:  none of it touches the loop: netutil_dns_lookup.cc calls these to decide what to
//           send and what a datagram means.
// Calls:    inet_pton/inet_ntop, getrandom, gethostname; open/read for the two files.
// Rules:    every read of a message checks its bounds first; a compressed name may only point
//           before where the part being read began, so a chain of pointers always ends.
// Thread:   any.
#include "tornado/stream/netutil_dns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "tornado/reactor/util.h"

namespace tornado::netutil {

namespace {

bool dns_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// The name without one final dot, lower-cased: the form names are compared in.
std::string canonical_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return util::ascii_lower(name);
}

// Splits `line` at blanks into its words.
std::vector<std::string_view> dns_words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && dns_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !dns_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Calls fn(words) for each line of `text`: '#' starts a comment anywhere, `line_comment` only at
// a line's start (resolv.conf's ';').
template <class Fn>
void for_each_line(std::string_view text, char line_comment, Fn fn) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.front() == line_comment) continue;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    fn(dns_words(line));
  }
}

// A decimal option value ("ndots:3"), clamped to [lo, hi]; -1 when not a number.
int option_value(std::string_view v, int lo, int hi) {
  if (v.empty() || v.size() > 6) return -1;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return std::clamp(n, lo, hi);
}

// ---------------------------------------------------------------- reading a message

std::uint16_t get16(std::span<const unsigned char> m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}

// Reads the (possibly compressed) name at `pos` into `out` in canonical form (labels joined by
// dots, lower-cased, a dot or backslash inside a label escaped by a backslash); `pos` moves past
// the name as it is written there. An error message, or empty on success.
std::string read_name(std::span<const unsigned char> m, std::size_t& pos, std::string& out) {
  out.clear();
  std::size_t at = pos;
  std::size_t segment_start = pos;  // a pointer must point before this
  bool jumped = false;
  std::size_t wire_length = 0;
  for (;;) {
    if (at >= m.size()) return "name runs past the end of the message";
    const unsigned len = m[at];
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= m.size()) return "compression pointer runs past the end of the message";
      const std::size_t target = static_cast<std::size_t>(get16(m, at) & 0x3FFF);
      if (target >= segment_start) return "compression pointer does not point backwards";
      if (!jumped) pos = at + 2;
      jumped = true;
      at = segment_start = target;
      continue;
    }
    if ((len & 0xC0) != 0) return "unknown label type";
    wire_length += len + 1;
    if (wire_length > 255) return "name longer than 255 octets";
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return {};
    }
    if (at + 1 + len > m.size()) return "label runs past the end of the message";
    if (!out.empty()) out += '.';
    for (std::size_t i = at + 1; i <= at + len; ++i) {
      const char c = static_cast<char>(m[i]);
      if (c == '.' || c == '\\') out += '\\';
      out += util::ascii_lower(c);
    }
    at += 1 + len;
  }
}

struct Record {
  std::string owner;
  std::uint16_t type;
  std::string target;  // CNAME
  dns::IpAddress address;
};

const char* rcode_name(unsigned rcode) {
  switch (rcode) {
    case 1:
      return "FORMERR (the nameserver could not read the query)";
    case 4:
      return "NOTIMP (the nameserver does not support the query)";
    case 5:
      return "REFUSED (the nameserver refused the query)";
    default:
      return nullptr;
  }
}

}  // namespace

// ---------------------------------------------------------------- resolv.conf

ResolverConfig ResolverConfig::system(const std::string& path) {
  ResolverConfig config = dns::parse_resolv_conf(dns::read_file(path, 64 * 1024));
  if (config.search.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
      const char* dot = std::strchr(host, '.');
      if (dot != nullptr && dot[1] != '\0') config.search.emplace_back(dot + 1);
    }
  }
  return config;
}

namespace dns {

std::string read_file(const std::string& path, std::size_t limit) {
  std::string out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  while (out.size() < limit) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.size() > limit) out.resize(limit);
  return out;
}

bool parse_ip(std::string_view text, IpAddress& out) {
  if (text.empty() || text.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (std::memchr(buf, '\0', text.size()) != nullptr) return false;
  IpAddress a;
  if (::inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else if (::inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = AF_INET6;
  } else {
    return false;
  }
  out = a;
  return true;
}

std::string ip_to_string(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.family != AF_INET && a.family != AF_INET6) return "?";
  ::inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
  return buf;
}

ResolverConfig parse_resolv_conf(std::string_view text) {
  ResolverConfig c;
  for_each_line(text, ';', [&](const std::vector<std::string_view>& w) {
    if (w.size() < 2) return;
    if (w[0] == "nameserver") {
      IpAddress ip;
      if (c.nameservers.size() < 3 && parse_ip(w[1], ip)) c.nameservers.emplace_back(w[1]);
    } else if (w[0] == "domain") {
      c.search.assign(1, std::string(w[1]));
    } else if (w[0] == "search") {
      c.search.clear();
      for (std::size_t i = 1; i < w.size() && c.search.size() < 6; ++i) c.search.emplace_back(w[i]);
    } else if (w[0] == "options") {
      for (std::size_t i = 1; i < w.size(); ++i) {
        const std::size_t colon = w[i].find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view key = w[i].substr(0, colon), value = w[i].substr(colon + 1);
        if (key == "ndots") {
          if (const int n = option_value(value, 0, 15); n >= 0) c.ndots = n;
        } else if (key == "timeout") {
          if (const int n = option_value(value, 1, 30); n >= 0) c.timeout = n;
        } else if (key == "attempts") {
          if (const int n = option_value(value, 1, 5); n >= 0) c.attempts = n;
        }
      }
    }
  });
  for (std::string& d : c.search) {
    if (!d.empty() && d.back() == '.') d.pop_back();
  }
  std::erase_if(c.search, [](const std::string& d) { return d.empty(); });
  if (c.nameservers.empty()) c.nameservers.emplace_back("127.0.0.1");
  return c;
}

// ---------------------------------------------------------------- hosts

std::vector<HostsEntry> parse_hosts(std::string_view text) {
  std::vector<HostsEntry> out;
  for_each_line(text, '#', [&](const std::vector<std::string_view>& w) {
    IpAddress ip;
    if (w.size() < 2 || !parse_ip(w[0], ip)) return;
    for (std::size_t i = 1; i < w.size(); ++i) {
      std::string name = canonical_name(w[i]);
      if (!name.empty()) out.push_back({ip, std::move(name)});  // "." names nothing
    }
  });
  return out;
}

std::vector<IpAddress> hosts_lookup(const std::vector<HostsEntry>& entries, std::string_view name,
                                    int family) {
  const std::string want = canonical_name(name);
  std::vector<IpAddress> out;
  for (const HostsEntry& e : entries) {
    if (e.name != want || (family != AF_UNSPEC && e.address.family != family)) continue;
    if (std::find(out.begin(), out.end(), e.address) == out.end()) out.push_back(e.address);
  }
  return out;
}

// ---------------------------------------------------------------- names

bool valid_hostname(std::string_view name) {
  if (name.empty() || name == ".") return false;
  if (name.back() == '.') name.remove_suffix(1);
  if (name.size() > kMaxName) return false;
  std::size_t label = 0;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = c >= 0x80 || c == '-' || c == '_' || (c >= '0' && c <= '9') ||
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

std::vector<std::string> search_names(std::string_view name, const ResolverConfig& config) {
  if (!name.empty() && name.back() == '.') return {std::string(name.substr(0, name.size() - 1))};
  const auto dots = static_cast<int>(std::count(name.begin(), name.end(), '.'));
  std::vector<std::string> out;
  if (dots >= config.ndots) out.emplace_back(name);
  for (const std::string& domain : config.search) {
    std::string full = std::string(name) + "." + domain;
    if (valid_hostname(full)) out.push_back(std::move(full));
  }
  if (dots < config.ndots) out.emplace_back(name);
  return out;
}

// ---------------------------------------------------------------- messages

std::vector<unsigned char> build_query(std::string_view name, std::uint16_t id,
                                       std::uint16_t qtype) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::vector<unsigned char> q = {static_cast<unsigned char>(id >> 8),
                                  static_cast<unsigned char>(id),
                                  0x01,
                                  0x00,  // RD
                                  0,
                                  1,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0};  // one question
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    q.push_back(static_cast<unsigned char>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
    name.remove_prefix(dot == std::string_view::npos ? name.size() : dot + 1);
  }
  q.push_back(0);
  q.push_back(static_cast<unsigned char>(qtype >> 8));
  q.push_back(static_cast<unsigned char>(qtype));
  q.push_back(0);
  q.push_back(kClassIN);
  return q;
}

std::uint16_t random_id() {
  std::uint16_t id = 0;
  if (::getrandom(&id, sizeof id, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof id)) return id;
  // No getrandom (a kernel before 3.17, or its pool not ready yet): the clock, mixed.
  thread_local std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  x ^= static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  x *= 0xBF58476D1CE4E5B9ULL;
  return static_cast<std::uint16_t>(x >> 48);
}

Reply parse_reply(std::span<const unsigned char> m, std::uint16_t id, std::string_view name,
                  std::uint16_t qtype) {
  auto fail = [](Outcome o, std::string why) { return Reply{o, {}, std::move(why)}; };
  if (m.size() < 12) return fail(Outcome::kMalformed, "reply shorter than a DNS header");
  if (get16(m, 0) != id) return fail(Outcome::kMismatch, "reply to another query (id)");
  const std::uint16_t flags = get16(m, 2);
  if ((flags & 0x8000) == 0) return fail(Outcome::kMismatch, "a query, not a reply");
  if ((flags & 0x7800) != 0) return fail(Outcome::kMalformed, "reply with an unknown opcode");
  if ((flags & 0x0200) != 0) return fail(Outcome::kTruncated, "reply truncated (TC bit)");
  if (get16(m, 4) != 1) return fail(Outcome::kMismatch, "reply does not echo the question");
  std::size_t pos = 12;
  std::string owner;
  if (std::string why = read_name(m, pos, owner); !why.empty())
    return fail(Outcome::kMalformed, "question: " + why);
  if (pos + 4 > m.size()) return fail(Outcome::kMalformed, "question runs past the end");
  const std::string want = canonical_name(name);
  if (owner != want || get16(m, pos) != qtype || get16(m, pos + 2) != kClassIN)
    return fail(Outcome::kMismatch, "reply to another question");
  pos += 4;
  const unsigned rcode = flags & 0x000F;
  if (rcode == 3) return fail(Outcome::kNxDomain, "no such name (NXDOMAIN)");
  if (rcode == 2) return fail(Outcome::kServFail, "the nameserver failed (SERVFAIL)");
  if (rcode != 0) {
    const char* what = rcode_name(rcode);
    return fail(Outcome::kRefused,
                what != nullptr ? std::string(what) : "error code " + std::to_string(rcode));
  }
  std::vector<Record> records;
  const unsigned answers = get16(m, 6);
  for (unsigned i = 0; i < answers; ++i) {
    Record r;
    if (std::string why = read_name(m, pos, r.owner); !why.empty())
      return fail(Outcome::kMalformed, "answer: " + why);
    if (pos + 10 > m.size()) return fail(Outcome::kMalformed, "answer runs past the end");
    r.type = get16(m, pos);
    const std::uint16_t rclass = get16(m, pos + 2);
    const std::size_t rdlength = get16(m, pos + 8);
    pos += 10;
    if (pos + rdlength > m.size())
      return fail(Outcome::kMalformed, "record data runs past the end");
    const std::span<const unsigned char> rdata = m.subspan(pos, rdlength);
    if (rclass == kClassIN && r.type == kTypeCNAME) {
      std::size_t at = pos;
      if (std::string why = read_name(m, at, r.target); !why.empty())
        return fail(Outcome::kMalformed, "CNAME: " + why);
      if (at != pos + rdlength) return fail(Outcome::kMalformed, "CNAME of the wrong length");
      records.push_back(std::move(r));
    } else if (rclass == kClassIN && (r.type == kTypeA || r.type == kTypeAAAA)) {
      const std::size_t size = r.type == kTypeA ? 4 : 16;
      if (rdlength != size) return fail(Outcome::kMalformed, "address of the wrong length");
      r.address.family = r.type == kTypeA ? AF_INET : AF_INET6;
      std::copy(rdata.begin(), rdata.end(), r.address.bytes.begin());
      records.push_back(std::move(r));
    }
    pos += rdlength;
  }
  // The name the addresses belong to: the question's, or the end of its CNAME chain.
  std::string current = want;
  for (int hops = 0;; ++hops) {
    auto it = std::find_if(records.begin(), records.end(), [&](const Record& r) {
      return r.type == kTypeCNAME && r.owner == current;
    });
    if (it == records.end()) break;
    if (hops == kMaxCnames) return fail(Outcome::kMalformed, "CNAME chain too long or a loop");
    current = it->target;
  }
  Reply reply{Outcome::kAddresses, {}, {}};
  for (const Record& r : records) {
    if (r.type != qtype || r.owner != current) continue;
    if (std::find(reply.addresses.begin(), reply.addresses.end(), r.address) ==
        reply.addresses.end())
      reply.addresses.push_back(r.address);
  }
  if (reply.addresses.empty()) return fail(Outcome::kNoData, "no address of that type (NODATA)");
  return reply;
}

}  // namespace dns
}  // namespace tornado::netutil
