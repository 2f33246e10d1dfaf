// tests/web/routing_match_test.cc: the route patterns' own matcher as tables: Python's
// leftmost-first results where POSIX's leftmost-longest ones differ, repeats, classes,
// refused syntax, and pathological pattern/path pairs that must finish fast.
// Mirrors:  Python's re.match(pattern + "$", path) for the subset routes use (the expected
//           groups below are what /usr/bin/python3 gives).
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "tornado/stream/regex.h"

namespace {

using tornado::regex::Matcher;

Matcher compile(const std::string& pattern) {
  const std::string_view body = tornado::regex::strip_anchors(pattern);
  const auto t = tornado::regex::translate(pattern, body);
  return Matcher(pattern, t.ere, t.capturing);
}

}  // namespace

TEST_CASE("routing_match: results agree with Python's re, also where POSIX's differ") {
  struct Row {
    const char* pattern;
    const char* path;
    bool matches;
    std::vector<std::string> groups;
  };
  const Row rows[] = {
      // Leftmost-first: the first alternative that leads to a match wins (POSIX would take
      // the longest first group: "ab","cd" / "xy","z" / "foobar","baz").
      {"/(a|ab)(c|bcd)", "/abcd", true, {"a", "bcd"}},
      {"/(x|xy)(z|yz)", "/xyz", true, {"x", "yz"}},
      {"/(foo|foobar)(.*)", "/foobarbaz", true, {"foo", "barbaz"}},
      {R"(/(\d+)|/(\w+))", "/abc", true, {"", "abc"}},
      // Greedy quantifiers give back one character at a time.
      {"/(a*)(a*)", "/aaa", true, {"aaa", ""}},
      {R"(/(.*)(\d+))", "/ab123", true, {"ab12", "3"}},
      // Counted repeats; a repeated group keeps its last iteration.
      {"/(ab){2,3}", "/ababab", true, {"ab"}},
      {"/(ab){2,3}", "/ab", false, {}},
      {"/(ab){2,3}", "/abababab", false, {}},
      {"/x{2}", "/xx", true, {}},
      {"/x{2}", "/xxx", false, {}},
      {"/x{,2}", "/", true, {}},
      {"/x{2,}", "/xxxxx", true, {}},
      {"/(a|b)*", "/abba", true, {"a"}},
      {"/(?:(a)|(b))+", "/ab", true, {"a", "b"}},
      {"/(a)?(b)?c", "/bc", true, {"", "b"}},
      {R"(/(?P<k>[a-f0-9]{2,4})x)", "/beefx", true, {"beef"}},
      {R"(/v(1|2)/(users|items)/(\d{1,6}))", "/v2/items/123456", true, {"2", "items", "123456"}},
      {R"(/v(1|2)/(users|items)/(\d{1,6}))", "/v2/items/1234567", false, {}},
      // Classes: ranges, negation, escapes, "." without newline, negated classes with it.
      {"/([a-c]+)([^a-c]*)", "/abcxyz", true, {"abc", "xyz"}},
      {R"(/([^/]+)/([\d]+))", "/n/12", true, {"n", "12"}},
      {R"(/(\s*)(\S+))", "/ \tx", true, {" \t", "x"}},
      {R"(/(\W)(\w))", "/-x", true, {"-", "x"}},
      {"/(.)", "/\n", false, {}},
      {"/([^x])", "/\n", true, {"\n"}},
      {R"(/(-|\.))", "/.", true, {"."}},
      // "^" inside: only at the start of the path.
      {"/a|^/b", "/b", true, {}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.path);
    const Matcher m = compile(r.pattern);
    std::vector<std::string> groups;
    CHECK(m.match(r.path, &groups) == r.matches);
    if (r.matches) CHECK(groups == r.groups);
  }
}

TEST_CASE("routing_match: syntax no regex accepts is refused when compiled") {
  for (const std::string bad : {"*a", "/(*a)", "/a**", "/a+*", "/a{3,2}", "/a{1001}", "/a)", "/(a",
                                "/a{x}", "/[z-a]", "/[[:nope:]]"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(compile(bad), std::invalid_argument);
  }
  // Repeats that would expand past the program limit are refused, not built.
  CHECK_THROWS_AS(compile("/((a{1000}){1000})"), std::invalid_argument);
}

TEST_CASE("routing_match: pathological pattern/path pairs finish fast (no exponential time)") {
  const std::string as(5000, 'a');
  struct Row {
    const char* pattern;
    std::string path;
    bool matches;
  };
  const Row rows[] = {
      {"/(a*)*b", "/" + as, false},
      {"/(a|a)*b", "/" + as, false},
      {"/(a+)+$", "/" + as + "!", false},
      {"/(.*)(.*)(.*)(.*)x", "/" + as, false},
      {"/(a?){30}a{30}", "/" + std::string(30, 'a'), true},
      {"/(a*)*", "/" + as, true},
  };
  const auto start = std::chrono::steady_clock::now();
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    CHECK(compile(r.pattern).match(r.path, nullptr) == r.matches);
  }
  // Backtracking without the visited set takes longer than the age of the universe here.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
