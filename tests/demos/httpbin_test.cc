// tests/demos/httpbin_test.cc: the httpbin demo beside the real httpbin (Debian's
// python3-httpbin): the same requests to both, the answers compared by status, by the headers
// that matter and by the JSON's shape and values (not its spacing); then the whole
// differential sweep (tests/demos/httpbin_sweep.py), which compares every byte and fails on
// any difference it does not list.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tornado/http/httputil.h"
#include "tornado/http/json.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

struct Answer {
  int code = 0;
  HTTPHeaders headers;
  std::string body;
};

// One request on its own connection (Connection: close), read to the end.
Answer ask(int port, const std::string& method, const std::string& target,
           const std::string& extra_headers = {}, const std::string& body = {}) {
  const int fd = connect_loopback(port);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: httpbin.test\r\n" +
                    "User-Agent: tornado-cpp-test\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  const std::string raw = read_until_close(fd, 10);
  ::close(fd);
  Answer out;
  const std::size_t head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::size_t line_end = raw.find("\r\n");
  out.code = parse_response_start_line(raw.substr(0, line_end)).code;
  out.headers = HTTPHeaders::parse(raw.substr(line_end + 2, head_end - line_end));
  out.body = raw.substr(head_end + 4);
  if (out.headers.get("Transfer-Encoding") == "chunked") {
    std::string decoded;
    std::size_t at = 0;
    while (at < out.body.size()) {
      const std::size_t eol = out.body.find("\r\n", at);
      const std::size_t n = std::stoul(out.body.substr(at, eol - at), nullptr, 16);
      if (n == 0) break;
      decoded += out.body.substr(eol + 2, n);
      at = eol + 2 + n + 2;
    }
    out.body = decoded;
  }
  return out;
}

// What both answers must agree on, with what legitimately differs (the port in the URL) taken
// out, as canonical text: keys sorted (httpbin sorts them, this demo keeps insertion order).
std::string comparable(const std::string& body) {
  json::Value v = json::decode(body);
  if (v.is_object() && v.find("url")) {
    std::string url = v["url"].as_string();
    v["url"] = url.substr(url.find('/', url.find("//") + 2));
  }
  json::EncodeOptions o;
  o.sort_keys = true;
  return json::encode(v, o);
}

}  // namespace

TEST_CASE("demos: httpbin answers as the real httpbin does") {
  LoopCase c;
  DemoProcess ours(c.loop(), "httpbin", {"--static_path=demos/static"});
  if (!ours.running()) {
    TORNADO_SKIP(ours.skip_reason());
  }
  if (std::system("/usr/bin/python3 -c 'import httpbin' 2>/dev/null") != 0) {
    TORNADO_SKIP("Debian's python3-httpbin is not installed: nothing to compare with");
  }
  DemoProcess theirs(c.loop(), {"/usr/bin/python3", "-m", "httpbin.core", "--port", "0"},
                     "Running on http://([0-9.]+):([0-9]+)\n");
  REQUIRE(theirs.running());
  const int a = ours.port(), b = theirs.port();

  SUBCASE("/get") {
    const Answer x = ask(a, "GET", "/get?a=1&a=2&b=x"), y = ask(b, "GET", "/get?a=1&a=2&b=x");
    CHECK(x.code == 200);
    CHECK(x.code == y.code);
    CHECK(x.headers.get("Content-Type") == y.headers.get("Content-Type"));
    CHECK(comparable(x.body) == comparable(y.body));
  }
  SUBCASE("/post with a form field and a file") {
    const std::string boundary = "XyZzY";
    const std::string body =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n1\r\n--" +
        boundary +
        "\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nfile body\n\r\n--" +
        boundary + "--\r\n";
    const std::string h = "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n";
    const Answer x = ask(a, "POST", "/post?q=1", h, body), y = ask(b, "POST", "/post?q=1", h, body);
    CHECK(x.code == 200);
    CHECK(x.code == y.code);
    CHECK(comparable(x.body) == comparable(y.body));
    // And a JSON body lands in "json" and "data".
    const std::string jh = "Content-Type: application/json\r\n";
    const Answer jx = ask(a, "POST", "/post", jh, R"({"k": [1, 2]})");
    const Answer jy = ask(b, "POST", "/post", jh, R"({"k": [1, 2]})");
    CHECK(comparable(jx.body) == comparable(jy.body));
  }
  SUBCASE("/status/418") {
    const Answer x = ask(a, "GET", "/status/418"), y = ask(b, "GET", "/status/418");
    CHECK(x.code == 418);
    CHECK(x.code == y.code);
    CHECK(x.headers.get("X-More-Info") == y.headers.get("X-More-Info"));
    CHECK(ask(a, "GET", "/status/204").code == ask(b, "GET", "/status/204").code);
  }
  SUBCASE("/redirect/3, followed to the end") {
    std::string pa = "/redirect/3", pb = "/redirect/3";
    for (int hop = 0; hop < 3; ++hop) {
      const Answer x = ask(a, "GET", pa), y = ask(b, "GET", pb);
      CHECK(x.code == 302);
      CHECK(x.code == y.code);
      CHECK(x.headers.get("Location") == y.headers.get("Location"));
      pa = x.headers.get("Location");
      pb = y.headers.get("Location");
    }
    CHECK(pa == "/get");
  }
  SUBCASE("/cookies/set and /cookies") {
    const Answer x = ask(a, "GET", "/cookies/set?a=1&b=2"),
                 y = ask(b, "GET", "/cookies/set?a=1&b=2");
    CHECK(x.code == 302);
    CHECK(x.code == y.code);
    CHECK(x.headers.get("Location") == y.headers.get("Location"));
    CHECK(x.headers.get_list("Set-Cookie") == y.headers.get_list("Set-Cookie"));
    const std::string cookie = "Cookie: a=1; b=2\r\n";
    CHECK(comparable(ask(a, "GET", "/cookies", cookie).body) ==
          comparable(ask(b, "GET", "/cookies", cookie).body));
  }
  SUBCASE("/basic-auth") {
    const std::string good = "Authorization: Basic dXNlcjpwYXNz\r\n";  // user:pass
    const Answer x = ask(a, "GET", "/basic-auth/user/pass", good);
    const Answer y = ask(b, "GET", "/basic-auth/user/pass", good);
    CHECK(x.code == 200);
    CHECK(x.code == y.code);
    CHECK(comparable(x.body) == comparable(y.body));
    const Answer nx = ask(a, "GET", "/basic-auth/user/other", good);
    const Answer ny = ask(b, "GET", "/basic-auth/user/other", good);
    CHECK(nx.code == 401);
    CHECK(nx.code == ny.code);
    CHECK(nx.headers.get("WWW-Authenticate") == ny.headers.get("WWW-Authenticate"));
  }
  SUBCASE("/range/1024 with Range") {
    for (const char* r : {"bytes=0-9", "bytes=1000-", "bytes=-5"}) {
      const std::string range = r;
      CAPTURE(range);
      const std::string h = std::string("Range: ") + range + "\r\n";
      const Answer x = ask(a, "GET", "/range/1024", h), y = ask(b, "GET", "/range/1024", h);
      CHECK(x.code == 206);
      CHECK(x.code == y.code);
      CHECK(x.headers.get("Content-Range") == y.headers.get("Content-Range"));
      CHECK(x.headers.get("ETag") == y.headers.get("ETag"));
      CHECK(x.body == y.body);
    }
  }
  SUBCASE("HEAD on GET endpoints: the GET's status and length, no body (as Flask answers)") {
    for (const char* p : {"/get", "/bytes/10", "/status/418", "/redirect/1", "/html"}) {
      const std::string path = p;
      CAPTURE(path);
      const Answer x = ask(a, "HEAD", path), y = ask(b, "HEAD", path);
      const Answer get = ask(a, "GET", path);
      CHECK(x.code == get.code);
      CHECK(x.code == y.code);
      CHECK(x.body.empty());
      CHECK(x.headers.get("Content-Length") == std::to_string(get.body.size()));
      CHECK(x.headers.get("Location") == y.headers.get("Location"));
    }
  }
  SUBCASE("/headers, /ip, /user-agent, /anything, /base64") {
    for (const char* p : {"/headers", "/ip", "/user-agent", "/anything/x?y=1"}) {
      const std::string path = p;
      CAPTURE(path);
      CHECK(comparable(ask(a, "GET", path).body) == comparable(ask(b, "GET", path).body));
    }
    CHECK(ask(a, "GET", "/base64/aGVsbG8gd29ybGQ=").body ==
          ask(b, "GET", "/base64/aGVsbG8gd29ybGQ=").body);
  }
  CHECK(WEXITSTATUS(ours.stop()) == 0);
}

TEST_CASE("demos: httpbin logs no warning or error when clients leave mid-answer") {
  LoopCase c;
  DemoProcess demo(c.loop(), "httpbin");
  if (!demo.running()) TORNADO_SKIP(demo.skip_reason());
  // Each client asks and leaves at once: the answer is then streamed, paced or delayed into a
  // closed connection, which is not an error (DESIGN §6).
  for (const char* target :
       {"/stream/100", "/range/102400?chunk_size=100&duration=0.2", "/delay/0.2"}) {
    const int fd = connect_loopback(demo.port());
    const std::string req = std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
    ::close(fd);
  }
  // The slowest ends last; its access line says so.
  std::string log = demo.read_log_until("GET /delay/0.2 [^\n]*\n");
  REQUIRE(WEXITSTATUS(demo.stop()) == 0);
  log += demo.rest_of_log();
  INFO(log);
  CHECK(log.find("[W ") == std::string::npos);
  CHECK(log.find("[E ") == std::string::npos);
}

TEST_CASE("demos: httpbin sweep finds no difference from the real httpbin but the listed ones") {
  const char* dir = std::getenv("TORNADO_DEMO_DIR");
  const std::string script = "tests/demos/httpbin_sweep.py";
  if (dir == nullptr) TORNADO_SKIP("TORNADO_DEMO_DIR is not set (make test sets it)");
  if (::access(script.c_str(), R_OK) != 0)
    TORNADO_SKIP(script + " is not here (run from the top of the tree)");
  if (std::system("/usr/bin/python3 -c 'import httpbin' 2>/dev/null") != 0)
    TORNADO_SKIP("Debian's python3-httpbin is not installed: nothing to compare with");
  // The script starts both servers on free ports, sends each fixed case to both, and prints
  // the differences it does not list (with a reproducer); exit 0 means none.
  const std::string command =
      "/usr/bin/python3 " + script + " --demo " + std::string(dir) + "/httpbin 2>&1";
  int status = -1;
  const std::string out = run_command(command, status);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) TORNADO_SKIP("the sweep could not start a server: " + out);
  INFO(out);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.find(" 0 unlisted differences") != std::string::npos);
}
