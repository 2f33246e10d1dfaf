// tests/support/fake_dns.cc: the table-driven nameserver and reply builder of fake_dns.h.
//
// Mirrors:  no Tornado module (see fake_dns.h).
// Role:     a thread polls the UDP socket and a stop pipe; each query is looked up in the
//           table (under the mutex, since the case sets answers from its own thread).
#include "tests/support/fake_dns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace tornado::testing {

namespace {

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}

std::string lower_name(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The question of a query: its name and type; false when it has none this server can read.
bool read_question(const Bytes& q, std::string& name, std::uint16_t& type, std::size_t& end) {
  std::size_t at = 12;
  name.clear();
  while (at < q.size() && q[at] != 0) {
    const std::size_t len = q[at];
    if (len > 63 || at + 1 + len >= q.size()) return false;
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(&q[at + 1]), len);
    at += 1 + len;
  }
  if (at + 5 > q.size()) return false;
  type = static_cast<std::uint16_t>(q[at + 1] << 8 | q[at + 2]);
  end = at + 5;
  name = lower_name(name);
  return true;
}

}  // namespace

FakeRecord a_record(std::string name, const std::string& ip) {
  FakeRecord r{std::move(name), 1, Bytes(4)};
  if (::inet_pton(AF_INET, ip.c_str(), r.rdata.data()) != 1) {
    r.type = 28;
    r.rdata.resize(16);
    if (::inet_pton(AF_INET6, ip.c_str(), r.rdata.data()) != 1)
      throw std::invalid_argument("a_record: not an address: " + ip);
  }
  return r;
}

FakeRecord cname_record(std::string name, std::string_view target) {
  return {std::move(name), 5, wire_name(target)};
}

Bytes wire_name(std::string_view name) {
  Bytes out;
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    out.push_back(static_cast<unsigned char>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name.remove_prefix(dot == std::string_view::npos ? name.size() : dot + 1);
  }
  out.push_back(0);
  return out;
}

Bytes dns_query(std::string_view name, std::uint16_t qtype, std::uint16_t id) {
  Bytes q;
  put16(q, id);
  put16(q, 0x0100);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  const Bytes n = wire_name(name);
  q.insert(q.end(), n.begin(), n.end());
  put16(q, qtype);
  put16(q, 1);
  return q;
}

Bytes dns_reply(const Bytes& query, unsigned rcode, const std::vector<FakeRecord>& answers,
                bool truncated) {
  std::string name;
  std::uint16_t type = 0;
  std::size_t end = 12;
  if (!read_question(query, name, type, end)) end = std::min<std::size_t>(query.size(), 12);
  Bytes r(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(end));
  r.resize(std::max<std::size_t>(r.size(), 12));
  r[2] = static_cast<unsigned char>(0x81 | (truncated ? 0x02 : 0));  // QR, RD
  r[3] = static_cast<unsigned char>(0x80 | (rcode & 0x0F));          // RA
  r[6] = static_cast<unsigned char>(answers.size() >> 8);
  r[7] = static_cast<unsigned char>(answers.size());
  for (int i = 8; i < 12; ++i) r[static_cast<std::size_t>(i)] = 0;
  for (const FakeRecord& a : answers) {
    const Bytes n = wire_name(a.name);
    r.insert(r.end(), n.begin(), n.end());
    put16(r, a.type);
    put16(r, 1);
    put16(r, 0);
    put16(r, 60);  // TTL
    put16(r, static_cast<unsigned>(a.rdata.size()));
    r.insert(r.end(), a.rdata.begin(), a.rdata.end());
  }
  return r;
}

FakeDnsServer::FakeDnsServer(bool tcp) {
  if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("FakeDnsServer: pipe");
  // The UDP port the kernel picks may be taken for TCP: try again with another.
  for (int tries = 0; tries < 20 && listener_ < 0; ++tries) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0)
      throw std::runtime_error("FakeDnsServer: cannot open its socket");
    port_ = ntohs(sin.sin_port);
    if (!tcp) break;
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("FakeDnsServer: cannot open its TCP socket");
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::listen(listener_, 4) != 0) {
      ::close(listener_);
      listener_ = -1;
    }
  }
  if (tcp && listener_ < 0) throw std::runtime_error("FakeDnsServer: no port free for both");
  thread_ = std::thread([this] { serve(); });
}

FakeDnsServer::~FakeDnsServer() {
  const char byte = 0;
  (void)!::write(stop_[1], &byte, 1);
  thread_.join();
  ::close(fd_);
  if (listener_ >= 0) ::close(listener_);
  ::close(stop_[0]);
  ::close(stop_[1]);
}

void FakeDnsServer::answer(const std::string& name, std::uint16_t qtype, FakeAnswer a) {
  std::lock_guard lock(mutex_);
  table_[{lower_name(name), qtype}] = std::move(a);
}

void FakeDnsServer::answer_once(const std::string& name, std::uint16_t qtype, FakeAnswer a) {
  std::lock_guard lock(mutex_);
  once_[{lower_name(name), qtype}].push_back(std::move(a));
}

void FakeDnsServer::answer_all(FakeAnswer a) {
  std::lock_guard lock(mutex_);
  all_ = std::move(a);
  all_set_ = true;
}

int FakeDnsServer::queries(const std::string& name, std::uint16_t qtype) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find({lower_name(name), qtype});
  return it == counts_.end() ? 0 : it->second;
}

int FakeDnsServer::queries() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(asked_.size());
}

int FakeDnsServer::tcp_queries() const {
  std::lock_guard lock(mutex_);
  return tcp_count_;
}

int FakeDnsServer::tcp_open() const {
  std::lock_guard lock(mutex_);
  return tcp_open_;
}

std::vector<std::string> FakeDnsServer::names_asked() const {
  std::lock_guard lock(mutex_);
  return asked_;
}

void FakeDnsServer::serve() {
  for (;;) {
    pollfd fds[3] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    if (::poll(fds, listener_ >= 0 ? 3 : 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    if (listener_ >= 0 && fds[2].revents != 0) {
      const int conn = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn >= 0) {
        {
          std::lock_guard lock(mutex_);
          ++tcp_open_;
        }
        serve_tcp(conn);
      }
    }
    if (fds[0].revents == 0) continue;
    Bytes buf(4096);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&peer), &len);
    if (n <= 0) continue;
    buf.resize(static_cast<std::size_t>(n));
    for (const Bytes& d : respond(buf, false))
      (void)::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
  }
}

// One TCP connection, served until the client closes it (or a second passes in silence).
void FakeDnsServer::serve_tcp(int conn) {
  Bytes in;
  for (;;) {
    pollfd p{conn, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) break;
    unsigned char buf[4096];
    const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.insert(in.end(), buf, buf + n);
    while (in.size() >= 2) {
      const std::size_t len = static_cast<std::size_t>(in[0] << 8 | in[1]);
      if (in.size() < 2 + len) break;
      const Bytes query(in.begin() + 2, in.begin() + static_cast<std::ptrdiff_t>(2 + len));
      in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(2 + len));
      for (const Bytes& d : respond(query, true)) {
        Bytes framed;
        put16(framed, static_cast<unsigned>(d.size()));
        framed.insert(framed.end(), d.begin(), d.end());
        (void)::send(conn, framed.data(), framed.size(), MSG_NOSIGNAL);
      }
    }
  }
  ::close(conn);
  std::lock_guard lock(mutex_);
  --tcp_open_;
}

std::vector<Bytes> FakeDnsServer::respond(const Bytes& query, bool tcp) {
  std::string name;
  std::uint16_t type = 0;
  std::size_t end = 0;
  if (!read_question(query, name, type, end)) return {};
  FakeAnswer a;
  {
    std::lock_guard lock(mutex_);
    const std::pair<std::string, std::uint16_t> key{name, type};
    ++counts_[key];
    if (tcp) ++tcp_count_;
    asked_.push_back(name);
    if (auto q = once_.find(key); q != once_.end() && !q->second.empty()) {
      a = std::move(q->second.front());
      q->second.pop_front();
    } else if (auto t = table_.find(key); t != table_.end()) {
      a = t->second;
    } else if (all_set_) {
      a = all_;
    } else {
      a.rcode = 3;  // NXDOMAIN
    }
  }
  if (a.silent) return {};
  const Bytes reply = dns_reply(query, a.rcode, a.records, a.truncated && !tcp);
  return a.datagrams ? a.datagrams(query, reply) : std::vector<Bytes>{reply};
}

}  // namespace tornado::testing
