// stream/netutil_resolver.cc: the resolver errors, and OverrideResolver.
//
// Mirrors:  tornado/netutil.py (OverrideResolver, the gaierror that resolvers raise).
//           DefaultResolver, the library's own stub resolver, is netutil_dns_lookup.cc's;
//           ThreadedResolver, getaddrinfo on threads, netutil_threaded.cc's.
// Owns:     OverrideResolver shares the resolver it wraps.
// Thread:   the loop thread.
#include <netdb.h>

#include <stdexcept>

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
