// stream/netutil_dns_lookup.cc: the stub resolver's lookups, on the loop or waiting in poll(2).
//
// Mirrors:  tornado/netutil.py's DefaultResolver (there getaddrinfo on threads: here the
//           library's own resolver, as musl's: the hosts file, then DNS over UDP) and
//           bind_sockets' lookup of a name.
// In loop:  DefaultResolver::resolve starts a DnsLookup whose UDP socket, connected to one
//           nameserver at a time, is an fd handler of the loop, with a timeout for each
//           attempt; TCPClient::connect awaits its Future. resolve_blocking drives the same
//           DnsLookup with poll() and a deadline, without a loop (bind_sockets).
// Calls:    netutil_dns.cc's readers and writers; socket, connect, send, recv (UDP, and TCP
//           after a truncated reply).
// Owns:     a DnsLookup owns its socket; on the loop, the handler and timeout it registers hold it
//           alive until it ends (arm/disarm).
// Rules:    a reply counts only from the nameserver queried (the socket is connected) and only
//           when parse_reply matches its id and question; anything else is dropped. Every
//           socket is removed from the loop before it is closed (disarm).
// Thread:   the loop thread (resolve_blocking: the calling thread).
#include <arpa/inet.h>
#include <netdb.h>  // the EAI_* codes only: nothing here calls getaddrinfo
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "tornado/stream/netutil.h"

namespace tornado::netutil {

namespace {

// "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353" -> the address, port 53
// when none is given; nullopt otherwise.
std::optional<SocketAddress> nameserver_address(std::string_view text) {
  std::string_view host = text;
  int port = 53;
  auto read_port = [&](std::string_view p) {
    if (p.empty() || p.size() > 5) return false;
    port = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      port = port * 10 + (c - '0');
    }
    return port > 0 && port <= 65535;
  };
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos || !read_port(text.substr(close + 2))) return std::nullopt;
    host = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const std::size_t colon = text.find(':');
    if (!read_port(text.substr(colon + 1))) return std::nullopt;
    host = text.substr(0, colon);
  }
  return SocketAddress::from_ip(host, port);
}

std::vector<SocketAddress> nameserver_addresses(const ResolverConfig& config) {
  std::vector<SocketAddress> out;
  for (const std::string& text : config.nameservers) {
    std::optional<SocketAddress> a = nameserver_address(text);
    if (!a) throw std::invalid_argument("ResolverConfig: not a nameserver address: " + text);
    out.push_back(*a);
  }
  if (out.empty()) throw std::invalid_argument("ResolverConfig: no nameserver");
  return out;
}

SocketAddress socket_address(const dns::IpAddress& ip, int port) {
  SocketAddress a;
  a.family = ip.family;
  if (ip.family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&a.addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in->sin_addr, ip.bytes.data(), 4);
    a.len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in6->sin6_addr, ip.bytes.data(), 16);
    a.len = sizeof(sockaddr_in6);
  }
  return a;
}

bool is_localhost(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  auto ends_with_nocase = [&](std::string_view suffix) {
    if (name.size() < suffix.size()) return false;
    const std::string_view tail = name.substr(name.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(),
                      [](char a, char b) { return (a | 0x20) == b; });
  };
  return name.size() == 9 ? ends_with_nocase("localhost") : ends_with_nocase(".localhost");
}

std::error_code eai(int code) { return {code, gai_category()}; }

// The hosts file, a loopback answer for "localhost", or nothing (then DNS is asked).
std::vector<dns::IpAddress> local_answer(const ResolverConfig& config, const std::string& host,
                                         int family) {
  std::vector<dns::IpAddress> found;
  if (!config.hosts_path.empty())
    found = dns::hosts_lookup(dns::parse_hosts(dns::read_file(config.hosts_path, 16 << 20)), host,
                              family);
  if (found.empty() && is_localhost(host)) {
    dns::IpAddress ip;
    if (family != AF_INET6 && dns::parse_ip("127.0.0.1", ip)) found.push_back(ip);
    if (family != AF_INET && dns::parse_ip("::1", ip)) found.push_back(ip);
  }
  return found;
}

// One lookup of a name: each name of the search list in turn, each asked of the nameservers
// in glibc's order (`attempts` rounds over them), with A and AAAA queries in flight together
// on one connected socket. A reply with the TC bit sends the questions again to the same
// nameserver over TCP (RFC 7766: each message behind its 2-byte length), within the same
// attempt's time. The driver (loop or poll) calls start, readable, writable and expired, and
// is told through arm/disarm which fd to watch until when, and for what (wants_write).
class DnsLookup {
 public:
  DnsLookup(const ResolverConfig& config, std::string host, int family)
      : config_(config),
        servers_(nameserver_addresses(config)),
        host_(std::move(host)),
        family_(family) {}
  virtual ~DnsLookup() { close_socket(); }
  DnsLookup(const DnsLookup&) = delete;
  DnsLookup& operator=(const DnsLookup&) = delete;

  void start(double now);
  void readable(double now);
  void writable(double now);
  void expired(double now) { server_failed(now, EAI_AGAIN, "no reply within the timeout"); }

  bool done() const { return done_; }
  int fd() const { return fd_; }
  double deadline() const { return deadline_; }
  // Over TCP, until the queries are written.
  bool wants_write() const { return tcp_ && !out_.empty(); }
  const std::string& host() const { return host_; }
  // After done(): the addresses (IPv4 first), or why there are none.
  std::vector<dns::IpAddress> addresses;
  std::error_code error;
  std::string detail;

 protected:
  // A new attempt's socket is to be watched until deadline() (fd() and deadline() are set).
  virtual void arm() {}
  // wants_write() has become false.
  virtual void write_done() {}
  // fd() is about to be closed. (Not called from ~DnsLookup: a driver destroyed with its DnsLookup
  // armed is a loop that is gone.)
  virtual void disarm() {}
  // done() has just become true.
  virtual void finished() {}
  void finish(std::error_code code, std::string why);

 private:
  struct Question {
    std::uint16_t qtype;
    std::uint16_t id = 0;
    std::vector<unsigned char> query;
    bool settled = false;
    dns::Reply reply;
  };

  void start_name(double now);
  void send_attempt(double now);
  bool take_reply(double now, std::span<const unsigned char> message);
  void start_tcp(double now);
  void read_tcp(double now);
  void server_failed(double now, int code, const std::string& why);
  void name_settled(double now);
  void close_socket();
  std::string server_name() const { return servers_[try_ % servers_.size()].to_string(); }

  ResolverConfig config_;
  std::vector<SocketAddress> servers_;
  std::string host_;
  int family_;
  std::vector<std::string> names_;
  std::size_t name_ = 0;
  std::vector<Question> questions_;
  std::size_t try_ = 0;
  int fd_ = -1;
  double deadline_ = 0;
  bool tcp_ = false;
  std::vector<unsigned char> out_;  // TCP: what is still to be written
  std::vector<unsigned char> in_;   // TCP: what has been read of the replies
  bool done_ = false;
  int fail_code_ = 0;
  std::string fail_detail_;
  std::string not_found_;  // why the last name had no address
};

void DnsLookup::start(double now) {
  if (family_ != AF_UNSPEC && family_ != AF_INET && family_ != AF_INET6)
    return finish(eai(EAI_FAMILY), {});
  addresses = local_answer(config_, host_, family_);
  if (!addresses.empty()) return finish({}, {});
  if (!dns::valid_hostname(host_)) return finish(eai(EAI_NONAME), "not a valid host name");
  names_ = dns::search_names(host_, config_);
  start_name(now);
}

void DnsLookup::start_name(double now) {
  questions_.clear();
  if (family_ != AF_INET6) questions_.push_back({dns::kTypeA, 0, {}, false, {}});
  if (family_ != AF_INET) questions_.push_back({dns::kTypeAAAA, 0, {}, false, {}});
  for (Question& q : questions_) {
    q.id = dns::random_id();
    q.query = dns::build_query(names_[name_], q.id, q.qtype);
  }
  try_ = 0;
  send_attempt(now);
}

void DnsLookup::send_attempt(double now) {
  for (; try_ < servers_.size() * static_cast<std::size_t>(config_.attempts); ++try_) {
    close_socket();
    tcp_ = false;
    const SocketAddress& server = servers_[try_ % servers_.size()];
    // A socket for each attempt: a fresh source port, which a forger must guess too.
    fd_ = ::socket(server.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return finish({errno, std::system_category()}, "socket");
    int err = 0;
    if (::connect(fd_, server.get(), server.len) != 0) err = errno;
    for (const Question& q : questions_) {
      if (err != 0 || q.settled) continue;
      if (::send(fd_, q.query.data(), q.query.size(), MSG_NOSIGNAL) < 0) err = errno;
    }
    if (err == 0) {
      deadline_ = now + config_.timeout;
      arm();
      return;
    }
    fail_code_ = EAI_AGAIN;
    fail_detail_ = "nameserver " + server.to_string() + ": " + std::strerror(err);
  }
  // Every attempt failed for some question; an address of the other family still answers.
  for (const Question& q : questions_)
    if (q.settled)
      addresses.insert(addresses.end(), q.reply.addresses.begin(), q.reply.addresses.end());
  if (!addresses.empty()) return finish({}, {});
  finish(eai(fail_code_ != 0 ? fail_code_ : EAI_AGAIN), fail_detail_);
}

void DnsLookup::readable(double now) {
  if (tcp_) return read_tcp(now);
  unsigned char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_TRUNC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      // ECONNREFUSED: an ICMP port unreachable, no nameserver listens there.
      return server_failed(now, EAI_AGAIN, std::strerror(errno));
    }
    if (static_cast<std::size_t>(n) > sizeof buf)
      return server_failed(now, EAI_FAIL, "reply larger than a UDP reply may be");
    if (take_reply(now, {buf, static_cast<std::size_t>(n)})) return;
  }
}

// Reads one reply; true when the lookup has moved on (another nameserver, name, or the end),
// so that the caller must not touch the socket again.
bool DnsLookup::take_reply(double now, std::span<const unsigned char> message) {
  for (Question& q : questions_) {
    if (q.settled) continue;
    dns::Reply r = dns::parse_reply(message, q.id, names_[name_], q.qtype);
    switch (r.outcome) {
      case dns::Outcome::kMismatch:
        continue;  // stale, forged or the other question's
      case dns::Outcome::kAddresses:
      case dns::Outcome::kNoData:
      case dns::Outcome::kNxDomain:
        q.settled = true;
        q.reply = std::move(r);
        break;
      case dns::Outcome::kServFail:
        server_failed(now, EAI_AGAIN, r.error);
        return true;
      case dns::Outcome::kTruncated:
        if (tcp_) {
          server_failed(now, EAI_FAIL, r.error + " over TCP");
        } else {
          start_tcp(now);
        }
        return true;
      case dns::Outcome::kRefused:
      case dns::Outcome::kMalformed:
        server_failed(now, EAI_FAIL, r.error);
        return true;
    }
    break;
  }
  if (!std::all_of(questions_.begin(), questions_.end(),
                   [](const Question& q) { return q.settled; }))
    return false;
  name_settled(now);
  return true;
}

void DnsLookup::start_tcp(double now) {
  const SocketAddress& server = servers_[try_ % servers_.size()];
  close_socket();
  tcp_ = true;
  in_.clear();
  out_.clear();
  for (const Question& q : questions_) {
    if (q.settled) continue;
    out_.push_back(static_cast<unsigned char>(q.query.size() >> 8));
    out_.push_back(static_cast<unsigned char>(q.query.size()));
    out_.insert(out_.end(), q.query.begin(), q.query.end());
  }
  fd_ = ::socket(server.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return finish({errno, std::system_category()}, "socket");
  if (::connect(fd_, server.get(), server.len) != 0 && errno != EINPROGRESS)
    return server_failed(now, EAI_AGAIN, std::string("TCP: ") + std::strerror(errno));
  // The attempt's deadline stands: the TCP exchange is part of it.
  (void)now;
  arm();
}

void DnsLookup::writable(double now) {
  if (!wants_write()) return;
  const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n < 0) return server_failed(now, EAI_AGAIN, std::string("TCP: ") + std::strerror(errno));
  out_.erase(out_.begin(), out_.begin() + n);
  if (out_.empty()) write_done();
}

void DnsLookup::read_tcp(double now) {
  unsigned char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) return server_failed(now, EAI_AGAIN, std::string("TCP: ") + std::strerror(errno));
    if (n == 0) return server_failed(now, EAI_AGAIN, "TCP: connection closed before the reply");
    in_.insert(in_.end(), buf, buf + n);
    // Each reply behind its length; at most 2 + 65535 bytes are held for one.
    while (in_.size() >= 2) {
      const std::size_t len = static_cast<std::size_t>(in_[0] << 8 | in_[1]);
      if (in_.size() < 2 + len) break;
      const std::vector<unsigned char> message(in_.begin() + 2,
                                               in_.begin() + static_cast<std::ptrdiff_t>(2 + len));
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(2 + len));
      if (take_reply(now, message)) return;
    }
  }
}

void DnsLookup::server_failed(double now, int code, const std::string& why) {
  fail_code_ = code;
  fail_detail_ = "nameserver " + server_name() + ": " + why;
  ++try_;
  send_attempt(now);
}

void DnsLookup::name_settled(double now) {
  for (const Question& q : questions_) {
    addresses.insert(addresses.end(), q.reply.addresses.begin(), q.reply.addresses.end());
    if (q.reply.outcome != dns::Outcome::kAddresses) not_found_ = q.reply.error;
  }
  if (!addresses.empty()) return finish({}, {});
  if (++name_ < names_.size()) return start_name(now);
  finish(eai(EAI_NONAME), not_found_);
}

void DnsLookup::finish(std::error_code code, std::string why) {
  close_socket();
  error = code;
  detail = std::move(why);
  if (error) addresses.clear();
  done_ = true;
  finished();
}

void DnsLookup::close_socket() {
  if (fd_ < 0) return;
  disarm();
  ::close(fd_);
  fd_ = -1;
}

// A DnsLookup on the loop: its socket is a handler, its deadline a timeout; both hold it alive.
class LoopDnsLookup : public DnsLookup, public std::enable_shared_from_this<LoopDnsLookup> {
 public:
  LoopDnsLookup(IOLoop& loop, const ResolverConfig& config, std::string host, int port, int family)
      : DnsLookup(config, std::move(host), family), loop_(loop), port_(port) {}
  Future<std::vector<ResolvedAddress>> future;

 protected:
  void arm() override {
    std::shared_ptr<LoopDnsLookup> self = shared_from_this();
    const int rc = loop_.add_handler(
        fd(),
        [self](int, std::uint32_t events) {
          if ((events & IOLoop::WRITE) != 0) self->writable(self->loop_.time());
          if (!self->done() && (events & ~IOLoop::WRITE) != 0) self->readable(self->loop_.time());
        },
        IOLoop::READ | (wants_write() ? IOLoop::WRITE : 0));
    if (rc != 0) return finish({-rc, std::system_category()}, "the loop cannot watch a socket");
    armed_ = true;
    timeout_ = loop_.call_at(deadline(), [self] { self->expired(self->loop_.time()); });
  }
  void write_done() override { loop_.update_handler(fd(), IOLoop::READ); }
  void disarm() override {
    if (!armed_) return;
    armed_ = false;
    loop_.remove_handler(fd());
    loop_.remove_timeout(timeout_);
  }
  void finished() override {
    if (error) {
      future.set_exception(ResolveError(error, host(), port_, detail));
      return;
    }
    std::vector<ResolvedAddress> out;
    for (const dns::IpAddress& ip : addresses) out.push_back(socket_address(ip, port_));
    future.set_result(std::move(out));
  }

 private:
  IOLoop& loop_;
  int port_;
  bool armed_ = false;
  Timeout timeout_;
};

double monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The same DnsLookup with poll() in a loop of its own.
std::vector<dns::IpAddress> lookup_blocking(const ResolverConfig& config, const std::string& host,
                                            int port, int family) {
  DnsLookup lookup(config, host, family);
  lookup.start(monotonic_now());
  while (!lookup.done()) {
    const double left = lookup.deadline() - monotonic_now();
    const short events = static_cast<short>(POLLIN | (lookup.wants_write() ? POLLOUT : 0));
    pollfd p{lookup.fd(), events, 0};
    const int n = left <= 0 ? 0 : ::poll(&p, 1, static_cast<int>(left * 1000) + 1);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      if ((p.revents & POLLOUT) != 0) lookup.writable(monotonic_now());
      if (!lookup.done() && (p.revents & ~POLLOUT) != 0) lookup.readable(monotonic_now());
    } else if (monotonic_now() >= lookup.deadline()) {
      lookup.expired(monotonic_now());
    }
  }
  if (lookup.error) throw ResolveError(lookup.error, host, port, lookup.detail);
  return lookup.addresses;
}

}  // namespace

// ---------------------------------------------------------------- DefaultResolver

DefaultResolver::DefaultResolver() = default;

DefaultResolver::DefaultResolver(ResolverConfig config) : config_(std::move(config)) {
  (void)nameserver_addresses(*config_);
}

DefaultResolver::~DefaultResolver() = default;

Future<std::vector<ResolvedAddress>> DefaultResolver::resolve(const std::string& host, int port,
                                                              int family) {
  using Result = std::vector<ResolvedAddress>;
  if (closed_)
    return make_failed_future<Result>(std::logic_error("resolve() on a closed resolver"));
  if (port < 0 || port > 65535)
    return make_failed_future<Result>(ResolveError(eai(EAI_SERVICE), host, port));
  // A numeric address needs no lookup (Tornado's fast path, issue #3113).
  if (std::optional<SocketAddress> ip = SocketAddress::from_ip(host, port)) {
    if (family != AF_UNSPEC && family != ip->family)
      return make_failed_future<Result>(ResolveError(eai(EAI_ADDRFAMILY), host, port));
    return make_ready_future<Result>(Result{*ip});
  }
  if (!config_) config_ = ResolverConfig::system();
  IOLoop& loop = IOLoop::current();
  auto lookup = std::make_shared<LoopDnsLookup>(loop, *config_, host, port, family);
  Future<Result> result = lookup->future;
  lookup->start(loop.time());
  return result;
}

std::vector<ResolvedAddress> resolve_blocking(const std::string& host, int port, int family,
                                              const std::optional<ResolverConfig>& config) {
  if (port < 0 || port > 65535) throw ResolveError(eai(EAI_SERVICE), host, port);
  if (std::optional<SocketAddress> ip = SocketAddress::from_ip(host, port)) {
    if (family != AF_UNSPEC && family != ip->family)
      throw ResolveError(eai(EAI_ADDRFAMILY), host, port);
    return {*ip};
  }
  const std::vector<dns::IpAddress> found =
      lookup_blocking(config ? *config : ResolverConfig::system(), host, port, family);
  std::vector<ResolvedAddress> out;
  for (const dns::IpAddress& ip : found) out.push_back(socket_address(ip, port));
  return out;
}

// ---------------------------------------------------------------- bind_sockets' names

std::vector<detail::PassiveAddress> detail::lookup_passive(const std::string& host, int port,
                                                           int family) {
  // AI_ADDRCONFIG (as Tornado asks of getaddrinfo) leaves out a family the host has no
  // address of, as bind_sockets' numeric path decides it.
  bool v4 = false, v6 = false;
  configured_families(v4, v6);
  if (family == AF_UNSPEC && v4 != v6) family = v4 ? AF_INET : AF_INET6;
  if ((family == AF_INET && !v4) || (family == AF_INET6 && !v6))
    throw ResolveError(eai(EAI_NONAME), host, port);
  std::vector<PassiveAddress> out;
  for (const ResolvedAddress& a : resolve_blocking(host, port, family))
    out.push_back({a, IPPROTO_TCP});
  // As Tornado, IPv4 first: its port is the one an ephemeral bind then reuses for IPv6.
  std::stable_sort(out.begin(), out.end(), [](const PassiveAddress& a, const PassiveAddress& b) {
    return a.address.family < b.address.family;
  });
  return out;
}

}  // namespace tornado::netutil
