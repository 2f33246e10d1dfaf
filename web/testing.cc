// web/testing.cc: AsyncHTTPTestCase: a private loop, a server on an ephemeral port, and fetch
// through AsyncHTTPClient.
#include "tornado/web/testing.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "tornado/gen/gen.h"
#include "tornado/stream/netutil.h"

namespace tornado::testing {

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
    gen::run_sync(
        *loop_, [this] { return server_->close_all_connections(); }, std::chrono::seconds(5));
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
  // The library's own client, without its redirects and error rules: tests look at every
  // answer; only a failure with no answer (a timeout, a broken response) throws.
  HTTPRequest request(get_url(path));
  request.method = std::move(o.method);
  request.body = std::move(o.body);
  request.headers = std::move(o.headers);
  request.request_timeout = o.timeout;
  request.follow_redirects = false;
  request.allow_nonstandard_methods = true;
  HTTPResponse r = gen::run_sync(*loop_, [&] { return client_.fetch(std::move(request), false); });
  if (r.code == 599) r.rethrow();
  return Response{r.code, std::move(r.reason), std::move(r.headers), std::move(r.body)};
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
