// stream/tcpclient.h: outgoing TCP connections, resolved and raced across address families.
//
// Mirrors:  tornado/tcpclient.py (TCPClient, _Connector: "Happy Eyeballs", RFC 6555).
//
//   tornado::TCPClient client;                                  // a DefaultResolver of its own
//   std::shared_ptr<tornado::IOStream> stream =
//       co_await client.connect("localhost", 8888, AF_UNSPEC, {}, 0, /*timeout=*/5.0);
//   co_await stream->write("ping\n");
//
// How:      connect() resolves host, then splits the addresses by family: the family of the
//           first address is the primary one. Primary addresses are tried one at a time; the
//           secondary family starts after 0.3 s, or at once when a primary attempt fails, and
//           also goes one address at a time. The first connection wins and every other attempt
//           is closed.
// Errors:   the Future fails with the resolver's ResolveError, TimeoutError when `timeout`
//           seconds (resolution included) pass first, or else the last attempt's error:
//           StreamClosedError whose real_error() is the errno (ECONNREFUSED, ETIMEDOUT, ...),
//           or std::system_error when a socket could not be made or bound to the source.
// Ownership: the client shares its resolver with connections in progress; a connection in
//           progress lives until it resolves, so a client may be destroyed while connects are
//           pending. The returned stream belongs to the caller.
// Thread:   the loop thread.
// See:      man tornado.tcpclient.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>

#include "tornado/gen/concurrent.h"
#include "tornado/stream/iostream.h"
#include "tornado/stream/netutil.h"

namespace tornado {

class TCPClient {
 public:
  // Tornado's _INITIAL_CONNECT_TIMEOUT: how long the primary family has alone.
  static constexpr double kInitialConnectTimeout = 0.3;

  // Uses `resolver`, or a DefaultResolver of its own (closed by close()) when none is given.
  explicit TCPClient(std::shared_ptr<netutil::Resolver> resolver = nullptr);
  TCPClient(const TCPClient&) = delete;
  TCPClient& operator=(const TCPClient&) = delete;

  // Closes the resolver if this client made it (Tornado's TCPClient.close).
  void close();

  // Connects to host:port. `af` restricts the addresses to one family. With source_ip and/or
  // source_port, each socket is bound before it connects; a source_port without a source_ip
  // binds the wildcard address of the attempt's family (Tornado binds the loopback address,
  // which cannot reach another host). `timeout` (seconds) bounds resolution and connection
  // together. `options` are given to the stream.
  Future<std::shared_ptr<IOStream>> connect(std::string host, int port, int af = AF_UNSPEC,
                                            std::string source_ip = {}, int source_port = 0,
                                            std::optional<double> timeout = std::nullopt,
                                            IOStreamOptions options = {});

 private:
  std::shared_ptr<netutil::Resolver> resolver_;
  bool own_resolver_;
};

}  // namespace tornado
