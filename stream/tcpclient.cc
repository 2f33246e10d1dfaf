// stream/tcpclient.cc: resolve, then race connection attempts (RFC 6555).
//
// Mirrors:  tornado/tcpclient.py (TCPClient.connect, _create_stream, _Connector).
// In loop:  connect() is a coroutine: it awaits the resolver, then a Connector, whose state
//           moves on three kinds of event: an attempt's connect Future resolving
//           (on_connect_done), the 0.3 s timer that starts the secondary family (on_timeout),
//           and the caller's deadline (on_connect_timeout).
// Calls:    Resolver::resolve, socket/bind, IOStream::create and IOStream::connect.
// Owns:     a Connector owns its attempts' streams until one wins; it is itself kept alive by
//           the callbacks of its pending attempts and timers, so it lives exactly until the
//           last of them has run.
// Rules:    when the result is decided (a winner, the deadline, or every address failed),
//           both timers are cancelled and every other attempt is closed, which resolves its
//           Future and releases the Connector.
// Thread:   the loop thread.
#include "tornado/stream/tcpclient.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include "tornado/gen/gen.h"
#include "tornado/reactor/util.h"

namespace tornado {

namespace {

using StreamPtr = std::shared_ptr<IOStream>;
using netutil::ResolvedAddress;
using netutil::SocketAddress;

struct Source {
  std::string ip;
  int port = 0;
};

struct Attempt {
  StreamPtr stream;  // null when the socket could not even be made
  Future<void> connected;
};

Attempt failed_attempt(int err, const std::string& what) {
  return {nullptr, make_failed_future<void>(std::system_error(err, std::system_category(), what))};
}

// Tornado's _create_stream: a plain socket of the address's family, bound to the source when
// one is asked for, connecting.
Attempt start_attempt(const ResolvedAddress& addr, const Source& source,
                      const IOStreamOptions& options) {
  const int fd = ::socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return failed_attempt(errno, "socket for " + addr.to_string());
  if (!source.ip.empty() || source.port != 0) {
    const std::string any = addr.family == AF_INET6 ? "::" : "0.0.0.0";
    const std::optional<SocketAddress> local =
        SocketAddress::from_ip(source.ip.empty() ? any : source.ip, source.port);
    int err = 0;
    if (!local) {
      err = EINVAL;  // not a numeric address, or a port out of range
    } else if (local->family != addr.family) {
      err = EAFNOSUPPORT;
    } else if (::bind(fd, local->get(), local->len) != 0) {
      err = errno;
    }
    if (err != 0) {
      ::close(fd);
      return failed_attempt(err, "bind to source " + (source.ip.empty() ? any : source.ip) +
                                     " port " + std::to_string(source.port) + " for " +
                                     addr.to_string());
    }
  }
  StreamPtr stream = IOStream::create(fd, options);
  Future<void> connected = stream->connect(addr.get(), addr.len);
  return {std::move(stream), std::move(connected)};
}

// Tornado's _Connector. Index 0 is the primary family (that of the first address), 1 the rest.
class Connector : public std::enable_shared_from_this<Connector> {
 public:
  Connector(const std::vector<ResolvedAddress>& addrs, Source source, IOStreamOptions options)
      : loop_(IOLoop::current()),
        remaining_(addrs.size()),
        source_(std::move(source)),
        options_(options) {
    for (const ResolvedAddress& a : addrs)
      lists_[a.family == addrs.front().family ? 0 : 1].push_back(a);
  }

  Future<StreamPtr> start(std::optional<double> connect_timeout) {
    Future<StreamPtr> out;
    result_ = Promise<StreamPtr>(out);
    try_connect(0);
    timeout_ = loop_.call_later(TCPClient::kInitialConnectTimeout,
                                [self = shared_from_this()] { self->on_timeout(); });
    timeout_pending_ = true;
    if (connect_timeout)
      connect_timeout_ = loop_.call_later(
          *connect_timeout, [self = shared_from_this()] { self->on_connect_timeout(); });
    return out;
  }

 private:
  void try_connect(int which) {
    if (next_[which] >= lists_[which].size()) {
      // This family is done; the other may still be trying. Fail only when both are.
      if (remaining_ == 0 && !result_.done()) {
        clear_timeouts();
        result_.set_exception(
            last_error_ ? last_error_
                        : std::make_exception_ptr(StreamClosedError(0, "connection failed")));
      }
      return;
    }
    Attempt a = start_attempt(lists_[which][next_[which]++], source_, options_);
    if (a.stream) streams_.push_back(a.stream);
    a.connected.add_done_callback([self = shared_from_this(), which,
                                   weak = std::weak_ptr<IOStream>(a.stream)](Future<void>& f) {
      self->on_connect_done(which, weak.lock(), f);
    });
  }

  void on_connect_done(int which, StreamPtr stream, Future<void>& f) {
    --remaining_;
    std::exception_ptr error = f.exception();
    if (!error && !stream) error = std::make_exception_ptr(StreamClosedError());
    forget(stream);
    if (error) {
      if (result_.done()) return;
      last_error_ = error;  // kept to report if every address fails
      try_connect(which);
      // A failed first attempt need not wait out the timer to try the other family.
      if (timeout_pending_) {
        loop_.remove_timeout(timeout_);
        on_timeout();
      }
      return;
    }
    clear_timeouts();
    if (result_.done()) {
      stream->close();  // a late arrival
      return;
    }
    result_.set_result(std::move(stream));
    close_streams();
  }

  void on_timeout() {
    timeout_pending_ = false;
    if (!result_.done()) try_connect(1);
  }

  void on_connect_timeout() {
    connect_timeout_ = Timeout{};
    if (!result_.done()) result_.set_exception(std::make_exception_ptr(TimeoutError()));
    clear_timeouts();
    close_streams();
  }

  void clear_timeouts() {
    if (timeout_pending_) loop_.remove_timeout(timeout_);
    timeout_pending_ = false;
    loop_.remove_timeout(std::exchange(connect_timeout_, Timeout{}));
  }

  void forget(const StreamPtr& stream) {
    if (stream)
      streams_.erase(std::remove(streams_.begin(), streams_.end(), stream), streams_.end());
  }

  void close_streams() {
    std::vector<StreamPtr> streams = std::move(streams_);
    streams_.clear();
    for (const StreamPtr& s : streams) s->close();
  }

  IOLoop& loop_;
  std::vector<ResolvedAddress> lists_[2];
  std::size_t next_[2] = {0, 0};
  std::size_t remaining_;  // attempts not yet finished, started or not (Tornado's remaining)
  Source source_;
  IOStreamOptions options_;
  Promise<StreamPtr> result_;
  std::exception_ptr last_error_;
  std::vector<StreamPtr> streams_;  // attempts in flight
  Timeout timeout_;
  bool timeout_pending_ = false;
  Timeout connect_timeout_;
};

// The body of TCPClient::connect. A free coroutine taking everything by value, so that it
// depends on nothing the caller might destroy while it is suspended (STYLE §4, rule 7).
Future<StreamPtr> connect_with(std::shared_ptr<netutil::Resolver> resolver, std::string host,
                               int port, int af, Source source, std::optional<double> timeout,
                               IOStreamOptions options) {
  IOLoop& loop = IOLoop::current();
  const double deadline = timeout ? loop.time() + *timeout : 0.0;
  std::vector<ResolvedAddress> addrs;
  if (timeout) {
    addrs = co_await gen::with_timeout(*timeout, resolver->resolve(host, port, af));
  } else {
    addrs = co_await resolver->resolve(host, port, af);
  }
  if (addrs.empty())
    throw netutil::ResolveError(std::error_code(EAI_NONAME, netutil::gai_category()), host, port);
  std::optional<double> left;
  if (timeout) left = std::max(0.0, deadline - loop.time());
  auto connector = std::make_shared<Connector>(addrs, std::move(source), options);
  co_return co_await connector->start(left);
}

}  // namespace

TCPClient::TCPClient(std::shared_ptr<netutil::Resolver> resolver)
    : resolver_(std::move(resolver)), own_resolver_(resolver_ == nullptr) {
  if (own_resolver_) resolver_ = std::make_shared<netutil::DefaultResolver>();
}

void TCPClient::close() {
  if (own_resolver_) resolver_->close();
}

Future<std::shared_ptr<IOStream>> TCPClient::connect(std::string host, int port, int af,
                                                     std::string source_ip, int source_port,
                                                     std::optional<double> timeout,
                                                     IOStreamOptions options) {
  return connect_with(resolver_, std::move(host), port, af,
                      Source{std::move(source_ip), source_port}, timeout, options);
}

}  // namespace tornado
