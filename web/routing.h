// web/routing.h: URL patterns: matching a request path to a handler, and building a path
// back from a pattern's name and arguments.
//
// Mirrors:  tornado/routing.py (URLSpec, PathMatches, HostMatches, the reverse of simple
//           patterns) and web.py's url().
//
//   tornado::web::Rule rule = tornado::web::url<UserHandler>(R"(/user/(\d+))").name("user");
//   tornado::web::URLSpec spec(rule);
//   std::vector<std::string> groups;
//   spec.match("/user/42", groups);           // true, groups == {"42"}
//   spec.reverse({"42"});                     // "/user/42"
//
// Patterns: written as Tornado users write them (Python's re syntax) and matched with
//           Python's semantics (leftmost-first: greedy quantifiers, the first alternative
//           that leads to a match wins) by the library's own matcher (stream/regex.h):
//           literals, ".", [...] classes, \d \w \s and their negations, groups ((...),
//           (?P<name>...), (?:...)), "|", * + ? {m,n}, ^ and $. What it does not do (lazy
//           quantifiers, look-around, back-references) is refused when the spec is built,
//           with std::invalid_argument naming the pattern, never misread at request time.
//           A match costs at most the pattern's program size times the path's length, so no
//           path makes a pattern take exponential time.
//           As Tornado, a pattern is anchored at both ends ("$" is added when missing), and
//           it is matched against the path as sent (still %-encoded); the handler gets the
//           groups %-decoded.
// Speed:    a pattern that is all literal is matched by string equality; one made of literal
//           text and groups of the common forms ((\d+), ([^/]+), (.*), (\w*)...) by a
//           direct greedy matcher; and any other first compares the literal text it starts
//           with, so most rules are rejected before the matcher runs (see bench/web_bench.cc).
// Rules:    url<H>(pattern, args...) (web_binding.h) makes a Rule: the pattern, the handler
//           class with the arguments each of its handlers receives, and an optional name
//           (.name("x")) for reverse_url. Application turns each Rule into a URLSpec.
// Ownership: a URLSpec owns its compiled pattern (shared between copies); it holds the handler
//           factory by value.
// Thread:   immutable once built; any thread may match.
// See:      man tornado.routing.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tornado {
class HTTPServerRequest;
}

namespace tornado::web {

class Application;
class RequestHandler;

// Makes the handler for one request. A Rule made by url<H>(pattern, args...) holds one; users
// need not name it.
struct HandlerFactory {
  // The request is taken by reference and moved from: passed by value, it would be moved
  // once more on its way through std::function.
  std::function<std::shared_ptr<RequestHandler>(Application&, std::shared_ptr<HTTPServerRequest>&&)>
      make;
  explicit operator bool() const { return static_cast<bool>(make); }
};

// One routing rule as written in an Application's list (Tornado's routing.Rule and web.url):
// made by url<H>(pattern, args...), named with .name("x") for reverse_url.
class Rule {
 public:
  Rule() = default;
  Rule(std::string pattern, HandlerFactory handler)
      : pattern_(std::move(pattern)), handler_(std::move(handler)) {}
  // Names the rule (Tornado's url(..., name=...)); chainable on the rule url<H>() returns.
  Rule& name(std::string n) & {
    name_ = std::move(n);
    return *this;
  }
  Rule name(std::string n) && {
    name_ = std::move(n);
    return std::move(*this);
  }
  const std::string& name() const { return name_; }
  const std::string& pattern() const { return pattern_; }
  const HandlerFactory& handler() const { return handler_; }
  explicit operator bool() const { return static_cast<bool>(handler_); }

 private:
  std::string pattern_;
  HandlerFactory handler_;
  std::string name_;
};

// A Python-style pattern compiled for the matcher, anchored at both ends, with the names of its
// capturing groups ("" for unnamed ones). Shared by URLSpec (paths) and host rules.
class PathRegex {
 public:
  explicit PathRegex(std::string pattern);
  // Whether `text` matches the whole pattern; the capturing groups' text (unmatched optional
  // groups give "") is stored in `groups` when it is not null.
  bool match(std::string_view text, std::vector<std::string>* groups) const {
    // A literal pattern ("/", "/about": most routes) is answered here, without a call that
    // saves six registers to compare a few bytes.
    if (literal_) {
      if (groups) groups->clear();
      return text == prefix_;
    }
    return match_pattern(text, groups);
  }
  const std::string& pattern() const { return pattern_; }
  const std::vector<std::string>& group_names() const { return names_; }
  // The literal text every match starts with; the whole pattern if it is all literal.
  const std::string& literal_prefix() const { return prefix_; }
  bool literal() const { return literal_; }
  // Whether the pattern is literal text and groups of the common forms (\d+, [^/]+, .*,
  // \w+ and the like, + or *), matched without the general matcher.
  bool simple() const { return !segments_.empty(); }

  // A piece of a simple pattern: literal text, or a group of characters of one class.
  struct Segment {
    enum class Class : unsigned char { kLiteral, kDigit, kWord, kNotSlash, kAny };
    Class cls = Class::kLiteral;
    std::size_t min = 0;  // for a group: 0 (*) or 1 (+)
    std::string text;     // for literal text
  };

 private:
  bool match_pattern(std::string_view text, std::vector<std::string>* groups) const;
  bool match_segments(std::string_view text, std::size_t seg, std::size_t pos,
                      std::vector<std::string>* groups) const;
  struct Compiled;
  std::vector<Segment> segments_;
  std::string pattern_;
  std::vector<std::string> names_;
  std::string prefix_;
  bool literal_ = false;
  std::shared_ptr<Compiled> compiled_;
};

class URLSpec {
 public:
  URLSpec(std::string pattern, HandlerFactory handler, std::string name = {});
  explicit URLSpec(const Rule& rule) : URLSpec(rule.pattern(), rule.handler(), rule.name()) {}

  // Matches a request path (as sent, %-encoded); the groups are left encoded.
  bool match(std::string_view path, std::vector<std::string>& groups) const {
    return regex_.match(path, &groups);
  }
  // The path for these arguments: each is url_escape'd (plus=false, "/" kept) into its group.
  // Throws std::invalid_argument when the pattern is not simple enough to reverse (something
  // other than literal text and groups) or when the argument count differs from its groups.
  std::string reverse(const std::vector<std::string>& args) const;

  const std::string& pattern() const { return regex_.pattern(); }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& group_names() const { return regex_.group_names(); }
  bool has_named_groups() const;
  const HandlerFactory& handler() const { return handler_; }

 private:
  PathRegex regex_;
  HandlerFactory handler_;
  std::string name_;
  // The reverse template: literal pieces with a group between each two; empty when the pattern
  // cannot be reversed.
  std::vector<std::string> pieces_;
  bool reversible_ = false;
};

}  // namespace tornado::web
