// web/testing.h: running an Application on an ephemeral port and fetching from it, for tests.
//
// Mirrors:  tornado/testing.py (AsyncHTTPTestCase: get_app, get_http_port, get_url, fetch).
//
//   tornado::web::Application app({tornado::web::url<MainHandler>("/")});
//   tornado::testing::AsyncHTTPTestCase t(app);
//   auto r = t.fetch("/");              // runs the loop until the response is in
//   CHECK(r.code == 200);
//   CHECK(r.body == "Hello, world");
//
// Role:     each fetch is an AsyncHTTPClient fetch to 127.0.0.1 on the test's loop, with
//           redirects not followed and any status returned, not thrown (tests look at them).
// Ownership: the test case owns its IOLoop (made current for its lifetime) and the server;
//           the Application must outlive it.
// Errors:   a fetch that does not complete in `timeout` seconds throws HTTPClientError 599;
//           a malformed response throws HTTPInputError.
// Thread:   the thread that made it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tornado/http/httpclient.h"
#include "tornado/http/httpserver.h"
#include "tornado/http/httputil.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/web/web.h"

namespace tornado::testing {

struct Response {
  int code = 0;
  std::string reason;
  HTTPHeaders headers;
  std::string body;
};

struct FetchOptions {
  std::string method = "GET";
  std::string body;
  HTTPHeaders headers;
  double timeout = 5;
};

class AsyncHTTPTestCase {
 public:
  explicit AsyncHTTPTestCase(web::Application& app, HTTPServerOptions options = {});
  ~AsyncHTTPTestCase();
  AsyncHTTPTestCase(const AsyncHTTPTestCase&) = delete;
  AsyncHTTPTestCase& operator=(const AsyncHTTPTestCase&) = delete;

  IOLoop& io_loop() { return *loop_; }
  HTTPServer& server() { return *server_; }
  int get_http_port() const { return port_; }
  std::string get_url(std::string_view path) const;

  Response fetch(std::string_view path, FetchOptions options = {});
  Response fetch(std::string_view path, std::string method, std::string body = {},
                 HTTPHeaders headers = {});

 private:
  IOLoop* previous_;
  std::unique_ptr<IOLoop> loop_;
  std::unique_ptr<HTTPServer> server_;
  AsyncHTTPClient client_;
  int port_ = 0;
};

}  // namespace tornado::testing
