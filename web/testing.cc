// web/testing.cc: AsyncHTTPTestCase: a private loop, a server on an ephemeral port, and a
// one-connection-per-request fetch over HTTP1Connection's client half.
#include "web/testing.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "gen/gen.h"
#include "http/http1connection.h"
#include "stream/netutil.h"
#include "stream/tcpclient.h"

namespace tornado::testing {

namespace {

// Collects one response.
class Collector : public HTTPMessageDelegate {
 public:
  explicit Collector(Response& r) : r_(r) {}
  std::optional<Future<void>> headers_received(StartLine start_line, HTTPHeaders headers) override {
    const auto& line = std::get<ResponseStartLine>(start_line);
    r_.code = line.code;
    r_.reason = line.reason;
    r_.headers = std::move(headers);
    return std::nullopt;
  }
  std::optional<Future<void>> data_received(std::string_view chunk) override {
    r_.body.append(chunk);
    return std::nullopt;
  }
  void finish() override {}
  void on_connection_close() override {}

 private:
  Response& r_;
};

Future<Response> do_fetch(int port, RequestStartLine start, HTTPHeaders headers, std::string body) {
  TCPClient client;
  std::shared_ptr<IOStream> stream = co_await client.connect("127.0.0.1", port, AF_INET);
  auto conn = HTTP1Connection::client(stream);
  if (!headers.contains("Host")) headers.set("Host", "127.0.0.1:" + std::to_string(port));
  const std::string& m = start.method;
  if (!body.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
    if (!headers.contains("Content-Length") && !headers.contains("Transfer-Encoding"))
      headers.set("Content-Length", std::to_string(body.size()));
  }
  Response r;
  Collector collector(r);
  std::exception_ptr error;
  try {
    co_await conn->write_headers(start, headers, body);
    co_await conn->finish();
    (void)co_await conn->read_response(collector);
  } catch (...) {
    error = std::current_exception();
  }
  conn->close();
  stream->close();
  if (error) std::rethrow_exception(error);
  co_return r;
}

}  // namespace

AsyncHTTPTestCase::AsyncHTTPTestCase(web::Application& app, HTTPServerOptions options)
    : previous_(IOLoop::current_or_null()), loop_(std::make_unique<IOLoop>()) {
  loop_->make_current();
  server_ = std::make_unique<HTTPServer>(app, std::move(options));
  const std::vector<int> fds = netutil::bind_sockets(0, "127.0.0.1");
  server_->add_sockets(fds);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fds.front(), reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

AsyncHTTPTestCase::~AsyncHTTPTestCase() {
  server_->stop();
  try {
    gen::run_sync(*loop_, [this] { return server_->close_all_connections(); },
                  std::chrono::seconds(5));
  } catch (...) {
  }
  server_.reset();
  // Let closed streams' callbacks run before the loop goes.
  for (int i = 0; i < 3; ++i) loop_->run_once(0);
  loop_.reset();
  if (previous_) {
    previous_->make_current();
  } else {
    IOLoop::clear_current();
  }
}

std::string AsyncHTTPTestCase::get_url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

Response AsyncHTTPTestCase::fetch(std::string_view path, FetchOptions o) {
  RequestStartLine start{o.method, std::string(path), "HTTP/1.1"};
  return gen::run_sync(
      *loop_,
      [&] { return do_fetch(port_, std::move(start), std::move(o.headers), std::move(o.body)); },
      gen::Duration(o.timeout));
}

Response AsyncHTTPTestCase::fetch(std::string_view path, std::string method, std::string body,
                                  HTTPHeaders headers) {
  FetchOptions o;
  o.method = std::move(method);
  o.body = std::move(body);
  o.headers = std::move(headers);
  return fetch(path, std::move(o));
}

}  // namespace tornado::testing
