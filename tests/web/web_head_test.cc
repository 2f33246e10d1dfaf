// tests/web/web_head_test.cc: HEAD answered wherever GET is (RFC 9110 §9.1, §9.3.2).
// Mirrors:  no Tornado test: Tornado answers HEAD 405 unless the handler defines head().
//           This port runs get() for it, as Flask and Django do, and sends the same status
//           and headers without the body.
// Each row sends a HEAD and then a GET for the same path, pipelined on one raw connection:
// the GET's response must start right where the HEAD's head ends, which proves that no body
// byte of the HEAD's answer went on the wire and that the connection stays usable.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/support/async_test.h"
#include "tests/support/net_test.h"
#include "tornado/http/http1connection.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

using Calls = std::vector<std::string>;

// Every handler records what ran, and for which request method, in the test's list.
struct Recording : RequestHandler {
  void initialize(Calls* calls) { calls_ = calls; }
  void record(std::string_view what) {
    calls_->push_back(std::string(what) + " " + request().method);
  }
  Calls* calls_ = nullptr;
};

struct GetOnly : Recording {
  void get() {
    record("get");
    set_header("X-Custom", "kept");
    write("twenty bytes of body");
  }
};

struct OwnHead : Recording {
  void get() {
    record("get");
    set_header("X-From", "get");
    write("from get");
  }
  void head() {
    record("head");
    set_header("X-From", "head");
  }
};

struct PostOnly : Recording {
  void post() { record("post"); }
};

struct FlushesInParts : Recording {
  Future<void> get() {
    record("get");
    write("one,");
    co_await flush();
    write("two,");
    co_await flush();
    write("three");
  }
};

struct Redirects : Recording {
  void get() {
    record("get");
    redirect("/elsewhere?a=1");
  }
};

struct Fails : Recording {
  void get() {
    record("get");
    throw HTTPError(418);
  }
};

struct RawResponse {
  int code = 0;
  HTTPHeaders headers;
  std::string body;
};

// Takes one response off the front of `wire`. An answer to HEAD has no body whatever its
// headers say; any other is framed by its headers. Throws HTTPInputError when the bytes do
// not frame (a HEAD answer followed by body bytes makes the next response unparsable).
RawResponse take_response(std::string_view& wire, bool answers_head) {
  const std::size_t end = http1connection::find_head_end(wire);
  if (end == std::string_view::npos) throw HTTPInputError("no complete response head");
  ResponseStartLine line;
  RawResponse r;
  http1connection::parse_response_head(wire.substr(0, end), line, r.headers);
  wire.remove_prefix(end);
  r.code = line.code;
  const http1connection::Framing f =
      http1connection::response_framing(answers_head ? "HEAD" : "GET", line, r.headers);
  if (f.chunked) {
    http1connection::ChunkedDecoder decoder;
    while (!decoder.done()) {
      if (wire.empty()) throw HTTPInputError("chunked body cut short");
      const auto step = decoder.feed(wire);
      r.body.append(step.data);
      wire.remove_prefix(step.consumed);
    }
  } else if (f.until_close) {
    r.body.assign(wire);
    wire = {};
  } else {
    if (wire.size() < f.content_length) throw HTTPInputError("body shorter than Content-Length");
    const auto length = static_cast<std::size_t>(f.content_length);  // fits: checked above
    r.body.assign(wire.substr(0, length));
    wire.remove_prefix(length);
  }
  return r;
}

// The fields of a response but those that differ between two answers by nature: Date, and
// Connection (the GET asks to close).
std::string comparable_fields(const HTTPHeaders& h, bool drop_transfer_encoding) {
  std::string out;
  for (const auto& f : h.get_all()) {
    if (f.name == "Date" || f.name == "Connection") continue;
    if (drop_transfer_encoding && f.name == "Transfer-Encoding") continue;
    out += f.name + ": " + f.value + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("web: HEAD runs get() when there is no head(), same status and headers, no body") {
  struct Row {
    const char* name;
    const char* path;
    int code;
    std::string get_body;  // what the GET's answer carries
    Calls calls;           // what ran for the HEAD, then for the GET
    bool same_headers;     // the HEAD's answer has the GET's fields, Content-Length included
    bool streamed;         // the GET's answer is chunked; the HEAD's has no payload framing
  };
  const std::string not_allowed =
      "<html><title>405: Method Not Allowed</title><body>405: Method Not Allowed</body></html>";
  const std::string teapot =
      "<html><title>418: I'm a Teapot</title><body>418: I'm a Teapot</body></html>";
  const Row rows[] = {
      {"get only: get() runs, with request().method HEAD",
       "/get-only",
       200,
       "twenty bytes of body",
       {"get HEAD", "get GET"},
       true,
       false},
      {"the handler's own head() wins",
       "/own-head",
       200,
       "from get",
       {"head HEAD", "get GET"},
       false,
       false},
      {"neither head() nor get(): 405", "/post-only", 405, not_allowed, {}, true, false},
      {"get() flushing in parts: no chunk goes out",
       "/parts",
       200,
       "one,two,three",
       {"get HEAD", "get GET"},
       false,
       true},
      {"a redirect keeps its status and Location",
       "/redirect",
       302,
       "",
       {"get HEAD", "get GET"},
       true,
       false},
      {"an error from get() keeps its status",
       "/fails",
       418,
       teapot,
       {"get HEAD", "get GET"},
       true,
       false},
  };
  Calls calls;
  Application app({
      url<GetOnly>("/get-only", &calls),
      url<OwnHead>("/own-head", &calls),
      url<PostOnly>("/post-only", &calls),
      url<FlushesInParts>("/parts", &calls),
      url<Redirects>("/redirect", &calls),
      url<Fails>("/fails", &calls),
  });
  AsyncHTTPTestCase t(app);
  // Collects the log: the access lines of the 4xx answers, and nothing worse.
  tornado::testing::ExpectLog log("Uncaught");
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    calls.clear();
    const std::string path = row.path;
    const std::string wire = tornado::testing::exchange_raw(
        t.io_loop(), t.get_http_port(),
        "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n" + "GET " + path +
            " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string_view rest = wire;
    RawResponse head, get;
    try {
      head = take_response(rest, true);
      get = take_response(rest, false);
    } catch (const HTTPInputError& e) {
      FAIL_CHECK("the responses do not frame: " << e.what() << "\n" << wire);
      continue;
    }
    CHECK(rest.empty());  // nothing after the GET's body either
    CHECK(head.code == row.code);
    CHECK(get.code == row.code);
    CHECK(head.body.empty());
    CHECK(get.body == row.get_body);
    CHECK(calls == row.calls);
    // The connection was kept alive after the HEAD (the GET was answered on it).
    CHECK_FALSE(head.headers.contains("Connection"));
    if (row.same_headers) {
      CHECK(comparable_fields(head.headers, false) == comparable_fields(get.headers, false));
      CHECK(head.headers.get("Content-Length") == std::to_string(get.body.size()));
    }
    if (row.streamed) {
      CHECK(get.headers.get("Transfer-Encoding") == "chunked");
      CHECK_FALSE(head.headers.contains("Transfer-Encoding"));
      CHECK_FALSE(head.headers.contains("Content-Length"));
      CHECK(comparable_fields(head.headers, true) == comparable_fields(get.headers, true));
    }
  }
  // The rows' particulars, beyond "the same fields".
  calls.clear();
  auto r = t.fetch("/get-only", "HEAD");
  CHECK(r.code == 200);
  CHECK(r.headers.get("Content-Length") == "20");
  CHECK(r.headers.get("X-Custom") == "kept");
  const std::string etag = r.headers.get("Etag");
  CHECK_FALSE(etag.empty());
  CHECK(t.fetch("/get-only").headers.get("Etag") == etag);
  // A conditional HEAD is answered as the conditional GET would be: 304.
  r = t.fetch("/get-only", "HEAD", "", HTTPHeaders{{"If-None-Match", etag}});
  CHECK(r.code == 304);
  CHECK_FALSE(r.headers.contains("Content-Length"));
  r = t.fetch("/own-head", "HEAD");
  CHECK(r.headers.get("X-From") == "head");
  CHECK(r.headers.get("Content-Length") == "0");
  CHECK(t.fetch("/redirect", "HEAD").headers.get("Location") == "/elsewhere?a=1");
  CHECK(log.count() == 0);
  for (const std::string& line : log.lines()) CHECK(line.find("Failed") == std::string::npos);
}
