// stream/netutil_threaded.cc: ThreadedResolver, name resolution through the C library.
//
// Mirrors:  tornado/netutil.py (ThreadedResolver, _resolve_addr with its numeric fast path).
// In loop:  resolve() hands getaddrinfo to a worker of the resolver's ThreadPoolExecutor,
//           whose result comes back through IOLoop::add_callback.
// Calls:    getaddrinfo (blocking, on a worker), ThreadPoolExecutor::submit.
// Owns:     ThreadedResolver owns its pool.
// Thread:   resolve() and close() on the loop thread; lookup() runs on a worker.
// Linking:  this file is an archive member of its own with gen/executor.cc (the Makefile's
//           unity unit "threads"): only a program that names ThreadedResolver or an executor
//           pulls getaddrinfo and std::thread from the C and C++ runtimes. Once pulled, their
//           objects stay in part even when --gc-sections drops this code (glibc keeps the
//           resolver's per-thread cleanup through its freeres hooks): some 37 KB of a static
//           helloworld, so none of their symbols may be named from the other members.
#include <netdb.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tornado/gen/executor.h"
#include "tornado/stream/netutil.h"

namespace tornado::netutil {

namespace {

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

}  // namespace tornado::netutil
