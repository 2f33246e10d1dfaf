// tests/web/url_test.cc: route tables written with url<H>(pattern, args...): the arguments
// reaching the handler through its constructor or initialize(), names for reverse_url, shared
// state through a pointer, and any() serving the methods a handler does not define.
// Mirrors:  tornado/test/web_test.py's initialize kwargs (InitializeHandler,
//           test_initialize_kwargs) and url(..., name=...) with reverse_url; any() has no
//           Tornado counterpart.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado;
using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

// Takes the rule's arguments in its constructor, and reads the request there.
struct ByConstructor : RequestHandler {
  ByConstructor(std::string greeting, int* count)
      : greeting_(std::move(greeting)), count_(count), path_(request().path) {
    greeting_ += "!";  // its own copy: the next request starts from the rule's again
  }
  void get() {
    ++*count_;
    write(greeting_ + " " + path_);
  }
  std::string greeting_;
  int* count_;
  std::string path_;
};

// Takes them in initialize(), as Tornado's initialize kwargs.
struct ByInitialize : RequestHandler {
  void initialize(const std::string& greeting, int* count) {
    greeting_ = greeting;
    count_ = count;
  }
  void get(const std::string& who) {
    ++*count_;
    write(greeting_ + " " + who);
  }
  std::string greeting_;
  int* count_ = nullptr;
};

// Shared state as a reference (std::ref in the rule) and as a shared_ptr.
struct ByReference : RequestHandler {
  ByReference(int& hits, std::shared_ptr<std::string> log) : hits_(hits), log_(std::move(log)) {}
  void get() {
    ++hits_;
    *log_ += "r";
    write(std::to_string(hits_) + *log_);
  }
  int& hits_;
  std::shared_ptr<std::string> log_;
};

// No arguments: initialize() still runs when the class has it.
struct NoArguments : RequestHandler {
  void initialize() { initialized_ = true; }
  void get() { write(initialized_ ? "initialized" : "not initialized"); }
  bool initialized_ = false;
};

struct Named : RequestHandler {
  void get(const std::string& id) { write(reverse_url("user", {id + "0"})); }
};

// any() alone: every method, the custom one its supports_method() lets through included.
struct AnyOnly : RequestHandler {
  bool supports_method(std::string_view m) const override {
    return m == "PROPFIND" || RequestHandler::supports_method(m);
  }
  void any(const std::string& id) {
    set_header("X-Method", request().method);
    write(request().method + " " + id);
  }
};

// get() and any(): GET (and HEAD) go to get(), the rest to any().
struct GetAndAny : RequestHandler {
  void get() { write("get body"); }
  void any() { write("any " + request().method); }
};

// Neither any() nor post(): 405 for POST, as before.
struct GetOnly : RequestHandler {
  void get() { write("get only"); }
};

static_assert(tornado::web::detail::kByConstructor<ByConstructor, std::string, int*>);
static_assert(!tornado::web::detail::kByConstructor<ByInitialize, std::string, int*>);
static_assert(tornado::web::detail::kByInitialize<ByInitialize, std::string, int*>);

}  // namespace

TEST_CASE("url: arguments reach the handler through its constructor or initialize()") {
  int by_ctor = 0;
  int by_init = 0;
  int by_ref = 0;
  auto log = std::make_shared<std::string>();
  Application app({
      url<ByConstructor>("/ctor", std::string("hello"), &by_ctor),
      url<ByInitialize>("/init/(.*)", "hi", &by_init),
      url<ByReference>("/ref", std::ref(by_ref), log),
      url<NoArguments>("/none"),
  });
  AsyncHTTPTestCase t(app);
  struct Row {
    const char* path;
    const char* body;
  };
  const Row rows[] = {
      {"/ctor", "hello! /ctor"},  // the constructor saw request() and its own copy
      {"/ctor", "hello! /ctor"},  // the second request gets a fresh copy, not "hello!!"
      {"/init/joe", "hi joe"},   {"/init/ann", "hi ann"},  {"/init/bob", "hi bob"}, {"/ref", "1r"},
      {"/ref", "2rr"},           {"/none", "initialized"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.path);
    const auto r = t.fetch(row.path);
    CHECK(r.code == 200);
    CHECK(r.body == row.body);
  }
  // The counters are the test's own, shared through a pointer: no global state.
  CHECK(by_ctor == 2);
  CHECK(by_init == 3);
  CHECK(by_ref == 2);
  CHECK(*log == "rr");
}

TEST_CASE("url: .name() names the rule for reverse_url, in host rules too") {
  Application app({url<Named>(R"(/user/(\d+))").name("user"), url<GetOnly>("/plain")});
  app.add_handlers(R"(www\.example\.com)", {url<GetOnly>("/www/(.*)").name("www")});
  CHECK(app.reverse_url("user", {"42"}) == "/user/42");
  CHECK(app.reverse_url("www", {"a b"}) == "/www/a%20b");
  CHECK_THROWS_AS((void)app.reverse_url("plain"), std::invalid_argument);
  Rule named = url<GetOnly>("/x");
  named.name("x").name("y");  // chainable on an lvalue as well
  CHECK(named.name() == "y");
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/user/7").body == "/user/70");
}

TEST_CASE("url: any() serves the methods a handler does not define; 405 without it") {
  Application app({
      url<AnyOnly>("/any/(.*)"),
      url<GetAndAny>("/both"),
      url<GetOnly>("/get"),
  });
  AsyncHTTPTestCase t(app);
  struct Row {
    const char* path;
    const char* method;
    int code;
    const char* body;
  };
  const Row rows[] = {
      {"/any/1", "GET", 200, "GET 1"},
      {"/any/2", "POST", 200, "POST 2"},
      {"/any/3", "DELETE", 200, "DELETE 3"},
      {"/any/4", "PUT", 200, "PUT 4"},
      {"/any/5", "PATCH", 200, "PATCH 5"},
      {"/any/6", "OPTIONS", 200, "OPTIONS 6"},
      {"/any/7", "PROPFIND", 200, "PROPFIND 7"},  // accepted by its supports_method()
      {"/any/8", "HEAD", 200, ""},                // any() runs; no body goes out to HEAD
      {"/any/9", "OTHER", 405, nullptr},          // SUPPORTED_METHODS still decides first
      {"/both", "GET", 200, "get body"},
      {"/both", "HEAD", 200, ""},  // get() still answers HEAD, not any()
      {"/both", "POST", 200, "any POST"},
      {"/both", "DELETE", 200, "any DELETE"},
      {"/get", "GET", 200, "get only"},
      {"/get", "HEAD", 200, ""},
      {"/get", "POST", 405, nullptr},
      {"/get", "DELETE", 405, nullptr},
  };
  for (const Row& row : rows) {
    CAPTURE(row.path);
    CAPTURE(row.method);
    const std::string method = row.method;
    const bool body = method == "POST" || method == "PUT" || method == "PATCH";
    const auto r = body ? t.fetch(row.path, method, "") : t.fetch(row.path, method);
    CHECK(r.code == row.code);
    if (row.body) CHECK(r.body == row.body);
  }
  // HEAD: the headers are those GET would send.
  const auto any_head = t.fetch("/any/8", "HEAD");
  CHECK(any_head.headers.get("X-Method") == "HEAD");
  CHECK(any_head.headers.get("Content-Length") == "6");  // "HEAD 8"
  const auto both_head = t.fetch("/both", "HEAD");
  CHECK(both_head.headers.get("Content-Length") == "8");  // "get body", not "any HEAD"
}

TEST_CASE("url: default_handler is a rule with its arguments") {
  Settings s;
  s.default_handler = url<ErrorHandler>(".*", 403);
  Application app({url<GetOnly>("/get")}, s);
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/get").code == 200);
  CHECK(t.fetch("/elsewhere").code == 403);
}
