// tests/web/web_fields_test.cc: the fields a RequestHandler's response carries through a real
// connection: the defaults every response starts from (clear), a handler's own Etag and
// Content-Length, the automatic ETag and If-None-Match, and compute_etag().
// Mirrors:  tornado/test/web_test.py (CacheTest, the clear() and set_default_headers tests);
//           the other requests that go straight through are in tests/web/web_test.cc.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tornado/web/sha1.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using tornado::testing::AsyncHTTPTestCase;
using namespace tornado;
using namespace tornado::web;

namespace {

// The names of a response's fields in order, each followed by ';'.
std::string field_names(const HTTPHeaders& h) {
  std::string joined;
  for (const HTTPHeaders::Field& f : h.get_all()) joined += f.name + ";";
  return joined;
}

struct HelloHandler : RequestHandler {
  void get() { write("Hello, world"); }
};

}  // namespace

namespace {

// Changes the default fields in one way each (?how=), for the response after it on the thread.
struct DefaultsChangingHandler : RequestHandler {
  void get() {
    const std::string how = get_argument("how");
    if (how == "values") {
      set_header("Server", "mine");
      set_header("Content-Type", "application/json; charset=UTF-8");
      set_header("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
    } else if (how == "removed") {
      clear_header("Date");
      clear_header("Content-Type");
    } else if (how == "moved") {
      clear_header("Server");
      set_header("Server", "last");
    } else if (how == "cleared") {
      set_header("Server", "mine");
      set_header("X-Before-Clear", "1");
      clear();
    } else if (how == "added") {
      add_header("Server", "second");
    } else if (how == "error") {
      set_header("Content-Type", "application/json; charset=UTF-8");
      throw HTTPError(400);  // send_error's clear() puts the defaults back
    }
    add_header("X-Extra", how);
    write("changed");
  }
};

}  // namespace

// Tornado's clear() gives each response Server, Content-Type and Date, in that order, whatever
// a handler before it did with its own (the field list of the last handler is reused).
TEST_CASE("web: every response starts from the default fields (clear, set_default_headers)") {
  Application app({url<HelloHandler>("/"), url<DefaultsChangingHandler>("/change")});
  AsyncHTTPTestCase t(app);
  const std::string fresh = field_names(t.fetch("/").headers);
  CHECK(fresh == "Server;Content-Type;Date;Etag;Content-Length;");
  struct Case {
    const char* how;
    int code;
    const char* changed_names;
  };
  for (const Case& c :
       {Case{"values", 200, "Server;Content-Type;Date;X-Extra;Etag;Content-Length;"},
        Case{"removed", 200, "Server;X-Extra;Etag;Content-Length;"},
        Case{"moved", 200, "Content-Type;Date;Server;X-Extra;Etag;Content-Length;"},
        Case{"cleared", 200, "Server;Content-Type;Date;X-Extra;Etag;Content-Length;"},
        Case{"added", 200, "Server;Content-Type;Date;Server;X-Extra;Etag;Content-Length;"},
        Case{"error", 400, "Server;Content-Type;Date;Content-Length;"},
        Case{"none", 200, "Server;Content-Type;Date;X-Extra;Etag;Content-Length;"}}) {
    CAPTURE(c.how);
    auto changed = t.fetch(std::string("/change?how=") + c.how);
    CHECK(changed.code == c.code);
    CHECK(field_names(changed.headers) == c.changed_names);
    if (c.code == 200) CHECK(changed.headers.get("X-Extra") == c.how);
    if (c.code == 400) CHECK(changed.headers.get("Content-Type") == "text/html; charset=UTF-8");
    if (std::string_view(c.how) == "values") {
      CHECK(changed.headers.get("Server") == "mine");
      CHECK(changed.headers.get("Content-Type") == "application/json; charset=UTF-8");
      CHECK(changed.headers.get("Date") == "Thu, 01 Jan 1970 00:00:00 GMT");
    }
    if (std::string_view(c.how) == "cleared") CHECK(changed.headers.get("Server") != "mine");
    auto r = t.fetch("/");
    CHECK(r.body == "Hello, world");
    CHECK(field_names(r.headers) == fresh);
    CHECK(r.headers.get("Server") == "tornado-cpp/0.1");
    CHECK(r.headers.get("Content-Type") == "text/html; charset=UTF-8");
    CHECK(r.headers.get("Date").find("GMT") != std::string::npos);
    CHECK(r.headers.get("Date") != "Thu, 01 Jan 1970 00:00:00 GMT");
  }
}

namespace {

// Its own Etag or Content-Length, added (appended after the defaults) or set.
struct OwnFieldsHandler : RequestHandler {
  void get() {
    const std::string how = get_argument("how");
    if (how == "etag-added") add_header("Etag", "\"mine\"");
    if (how == "etag-set") set_header("Etag", "\"mine\"");
    if (how == "length-added") add_header("Content-Length", "4");
    if (how == "length-set") set_header("Content-Length", "4");
    write("body");
  }
};

}  // namespace

// finish() adds the ETag and Content-Length only when the handler has not: whether it set or
// added its own, and whatever the handler before it on the connection did.
TEST_CASE("web: a handler's own Etag or Content-Length is neither doubled nor replaced") {
  Application app({url<HelloHandler>("/"), url<OwnFieldsHandler>("/own")});
  AsyncHTTPTestCase t(app);
  for (const char* how : {"etag-added", "etag-set", "length-added", "length-set", "none"}) {
    CAPTURE(how);
    (void)t.fetch("/");  // a response with the defaults alone before each
    const auto r = t.fetch(std::string("/own?how=") + how);
    CHECK(r.code == 200);
    CHECK(r.body == "body");
    const std::string_view h = how;
    if (h.starts_with("etag")) {
      CHECK(field_names(r.headers) == "Server;Content-Type;Date;Etag;Content-Length;");
      CHECK(r.headers.get("Etag") == "\"mine\"");
    } else if (h.starts_with("length")) {
      CHECK(field_names(r.headers) == "Server;Content-Type;Date;Content-Length;Etag;");
    } else {
      CHECK(field_names(r.headers) == "Server;Content-Type;Date;Etag;Content-Length;");
    }
    CHECK(r.headers.get_list("Content-Length") == std::vector<std::string>{"4"});
    CHECK(r.headers.get_list("Etag").size() == 1);
  }
}

TEST_CASE("web: automatic ETag and If-None-Match (CacheTest)") {
  Application app({url<HelloHandler>("/")});
  AsyncHTTPTestCase t(app);
  const std::string etag = t.fetch("/").headers.get("Etag");
  REQUIRE(etag.size() == 42);  // "\"" + 40 hex + "\""
  struct Row {
    std::string inm;
    int code;
  };
  const Row rows[] = {
      {etag, 304},        {"*", 304},           {"W/" + etag, 304}, {"\"other\", " + etag, 304},
      {"\"other\"", 200}, {"W/\"other\"", 200},
  };
  for (const Row& row : rows) {
    CAPTURE(row.inm);
    auto r = t.fetch("/", "GET", "", HTTPHeaders{{"If-None-Match", row.inm}});
    CHECK(r.code == row.code);
    if (row.code == 304) {
      CHECK(r.body.empty());
      CHECK_FALSE(r.headers.contains("Content-Length"));
      CHECK_FALSE(r.headers.contains("Content-Type"));
    }
  }
}

namespace {

// A compute_etag() of the class's own (Tornado's test_etag overrides it the same way): the
// query picks its answer.
struct OwnEtagHandler : RequestHandler {
  void get() { write("body"); }
  std::optional<std::string> compute_etag() const override {
    if (request().query == "none") return std::nullopt;
    if (request().query == "unsafe") return std::string("\"a\r\nb\"");
    return std::string("  \"v1\"  ");
  }
};
// Below a class that overrides it: that class's compute_etag() still holds.
struct OwnEtagChild : OwnEtagHandler {};
// An override the framework cannot name (protected) is still called.
class ProtectedEtagHandler : public RequestHandler {
 public:
  void get() { write("body"); }

 protected:
  std::optional<std::string> compute_etag() const override {
    if (request().query == "none") return std::nullopt;
    if (request().query == "unsafe") return std::string("\"a\r\nb\"");
    return std::string("\"v1\"");
  }
};

}  // namespace

TEST_CASE(
    "web: a compute_etag() of the handler's own replaces the SHA-1 (trimmed, unsafe refused)") {
  Application app({url<HelloHandler>("/"), url<OwnEtagHandler>("/own"), url<OwnEtagChild>("/child"),
                   url<ProtectedEtagHandler>("/protected")});
  AsyncHTTPTestCase t(app);
  // The default: the SHA-1 of the body in quotes (as Tornado's).
  CHECK(t.fetch("/").headers.get("Etag") == "\"" + sha1_hex("Hello, world") + "\"");
  for (const std::string path : {"/own", "/child", "/protected"}) {
    CAPTURE(path);
    auto r = t.fetch(path);
    CHECK(r.code == 200);
    CHECK(r.body == "body");
    CHECK(r.headers.get("Etag") == "\"v1\"");
    CHECK(t.fetch(path, "GET", "", HTTPHeaders{{"If-None-Match", "\"v1\""}}).code == 304);
    r = t.fetch(path + "?none");
    CHECK(r.code == 200);
    CHECK_FALSE(r.headers.contains("Etag"));
    tornado::testing::ExpectLog refused("Unsafe header value");
    CHECK(t.fetch(path + "?unsafe").code == 500);
  }
}

namespace {

// Writes `n` times 'a' and then `last` (?n=&last=).
struct BodyHandler : RequestHandler {
  void get() { write(std::string(std::stoul(get_argument("n")), 'a') + get_argument("last", "")); }
};

}  // namespace

// Each response's automatic ETag is the SHA-1 of its own bytes: bodies of the same length that
// differ in one byte, the same body again, an empty one, and bodies around 256 bytes.
TEST_CASE("web: the automatic ETag follows the body") {
  Application app({url<BodyHandler>("/")});
  AsyncHTTPTestCase t(app);
  struct Row {
    std::size_t n;
    std::string last;
  };
  const Row rows[] = {{11, "b"},  {11, "c"},  {11, "c"},  {11, "b"},  {0, ""},
                      {12, ""},   {255, "b"}, {255, "c"}, {256, "b"}, {256, "c"},
                      {300, "b"}, {300, "c"}, {255, "b"}, {0, ""}};
  for (const Row& row : rows) {
    const std::string body = std::string(row.n, 'a') + row.last;
    CAPTURE(body.size());
    CAPTURE(row.last);
    auto r = t.fetch("/?n=" + std::to_string(row.n) + "&last=" + row.last);
    CHECK(r.code == 200);
    CHECK(r.body == body);
    CHECK(r.headers.get("Etag") == "\"" + sha1_hex(body) + "\"");
  }
}
