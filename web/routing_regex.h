// web/routing_regex.h: translating a Python-style route pattern into a POSIX extended regex.
// Internal to web/ (routing.cc and routing_regex.cc): not installed.
//
// Mirrors:  the part of Python's re syntax that tornado/routing.py patterns use.
// Role:     translate() walks the pattern once, phase by phase (escapes, bracket expressions,
//           groups, quantifiers, the rest), and gives the ERE text, which of its groups
//           capture, their names, the literal prefix every match starts with, and whether the
//           pattern is all literal. What POSIX cannot express is refused with
//           std::invalid_argument naming the pattern.
// Thread:   pure functions; any thread.
#pragma once

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

}  // namespace tornado::web::detail
