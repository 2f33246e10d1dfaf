// web/routing_regex.h: translating a Python-style route pattern into a POSIX extended regex,
// and the matcher that runs it. Internal to web/ (routing.cc, routing_regex.cc,
// routing_match.cc): not installed.
//
// Mirrors:  the part of Python's re syntax that tornado/routing.py patterns use.
// Role:     translate() walks the pattern once, phase by phase (escapes, bracket expressions,
//           groups, quantifiers, the rest), and gives the ERE text, which of its groups
//           capture, their names, the literal prefix every match starts with, and whether the
//           pattern is all literal. What POSIX cannot express is refused with
//           std::invalid_argument naming the pattern.
// Thread:   pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tornado::web::detail {

// The result of translating a pattern.
struct Translation {
  std::string ere;                 // without the anchoring wrapper
  std::vector<bool> capturing;     // per ERE group, in order of their "("
  std::vector<std::string> names;  // per capturing group
  std::string prefix;              // literal text every match starts with
  bool literal = true;             // the pattern is all literal text
};

// Throws std::invalid_argument: route pattern "<pattern>": <why>.
[[noreturn]] void refuse(const std::string& pattern, const std::string& why);

// `body` is `pattern` without its anchors (strip_anchors); `pattern` names it in errors.
Translation translate(const std::string& pattern, std::string_view body);

// The pattern without a leading "^" and a trailing unescaped "$" (it is anchored anyway).
std::string_view strip_anchors(std::string_view body);

// A translated pattern compiled to a small program run by backtracking with a visited set
// (each instruction at each text position is tried at most once): Python's leftmost-first
// semantics (greedy quantifiers, the first alternative that leads to a match wins), in time
// and memory bounded by program size times text length, whatever the pattern and the text.
class Matcher {
 public:
  Matcher() = default;
  // `ere` and `capturing` as translate() gives them; `pattern` names the route in errors.
  // Throws std::invalid_argument (refuse) on syntax the translation lets through but no
  // regex accepts: unbalanced parentheses, a quantifier with nothing to repeat, bad {m,n}.
  Matcher(const std::string& pattern, std::string_view ere, const std::vector<bool>& capturing);
  // Whether the whole of `text` matches; each capturing group's text ("" when it did not
  // take part) is appended to `groups` when it is not null. A match that would need more
  // than kMaxStateBits of visited state fails (a path that long is no route's).
  bool match(std::string_view text, std::vector<std::string>* groups) const;

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
  std::vector<Inst> prog_;
  std::vector<CharSet> sets_;
  std::vector<bool> capturing_;  // per group, in order of its "("
};

}  // namespace tornado::web::detail
