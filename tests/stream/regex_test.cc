// tests/stream/regex_test.cc: the library's regex engine searching as read_until_regex does:
// where the first match ends, as a table checked against Python's re, the patterns refused,
// and pathological pattern/text pairs on a long buffer finishing fast.
// Mirrors:  Python's re.search(pattern, text).end() (the expected ends below are what
//           /usr/bin/python3 gives), the subset stream/regex.h documents.
#include "tornado/stream/regex.h"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace {

using tornado::regex::Matcher;

std::size_t search(const std::string& pattern, const std::string& text) {
  return Matcher::compile("pattern", pattern).search(text);
}

constexpr std::size_t kNone = Matcher::npos;

}  // namespace

TEST_CASE("regex: search ends where Python's re.search does, leftmost-first") {
  struct Row {
    const char* pattern;
    std::string text;
    std::size_t end;
  };
  const Row rows[] = {
      {R"(\r?\n\r?\n)", "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody", 27},
      {R"(\r?\n\r?\n)", "a\n\nb", 3},
      // The first alternative that matches wins (POSIX's leftmost-longest would end at 4).
      {"a|ab", "xxabc", 3},
      {"(a|ab)(c|bcd)", "abcd", 4},
      {"a+", "xaaay", 4},
      {"a*", "baaa", 0},
      {"x*", "", 0},
      // A later start is taken only when no earlier one matches.
      {"b+c|b", "abbbd", 2},
      {R"(\d{3})", "ab12x345y", 8},
      {R"([^\n]*\n)", "line one\nline two\n", 9},
      {"^abc", "xabc", kNone},
      {"^ab", "abab", 2},
      {"end$", "the end", 7},
      {"end$", "end of it", kNone},
      {"(?:ab)+c", "ababababd ababc", 15},
      {R"(\s+)", "word  \t next", 8},
      {"[.]", "a.b", 2},
      {R"(\.\.\.)", "a..b...c", 7},
      {R"((?P<n>\w+)=)", "  key=value", 6},
      {"--[a-z]{2,4}--", "--abcde-- --xy--", 16},
      {".", "\n\nz", 3},
      {R"(\t|\f|\v)", "ab\vc", 3},
      {"abc", "ababab", kNone},
  };
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    CAPTURE(r.text);
    CHECK(search(r.pattern, r.text) == r.end);
  }
}

TEST_CASE("regex: what the subset does not cover is refused with the pattern named") {
  for (const std::string bad :
       {"a*?", "a+?", "a++", "(?=x)", "(?<=x)y", "(?i)a", R"((a)\1)", R"(\bword)", R"(\Z)",
        "(unclosed", "a)", "*a", "a{3,2}", "a{1001}", "[z-a]", "[unterminated", R"(a\)"}) {
    CAPTURE(bad);
    try {
      (void)Matcher::compile("read_until_regex pattern \"" + bad + "\"", bad);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("read_until_regex pattern \"" + bad + "\": ") == 0);
    }
  }
}

TEST_CASE("regex: search on a long buffer takes linear time and no exponential backtracking") {
  const std::string as(50000, 'a');
  struct Row {
    const char* pattern;
    std::string text;
    std::size_t end;
  };
  const Row rows[] = {
      {"(a*)*b", as, kNone},
      {"(a|a)*b", as, kNone},
      {"(a+)+!", as + "!", as.size() + 1},
      {"(.*)(.*)(.*)x", as, kNone},
      {R"(\r\n\r\n)", as + "\r\n\r\n", as.size() + 4},
  };
  const auto start = std::chrono::steady_clock::now();
  for (const Row& r : rows) {
    CAPTURE(r.pattern);
    CHECK(search(r.pattern, r.text) == r.end);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
