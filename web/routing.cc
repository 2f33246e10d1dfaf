// web/routing.cc: matching route patterns (literal, simple and regex paths) and reversing
// simple ones; the rest run by the library's regex engine (stream/regex.h).
//
// Mirrors:  tornado/routing.py (PathMatches.match, PathMatches.reverse, _find_groups).
// Thread:   a PathRegex or URLSpec is immutable once built; any thread may match.
#include "tornado/web/routing.h"

#include <cctype>
#include <cstring>
#include <stdexcept>

#include "tornado/http/escape.h"
#include "tornado/stream/regex.h"

namespace tornado::web {
namespace {

using regex::Matcher;
using regex::strip_anchors;
using regex::translate;
using regex::Translation;

// Python's re_unescape over literal text: "\." is ".", an escaped letter or digit is not
// literal text (false).
bool unescape_literal(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 1 >= s.size() || std::isalnum(static_cast<unsigned char>(s[i + 1]))) return false;
    out += s[++i];
  }
  return true;
}

using Class = PathRegex::Segment::Class;

bool in_class(Class c, char ch) {
  switch (c) {
    case Class::kDigit:
      return ch >= '0' && ch <= '9';
    case Class::kWord:
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    case Class::kNotSlash:
      return ch != '/';
    case Class::kAny:
      return ch != '\n';
    case Class::kLiteral:
      break;
  }
  return false;
}

// The group bodies the simple matcher knows, and what they mean.
struct Known {
  const char* body;
  Class cls;
  std::size_t min;
};
constexpr Known kKnown[] = {
    {"\\d+", Class::kDigit, 1},     {"\\d*", Class::kDigit, 0},     {"[0-9]+", Class::kDigit, 1},
    {"[0-9]*", Class::kDigit, 0},   {"\\w+", Class::kWord, 1},      {"\\w*", Class::kWord, 0},
    {"[^/]+", Class::kNotSlash, 1}, {"[^/]*", Class::kNotSlash, 0}, {".+", Class::kAny, 1},
    {".*", Class::kAny, 0},
};

// Splits a pattern into literal text and known groups; empty when it is anything else.
std::vector<PathRegex::Segment> simple_segments(std::string_view body) {
  std::vector<PathRegex::Segment> segs;
  std::string lit;
  bool has_group = false;
  auto flush = [&] {
    if (lit.empty()) return;
    PathRegex::Segment s;
    s.text = std::move(lit);
    segs.push_back(std::move(s));
    lit.clear();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      if (i + 1 >= body.size() || std::isalnum(static_cast<unsigned char>(body[i + 1]))) return {};
      lit += body[++i];
      continue;
    }
    if (c == '(') {
      std::size_t start = i + 1;
      if (body.substr(start, 3) == "?P<") {
        const std::size_t end = body.find('>', start);
        if (end == std::string_view::npos) return {};
        start = end + 1;
      } else if (start < body.size() && body[start] == '?') {
        return {};
      }
      const std::size_t close = body.find(')', start);
      if (close == std::string_view::npos) return {};
      const std::string_view inner = body.substr(start, close - start);
      const Known* k = nullptr;
      for (const Known& known : kKnown) {
        if (inner == known.body) k = &known;
      }
      if (!k) return {};
      // A quantifier on the group itself is beyond this matcher.
      if (close + 1 < body.size() && std::strchr("*+?{", body[close + 1])) return {};
      flush();
      PathRegex::Segment s;
      s.cls = k->cls;
      s.min = k->min;
      segs.push_back(std::move(s));
      has_group = true;
      i = close;
      continue;
    }
    if (std::strchr(".[]()*+?{}|^$", c)) return {};
    lit += c;
  }
  flush();
  if (!has_group) return {};  // all literal: string equality is faster still
  return segs;
}

}  // namespace

bool PathRegex::match_segments(std::string_view text, std::size_t seg, std::size_t pos,
                               std::vector<std::string>* groups) const {
  if (seg == segments_.size()) return pos == text.size();
  const Segment& s = segments_[seg];
  if (s.cls == Class::kLiteral) {
    return text.substr(pos, s.text.size()) == s.text &&
           match_segments(text, seg + 1, pos + s.text.size(), groups);
  }
  std::size_t end = pos;
  while (end < text.size() && in_class(s.cls, text[end])) ++end;
  // Greedy, giving back one character at a time, as Python's re does.
  for (std::size_t e = end;; --e) {
    if (e < pos + s.min) return false;
    const std::size_t before = groups ? groups->size() : 0;
    if (groups) groups->emplace_back(text.substr(pos, e - pos));
    if (match_segments(text, seg + 1, e, groups)) return true;
    if (groups) groups->resize(before);
    if (e == pos) return false;
  }
}

struct PathRegex::Compiled {
  Matcher matcher;
};

PathRegex::PathRegex(std::string pattern) : pattern_(std::move(pattern)) {
  const std::string_view body = strip_anchors(pattern_);
  const std::string label = "route pattern \"" + pattern_ + "\"";
  Translation t = translate(label, body);
  names_ = std::move(t.names);
  prefix_ = std::move(t.prefix);
  literal_ = t.literal;
  if (literal_) return;
  auto c = std::make_shared<Compiled>();
  // Compiled even when the simple matcher will serve, so that every pattern's syntax is
  // checked when the rule is made.
  c->matcher = Matcher(label, t.ere, t.capturing);
  segments_ = simple_segments(body);
  if (!segments_.empty()) return;
  compiled_ = std::move(c);
}

bool PathRegex::match_pattern(std::string_view text, std::vector<std::string>* groups) const {
  if (groups) groups->clear();
  if (text.substr(0, prefix_.size()) != prefix_) return false;
  if (!segments_.empty()) return match_segments(text, 0, 0, groups);
  return compiled_->matcher.match(text, groups);
}

URLSpec::URLSpec(std::string pattern, HandlerFactory handler, std::string name)
    : regex_(std::move(pattern)), handler_(std::move(handler)), name_(std::move(name)) {
  // Tornado's _find_groups: reversible when every "(" opens a capturing group, and the text
  // around the groups is literal.
  const std::string_view body = strip_anchors(regex_.pattern());
  std::size_t opens = 0;
  for (char c : body) opens += c == '(';
  if (opens != regex_.group_names().size()) return;
  std::string piece;
  std::size_t i = 0;
  while (i <= body.size()) {
    const std::size_t open = body.find('(', i);
    const std::string_view text =
        body.substr(i, open == std::string_view::npos ? body.npos : open - i);
    if (!unescape_literal(text, piece)) return;
    pieces_.push_back(std::move(piece));
    piece.clear();
    if (open == std::string_view::npos) break;
    const std::size_t close = body.find(')', open);
    if (close == std::string_view::npos) return;
    i = close + 1;
  }
  reversible_ = true;
}

bool URLSpec::has_named_groups() const {
  for (const std::string& n : regex_.group_names())
    if (!n.empty()) return true;
  return false;
}

std::string URLSpec::reverse(const std::vector<std::string>& args) const {
  if (!reversible_)
    throw std::invalid_argument("Cannot reverse a URL of a complex pattern: " + pattern());
  if (args.size() + 1 != pieces_.size())
    throw std::invalid_argument("reverse of " + pattern() + ": expected " +
                                std::to_string(pieces_.size() - 1) + " arguments, got " +
                                std::to_string(args.size()));
  std::string out = pieces_[0];
  for (std::size_t k = 0; k < args.size(); ++k) {
    out += escape::url_escape(args[k], false);
    out += pieces_[k + 1];
  }
  return out;
}

}  // namespace tornado::web
