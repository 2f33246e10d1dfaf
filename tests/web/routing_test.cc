// tests/web/routing_test.cc: route patterns as tables: what matches, the groups, the literal
// prefix, reversal, and the patterns refused up front.
// Mirrors:  tornado/test/routing_test.py and web_test.py's URLSpecReverseTest
//           (test_reverse, test_non_reversible, test_reverse_arguments).
#include "tornado/web/routing.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using tornado::web::HandlerFactory;
using tornado::web::PathRegex;
using tornado::web::URLSpec;

TEST_CASE("routing: Python-style patterns match as Tornado's re.match(pattern + '$')") {
  struct Row {
    const char* pattern;
    const char* path;
    bool matches;
    std::vector<std::string> groups;
  };
  const Row rows[] = {
      {"/", "/", true, {}},
      {"/", "/x", false, {}},
      {"/", "", false, {}},
      {R"(/user/(\d+))", "/user/42", true, {"42"}},
      {R"(/user/(\d+))", "/user/42/", false, {}},
      {R"(/user/(\d+))", "/user/x", false, {}},
      {R"(/user/(\d+)$)", "/user/7", true, {"7"}},
      {R"(^/user/(\d+)$)", "/user/7", true, {"7"}},
      {R"(/(\w+)/(\w*))", "/ab_1/", true, {"ab_1", ""}},
      {R"(/static/(.*))", "/static/a/b.css", true, {"a/b.css"}},
      {R"(/(?P<year>[0-9]{4})/(?P<slug>[^/]+))", "/2024/hello", true, {"2024", "hello"}},
      {R"(/(?:a|b)/(c))", "/b/c", true, {"c"}},
      {R"(/(?:a|b)/(c))", "/x/c", false, {}},
      {R"(/opt(/x)?)", "/opt", true, {""}},
      {R"(/opt(/x)?)", "/opt/x", true, {"/x"}},
      {R"(/a\.b)", "/a.b", true, {}},
      {R"(/a\.b)", "/axb", false, {}},
      {R"(/a.b)", "/axb", true, {}},
      {R"(/a|/b)", "/b", true, {}},
      {R"(/a|/b)", "/ab", false, {}},
      {R"(/s/(\S+)/(\D+))", "/s/x%20y/ab", true, {"x%20y", "ab"}},
      {R"(/w/([\w.-]+))", "/w/a.b-c_d", true, {"a.b-c_d"}},
      {R"(/w/([\w.-]+))", "/w/a/b", false, {}},
      {R"(/lit+)", "/littt", true, {}},
      {R"(/lit+)", "/li", false, {}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.path);
    PathRegex re(r.pattern);
    std::vector<std::string> groups;
    CHECK(re.match(r.path, &groups) == r.matches);
    if (r.matches) CHECK(groups == r.groups);
  }
}

TEST_CASE("routing: the literal prefix and the all-literal fast path") {
  struct Row {
    const char* pattern;
    std::string prefix;
    bool literal;
  };
  const Row rows[] = {
      {"/", "/", true},
      {"/about/team", "/about/team", true},
      {R"(/user/(\d+))", "/user/", false},
      {R"(/a\.b/(.*))", "/a.b/", false},
      {R"(/ab*)", "/a", false},
      {R"(/ab?/c)", "/a", false},
      {R"(/a|/b)", "", false},
      {R"(.*)", "", false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    PathRegex re(r.pattern);
    CHECK(re.literal_prefix() == r.prefix);
    CHECK(re.literal() == r.literal);
  }
  PathRegex named(R"(/(?P<id>\d+)/(x))");
  CHECK(named.group_names() == std::vector<std::string>{"id", ""});
}

TEST_CASE("routing: what POSIX regex cannot do is refused when the rule is made") {
  for (const char* bad : {R"(/(\d+?))", R"(/(?=x))", R"(/(a)\1)", R"(/\bword)", R"(/[\]])",
                          R"(/(unclosed)", R"(/[abc)", "/trailing\\", R"(/(?P<>x))", R"(/a*+)"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(PathRegex{bad}, std::invalid_argument);
  }
}

TEST_CASE("routing: reverse (URLSpecReverseTest)") {
  CHECK(URLSpec("/favicon.ico", HandlerFactory{}).reverse({}) == "/favicon.ico");
  CHECK(URLSpec("/favicon\\.ico", HandlerFactory{}).reverse({}) == "/favicon.ico");
  CHECK(URLSpec("/(.*)", HandlerFactory{}).reverse({"a b/c"}) == "/a%20b/c");
  CHECK(URLSpec(R"(/user/(\d+)/post/(\d+)$)", HandlerFactory{}).reverse({"1", "2"}) ==
        "/user/1/post/2");
  CHECK(URLSpec("^/(?P<name>[a-z]+)$", HandlerFactory{}).reverse({"joe"}) == "/joe");
  // Not reversible: a group that captures nothing, an escape that is not literal text.
  CHECK_THROWS_AS(URLSpec("/(?:a|b)/(x)", HandlerFactory{}).reverse({"1"}), std::invalid_argument);
  CHECK_THROWS_AS(URLSpec(R"(/\d+)", HandlerFactory{}).reverse({}), std::invalid_argument);
  // The number of arguments must match.
  CHECK_THROWS_AS(URLSpec("/(.*)", HandlerFactory{}).reverse({}), std::invalid_argument);
  CHECK_THROWS_AS(URLSpec("/(.*)", HandlerFactory{}).reverse({"a", "b"}), std::invalid_argument);
}

TEST_CASE("routing: the simple matcher agrees with Python's greedy re on common group forms") {
  struct Row {
    const char* pattern;
    const char* path;
    bool simple;
    bool matches;
    std::vector<std::string> groups;
  };
  const Row rows[] = {
      {R"(/user/(\d+))", "/user/42", true, true, {"42"}},
      {R"(/user/(\d+))", "/user/", true, false, {}},
      {R"(/user/(\d*))", "/user/", true, true, {""}},
      {R"(/(.*)/(.*))", "/a/b/c", true, true, {"a/b", "c"}},
      {R"(/(\d+)(\d+))", "/123", true, true, {"12", "3"}},
      {R"(/(.*)x)", "/axbx", true, true, {"axb"}},
      {R"(/([^/]+)/([0-9]*))", "/abc/", true, true, {"abc", ""}},
      {R"(/([^/]+)/([0-9]*))", "/a/b/", true, false, {}},
      {R"(/(?P<slug>\w+)\.html)", "/my_page.html", true, true, {"my_page"}},
      {R"(/(?P<slug>\w+)\.html)", "/my-page.html", true, false, {}},
      {R"(/static/(.+))", "/static/", true, false, {}},
      {R"(/static/(.+))", "/static/a%2Fb", true, true, {"a%2Fb"}},
      {R"(/(.*))", "/line\nbreak", true, false, {}},
      // Not simple: quantified groups, alternation, other classes go to regexec.
      {R"(/opt(/x)?)", "/opt", false, true, {""}},
      {R"(/(a|b))", "/b", false, true, {"b"}},
      {R"(/([a-f]+))", "/cafe", false, true, {"cafe"}},
      {R"(/(\d{4}))", "/2024", false, true, {"2024"}},
  };
  for (const Row& r : rows) {
    const std::string pattern = r.pattern, path = r.path;
    CAPTURE(pattern);
    CAPTURE(path);
    PathRegex re(pattern);
    CHECK(re.simple() == r.simple);
    std::vector<std::string> groups;
    CHECK(re.match(path, &groups) == r.matches);
    if (r.matches) CHECK(groups == r.groups);
  }
}
