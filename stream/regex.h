// stream/regex.h: the library's own small regex engine, for the patterns users write in
// Python's re syntax: route patterns (web/routing.cc) and IOStream::read_until_regex.
// Internal to the library (stream/regex_translate.cc, stream/regex_match.cc and their users):
// not installed.
//
// Mirrors:  the part of Python's re syntax that Tornado's route patterns and read_until_regex
//           delimiters use, matched with Python's semantics (leftmost-first).
// Role:     translate() walks a pattern once, phase by phase (escapes, bracket expressions,
//           groups, quantifiers, the rest), and gives a normalised extended-regex text
//           (escapes spelled out, classes as brackets), which of its groups capture, their
//           names, the literal prefix every match starts with, and whether the pattern is all
//           literal. Matcher compiles that text to a small program and runs it: match() for
//           the whole text with its groups (routes), search() for the end of the first match
//           anywhere in the text (read_until_regex). libc's regcomp and regexec are not used:
//           they weigh some 70 KiB in a static program and follow POSIX's leftmost-longest rule.
// Syntax:   literal characters; "."; [...] with ranges, negation and [:space:]-style classes;
//           the escapes \d \w \s \D \W \S, \n \r \t \f \v and escaped punctuation; groups
//           (...), (?P<name>...) and (?:...); "|"; the greedy quantifiers * + ? {m} {m,}
//           {,n} {m,n} (counts up to 1000); ^ (start of the text) and $ (its end). Anything
//           else (lazy or possessive quantifiers, look-around, back-references, \b and the
//           other escapes, flags, Unicode classes) is refused with std::invalid_argument
//           naming the pattern, never misread.
// Bounds:   match() and search() take at most the program's size times the text's length
//           steps, whatever the pattern ((a*)*b included); search() keeps memory in the
//           program's size, match() a visited bit per program step and text position.
// Thread:   pure functions; a Matcher is immutable once built and any thread may run it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tornado::regex {

// The result of translating a pattern.
struct Translation {
  std::string ere;  // without the anchoring wrapper
  // per group, in order of their "(": nonzero when it captures (chars, not std::vector<bool>,
  // whose own instantiations a static program would carry for this alone)
  std::vector<char> capturing;
  std::vector<std::string> names;  // per capturing group
  std::string prefix;              // literal text every match starts with
  bool literal = true;             // the pattern is all literal text
};

// Throws std::invalid_argument: "<label>: <why>", where the label names the pattern and its
// use, e.g. route pattern "/a(".
[[noreturn]] void refuse(const std::string& label, const std::string& why);

// `body` is the pattern (for routes without its anchors: strip_anchors); `label` names it in
// errors.
Translation translate(const std::string& label, std::string_view body);

// The pattern without a leading "^" and a trailing unescaped "$" (routes are anchored anyway).
std::string_view strip_anchors(std::string_view body);

// A translated pattern compiled to a small program (characters, classes, splits that prefer
// their first target, jumps, group saves, anchors).
class Matcher {
 public:
  Matcher() = default;
  // `ere` and `capturing` as translate() gives them; `label` names the pattern in errors.
  // Throws std::invalid_argument (refuse) on syntax the translation lets through but no
  // regex accepts: unbalanced parentheses, a quantifier with nothing to repeat, bad {m,n}.
  Matcher(const std::string& label, std::string_view ere, const std::vector<char>& capturing);
  // Python's re.compile(pattern) for read_until_regex: translate() and compile in one.
  static Matcher compile(const std::string& label, std::string_view pattern);

  // Whether the whole of `text` matches (Python's fullmatch); each capturing group's text (""
  // when it did not take part) is appended to `groups` when it is not null. A match that
  // would need more than kMaxStateBits of visited state fails (a path that long is no
  // route's).
  bool match(std::string_view text, std::vector<std::string>* groups) const;
  // Where the first match in `text` ends (Python's re.search(...).end()): the leftmost start,
  // and from it the match Python's backtracking finds first; npos when there is none.
  std::size_t search(std::string_view text) const;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::size_t kMaxStateBits = std::size_t{1} << 25;  // 4 MiB
  static constexpr std::size_t kMaxProgram = 20000;                   // instructions

  enum class Op : std::uint8_t { kChar, kAny, kClass, kSplit, kJmp, kSave, kBol, kEol, kMatch };
  struct Inst {
    Op op;
    unsigned char c;  // kChar
    std::uint32_t x;  // kSplit/kJmp: target (kSplit: the preferred one); kClass: set; kSave: slot
    std::uint32_t y;  // kSplit: the other target
  };
  struct CharSet {
    std::uint32_t bits[8] = {};
    bool has(unsigned char ch) const { return (bits[ch >> 5] >> (ch & 31)) & 1u; }
    void add(unsigned char ch) { bits[ch >> 5] |= 1u << (ch & 31); }
  };

 private:
  bool consumes(const Inst& in, char ch) const;

  std::vector<Inst> prog_;
  std::vector<CharSet> sets_;
  std::vector<char> capturing_;  // per group, in order of its "(": nonzero when it captures
};

}  // namespace tornado::regex
