// stream/netutil.cc: listening sockets and the accept loop.
//
// Mirrors:  tornado/netutil.py (bind_sockets, bind_unix_socket, add_accept_handler,
//           is_valid_ip); the resolvers are in netutil_resolver.cc and netutil_dns_lookup.cc,
//           which also holds bind_sockets' lookup of a name: a program that binds only
//           numeric addresses links no name lookup (bind_numeric_sockets).
// In loop:  an Acceptor is the fd handler of one listening socket: each READ event accepts up
//           to kDefaultBacklog connections and hands each fd to the callback (TCPServer's
//           handle_connection). When accept4 fails for want of descriptors it sheds or pauses
//           (see on_readable) instead of returning to a loop that would wake it at once again.
// Calls:    getifaddrs (AI_ADDRCONFIG), socket, setsockopt, bind, listen, accept4; IOLoop
// add/remove_handler
//           and call_later.
// Owns:     nothing it is given: the listening fd stays the caller's, each accepted fd becomes
//           the callback's. An Acceptor owns only its spare descriptor (an open /dev/null).
// Rules:    the handler is removed before the caller closes the listening fd (AcceptHandle);
//           after each callback, removed_ is checked again, since the callback may stop the
//           server (tcpserver_test: "stop_in_callback").
// Thread:   the loop thread.
#include "tornado/stream/netutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tornado/reactor/log.h"

namespace tornado::netutil {

// ---------------------------------------------------------------- addresses

SocketAddress SocketAddress::from(const sockaddr* sa, socklen_t len) {
  SocketAddress a;
  a.len = std::min<socklen_t>(len, sizeof a.addr);
  std::memcpy(&a.addr, sa, a.len);
  a.family = a.addr.ss_family;
  return a;
}

std::optional<SocketAddress> SocketAddress::from_ip(std::string_view ip, int port) {
  if (!is_valid_ip(ip) || port < 0 || port > 65535) return std::nullopt;
  const std::string text(ip);
  SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.addr);
  if (::inet_pton(AF_INET, text.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    a.len = sizeof(sockaddr_in);
  } else {
    ::inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.len = sizeof(sockaddr_in6);
  }
  a.family = a.addr.ss_family;
  return a;
}

SocketAddress SocketAddress::of_socket(int fd) {
  SocketAddress a;
  a.len = sizeof a.addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a.addr), &a.len) != 0)
    throw std::system_error(errno, std::system_category(), "getsockname");
  a.family = a.addr.ss_family;
  return a;
}

SocketAddress SocketAddress::of_peer(int fd) {
  SocketAddress a;
  a.len = sizeof a.addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a.addr), &a.len) != 0)
    throw std::system_error(errno, std::system_category(), "getpeername");
  a.family = a.addr.ss_family;
  return a;
}

namespace {

// Dotted-quad text of an IPv4 address in network order, as inet_ntop writes it. Every accepted
// connection's peer is formatted (HTTPServer's remote_ip): glibc's inet_ntop prints each octet
// through sprintf, about 1,800 instructions an address, against about 100 here.
std::string format_ipv4(const in_addr& in) {
  unsigned char octets[4];
  std::memcpy(octets, &in.s_addr, 4);
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    const unsigned v = octets[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
    if (i < 3) *p++ = '.';
  }
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

}  // namespace

std::string SocketAddress::host() const {
  char buf[INET6_ADDRSTRLEN + 16] = {};
  if (family == AF_INET) return format_ipv4(reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr);
  if (family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    std::string s(buf);
    if (in6->sin6_scope_id != 0) s += "%" + std::to_string(in6->sin6_scope_id);
    return s;
  }
  if (family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&addr);
    const std::size_t max = len > offsetof(sockaddr_un, sun_path)
                                ? std::size_t{len} - offsetof(sockaddr_un, sun_path)
                                : 0;
    return std::string(un->sun_path, ::strnlen(un->sun_path, std::min(max, sizeof un->sun_path)));
  }
  return {};
}

int SocketAddress::port() const {
  if (family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  if (family == AF_INET) return host() + ":" + std::to_string(port());
  if (family == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  return host();
}

bool is_valid_ip(std::string_view ip) {
  // inet_pton reads a C string: an embedded NUL would cut the text short and accept a prefix.
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN || ip.find('\0') != std::string_view::npos)
    return false;
  const std::string text(ip);
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// ---------------------------------------------------------------- listening sockets

namespace {

std::string label(std::string_view address, int port) {
  if (address.empty()) return "*:" + std::to_string(port);
  if (address.find(':') != std::string_view::npos)
    return "[" + std::string(address) + "]:" + std::to_string(port);
  return std::string(address) + ":" + std::to_string(port);
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::system_category(), what);
}

void set_port(SocketAddress& a, int port) {
  const auto p = htons(static_cast<std::uint16_t>(port));
  if (a.family == AF_INET) reinterpret_cast<sockaddr_in*>(&a.addr)->sin_port = p;
  if (a.family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&a.addr)->sin6_port = p;
}

bool is_ipv6_loopback(const SocketAddress& a) {
  return a.family == AF_INET6 &&
         IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(&a.addr)->sin6_addr);
}

// Closes every fd it holds unless release()d: bind_sockets leaves nothing open when it throws.
struct FdList {
  std::vector<int> fds;
  ~FdList() {
    for (int fd : fds) ::close(fd);
  }
  std::vector<int> release() { return std::exchange(fds, {}); }
};

using detail::PassiveAddress;

[[noreturn]] void throw_eai(int code, std::string_view address, int port) {
  throw ResolveError(std::error_code(code, gai_category()),
                     address.empty() ? "*" : std::string(address), port);
}

}  // namespace

// Which families AI_ADDRCONFIG keeps, as glibc decides (check_pf.c): a family counts when the
// host has an address of it other than 127.0.0.1 or ::1; when the addresses cannot be listed,
// both count.
void detail::configured_families(bool& v4, bool& v6) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    v4 = v6 = true;
    return;
  }
  v4 = v6 = false;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    if (i->ifa_addr->sa_family == AF_INET &&
        reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr !=
            htonl(INADDR_LOOPBACK))
      v4 = true;
    if (i->ifa_addr->sa_family == AF_INET6 &&
        !IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr))
      v6 = true;
  }
  ::freeifaddrs(list);
}

namespace {

// What getaddrinfo answers for an address in digits (AI_NUMERICHOST) or for none (AI_PASSIVE |
// AI_ADDRCONFIG), worked out without it; nullopt for a name.
std::optional<std::vector<PassiveAddress>> numeric_passive_addresses(int port,
                                                                     std::string_view address,
                                                                     int family) {
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
    throw_eai(EAI_FAMILY, address, port);
  std::vector<PassiveAddress> out;
  if (address.empty()) {
    bool v4 = false, v6 = false;
    detail::configured_families(v4, v6);
    if (family == AF_UNSPEC && v4 != v6) family = v4 ? AF_INET : AF_INET6;
    if ((family == AF_INET && !v4) || (family == AF_INET6 && !v6))
      throw_eai(EAI_NONAME, address, port);
    // IPv4 first, as bind_sockets orders them.
    if (family != AF_INET6) out.push_back({*SocketAddress::from_ip("0.0.0.0", port), IPPROTO_TCP});
    if (family != AF_INET) out.push_back({*SocketAddress::from_ip("::", port), IPPROTO_TCP});
    return out;
  }
  std::optional<SocketAddress> ip = SocketAddress::from_ip(address, port);
  if (!ip) return std::nullopt;
  if (family != AF_UNSPEC && family != ip->family) throw_eai(EAI_ADDRFAMILY, address, port);
  out.push_back({*ip, IPPROTO_TCP});
  return out;
}

std::vector<int> bind_addresses(std::vector<PassiveAddress> addresses, int port,
                                std::string_view address, int backlog, bool reuse_port);

void set_flag(int fd, int level, int name, const std::string& what) {
  const int on = 1;
  if (::setsockopt(fd, level, name, &on, sizeof on) != 0) throw_errno(errno, what);
}

}  // namespace

std::vector<int> bind_sockets(int port, std::string_view address, int family, int backlog,
                              bool reuse_port) {
  if (port < 0 || port > 65535)
    throw std::invalid_argument("bind_sockets: port out of range: " + std::to_string(port));
  std::optional<std::vector<PassiveAddress>> numeric =
      numeric_passive_addresses(port, address, family);
  return bind_addresses(
      numeric ? std::move(*numeric) : detail::lookup_passive(std::string(address), port, family),
      port, address, backlog, reuse_port);
}

std::vector<int> bind_numeric_sockets(int port, std::string_view address, int family, int backlog,
                                      bool reuse_port) {
  if (port < 0 || port > 65535)
    throw std::invalid_argument("bind_sockets: port out of range: " + std::to_string(port));
  std::optional<std::vector<PassiveAddress>> numeric =
      numeric_passive_addresses(port, address, family);
  if (!numeric) throw_eai(EAI_NONAME, address, port);
  return bind_addresses(std::move(*numeric), port, address, backlog, reuse_port);
}

namespace {

std::vector<int> bind_addresses(std::vector<PassiveAddress> addresses, int port,
                                std::string_view address, int backlog, bool reuse_port) {
  FdList sockets;
  int bound_port = 0;
  for (PassiveAddress& c : addresses) {
    if (c.address.port() == 0 && bound_port != 0) set_port(c.address, bound_port);
    const std::string where = c.address.to_string();
    const int fd =
        ::socket(c.address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, c.protocol);
    if (fd < 0) {
      if (errno == EAFNOSUPPORT) continue;  // a family the kernel was built without
      throw_errno(errno, "bind_sockets: socket for " + where);
    }
    sockets.fds.push_back(fd);
    set_flag(fd, SOL_SOCKET, SO_REUSEADDR, "bind_sockets: SO_REUSEADDR on " + where);
    if (reuse_port)
      set_flag(fd, SOL_SOCKET, SO_REUSEPORT, "bind_sockets: SO_REUSEPORT on " + where);
    // Linux lets an IPv6 socket take IPv4 too, which would make binding 0.0.0.0 and :: to one
    // port fail; other systems never do. Always one family per socket, as Tornado.
    if (c.address.family == AF_INET6)
      set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, "bind_sockets: IPV6_V6ONLY on " + where);
    if (::bind(fd, c.address.get(), c.address.len) != 0) {
      const int err = errno;
      // Tornado's one tolerated failure: "localhost" gives ::1 on a host whose IPv6 is
      // half-disabled (Docker's default), so the bind is refused though the lookup worked.
      if (err == EADDRNOTAVAIL && address == "localhost" && is_ipv6_loopback(c.address)) {
        ::close(fd);
        sockets.fds.pop_back();
        continue;
      }
      throw_errno(err, "bind_sockets: bind to " + where);
    }
    bound_port = SocketAddress::of_socket(fd).port();
    if (::listen(fd, backlog) != 0) throw_errno(errno, "bind_sockets: listen on " + where);
  }
  if (sockets.fds.empty())
    throw_errno(EADDRNOTAVAIL, "bind_sockets: no usable address for " + label(address, port));
  return sockets.release();
}

}  // namespace

int bind_unix_socket(const std::string& path, mode_t mode, int backlog) {
  sockaddr_un un{};
  if (path.empty() || path.size() >= sizeof un.sun_path)
    throw_errno(ENAMETOOLONG, "bind_unix_socket: bad path length: " + path);
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  // lstat, not stat: a symbolic link is not taken for the socket it points to.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw_errno(EADDRINUSE, "bind_unix_socket: " + path + " exists and is not a socket");
    if (::unlink(path.c_str()) != 0) throw_errno(errno, "bind_unix_socket: unlink " + path);
  } else if (errno != ENOENT) {
    throw_errno(errno, "bind_unix_socket: stat " + path);
  }
  FdList sockets;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, "bind_unix_socket: socket for " + path);
  sockets.fds.push_back(fd);
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&un), len) != 0)
    throw_errno(errno, "bind_unix_socket: bind to " + path);
  if (::chmod(path.c_str(), mode) != 0) throw_errno(errno, "bind_unix_socket: chmod " + path);
  if (::listen(fd, backlog) != 0) throw_errno(errno, "bind_unix_socket: listen on " + path);
  return sockets.release().front();
}

// ---------------------------------------------------------------- the accept loop

namespace detail {

// The problem of accept() when out of descriptors (libev's manual; man tornado.netutil): the
// kernel keeps the listening socket readable while connections wait, but accept4 fails with
// EMFILE, so a level-triggered loop wakes again at once and spins, logging each time (Tornado
// does). Two answers, in order:
//  1. Shed: keep one descriptor in reserve (an open /dev/null); on EMFILE/ENFILE close it,
//     accept the waiting connection, close that at once and reopen the reserve. The client
//     sees its connection closed instead of hanging in the backlog, and the socket stops
//     being readable once the backlog is empty (libuv and libev do this).
//  2. Pause: when shedding is impossible (no reserve could be reopened, say another thread
//     took the descriptor; or ENOBUFS/ENOMEM; or an unexpected error), stop watching the
//     socket for kPauseSeconds, then try again. Waiting clients stay queued.
// One log line starts an episode, one ends it (with the number of connections shed).
class Acceptor : public std::enable_shared_from_this<Acceptor> {
 public:
  static constexpr double kPauseSeconds = 0.1;

  Acceptor(IOLoop& loop, int fd, AcceptCallback callback)
      : loop_(&loop), fd_(fd), callback_(std::move(callback)), spare_(open_spare()) {}
  ~Acceptor() { close_spare(); }
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  void start() {
    const int rc = watch();
    if (rc != 0) throw_errno(-rc, "add_accept_handler: cannot watch fd " + std::to_string(fd_));
  }

  void remove() {
    if (removed_) return;
    removed_ = true;
    if (watching_) (void)loop_->remove_handler(fd_);
    watching_ = false;
    loop_->remove_timeout(resume_);
    close_spare();
  }

 private:
  enum class Shed { kOne, kEmpty, kImpossible };

  static int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }
  void close_spare() {
    if (spare_ >= 0) ::close(spare_);
    spare_ = -1;
  }

  int watch() {
    const int rc = loop_->add_handler(
        fd_, [self = shared_from_this()](int, std::uint32_t) { self->on_readable(); },
        IOLoop::READ);
    watching_ = rc == 0;
    return rc;
  }

  static bool transient(int err) {
    // accept(2): errors of the connection being accepted, not of the listening socket, are to
    // be treated like EAGAIN by trying the next one; EPERM is a firewall refusing it.
    return err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM ||
           err == ENETDOWN || err == ENOPROTOOPT || err == EHOSTDOWN || err == EHOSTUNREACH ||
           err == EOPNOTSUPP || err == ENETUNREACH;
  }

  void on_readable() {
    // The callback may remove this acceptor, and with it the loop's reference to it.
    const std::shared_ptr<Acceptor> keep = shared_from_this();
    for (int i = 0; i < kDefaultBacklog && !removed_; ++i) {
      SocketAddress peer;
      peer.len = sizeof peer.addr;
      const int conn = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer.addr), &peer.len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn >= 0) {
        if (failing_) end_episode();
        peer.family = peer.addr.ss_family;
        callback_(conn, peer);
        continue;
      }
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (transient(err)) continue;
      if (err == EMFILE || err == ENFILE) {
        begin_episode(err,
                      "closing new connections, or leaving them queued, until descriptors "
                      "are freed");
        const Shed s = shed_one();
        if (s == Shed::kOne) continue;
        if (s == Shed::kEmpty) return;
      } else {
        begin_episode(err, "retrying every 100 ms");
      }
      pause();
      return;
    }
  }

  Shed shed_one() {
    if (spare_ < 0) return Shed::kImpossible;
    close_spare();
    const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    const int err = errno;
    if (conn >= 0) ::close(conn);  // first: the reserve reopens in the slot this frees
    spare_ = open_spare();
    if (conn >= 0) {
      ++shed_;
      return Shed::kOne;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) return Shed::kEmpty;
    return Shed::kImpossible;
  }

  void pause() {
    if (watching_) (void)loop_->remove_handler(fd_);
    watching_ = false;
    resume_ = loop_->call_later(kPauseSeconds, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->resume();
    });
  }

  void resume() {
    resume_ = Timeout{};
    if (removed_) return;
    if (spare_ < 0) spare_ = open_spare();
    if (const int rc = watch(); rc != 0)
      log::gen_log.error("accept on %s: cannot watch the socket again (%s); no longer accepting",
                         where().c_str(), std::strerror(-rc));
  }

  void begin_episode(int err, const char* action) {
    if (failing_) return;
    failing_ = true;
    shed_ = 0;
    log::gen_log.warning("accept on %s failed: %s; %s", where().c_str(), std::strerror(err),
                         action);
  }

  void end_episode() {
    failing_ = false;
    log::gen_log.info("accept on %s works again (%zu connections closed unserved meanwhile)",
                      where().c_str(), shed_);
  }

  std::string where() const {
    try {
      return SocketAddress::of_socket(fd_).to_string();
    } catch (const std::system_error&) {
      return "fd " + std::to_string(fd_);
    }
  }

  IOLoop* loop_;
  int fd_;
  AcceptCallback callback_;
  int spare_;
  bool removed_ = false;
  bool watching_ = false;
  bool failing_ = false;  // an episode of failing accepts has been logged and not yet ended
  std::size_t shed_ = 0;
  Timeout resume_;
};

}  // namespace detail

AcceptHandle& AcceptHandle::operator=(AcceptHandle&& o) noexcept {
  if (this != &o) {
    remove();
    acceptor_ = std::move(o.acceptor_);
  }
  return *this;
}

void AcceptHandle::remove() {
  if (!acceptor_) return;
  const std::shared_ptr<detail::Acceptor> a = std::move(acceptor_);
  acceptor_.reset();
  a->remove();
}

AcceptHandle add_accept_handler(IOLoop& loop, int listen_fd, AcceptCallback callback) {
  auto acceptor = std::make_shared<detail::Acceptor>(loop, listen_fd, std::move(callback));
  acceptor->start();
  return AcceptHandle(std::move(acceptor));
}

}  // namespace tornado::netutil
