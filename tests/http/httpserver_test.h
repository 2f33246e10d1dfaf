// tests/http/httpserver_test.h: what the HTTPServer tests share: an echo application, a server
// on an ephemeral loopback port, raw-socket requests and a response reader.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"
#include "tornado/http/httpserver.h"
#include "tornado/stream/netutil.h"

namespace httpserver_test {

using namespace tornado;
using namespace tornado::testing;
using netutil::SocketAddress;
using StreamPtr = std::shared_ptr<IOStream>;

inline void respond(HTTPServerRequest& r, int code, const std::string& body,
                    HTTPHeaders extra = HTTPHeaders{}) {
  extra.set("Content-Length", std::to_string(body.size()));
  (void)r.connection->write_headers(ResponseStartLine{"HTTP/1.1", code, ""}, extra, body);
  (void)r.connection->finish();
}

// Answers "METHOD URI BODY" and counts the requests it saw.
struct EchoApp {
  int requests = 0;
  std::vector<std::string> seen;
  HTTPServer::RequestCallback callback() {
    return [this](std::shared_ptr<HTTPServerRequest> r) {
      ++requests;
      seen.push_back(r->method + " " + r->uri);
      respond(*r, 200, r->method + " " + r->uri + " " + r->body);
    };
  }
};

inline SocketAddress listen_local(HTTPServer& server) {
  server.add_sockets(netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  return server.addresses().at(0);
}

inline Future<StreamPtr> open_stream(SocketAddress to) {
  auto stream =
      IOStream::create(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  co_await stream->connect(to.get(), to.len);
  co_return stream;
}

struct Response {
  int code = 0;
  HTTPHeaders headers;
  std::string body;
};

// Reads one response with a Content-Length or chunked body.
inline Future<Response> read_response(StreamPtr s, bool head_request = false) {
  Response r;
  const std::string head = co_await s->read_until("\r\n\r\n", 65536);
  const std::size_t eol = head.find("\r\n");
  r.code = parse_response_start_line(head.substr(0, eol)).code;
  r.headers = HTTPHeaders::parse(std::string_view(head).substr(eol + 2));
  if (head_request || r.code == 204 || r.code == 304 || r.code == 100) co_return r;
  if (const std::string* cl = r.headers.find("Content-Length")) {
    r.body = co_await s->read_bytes(std::stoul(*cl));
  } else if (r.headers.get("Transfer-Encoding") == "chunked") {
    http1connection::ChunkedDecoder d;
    while (!d.done()) {
      const std::string piece = co_await s->read_bytes(1);
      const auto step = d.feed(piece);
      r.body.append(step.data);
    }
  } else {
    r.body = co_await s->read_until_close();
  }
  co_return r;
}

// Sends `request` and returns everything until the server closes (with a deadline).
inline Future<std::string> exchange_until_close(SocketAddress to, std::string request) {
  StreamPtr s = co_await open_stream(to);
  co_await s->write(request);
  std::string all = co_await s->read_until_close();
  co_return all;
}

template <class F>
inline auto run(LoopCase& c, F f, double timeout = 5.0) {
  return testing::run_sync(c.loop(), std::move(f), gen::Duration(timeout));
}

inline std::string host_head(std::string_view line, std::string_view fields = {}) {
  return std::string(line) + "\r\nHost: 127.0.0.1\r\n" + std::string(fields) + "\r\n";
}

// An EchoApp served on an ephemeral loopback port: the set-up most cases share. The case's
// LoopCase comes first; open() connects a client on it, close_all() closes the server's
// connections on it at the end.
struct EchoServer {
  explicit EchoServer(const HTTPServerOptions& opts = {}) : server(app.callback(), opts) {}
  StreamPtr open(LoopCase& c) {
    return run(c, [&] { return open_stream(addr); });
  }
  void close_all(LoopCase& c) {
    run(c, [&] { return server.close_all_connections(); });
  }
  EchoApp app;
  HTTPServer server;
  SocketAddress addr = listen_local(server);
};

}  // namespace httpserver_test
