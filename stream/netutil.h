// stream/netutil.h: listening sockets, the accept loop, and name resolution.
//
// Mirrors:  tornado/netutil.py (bind_sockets, bind_unix_socket, add_accept_handler,
//           is_valid_ip, Resolver, DefaultResolver, ThreadedResolver, OverrideResolver).
//
//   std::vector<int> fds = tornado::netutil::bind_sockets(8888);          // 0.0.0.0 and ::
//   auto accepting = tornado::netutil::add_accept_handler(loop, fds[0],
//       [](int conn, const tornado::netutil::SocketAddress& peer) { serve(conn, peer); });
//   tornado::netutil::DefaultResolver resolver;
//   auto addrs = co_await resolver.resolve("localhost", 80);              // on the loop
//
// Ownership: bind_sockets and bind_unix_socket hand their fds to the caller. add_accept_handler
//           owns neither the listening fd nor the accepted ones: each accepted fd belongs to the
//           callback. Its AcceptHandle removes the handler when destroyed (or called); remove it
//           before closing the listening fd. A ThreadedResolver owns its worker threads; a
//           DefaultResolver's lookup owns its socket until it ends (the loop holds it).
// Errors:   socket calls throw std::system_error naming the address and port; name lookups
//           fail their Future with ResolveError (also a std::system_error).
// Thread:   the loop thread, except that ThreadedResolver runs getaddrinfo on its workers.
// See:      man tornado.netutil (CAVEATS: the problem of accept() when out of descriptors).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/reactor/callback.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/stream/netutil_dns.h"

namespace tornado {

class ThreadPoolExecutor;

namespace netutil {

// Tornado's _DEFAULT_BACKLOG: the listen(2) backlog, and also the most connections the accept
// handler takes per readiness event, so one busy listener cannot starve the rest of the loop.
inline constexpr int kDefaultBacklog = 128;

// One socket address: what getaddrinfo, accept4 and getpeername give (Tornado passes the same
// as a (host, port) tuple).
struct SocketAddress {
  int family = AF_UNSPEC;
  sockaddr_storage addr{};
  socklen_t len = 0;

  static SocketAddress from(const sockaddr* sa, socklen_t len);
  // A numeric IPv4 or IPv6 address (as is_valid_ip accepts) with a port; nullopt otherwise.
  static std::optional<SocketAddress> from_ip(std::string_view ip, int port);
  // The address a socket is bound to (getsockname); throws std::system_error.
  static SocketAddress of_socket(int fd);
  // The peer of a connected socket (getpeername); throws std::system_error.
  static SocketAddress of_peer(int fd);

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&addr); }
  // "127.0.0.1", "::1", or a Unix socket's path.
  std::string host() const;
  // The port (0 for a Unix socket).
  int port() const;
  // "127.0.0.1:8888", "[::1]:8888", or a Unix socket's path.
  std::string to_string() const;
};

// What Resolver::resolve gives: Tornado's (family, address) pairs.
using ResolvedAddress = SocketAddress;

// The error category of getaddrinfo's EAI_* codes (message: gai_strerror).
const std::error_category& gai_category();

// A name lookup failed. code() is an EAI_* value in gai_category(), or an errno in
// system_category() when getaddrinfo reported EAI_SYSTEM. Tornado raises socket.gaierror.
class ResolveError : public std::system_error {
 public:
  // `detail` (why, for the stub resolver: which nameserver said what) joins the message.
  ResolveError(std::error_code code, std::string host, int port, const std::string& detail = {});
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_;
};

// Creates listening sockets bound to `port` on `address`: one for each of its addresses, so
// "" (every interface) or a name such as "localhost" usually gives an IPv4 and an IPv6 socket.
// As Tornado: AI_PASSIVE | AI_ADDRCONFIG, SO_REUSEADDR on, IPV6_V6ONLY on every IPv6 socket
// (so 0.0.0.0 and :: can both be bound), and with port 0 every socket gets the port the first
// one was given. Each fd is non-blocking and close-on-exec. `family` may restrict the result to
// AF_INET or AF_INET6; `reuse_port` sets SO_REUSEPORT.
// Throws std::system_error naming the address and port (nothing is left open); a lookup
// failure is a ResolveError. Unlike Tornado, an empty result is an error, not an empty list.
// An address in digits or "" is worked out as getaddrinfo would (AI_ADDRCONFIG as glibc decides
// it); a name is looked up by resolve_blocking (the library's stub resolver, not getaddrinfo).
std::vector<int> bind_sockets(int port, std::string_view address = {}, int family = AF_UNSPEC,
                              int backlog = kDefaultBacklog, bool reuse_port = false);

// bind_sockets for an address in digits ("127.0.0.1", "::1") or "" (every address), which
// never looks a name up: a static program that binds only through it links no name lookup
// (bench/README.md, "Static builds and size"). A name is a ResolveError (EAI_NONAME), as
// getaddrinfo's with AI_NUMERICHOST.
std::vector<int> bind_numeric_sockets(int port, std::string_view address = {},
                                      int family = AF_UNSPEC, int backlog = kDefaultBacklog,
                                      bool reuse_port = false);

// Creates a listening Unix-domain socket at `path`. A socket file left there by an earlier run
// is removed first; any other kind of file is an error (std::system_error, EADDRINUSE), as
// Tornado's ValueError. The file gets `mode`. Non-blocking and close-on-exec.
int bind_unix_socket(const std::string& path, mode_t mode = 0600, int backlog = kDefaultBacklog);

// callback(fd, peer) for each accepted connection; fd is non-blocking, close-on-exec, and
// owned by the callback from then on.
using AcceptCallback = InlineFunction<void(int, const SocketAddress&)>;

namespace detail {
class Acceptor;

// A listening address and the protocol for socket(2).
struct PassiveAddress {
  SocketAddress address;
  int protocol;
};
// bind_sockets' lookup of a name (netutil_dns_lookup.cc: resolve_blocking, with AI_ADDRCONFIG's
// rule), apart from the numeric path, so that a program binding only numeric addresses links
// no name lookup.
std::vector<PassiveAddress> lookup_passive(const std::string& host, int port, int family);
// Which families AI_ADDRCONFIG keeps, as glibc decides (netutil.cc).
void configured_families(bool& v4, bool& v6);
}  // namespace detail

// Tornado's remove_handler function returned by add_accept_handler, as a value that also
// removes the handler when it is destroyed.
class AcceptHandle {
 public:
  AcceptHandle() = default;
  explicit AcceptHandle(std::shared_ptr<detail::Acceptor> a) : acceptor_(std::move(a)) {}
  AcceptHandle(AcceptHandle&&) noexcept = default;
  AcceptHandle& operator=(AcceptHandle&& o) noexcept;
  ~AcceptHandle() { remove(); }

  // Stops accepting: no callback runs after this returns, even if called from inside the
  // callback while more connections are queued. Idempotent.
  void remove();
  void operator()() { remove(); }
  bool active() const { return acceptor_ != nullptr; }

 private:
  std::shared_ptr<detail::Acceptor> acceptor_;
};

// Accepts connections on a listening socket whenever it is readable (Tornado's
// add_accept_handler): at most kDefaultBacklog per readiness event, skipping connections that
// were aborted while queued (ECONNABORTED). When the process is out of descriptors (EMFILE,
// ENFILE) it neither spins nor floods the log: it keeps one spare descriptor, and uses it to
// accept and at once close each waiting connection, so that clients see a closed connection
// rather than hang; if even that is not possible (the spare is gone, or the kernel is out of
// memory), it stops watching the socket for 100 ms. Each episode is logged once (gen_log),
// and its end once more. Throws std::system_error if the loop refuses the fd.
[[nodiscard]] AcceptHandle add_accept_handler(IOLoop& loop, int listen_fd, AcceptCallback callback);

// Whether `ip` is a numeric IPv4 address (dotted quad) or IPv6 address, checked with
// inet_pton: no name lookup ever happens. Stricter than Tornado's getaddrinfo check: "127.1"
// and scoped addresses ("fe80::1%eth0") are rejected.
bool is_valid_ip(std::string_view ip);

// Asynchronous name resolution (Tornado's Resolver). resolve() gives every address of
// host:port for stream sockets, in getaddrinfo's order, without duplicates; its Future fails
// with ResolveError.
class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual Future<std::vector<ResolvedAddress>> resolve(const std::string& host, int port,
                                                       int family = AF_UNSPEC) = 0;
  // Releases what the resolver holds (threads); resolve() must not be called afterwards.
  virtual void close() {}
};

// The library's own stub resolver (Tornado's default resolver, which there is getaddrinfo on
// threads): names from the hosts file first, then A and AAAA queries over UDP to the
// nameservers of /etc/resolv.conf, on the calling loop, with no thread. So a static program
// links no getaddrinfo, nor glibc's NSS and DNS code, unless it names ThreadedResolver.
// Numeric addresses are answered at once. "localhost" and names under it that the hosts file
// does not list are the loopback addresses (RFC 6761). Order: the hosts file's order; from DNS,
// IPv4 addresses first, then IPv6 (TCPClient tries the second family 0.3 s after the first).
// What is not read: nsswitch.conf (no mDNS, LDAP, NIS: ThreadedResolver asks glibc's NSS),
// RES_OPTIONS and LOCALDOMAIN. An answer with the TC bit is asked again over TCP.
// Errors (ResolveError): EAI_NONAME for NXDOMAIN or no address of the family asked, and for a
// name that is not a valid host name; EAI_AGAIN for timeouts, SERVFAIL and nameservers that
// cannot be reached; EAI_FAIL for malformed replies (truncated even over TCP) and other
// RCODEs; the message names the nameserver and why.
class DefaultResolver : public Resolver {
 public:
  // /etc/resolv.conf is read at the first lookup of a name, the hosts file at each one.
  DefaultResolver();
  // Asks where `config` says (a test's nameserver). Throws std::invalid_argument for a
  // nameserver that is not an address in digits, with an optional port.
  explicit DefaultResolver(ResolverConfig config);
  ~DefaultResolver() override;
  Future<std::vector<ResolvedAddress>> resolve(const std::string& host, int port,
                                               int family = AF_UNSPEC) override;
  // Lookups in progress finish; resolve() must not be called afterwards.
  void close() override { closed_ = true; }

 private:
  std::optional<ResolverConfig> config_;
  bool closed_ = false;
};

// The same lookup without a loop, waiting in poll(2) (bind_sockets' names go through it, as
// Tornado's bind_sockets is synchronous). `config` nullopt: /etc/resolv.conf. Throws ResolveError.
std::vector<ResolvedAddress> resolve_blocking(const std::string& host, int port,
                                              int family = AF_UNSPEC,
                                              const std::optional<ResolverConfig>& config = {});

// getaddrinfo on a pool of worker threads, the results delivered on the calling loop (Tornado's
// ThreadedResolver): glibc's NSS, so nsswitch.conf, mDNS, LDAP and the rest. A static program
// that names it links getaddrinfo (bench/README.md, "Static builds and size"). A numeric
// address is resolved at once on the calling thread (AI_NUMERICHOST, as Tornado), so it never
// waits for a worker. The threads start with the first lookup of a name. close() and the
// destructor wait for lookups in progress; a lookup cannot be cancelled, so a slow DNS server
// makes them wait that long.
class ThreadedResolver : public Resolver {
 public:
  explicit ThreadedResolver(std::size_t num_threads = 10);  // Tornado's ThreadedResolver: 10
  ~ThreadedResolver() override;
  Future<std::vector<ResolvedAddress>> resolve(const std::string& host, int port,
                                               int family = AF_UNSPEC) override;
  void close() override;

 private:
  std::size_t num_threads_;
  std::unique_ptr<ThreadPoolExecutor> pool_;
  bool closed_ = false;
};

// Fixed answers before another resolver (Tornado's OverrideResolver, used for tests and for
// hostname_mapping). The most specific key wins: (host, port, family), then (host, port), then
// host alone; the mapped name is then resolved by the wrapped resolver.
//
//   netutil::OverrideResolver r(std::make_shared<netutil::DefaultResolver>(),
//                               {.hosts = {{"example.com", "127.0.0.1"}}});
struct OverrideMapping {
  std::map<std::string, std::string> hosts;
  std::map<std::pair<std::string, int>, std::pair<std::string, int>> host_ports;
  std::map<std::tuple<std::string, int, int>, std::pair<std::string, int>> host_port_families;
};

class OverrideResolver : public Resolver {
 public:
  OverrideResolver(std::shared_ptr<Resolver> resolver, OverrideMapping mapping);
  Future<std::vector<ResolvedAddress>> resolve(const std::string& host, int port,
                                               int family = AF_UNSPEC) override;
  // Closes the wrapped resolver, as Tornado.
  void close() override;

 private:
  std::shared_ptr<Resolver> resolver_;
  OverrideMapping mapping_;
};

}  // namespace netutil
}  // namespace tornado
