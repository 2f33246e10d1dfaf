// stream/netutil.h: listening sockets, the accept loop, and name resolution.
//
// Mirrors:  tornado/netutil.py (bind_sockets, bind_unix_socket, add_accept_handler,
//           is_valid_ip, Resolver, DefaultLoopResolver, OverrideResolver).
//
//   std::vector<int> fds = tornado::netutil::bind_sockets(8888);          // 0.0.0.0 and ::
//   auto accepting = tornado::netutil::add_accept_handler(loop, fds[0],
//       [](int conn, const tornado::netutil::SocketAddress& peer) { serve(conn, peer); });
//   tornado::netutil::DefaultResolver resolver;
//   auto addrs = co_await resolver.resolve("localhost", 80);              // on a worker thread
//
// Ownership: bind_sockets and bind_unix_socket hand their fds to the caller. add_accept_handler
//           owns neither the listening fd nor the accepted ones: each accepted fd belongs to the
//           callback. Its AcceptHandle removes the handler when destroyed (or called); remove it
//           before closing the listening fd. A DefaultResolver owns its worker threads.
// Errors:   socket calls throw std::system_error naming the address and port; name lookups
//           fail their Future with ResolveError (also a std::system_error).
// Thread:   the loop thread, except that DefaultResolver runs getaddrinfo on its workers.
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
  ResolveError(std::error_code code, std::string host, int port);
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_;
};

// Creates listening sockets bound to `port` on `address`: one for each getaddrinfo result, so
// "" (every interface) or a name such as "localhost" usually gives an IPv4 and an IPv6 socket.
// As Tornado: AI_PASSIVE | AI_ADDRCONFIG, SO_REUSEADDR on, IPV6_V6ONLY on every IPv6 socket
// (so 0.0.0.0 and :: can both be bound), and with port 0 every socket gets the port the first
// one was given. Each fd is non-blocking and close-on-exec. `family` may restrict the result to
// AF_INET or AF_INET6; `reuse_port` sets SO_REUSEPORT.
// Throws std::system_error naming the address and port (nothing is left open); a lookup
// failure is a ResolveError. Unlike Tornado, an empty result is an error, not an empty list.
// An address in digits or "" is worked out without getaddrinfo (with its answer: AI_ADDRCONFIG
// as glibc decides it); only a name is looked up.
std::vector<int> bind_sockets(int port, std::string_view address = {}, int family = AF_UNSPEC,
                              int backlog = kDefaultBacklog, bool reuse_port = false);

// bind_sockets for an address in digits ("127.0.0.1", "::1") or "" (every address), which
// never looks a name up: a static program that binds only through it does not link
// getaddrinfo, and with it glibc's NSS and DNS code (about 120 KB; bench/README.md, "Static
// builds and size"). A name is a ResolveError (EAI_NONAME), as getaddrinfo's with
// AI_NUMERICHOST.
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
// bind_sockets' getaddrinfo for a name (netutil_resolver.cc, apart from the numeric path, so
// that a program binding only numeric addresses links no name lookup).
std::vector<PassiveAddress> lookup_passive(const std::string& host, int port, int family);
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

// getaddrinfo on a pool of worker threads, the results delivered on the calling loop (Tornado's
// DefaultLoopResolver / ThreadedResolver). A numeric address is resolved at once on the
// calling thread (AI_NUMERICHOST, as Tornado), so it never waits for a worker. The threads
// start with the first lookup of a name. close() and the destructor wait for lookups in
// progress; a lookup cannot be cancelled, so a slow DNS server makes them wait that long.
class DefaultResolver : public Resolver {
 public:
  explicit DefaultResolver(std::size_t num_threads = 10);  // Tornado's ThreadedResolver: 10
  ~DefaultResolver() override;
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
