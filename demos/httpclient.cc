// demos/httpclient.cc: fetch URLs from the command line, as `python -m tornado.httpclient`.
//
//   build/demos/httpclient http://127.0.0.1:8888/get
//   build/demos/httpclient --print_headers --print_body=false http://127.0.0.1:8888/status/418
//   build/demos/httpclient --method=POST --body='a=1' http://127.0.0.1:8888/post
//
// For each URL: the headers when --print_headers, then the body unless --print_body=false.
// An HTTP error status still prints its response (as Tornado's tool does); a failure with no
// response (refused, timeout, https) prints the error and makes the exit status 1.
#include "tornado/http/httpclient.h"

#include <cstdio>
#include <string>

#include "tornado/reactor/log.h"
#include "tornado/reactor/options.h"

int main(int argc, char** argv) {
  namespace options = tornado::options;
  options::define<bool>("print_headers", false, "print the response headers");
  options::define<bool>("print_body", true, "print the response body");
  options::define<bool>("follow_redirects", true, "follow 3xx redirects");
  options::define<bool>("validate_cert", true, "(no TLS is built in: https URLs fail)");
  options::define<std::string>("method", "GET", "the request method");
  options::define<std::string>("body", "", "the request body");
  const std::vector<std::string> urls = options::parse_command_line(argc, argv);
  if (urls.empty()) {
    std::fprintf(stderr, "Usage: %s [OPTIONS] URL...  (--help lists the options)\n", argv[0]);
    return 2;
  }
  tornado::HTTPClient client;
  int status = 0;
  for (const std::string& url : urls) {
    tornado::HTTPRequest request(url);
    request.method = options::get<std::string>("method");
    request.body = options::get<std::string>("body");
    request.follow_redirects = options::get<bool>("follow_redirects");
    if (!request.body.empty() && request.method == "GET") request.method = "POST";
    tornado::HTTPResponse response;
    try {
      response = client.fetch(request);
    } catch (const tornado::HTTPClientError& e) {
      if (!e.response()) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        status = 1;
        continue;
      }
      response = *e.response();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "Error: %s: %s\n", url.c_str(), e.what());
      status = 1;
      continue;
    }
    if (options::get<bool>("print_headers")) {
      std::printf("%d %s\n%s\n", response.code, response.reason.c_str(),
                  response.headers.to_string().c_str());
    }
    if (options::get<bool>("print_body")) {
      std::fwrite(response.body.data(), 1, response.body.size(), stdout);
      std::fputc('\n', stdout);
    }
  }
  return status;
}
