// web/template_expr.cc: parsing the expressions of {{ }}, {% if %}, {% for %}, {% set %}...
//
// Mirrors:  the part of Python's expression grammar that Tornado templates use (Tornado hands
//           the text to Python's compiler; here it is parsed into an Expr tree).
//
// Role:     template_lexer.cc calls parse_expression and parse_targets for each tag; the
//           trees are evaluated by template_eval.cc. Grammar, loosest first:
//             cond := or ['if' or 'else' cond]     or := and ('or' and)*
//             and := not ('and' not)*              not := 'not' not | cmp
//             cmp := sum (('<'|'>'|'=='|'>='|'<='|'!='|'in'|'not' 'in'|'is' ['not']) sum)*
//             sum := term (('+'|'-') term)*        term := unary (('*'|'/'|'//'|'%') unary)*
//             unary := ('-'|'+') unary | power     power := primary ['**' unary]
//             primary := atom ('.' NAME | '[' cond ']' | '(' args ')')*
//             atom := NAME | NUMBER | STRING+ | True | False | None | '(' cond ')'
//                   | '[' list ']' | '{' dict '}'
// Errors:   ParseError with the tag's file and line; nesting deeper than kMaxNesting is one.
#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tornado/http/escape.h"
#include "tornado/web/template_internal.h"

namespace tornado::web::template_detail {

namespace {

enum class Tok { kEnd, kName, kInt, kFloat, kString, kOp };

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Parser {
 public:
  Parser(std::string_view text, const std::string& file, int line)
      : text_(text), file_(file), line_(line) {
    next();
  }

  Expr parse_all() {
    Expr e = cond(0);
    if (tok_ != Tok::kEnd) fail("invalid syntax near '" + std::string(text_.substr(start_)) + "'");
    return e;
  }

  std::vector<std::string> targets() {
    std::vector<std::string> names;
    const bool paren = accept("(");
    do {
      if (tok_ != Tok::kName || is_keyword(value_)) fail("invalid syntax: expected a name");
      names.push_back(value_);
      next();
    } while (accept(",") && tok_ == Tok::kName);
    if (paren && !accept(")")) fail("invalid syntax: expected ')'");
    if (tok_ != Tok::kEnd) fail("invalid syntax: expected a name");
    return names;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw ParseError(message, file_, line_);
  }

  static bool is_keyword(const std::string& s) {
    return s == "and" || s == "or" || s == "not" || s == "in" || s == "is" || s == "if" ||
           s == "else" || s == "None" || s == "True" || s == "False" || s == "lambda" || s == "for";
  }

  bool is_op(std::string_view op) const { return tok_ == Tok::kOp && value_ == op; }
  bool is_word(std::string_view w) const { return tok_ == Tok::kName && value_ == w; }
  bool accept(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool accept_word(std::string_view w) {
    if (!is_word(w)) return false;
    next();
    return true;
  }
  void expect(std::string_view op) {
    if (!accept(op)) fail("invalid syntax: expected '" + std::string(op) + "'");
  }

  void next();
  void read_string(char quote, bool raw);
  void read_number();

  Expr cond(int depth);
  Expr or_expr(int depth);
  Expr and_expr(int depth);
  Expr not_expr(int depth);
  Expr compare(int depth);
  Expr sum(int depth);
  Expr term(int depth);
  Expr unary(int depth);
  Expr primary(int depth);
  Expr atom(int depth);
  void sequence(Expr& e, std::string_view close, bool dict, int depth);

  std::string_view text_;
  const std::string& file_;
  int line_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  Tok tok_ = Tok::kEnd;
  std::string value_;
};

void Parser::next() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                 text_[pos_] == '\r')) {
    ++pos_;
  }
  start_ = pos_;
  value_.clear();
  if (pos_ >= text_.size()) {
    tok_ = Tok::kEnd;
    return;
  }
  const char c = text_[pos_];
  if (c == '"' || c == '\'') return read_string(c, false);
  if ((c == 'r' || c == 'R') && pos_ + 1 < text_.size() &&
      (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\'')) {
    ++pos_;
    return read_string(text_[pos_], true);
  }
  if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
    return read_number();
  }
  if (is_ident_start(c)) {
    while (pos_ < text_.size() && (is_ident_start(text_[pos_]) || is_digit(text_[pos_]))) {
      value_ += text_[pos_++];
    }
    tok_ = Tok::kName;
    return;
  }
  static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "//", "**"};
  for (std::string_view two : kTwo) {
    if (text_.substr(pos_, 2) == two) {
      value_ = two;
      pos_ += 2;
      tok_ = Tok::kOp;
      return;
    }
  }
  if (std::string_view("+-*/%<>()[]{}.,:").find(c) == std::string_view::npos) {
    fail(std::string("invalid character '") + c + "' in expression");
  }
  value_ = std::string(1, c);
  ++pos_;
  tok_ = Tok::kOp;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void Parser::read_string(char quote, bool raw) {
  ++pos_;
  for (;;) {
    if (pos_ >= text_.size() || text_[pos_] == '\n') fail("unterminated string literal");
    const char c = text_[pos_++];
    if (c == quote) break;
    if (c != '\\' || raw) {
      value_ += c;
      if (c == '\\' && pos_ < text_.size()) value_ += text_[pos_++];
      continue;
    }
    if (pos_ >= text_.size()) fail("unterminated string literal");
    const char e = text_[pos_++];
    const std::string_view simple = "nrt0\\'\"abfv";
    const std::string_view means = "\n\r\t\0\\'\"\a\b\f\v";
    if (std::size_t k = simple.find(e); k != std::string_view::npos) {
      value_ += means[k];
    } else if (e == 'x' || e == 'u' || e == 'U') {
      const std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      std::uint32_t cp = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const int h = pos_ < text_.size() ? hex_value(text_[pos_]) : -1;
        if (h < 0) fail("truncated \\" + std::string(1, e) + " escape");
        cp = cp * 16 + static_cast<std::uint32_t>(h);
        ++pos_;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid code point in escape");
      escape::append_utf8(value_, cp);
    } else {
      value_ += '\\';
      value_ += e;
    }
  }
  tok_ = Tok::kString;
}

void Parser::read_number() {
  const std::size_t begin = pos_;
  bool is_float = false;
  while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  if (pos_ < text_.size() && text_[pos_] == '.') {
    is_float = true;
    ++pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    std::size_t p = pos_ + 1;
    if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
    if (p < text_.size() && is_digit(text_[p])) {
      is_float = true;
      pos_ = p;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
  }
  if (pos_ < text_.size() && (is_ident_start(text_[pos_]) || text_[pos_] == '.')) {
    fail("invalid number literal");
  }
  value_ = std::string(text_.substr(begin, pos_ - begin));
  if (!is_float && value_.size() > 1 && value_[0] == '0' &&
      value_.find_first_not_of('0') != std::string::npos) {
    fail("leading zeros in decimal integer literals are not permitted");
  }
  tok_ = is_float ? Tok::kFloat : Tok::kInt;
}

Expr make(ExprKind kind, Op op = Op::kNone) {
  Expr e;
  e.kind = kind;
  e.op = op;
  return e;
}

Expr Parser::cond(int depth) {
  if (depth > kMaxNesting) fail("expression nested too deeply");
  Expr body = or_expr(depth);
  if (!accept_word("if")) return body;
  Expr e = make(ExprKind::kCondition);
  e.args.push_back(std::move(body));
  e.args.push_back(or_expr(depth));
  if (!accept_word("else")) fail("invalid syntax: expected 'else'");
  e.args.push_back(cond(depth + 1));
  return e;
}

Expr Parser::or_expr(int depth) {
  Expr left = and_expr(depth);
  while (accept_word("or")) {
    Expr e = make(ExprKind::kOr);
    e.args.push_back(std::move(left));
    e.args.push_back(and_expr(depth));
    left = std::move(e);
  }
  return left;
}

Expr Parser::and_expr(int depth) {
  Expr left = not_expr(depth);
  while (accept_word("and")) {
    Expr e = make(ExprKind::kAnd);
    e.args.push_back(std::move(left));
    e.args.push_back(not_expr(depth));
    left = std::move(e);
  }
  return left;
}

Expr Parser::not_expr(int depth) {
  if (!accept_word("not")) return compare(depth);
  if (depth > kMaxNesting) fail("expression nested too deeply");
  Expr e = make(ExprKind::kUnary, Op::kNot);
  e.args.push_back(not_expr(depth + 1));
  return e;
}

Expr Parser::compare(int depth) {
  Expr first = sum(depth);
  Expr e = make(ExprKind::kCompare);
  e.args.push_back(std::move(first));
  for (;;) {
    Op op = Op::kNone;
    if (accept("<"))
      op = Op::kLt;
    else if (accept(">"))
      op = Op::kGt;
    else if (accept("=="))
      op = Op::kEq;
    else if (accept(">="))
      op = Op::kGe;
    else if (accept("<="))
      op = Op::kLe;
    else if (accept("!="))
      op = Op::kNe;
    else if (accept_word("in"))
      op = Op::kIn;
    else if (accept_word("is"))
      op = accept_word("not") ? Op::kIsNot : Op::kIs;
    else if (is_word("not")) {
      next();
      if (!accept_word("in")) fail("invalid syntax: expected 'in' after 'not'");
      op = Op::kNotIn;
    }
    if (op == Op::kNone) break;
    e.ops.push_back(op);
    e.args.push_back(sum(depth));
  }
  if (e.ops.empty()) return std::move(e.args.front());
  return e;
}

Expr Parser::sum(int depth) {
  Expr left = term(depth);
  for (;;) {
    Op op = is_op("+") ? Op::kAdd : is_op("-") ? Op::kSub : Op::kNone;
    if (op == Op::kNone) return left;
    next();
    Expr e = make(ExprKind::kBinary, op);
    e.args.push_back(std::move(left));
    e.args.push_back(term(depth));
    left = std::move(e);
  }
}

Expr Parser::term(int depth) {
  Expr left = unary(depth);
  for (;;) {
    Op op = is_op("*")    ? Op::kMul
            : is_op("/")  ? Op::kDiv
            : is_op("//") ? Op::kFloorDiv
            : is_op("%")  ? Op::kMod
                          : Op::kNone;
    if (op == Op::kNone) return left;
    next();
    Expr e = make(ExprKind::kBinary, op);
    e.args.push_back(std::move(left));
    e.args.push_back(unary(depth));
    left = std::move(e);
  }
}

Expr Parser::unary(int depth) {
  if (depth > kMaxNesting) fail("expression nested too deeply");
  if (is_op("-") || is_op("+")) {
    Expr e = make(ExprKind::kUnary, is_op("-") ? Op::kNeg : Op::kPos);
    next();
    e.args.push_back(unary(depth + 1));
    return e;
  }
  Expr base = primary(depth);
  if (!accept("**")) return base;
  Expr e = make(ExprKind::kBinary, Op::kPow);
  e.args.push_back(std::move(base));
  e.args.push_back(unary(depth + 1));
  return e;
}

Expr Parser::primary(int depth) {
  Expr e = atom(depth);
  for (;;) {
    if (accept(".")) {
      if (tok_ != Tok::kName || is_keyword(value_))
        fail("invalid syntax: expected a name after '.'");
      Expr a = make(ExprKind::kAttr);
      a.name = value_;
      a.args.push_back(std::move(e));
      next();
      e = std::move(a);
    } else if (accept("[")) {
      Expr a = make(ExprKind::kIndex);
      a.args.push_back(std::move(e));
      a.args.push_back(cond(depth + 1));
      expect("]");
      e = std::move(a);
    } else if (accept("(")) {
      if (e.kind != ExprKind::kName && e.kind != ExprKind::kAttr) fail("this cannot be called");
      Expr a = make(ExprKind::kCall);
      a.args.push_back(std::move(e));
      sequence(a, ")", false, depth + 1);
      e = std::move(a);
    } else {
      return e;
    }
  }
}

// Comma-separated items up to `close` (a trailing comma allowed); dicts as key: value.
void Parser::sequence(Expr& e, std::string_view close, bool dict, int depth) {
  if (depth > kMaxNesting) fail("expression nested too deeply");
  while (!accept(close)) {
    e.args.push_back(cond(depth + 1));
    if (dict) {
      expect(":");
      e.args.push_back(cond(depth + 1));
    }
    if (accept(close)) return;
    expect(",");
  }
}

Expr Parser::atom(int depth) {
  Expr e = make(ExprKind::kLiteral);
  switch (tok_) {
    case Tok::kEnd:
      fail("invalid syntax: unexpected end of expression");
    case Tok::kInt: {
      errno = 0;
      const long long v = std::strtoll(value_.c_str(), nullptr, 10);
      if (errno == ERANGE) fail("integer literal too large");
      e.value = static_cast<std::int64_t>(v);
      break;
    }
    case Tok::kFloat:
      e.value = std::strtod(value_.c_str(), nullptr);
      break;
    case Tok::kString: {
      std::string s = value_;
      next();
      while (tok_ == Tok::kString) {  // adjacent literals join, as in Python
        s += value_;
        next();
      }
      e.value = std::move(s);
      return e;
    }
    case Tok::kName:
      if (value_ == "None") {
        e.value = nullptr;
      } else if (value_ == "True" || value_ == "False") {
        e.value = value_ == "True";
      } else if (is_keyword(value_)) {
        fail("invalid syntax near '" + value_ + "'");
      } else {
        e.kind = ExprKind::kName;
        e.name = value_;
      }
      break;
    case Tok::kOp:
      if (accept("(")) {
        Expr inner = cond(depth + 1);
        if (is_op(",")) fail("tuples are not supported; use a list");
        expect(")");
        return inner;
      }
      if (accept("[")) {
        e.kind = ExprKind::kList;
        sequence(e, "]", false, depth + 1);
        return e;
      }
      if (accept("{")) {
        e.kind = ExprKind::kDict;
        sequence(e, "}", true, depth + 1);
        return e;
      }
      fail("invalid syntax near '" + value_ + "'");
  }
  next();
  return e;
}

}  // namespace

Expr parse_expression(std::string_view text, const std::string& file, int line) {
  return Parser(text, file, line).parse_all();
}

std::vector<std::string> parse_targets(std::string_view text, const std::string& file, int line) {
  return Parser(text, file, line).targets();
}

}  // namespace tornado::web::template_detail
