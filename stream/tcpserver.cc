// stream/tcpserver.cc: listening sockets in, one IOStream per connection out.
//
// Mirrors:  tornado/tcpserver.py (TCPServer._handle_connection and friends).
// In loop:  each listening socket has an accept handler (netutil::add_accept_handler) on
//           IOLoop::current(); for every accepted fd, handle_connection wraps it in an IOStream
//           and calls handle_stream. A Future that handle_stream returns is watched only so
//           that its exception is logged.
// Callers:  users and HTTPServer (its subclass); Calls: netutil, IOStream::create,
//           process::fork_processes (start(n)).
// Owns:     the listening fds (closed in stop()); never the connections.
// Rules:    stop() removes each accept handler before closing its fd (DESIGN §4); it may be
//           called from inside handle_stream (tcpserver_test: "stop_in_callback").
// Thread:   the loop thread.
#include "tornado/stream/tcpserver.h"

#include <signal.h>
#include <unistd.h>

#include <exception>
#include <stdexcept>
#include <system_error>

#include "tornado/reactor/log.h"
#include "tornado/reactor/util.h"
#include "tornado/stream/process.h"

namespace tornado {

namespace {

void log_handler_error(const std::exception_ptr& e, const char* what) {
  log::app_log.error("%s: %s", what, util::exception_message(e).c_str());
}

}  // namespace

TCPServer::~TCPServer() { stop(); }

void TCPServer::listen(int port, std::string_view address, int family, int backlog,
                       bool reuse_port) {
  add_sockets(netutil::bind_sockets(port, address, family, backlog, reuse_port));
}

void TCPServer::add_sockets(const std::vector<int>& fds) {
  IOLoop& loop = IOLoop::current();
  for (std::size_t i = 0; i < fds.size(); ++i) {
    try {
      listeners_.reserve(listeners_.size() + 1);  // nothing may throw once the handler is in
      netutil::AcceptHandle h = netutil::add_accept_handler(
          loop, fds[i], [this](int conn, const Address& peer) { handle_connection(conn, peer); });
      listeners_.push_back(Listener{fds[i], std::move(h)});
    } catch (...) {
      for (std::size_t j = i; j < fds.size(); ++j) ::close(fds[j]);  // the fds were given
      throw;
    }
  }
}

void TCPServer::bind(int port, std::string_view address, int family, int backlog, bool reuse_port) {
  std::vector<int> fds = netutil::bind_sockets(port, address, family, backlog, reuse_port);
  if (started_) {
    add_sockets(fds);
  } else {
    pending_.insert(pending_.end(), fds.begin(), fds.end());
  }
}

void TCPServer::start(int num_processes, int max_restarts) {
  if (started_) throw std::logic_error("TCPServer::start called twice");
  // Started only once the fork is done: a refused fork (a loop already made) leaves the
  // server as it was, to start(1) (tcpserver_test: "bind then start").
  if (num_processes != 1) process::fork_processes(num_processes, {max_restarts, pending_});
  started_ = true;
  std::vector<int> fds = std::move(pending_);
  pending_.clear();
  add_sockets(fds);
}

void TCPServer::stop() {
  std::vector<Listener> listeners = std::move(listeners_);
  listeners_.clear();
  for (Listener& l : listeners) {
    l.accepting.remove();  // out of the loop before the fd is closed
    ::close(l.fd);
  }
  for (const int fd : pending_) ::close(fd);
  pending_.clear();
}

Future<void> TCPServer::shutdown(double) {
  stop();
  return make_ready_future();
}

std::vector<TCPServer::Address> TCPServer::addresses() const {
  std::vector<Address> out;
  for (const Listener& l : listeners_) out.push_back(Address::of_socket(l.fd));
  for (const int fd : pending_) out.push_back(Address::of_socket(fd));
  return out;
}

Future<void> TCPServer::handle_stream(std::shared_ptr<IOStream> stream, Address address) {
  if (async_handler_) return async_handler_(std::move(stream), std::move(address));
  if (plain_handler_) {
    plain_handler_(std::move(stream), std::move(address));
    return shared_ready_future();
  }
  throw std::logic_error("TCPServer: override handle_stream or give the server a handler");
}

void TCPServer::log_connection_error(const std::exception_ptr& e) {
  log_handler_error(e, "Error in connection callback");
}

void TCPServer::handle_connection(int fd, const Address& address) {
  std::shared_ptr<IOStream> stream;
  try {
    stream = IOStream::create(fd, options_);
  } catch (...) {
    ::close(fd);  // create() owns the fd only once it has succeeded
    log_connection_error(std::current_exception());
    return;
  }
  try {
    watch(handle_stream(std::move(stream), address));
  } catch (...) {
    log_connection_error(std::current_exception());
  }
}

// Tornado: IOLoop.add_future(handle_stream(...), lambda f: f.result()), so that a coroutine's
// exception is logged rather than lost.
void TCPServer::watch(const Future<void>& done) {
  if (done.done()) {
    if (const std::exception_ptr e = done.exception())
      log_handler_error(e, "Exception in handle_stream");
    return;
  }
  done.add_done_callback([](Future<void>& f) {
    if (const std::exception_ptr e = f.exception())
      log_handler_error(e, "Exception in handle_stream");
  });
}

void shutdown_on_signals(std::vector<TCPServer*> servers, double deadline, IOLoop* loop) {
  IOLoop& target = loop ? *loop : IOLoop::current();
  auto started = std::make_shared<bool>(false);
  auto on_signal = [servers = std::move(servers), deadline, &target, started](int signo) {
    if (*started) {
      log::gen_log.info("Received signal %d: already shutting down", signo);
      return;
    }
    *started = true;
    log::gen_log.info("Received signal %d: shutting down (deadline %.3g s)", signo, deadline);
    auto left = std::make_shared<std::size_t>(servers.size());
    if (*left == 0) target.stop();
    for (TCPServer* server : servers) {
      server->shutdown(deadline).add_done_callback([left, &target](Future<void>& f) {
        if (const std::exception_ptr e = f.exception()) log_handler_error(e, "shutdown");
        if (--*left == 0) target.stop();
      });
    }
  };
  for (const int signo : {SIGTERM, SIGINT}) {
    const int rc = target.add_signal_handler(signo, [on_signal, signo] { on_signal(signo); });
    if (rc != 0) throw std::system_error(-rc, std::generic_category(), "shutdown_on_signals");
  }
}

}  // namespace tornado
