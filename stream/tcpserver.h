// stream/tcpserver.h: a non-blocking TCP server that hands each connection to a handler.
//
// Mirrors:  tornado/tcpserver.py (TCPServer).
//
//   class EchoServer : public tornado::TCPServer {                 // override handle_stream...
//     tornado::Future<void> handle_stream(std::shared_ptr<tornado::IOStream> stream,
//                                         tornado::netutil::SocketAddress) override {
//       try {
//         for (;;) co_await stream->write(co_await stream->read_until("\n"));
//       } catch (const tornado::StreamClosedError&) {}              // the client went away
//     }
//   };
//   EchoServer server;
//   server.listen(8888);
//   tornado::TCPServer other([](auto stream, auto address) { ... });   // ...or give a callable
//
// Ownership: the server owns its listening sockets (closed by stop() and the destructor) and
//           nothing else: each connection's IOStream belongs to the handler, and stays open
//           after stop(). Sockets are added to IOLoop::current(), which must outlive the server;
//           a handle_stream coroutine that uses `this` needs the server to outlive its
//           connections too.
// Errors:   an exception thrown by the handler, or carried by the Future it returns, is logged
//           (app_log) and ends only that connection.
// Thread:   the thread of the loop it was added to.
// See:      man tornado.tcpserver.
#pragma once

#include <sys/socket.h>

#include <exception>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/reactor/callback.h"
#include "tornado/stream/iostream.h"
#include "tornado/stream/netutil.h"

namespace tornado {

class TCPServer {
 public:
  using Address = netutil::SocketAddress;

  // A server whose subclass overrides handle_stream. `options` (max_buffer_size,
  // read_chunk_size, ...) are given to every connection's IOStream.
  explicit TCPServer(IOStreamOptions options = {}) : options_(options) {}

  // A server that calls handler(stream, address) for each connection. The handler may return
  // Future<void> (a coroutine: its exception is logged) or nothing. Take the arguments by
  // value in a coroutine: it keeps them across suspensions.
  template <class F,
            class = std::enable_if_t<std::is_invocable_v<F&, std::shared_ptr<IOStream>, Address>>>
  explicit TCPServer(F handler, IOStreamOptions options = {}) : options_(options) {
    set_handler(std::move(handler));
  }

  virtual ~TCPServer();
  TCPServer(const TCPServer&) = delete;
  TCPServer& operator=(const TCPServer&) = delete;

  // Sets the handler, as the constructor above does. Not from inside the handler: that would
  // destroy the callable while it runs.
  template <class F>
  void set_handler(F handler) {
    using R = std::invoke_result_t<F&, std::shared_ptr<IOStream>, Address>;
    if constexpr (std::is_same_v<R, Future<void>>) {
      async_handler_ = std::move(handler);
      plain_handler_ = nullptr;
    } else {
      static_assert(std::is_void_v<R>, "a TCPServer handler returns Future<void> or nothing");
      plain_handler_ = std::move(handler);
      async_handler_ = nullptr;
    }
  }

  // bind_sockets() then add_sockets(): accepting starts at once (the loop must run).
  // Throws std::system_error as bind_sockets does.
  void listen(int port, std::string_view address = {}, int family = AF_UNSPEC,
              int backlog = netutil::kDefaultBacklog, bool reuse_port = false);
  // Starts accepting on listening sockets made elsewhere (bind_sockets, bind_unix_socket, or
  // inherited). The server owns the fds from then on, and closes them even if it throws.
  void add_sockets(const std::vector<int>& fds);
  void add_socket(int fd) { add_sockets({fd}); }

  // bind() binds now and start() begins accepting (Tornado's pre-fork pattern). With
  // num_processes other than 1, start() first forks that many children (0: one per CPU)
  // with process::fork_processes, which share the bound sockets; it returns in each child,
  // never in the parent. No IOLoop may exist yet then. The alternative is reuse_port: each
  // process binds (listen) a socket of its own to the same port, and the kernel spreads the
  // connections among them.
  void bind(int port, std::string_view address = {}, int family = AF_UNSPEC,
            int backlog = netutil::kDefaultBacklog, bool reuse_port = false);
  void start(int num_processes = 1, int max_restarts = 100);

  // Stops accepting and closes the listening sockets; connections already accepted stay open.
  // Safe from inside a handler, and more than once.
  void stop();

  // Graceful shutdown: stops accepting, then lets the connections end by themselves for up
  // to `deadline` seconds, then closes what is left; resolves when none is left. This server
  // does not track its connections (their streams belong to the handler), so it only
  // stop()s and resolves at once; HTTPServer tracks them and does the rest.
  virtual Future<void> shutdown(double deadline = 30);

  // The addresses being listened on (useful after listen(0) to learn the port).
  std::vector<Address> addresses() const;

  // Called for each new connection. The default calls the handler given to the constructor or
  // set_handler, and throws std::logic_error if there is none. An override that does not
  // co_await returns make_ready_future().
  virtual Future<void> handle_stream(std::shared_ptr<IOStream> stream, Address address);

 protected:
  // Called for each accepted socket (non-blocking, close-on-exec), which it owns. The default
  // wraps it in an IOStream with the server's options and calls handle_stream (Tornado's
  // _handle_connection). A subclass that makes its own stream object overrides it: HTTPServer
  // makes the stream and its connection in one allocation. It must not throw.
  virtual void handle_connection(int fd, const Address& address);
  // The options given to the constructor, for handle_connection's streams.
  const IOStreamOptions& stream_options() const { return options_; }
  // Logs an exception from a connection's setup as the default handle_connection does.
  static void log_connection_error(const std::exception_ptr& e);

 private:
  struct Listener {
    int fd;
    netutil::AcceptHandle accepting;
  };

  static void watch(const Future<void>& done);

  IOStreamOptions options_;
  InlineFunction<Future<void>(std::shared_ptr<IOStream>, Address)> async_handler_;
  InlineFunction<void(std::shared_ptr<IOStream>, Address)> plain_handler_;
  std::vector<Listener> listeners_;
  std::vector<int> pending_;  // bound, waiting for start()
  bool started_ = false;
};

// Graceful shutdown on SIGTERM and SIGINT, what a server's main() installs before
// loop.start(): the first of them calls shutdown(deadline) on every server, and stops `loop`
// once all have resolved (start() returns, main returns 0). Later signals only log: the
// deadline bounds the wait. The servers must outlive the loop's run.
void shutdown_on_signals(std::vector<TCPServer*> servers, double deadline = 30,
                         IOLoop* loop = nullptr);

}  // namespace tornado
