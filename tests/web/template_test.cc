// tests/web/template_test.cc: web/template against the cases Python Tornado renders
// (tests/web/template_cases.h), against Python Tornado itself, and its API and limits.
//
// Ported from Tornado's template_test.py: test_simple, test_bytes, test_expressions,
// test_comment, test_include, test_extends, test_relative_load, test_escaping ({{!, {%!),
// test_unicode_literal_expression, test_if, test_if_empty_body, test_try is not (no try:
// templates run no Python), test_apply, test_break_continue, test_break_in_apply (a parse
// error here too), test_no_inherit_future (Python only), test_non_ascii_name, the
// StackTraceTest cases (error_line_number_expression, _directive, _module, _include,
// _extends_sub, _extends_base, multi_includes: the file and line of a render error),
// ParseErrorDetailTest, AutoEscapeTest (default, None, per file, extended, raw, custom
// function, manual) and TemplateLoaderTest. Left out: {% module %}, {% import %}, {% from %}
// and {% try %} (they run Python), and cases whose values are Python objects or bytes.
#include "tornado/web/template.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/support/async_test.h"
#include "tests/support/demo_process.h"
#include "tests/web/template_cases.h"

using namespace tornado::web;
using tornado::json::Value;

namespace {

std::vector<std::pair<std::string, std::string>> split_files(const char* spec) {
  std::vector<std::string> parts;
  std::string cur;
  for (const char* p = spec; *p; ++p) {
    if (*p == '\001') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += *p;
    }
  }
  parts.push_back(cur);
  std::vector<std::pair<std::string, std::string>> files;
  for (std::size_t i = 0; i + 1 < parts.size(); i += 2) files.emplace_back(parts[i], parts[i + 1]);
  return files;
}

// Renders a case in-process: the output, or "file:line" of the error.
std::string render_case(const TemplateCase& c, bool& failed) {
  auto files = split_files(c.files);
  std::map<std::string, std::string> sources(files.begin(), files.end());
  DictLoader loader(sources);
  failed = false;
  try {
    Namespace values(tornado::json::decode(c.values).as_object());
    return loader.load(files[0].first)->generate(values);
  } catch (const TemplateError& e) {
    failed = true;
    return e.filename() + ":" + std::to_string(e.lineno());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool error_matches(const std::string& expected, const std::string& got) {
  return expected == "?:0" || expected == got;
}

}  // namespace

TEST_CASE("template: the cases render as Python Tornado renders them") {
  for (const TemplateCase& c : kTemplateCases) {
    CAPTURE(c.files);
    bool failed = false;
    const std::string got = render_case(c, failed);
    if (*c.error) {
      CHECK(failed);
      CHECK(error_matches(std::string(c.error), got));
    } else {
      CHECK(!failed);
      CHECK(got == std::string(c.expected));
    }
  }
}

// The same cases rendered now by Python Tornado's Loader(DIR).load(NAME).generate(**values)
// and by this library (in process, and through build/demos/template_render): the same bytes,
// the same failures, and for errors the same file and line whenever Tornado names one.
TEST_CASE("template: template_render matches python3-tornado byte for byte") {
  if (std::getenv("TORNADO_TEST_EMULATOR"))
    TORNADO_SKIP("python3-tornado is not run under the emulator");
  if (std::system("/usr/bin/python3 -c 'import tornado.template' 2>/dev/null") != 0)
    TORNADO_SKIP("python3-tornado is not installed");
  const std::string render = tornado::testing::demo_command("template_render");
  if (render.empty()) TORNADO_SKIP("template_render is not built");
  char tmpl[] = "/tmp/tornado-template-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::size_t count = std::size(kTemplateCases);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string root = dir + "/" + std::to_string(1000 + i);
    const auto files = split_files(kTemplateCases[i].files);
    for (const auto& [name, source] : files) {
      const std::string path = root + "/" + name;
      for (std::size_t slash = root.size(); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        ::mkdir(path.substr(0, slash).c_str(), 0755);
      }
      std::ofstream(path, std::ios::binary) << source;
    }
    std::ofstream(root + "/values.json") << kTemplateCases[i].values;
    std::ofstream(root + "/name") << files[0].first;
  }
  // Python starts once for all the cases (its start-up is most of the time).
  int status = 0;
  tornado::testing::run_command(
      "/usr/bin/python3 tests/web/template_reference.py --batch '" + dir + "'", status);
  REQUIRE(status == 0);
  // Every case rendered in this process; every eighth also by the template_render command
  // (a start each: they are kept few), which must agree with both.
  for (std::size_t i = 0; i < count; ++i) {
    CAPTURE(kTemplateCases[i].files);
    const std::string root = dir + "/" + std::to_string(1000 + i);
    const std::string theirs = read_file(root + "/theirs.out");
    const bool theirs_failed = read_file(root + "/theirs.status") != "0";
    const std::string theirs_err = read_file(root + "/theirs.err");
    const std::string where = theirs_err.substr(0, theirs_err.find(": "));
    bool failed = false;
    const std::string ours = render_case(kTemplateCases[i], failed);
    CHECK(failed == theirs_failed);
    if (theirs_failed) {
      CHECK(error_matches(where, ours));
    } else {
      CHECK(ours == theirs);
    }
    if (i % 8 != 0 && !theirs_failed) continue;
    int ours_status = 0;
    const std::string name = read_file(root + "/name");
    const std::string printed = tornado::testing::run_command(
        render + " --template_path='" + root + "' '" + name + "' < '" + root + "/values.json' 2>'" +
            root + "/ours.err'",
        ours_status);
    CHECK((ours_status != 0) == theirs_failed);
    CHECK(printed == theirs);
    if (theirs_failed) {
      const std::string ours_err = read_file(root + "/ours.err");
      CHECK(error_matches(where, ours_err.substr(0, ours_err.find(": "))));
    }
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("template: Template, Namespace functions, loaders and their errors") {
  Template t("{{ greet(name) }}|{% apply shout %}{{ name }}{% end %}|{{ n + 1 }}");
  Namespace ns{{"name", "<Bob>"}, {"n", 41}};
  ns.set_function(
      "greet", [](const std::vector<Value>& a) { return Value("Hello, " + a.at(0).as_string()); });
  ns.set_function("shout",
                  [](const std::vector<Value>& a) { return Value(a.at(0).as_string() + "!"); });
  CHECK(t.generate(ns) == "Hello, &lt;Bob&gt;|&lt;Bob&gt;!|42");

  // A C++ function that throws: the render fails with the line.
  ns.set_function("greet",
                  [](const std::vector<Value>&) -> Value { throw std::runtime_error("no"); });
  try {
    t.generate(ns);
    FAIL("no error");
  } catch (const TemplateError& e) {
    CHECK(e.message() == "no");
    CHECK(e.filename() == "<string>");
    CHECK(e.lineno() == 1);
    CHECK(std::string(e.what()) == "no at <string>:1");
  }

  // Syntax errors name the line at construction.
  try {
    Template bad("a\nb\n{% for x %}{% end %}", "bad.html");
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(e.filename() == "bad.html");
    CHECK(e.lineno() == 3);
  }
  CHECK_THROWS_AS(Template("{% extends 'x' %}"), ParseError);  // no loader
  CHECK_THROWS_AS(Template("\xff\xfe"), ParseError);           // not UTF-8
  CHECK(Template("a  b\n\n c", "x.html").generate() == "a b\nc");
  CHECK(Template("a  b\n\n c", "x.txt").generate() == "a  b\n\n c");
  TemplateOptions one;
  one.whitespace = "oneline";
  CHECK(Template("a  b\n\n c", "x.txt", nullptr, one).generate() == "a b c");
  TemplateOptions none;
  none.autoescape = "";
  CHECK(Template("{{ '<' }}", "x", nullptr, none).generate() == "<");
  CHECK_THROWS_AS(filter_whitespace("bogus", ""), std::invalid_argument);
}

TEST_CASE("template: DictLoader caches until reset, resolves relative names, refuses cycles") {
  std::map<std::string, std::string> src{{"a/page.html", "{% include '../inc.html' %}"},
                                         {"inc.html", "v{{ x }}"},
                                         {"loop.html", "{% include 'loop2.html' %}"},
                                         {"loop2.html", "{% extends 'loop.html' %}"}};
  BaseLoader::Options options;
  options.names.set("x", 1);
  DictLoader loader(src, options);
  auto a = loader.load("a/page.html");
  CHECK(a->generate() == "v1");
  CHECK(loader.load("a/page.html") == a);
  loader.reset();
  CHECK(loader.load("a/page.html") != a);
  CHECK(a->generate({{"x", 2}}) == "v2");  // values given to generate hide the loader's
  CHECK_THROWS_AS(loader.load("loop.html"), ParseError);
  CHECK_THROWS_AS(loader.load("missing.html"), ParseError);
}

TEST_CASE("template: Loader reads files below its root") {
  char tmpl[] = "/tmp/tornado-loader-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  ::mkdir((dir + "/sub").c_str(), 0755);
  std::ofstream(dir + "/base.html") << "<h1>{% block t %}{% end %}</h1>";
  std::ofstream(dir + "/sub/page.html")
      << "{% extends '../base.html' %}{% block t %}{{ x }}{% end %}";
  Loader loader(dir);
  CHECK(loader.load("sub/page.html")->generate({{"x", "&"}}) == "<h1>&amp;</h1>");
  try {
    loader.load("nope.html");
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(e.filename() == "nope.html");
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

// Hostile input: deep nesting and huge repetition are errors, not crashes.
TEST_CASE("template: nesting and size limits") {
  std::string deep(5000, '(');
  CHECK_THROWS_AS(Template("{{ " + deep + " }}"), ParseError);
  std::string blocks;
  for (int i = 0; i < 500; ++i) blocks += "{% if 1 %}";
  CHECK_THROWS_AS(Template(blocks, "deep"), ParseError);
  CHECK_THROWS_AS(Template("{{ 'x' * 100000000000 }}").generate(), TemplateError);
  CHECK_THROWS_AS(Template("{{ 2 ** 70 }}").generate(), TemplateError);
  CHECK_THROWS_AS(Template("{{ range(100000000) }}").generate(), TemplateError);
  CHECK_THROWS_AS(Template("{% set x = 1 %").generate(), ParseError);
}
