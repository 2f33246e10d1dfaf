// stream/regex_translate.cc: translating Python-style patterns into the normalised
// extended-regex text the library's matcher compiles (stream/regex_match.cc).
//
// Mirrors:  the part of Python's re syntax that Tornado's route patterns and read_until_regex
//           delimiters use.
// Role:     a Translator walks the pattern once; each construct has its own step: escapes
//           (\d \w \s and their negations, \n \r \t \f \v, escaped punctuation), bracket
//           expressions, groups ((?P<name>...), (?:...), plain), quantifiers, and the rest.
//           Each step appends to the text and keeps the literal prefix up to date.
// Thread:   pure functions; any thread.
#include <cctype>
#include <stdexcept>

#include "tornado/stream/regex.h"

namespace tornado::regex {
namespace {

bool is_ere_special(char c) {
  switch (c) {
    case '.':
    case '[':
    case ']':
    case '(':
    case ')':
    case '*':
    case '+':
    case '?':
    case '{':
    case '}':
    case '|':
    case '^':
    case '$':
    case '\\':
      return true;
    default:
      return false;
  }
}

// The character \n \r \t \f \v stand for, or 0 for other escapes.
char control_escape(char e) {
  switch (e) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    default:
      return 0;
  }
}

// The ERE for \d \D \w \W \s \S outside brackets; nullptr for other escapes.
const char* class_escape(char e) {
  switch (e) {
    case 'd':
      return "[0-9]";
    case 'D':
      return "[^0-9]";
    case 'w':
      return "[A-Za-z0-9_]";
    case 'W':
      return "[^A-Za-z0-9_]";
    case 's':
      return "[[:space:]]";
    case 'S':
      return "[^[:space:]]";
    default:
      return nullptr;
  }
}

class Translator {
 public:
  Translator(const std::string& label, std::string_view body) : label_(label), body_(body) {}

  Translation run() {
    for (i_ = 0; i_ < body_.size(); ++i_) {
      const char c = body_[i_];
      if (c == '\\') {
        escape();
      } else if (c == '[') {
        bracket();
      } else if (c == '(') {
        group();
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        quantifier(c);
      } else {
        other(c);
      }
    }
    return std::move(t_);
  }

 private:
  void literal_char(char c) {
    if (prefix_open_) t_.prefix += c;
  }
  void special() {
    prefix_open_ = false;
    t_.literal = false;
  }

  // "\x" outside brackets: a class, or punctuation taken literally.
  void escape() {
    if (i_ + 1 >= body_.size()) refuse(label_, "ends with a lone backslash");
    const char e = body_[++i_];
    if (const char* cls = class_escape(e)) {
      special();
      t_.ere += cls;
      return;
    }
    if (const char ctl = control_escape(e)) {
      t_.ere += ctl;
      literal_char(ctl);
      return;
    }
    if (std::isalnum(static_cast<unsigned char>(e)))
      refuse(label_, std::string("the escape \\") + e + " is not supported");
    // Escaped punctuation is that character, literally.
    if (is_ere_special(e)) t_.ere += '\\';
    t_.ere += e;
    literal_char(e);
  }

  // "[...]": copied, with [:class:] kept and the escapes a bracket takes
  // translated or refused.
  void bracket() {
    special();
    t_.ere += '[';
    std::size_t j = i_ + 1;
    if (j < body_.size() && body_[j] == '^') t_.ere += body_[j++];
    if (j < body_.size() && body_[j] == ']') t_.ere += body_[j++];  // a leading "]" is literal
    for (;; ++j) {
      if (j >= body_.size()) refuse(label_, "unterminated [");
      const char b = body_[j];
      if (b == ']') break;
      if (b == '[' && j + 1 < body_.size() && body_[j + 1] == ':') {
        const std::size_t end = body_.find(":]", j + 2);
        if (end == std::string_view::npos) refuse(label_, "unterminated [: class");
        t_.ere.append(body_.substr(j, end + 2 - j));
        j = end + 1;
        continue;
      }
      if (b == '\\') {
        j = bracket_escape(j);
        continue;
      }
      t_.ere += b;
    }
    t_.ere += ']';
    i_ = j;
  }

  // "\x" inside brackets at j; returns the index of x.
  std::size_t bracket_escape(std::size_t j) {
    if (j + 1 >= body_.size()) refuse(label_, "unterminated [");
    const char e = body_[++j];
    if (const char ctl = control_escape(e)) {
      t_.ere += ctl;
    } else if (e == 'd') {
      t_.ere += "0-9";
    } else if (e == 'w') {
      t_.ere += "A-Za-z0-9_";
    } else if (e == 's') {
      t_.ere += "[:space:]";
    } else if (e == ']' || e == '^' || e == '-' || std::isalnum(static_cast<unsigned char>(e))) {
      refuse(label_, std::string("the escape \\") + e + " inside [...] is not supported");
    } else {
      t_.ere += e;  // inside brackets the matcher takes punctuation (and "\") literally
    }
    return j;
  }

  // "(": a capturing group, (?P<name>...) or (?:...).
  void group() {
    special();
    if (i_ + 1 < body_.size() && body_[i_ + 1] == '?') {
      if (body_.substr(i_ + 2, 2) == "P<") {
        const std::size_t end = body_.find('>', i_ + 4);
        if (end == std::string_view::npos) refuse(label_, "unterminated (?P<name>");
        t_.names.emplace_back(body_.substr(i_ + 4, end - i_ - 4));
        if (t_.names.back().empty()) refuse(label_, "empty group name");
        t_.capturing.push_back(true);
        i_ = end;
      } else if (body_.substr(i_ + 2, 1) == ":") {
        t_.capturing.push_back(false);
        i_ += 2;
      } else {
        refuse(label_, "only (?P<name>...) and (?:...) extensions are supported");
      }
    } else {
      t_.names.emplace_back();
      t_.capturing.push_back(true);
    }
    t_.ere += '(';
  }

  // "*", "+", "?" or "{m,n}"; lazy and possessive forms are refused.
  void quantifier(char c) {
    // The character before a quantifier is optional or repeated: not part of the prefix.
    if (prefix_open_ && !t_.prefix.empty()) t_.prefix.pop_back();
    special();
    if (c == '{') {
      const std::size_t end = body_.find('}', i_);
      if (end == std::string_view::npos) refuse(label_, "unterminated {");
      t_.ere.append(body_.substr(i_, end + 1 - i_));
      i_ = end;
    } else {
      t_.ere += c;
    }
    if (i_ + 1 < body_.size() && (body_[i_ + 1] == '?' || body_[i_ + 1] == '+'))
      refuse(label_, "lazy and possessive quantifiers are not supported");
  }

  // Alternation, the other metacharacters, stray closers, and plain characters.
  void other(char c) {
    if (c == '|') {
      // An alternative may start with anything: no prefix can be promised.
      t_.prefix.clear();
      special();
      t_.ere += c;
      return;
    }
    if (c == '.' || c == ')' || c == '^' || c == '$') {
      special();
      t_.ere += c;
      return;
    }
    if (c == '}' || c == ']') {
      // Python takes a stray closing brace or bracket literally; so does this.
      t_.ere += '\\';
      t_.ere += c;
      literal_char(c);
      return;
    }
    t_.ere += c;
    literal_char(c);
  }

  const std::string& label_;
  std::string_view body_;
  std::size_t i_ = 0;
  Translation t_;
  bool prefix_open_ = true;  // still collecting the literal prefix
};

}  // namespace

void refuse(const std::string& label, const std::string& why) {
  throw std::invalid_argument(label + ": " + why);
}

Translation translate(const std::string& label, std::string_view body) {
  return Translator(label, body).run();
}

std::string_view strip_anchors(std::string_view body) {
  if (!body.empty() && body.front() == '^') body.remove_prefix(1);
  if (!body.empty() && body.back() == '$' && (body.size() < 2 || body[body.size() - 2] != '\\'))
    body.remove_suffix(1);
  return body;
}

}  // namespace tornado::regex
