// tests/web/template_web_test.cc: RequestHandler::render and render_string over a
// template_path, with Tornado's handler names in scope, and render errors as 500s.
//
// Mirrors:  tornado/test/web_test.py's render cases (RenderTest, the namespace of
//           get_template_namespace: request, current_user, static_url, xsrf_form_html,
//           reverse_url) and the 500 an exception in a template gives.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/async_test.h"
#include "tornado/web/testing.h"
#include "tornado/web/web.h"

using namespace tornado::web;
using tornado::testing::AsyncHTTPTestCase;

namespace {

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/tornado-render-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~Dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  void put(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name, std::ios::binary) << text;
  }
};

struct PageHandler : RequestHandler {
  std::optional<std::string> get_current_user() override { return std::string("ann"); }
  Namespace get_template_namespace() {
    Namespace ns = RequestHandler::get_template_namespace();
    ns.set_function("twice", [](const std::vector<tornado::json::Value>& a) {
      return tornado::json::Value(a.at(0).as_string() + a.at(0).as_string());
    });
    return ns;
  }
  tornado::Future<void> get(const std::string& name) {
    return render(name + ".html", {{"items", tornado::json::Array{"<a>", "b"}}});
  }
};

struct StringHandler : RequestHandler {
  void get() { write("[" + render_string("inline.txt", {{"x", 1}}) + "]"); }
};

// get_template_namespace is not virtual: url<H> finds a class's own, here declared by a base
// of the served classes, for render and render_string alike.
struct GreetingHandler : RequestHandler {
  Namespace get_template_namespace() {
    Namespace ns = RequestHandler::get_template_namespace();
    ns.set("greeting", std::string("hello"));
    return ns;
  }
};
struct GreetRender : GreetingHandler {
  tornado::Future<void> get() { return render("greet.txt", {{"x", 1}}); }
};
struct GreetString : GreetingHandler {
  void get() { write("[" + render_string("greet.txt", {{"x", 2}}) + "]"); }
};
struct PlainString : RequestHandler {
  void get() { write(render_string("plain.txt")); }
};

// An application serving PageHandler from the templates in `path`, with debug's error pages
// and reloads as asked, but without the file checker debug would start.
Settings page_settings(const std::string& path, bool debug) {
  Settings s;
  s.template_path = path;
  s.debug = debug;
  s.autoreload = false;
  return s;
}

}  // namespace

TEST_CASE("web: render uses template_path, extends, and the handler's names") {
  Dir dir;
  dir.put("base.html", "<title>{% block title %}{% end %}</title>{% block body %}{% end %}");
  dir.put("page.html",
          "{% extends 'base.html' %}{% block title %}{{ current_user }}{% end %}"
          "{% block body %}{% for i in items %}<li>{{ i }}</li>{% end %}"
          "{{ request.path }} {{ request.method }} {{ twice('ab') }} {{ static_url('s.css') }} "
          "{{ reverse_url('page', 'x') }} {% raw xsrf_form_html() %}{% end %}");
  dir.put("inline.txt", "x={{ x }}");
  dir.put("s.css", "body{}");
  Settings s;
  s.template_path = dir.path;
  s.static_path = dir.path;
  s.xsrf_cookies = true;
  s.cookie_secret = "0123456789abcdef0123456789abcdef";
  Application app({url<PageHandler>("/p/(.*)").name("page"), url<StringHandler>("/s")}, s);
  AsyncHTTPTestCase t(app);
  auto r = t.fetch("/p/page");
  CHECK(r.code == 200);
  CHECK(r.headers.get("Content-Type") == "text/html; charset=UTF-8");
  CHECK(r.body.rfind("<title>ann</title><li>&lt;a&gt;</li><li>b</li>/p/page GET abab "
                     "/static/s.css?v=",
                     0) == 0);
  CHECK(r.body.find(" /p/x <input type=\"hidden\" name=\"_xsrf\" value=\"") != std::string::npos);
  CHECK(t.fetch("/s").body == "[x=1]");
}

TEST_CASE("web: a handler's own get_template_namespace reaches render and render_string") {
  Dir dir;
  dir.put("greet.txt", "{{ greeting }} {{ x }} {{ request.path }} {{ current_user }}");
  dir.put("plain.txt", "{{ request.path }} {{ current_user }}");
  Application app(
      {url<GreetRender>("/render"), url<GreetString>("/string"), url<PlainString>("/plain")},
      page_settings(dir.path, false));
  AsyncHTTPTestCase t(app);
  CHECK(t.fetch("/render").body == "hello 1 /render None");
  CHECK(t.fetch("/string").body == "[hello 2 /string None]");
  // A class without its own gets RequestHandler's names.
  CHECK(t.fetch("/plain").body == "/plain None");
}

TEST_CASE("web: a template error is a 500 naming the template and line") {
  Dir dir;
  dir.put("bad.html", "ok\n{{ missing }}");
  dir.put("syntax.html", "a\n\n{% if %}");
  for (bool debug : {false, true}) {
    Application app({url<PageHandler>("/p/(.*)")}, page_settings(dir.path, debug));
    AsyncHTTPTestCase t(app);
    {
      tornado::testing::ExpectLog logged("name 'missing' is not defined at bad.html:2");
      auto r = t.fetch("/p/bad");
      CHECK(r.code == 500);
      CHECK(logged.count() == 1);
      CHECK((r.body.find("bad.html:2") != std::string::npos) == debug);
    }
    {
      tornado::testing::ExpectLog logged("at syntax.html:3");
      CHECK(t.fetch("/p/syntax").code == 500);
      CHECK(logged.count() == 1);
    }
    {
      tornado::testing::ExpectLog logged("No such file or directory");
      CHECK(t.fetch("/p/none").code == 500);
      CHECK(logged.count() == 1);
    }
  }
}

// Templates are cached per folder until debug (compiled_template_cache off) reloads them.
TEST_CASE("web: compiled_template_cache keeps templates; debug reloads them") {
  Dir dir;
  for (bool debug : {false, true}) {
    dir.put("v.html", "one");
    Application app({url<PageHandler>("/p/(.*)")}, page_settings(dir.path, debug));
    AsyncHTTPTestCase t(app);
    CHECK(t.fetch("/p/v").body == "one");
    dir.put("v.html", "two");
    CHECK(t.fetch("/p/v").body == (debug ? "two" : "one"));
  }
}
