// stream/netutil_resolver.cc: name resolution through the C library, and the resolver errors.
//
// Mirrors:  tornado/netutil.py (ThreadedResolver, OverrideResolver, _resolve_addr with its
//           numeric fast path, the gaierror that resolvers raise). DefaultResolver, the
//           library's own stub resolver, is netutil_dns_lookup.cc's.
// In loop:  a program that names ThreadedResolver awaits resolve(), which hands getaddrinfo to a
//           worker of its ThreadPoolExecutor, whose result comes back through
//           IOLoop::add_callback. Only such a program links getaddrinfo (--gc-sections drops
//           the rest of this file's code from the others).
// Calls:    getaddrinfo (blocking, on a worker), ThreadPoolExecutor::submit.
// Owns:     ThreadedResolver owns its pool; OverrideResolver shares the resolver it wraps.
// Thread:   resolve() and close() on the loop thread; lookup() runs on a worker.
#include <netdb.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tornado/gen/executor.h"
#include "tornado/stream/netutil.h"

namespace tornado::netutil {

namespace {

class GaiCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "getaddrinfo"; }
  std::string message(int code) const override { return ::gai_strerror(code); }
};

std::string resolve_what(const std::string& host, int port) {
  return "cannot resolve " + host + " (port " + std::to_string(port) + ")";
}

// What a lookup gives: the addresses, or why there are none.
struct Lookup {
  std::vector<ResolvedAddress> addrs;
  std::error_code error;
};

// Tornado's _resolve_addr: getaddrinfo for stream sockets (the socket type only keeps one
// entry per address; the addresses suit datagrams as well). Safe on any thread.
Lookup lookup(const std::string& host, int port, int family, int flags) {
  if (port < 0 || port > 65535) return {{}, std::error_code(EAI_SERVICE, gai_category())};
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return {{},
            rc == EAI_SYSTEM ? std::error_code(errno, std::system_category())
                             : std::error_code(rc, gai_category())};
  }
  Lookup out;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    ResolvedAddress a = SocketAddress::from(ai->ai_addr, ai->ai_addrlen);
    // /etc/hosts may list an address twice; a duplicate would only cost a second connect.
    const bool seen =
        std::any_of(out.addrs.begin(), out.addrs.end(), [&](const ResolvedAddress& o) {
          return o.len == a.len && std::memcmp(&o.addr, &a.addr, a.len) == 0;
        });
    if (!seen) out.addrs.push_back(a);
  }
  ::freeaddrinfo(res);
  return out;
}

// The loop-thread half of a lookup: the ResolveError is made here, so no exception object is
// shared between a worker and the loop (its reference count would then be the only thing
// ordering the worker's last release after the loop's reads).
Future<std::vector<ResolvedAddress>> deliver(Future<Lookup> pending, std::string host, int port) {
  Lookup done = co_await std::move(pending);
  if (done.error) throw ResolveError(done.error, host, port);
  co_return std::move(done.addrs);
}

}  // namespace

const std::error_category& gai_category() {
  static const GaiCategory category;
  return category;
}

ResolveError::ResolveError(std::error_code code, std::string host, int port,
                           const std::string& detail)
    : std::system_error(code,
                        resolve_what(host, port) + (detail.empty() ? "" : " (" + detail + ")")),
      host_(std::move(host)),
      port_(port) {}

// ---------------------------------------------------------------- ThreadedResolver

ThreadedResolver::ThreadedResolver(std::size_t num_threads) : num_threads_(num_threads) {}

ThreadedResolver::~ThreadedResolver() { close(); }

Future<std::vector<ResolvedAddress>> ThreadedResolver::resolve(const std::string& host, int port,
                                                               int family) {
  using Result = std::vector<ResolvedAddress>;
  if (closed_)
    return make_failed_future<Result>(std::logic_error("resolve() on a closed resolver"));
  // A numeric address needs no lookup: getaddrinfo answers at once without touching DNS, so
  // answer here rather than wait for a worker (Tornado's fast path, issue #3113).
  if (is_valid_ip(host)) {
    Lookup done = lookup(host, port, family, AI_NUMERICHOST);
    if (done.error) return make_failed_future<Result>(ResolveError(done.error, host, port));
    return make_ready_future<Result>(std::move(done.addrs));
  }
  if (!pool_) pool_ = std::make_unique<ThreadPoolExecutor>(num_threads_);
  return deliver(pool_->submit([host, port, family] { return lookup(host, port, family, 0); }),
                 host, port);
}

void ThreadedResolver::close() {
  closed_ = true;
  if (pool_) pool_->shutdown(true);
  pool_.reset();
}

// ---------------------------------------------------------------- OverrideResolver

OverrideResolver::OverrideResolver(std::shared_ptr<Resolver> resolver, OverrideMapping mapping)
    : resolver_(std::move(resolver)), mapping_(std::move(mapping)) {
  if (!resolver_) throw std::invalid_argument("OverrideResolver: no resolver to wrap");
}

Future<std::vector<ResolvedAddress>> OverrideResolver::resolve(const std::string& host, int port,
                                                               int family) {
  if (auto it = mapping_.host_port_families.find({host, port, family});
      it != mapping_.host_port_families.end())
    return resolver_->resolve(it->second.first, it->second.second, family);
  if (auto it = mapping_.host_ports.find({host, port}); it != mapping_.host_ports.end())
    return resolver_->resolve(it->second.first, it->second.second, family);
  if (auto it = mapping_.hosts.find(host); it != mapping_.hosts.end())
    return resolver_->resolve(it->second, port, family);
  return resolver_->resolve(host, port, family);
}

void OverrideResolver::close() { resolver_->close(); }

}  // namespace tornado::netutil
