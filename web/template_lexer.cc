// web/template_lexer.cc: reading a template's source into a tree of nodes.
//
// Mirrors:  tornado/template.py _TemplateReader, _parse and filter_whitespace.
//
// Role:     Template's constructor calls parse_template; each {{ }} and {% %} that holds an
//           expression is handed to parse_expression (template_expr.cc) here, so that every
//           syntax error is found when the template is loaded, with its line.
// Rules:    as Tornado: of three or more "{" in a row the innermost pair opens the tag;
//           "{{!" and "{%!" write "{{" and "{%"; text is filtered by the whitespace mode in
//           force where it was read, unless it holds "<pre>"; {% autoescape %} applies to the
//           whole file (Tornado generates code after parsing it all); an intermediate tag
//           (else, elif) must belong to the innermost open block.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tornado/web/template_internal.h"

namespace tornado::web {

namespace {

// Python's \s on text: ASCII whitespace and the separators 0x1c-0x1f.
bool py_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

std::string collapse_single(std::string_view text) {
  // First runs of spaces and tabs become one space, then any run of whitespace holding a
  // newline becomes that newline.
  std::string spaced;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' || text[i] == '\t') {
      while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) ++i;
      spaced += ' ';
    } else {
      spaced += text[i];
    }
  }
  std::string out;
  std::size_t i = 0;
  while (i < spaced.size()) {
    if (!py_space(spaced[i])) {
      out += spaced[i++];
      continue;
    }
    std::size_t j = i;
    bool newline = false;
    while (j < spaced.size() && py_space(spaced[j])) newline |= spaced[j++] == '\n';
    if (newline) {
      out += '\n';
    } else {
      out.append(spaced, i, j - i);
    }
    i = j;
  }
  return out;
}

}  // namespace

std::string filter_whitespace(std::string_view mode, std::string_view text) {
  if (mode == "all") return std::string(text);
  if (mode == "single") return collapse_single(text);
  if (mode == "oneline") {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!py_space(text[i])) {
        out += text[i];
        continue;
      }
      while (i + 1 < text.size() && py_space(text[i + 1])) ++i;
      out += ' ';
    }
    return out;
  }
  throw std::invalid_argument("invalid whitespace mode " + std::string(mode));
}

namespace template_detail {
namespace {

std::string_view strip(std::string_view s) {
  while (!s.empty() && py_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && py_space(s.back())) s.remove_suffix(1);
  return s;
}

// Python's str.strip(chars) for the quotes around an include or extends name.
std::string_view strip_chars(std::string_view s, char c) {
  while (!s.empty() && s.front() == c) s.remove_prefix(1);
  while (!s.empty() && s.back() == c) s.remove_suffix(1);
  return s;
}

// A break or continue that would leave the body without a loop around it: in the else part
// of a loop, they belong to the loop around that one (Python compiles the template so).
const Node* loose_jump(const Body& body) {
  for (const Node& n : body) {
    if (n.kind == NodeKind::kBreak || n.kind == NodeKind::kContinue) return &n;
    const Node* found = nullptr;
    if (n.kind == NodeKind::kIf) {
      for (const Branch& b : n.branches) {
        if (!found) found = loose_jump(b.body);
      }
    }
    if (!found && n.kind == NodeKind::kBlock) found = loose_jump(n.body);
    if (!found && n.kind != NodeKind::kApply) found = loose_jump(n.orelse);
    if (found) return found;
  }
  return nullptr;
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& name, std::string autoescape,
         std::string whitespace)
      : text_(text), name_(name), whitespace_(std::move(whitespace)) {
    file_.autoescape = std::move(autoescape);
  }

  ParsedFile run() {
    file_.body = parse({}, false, 0);
    return std::move(file_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw ParseError(message, name_, line_);
  }

  std::string_view consume(std::size_t n) {
    std::string_view s = text_.substr(pos_, n);
    for (char c : s) line_ += c == '\n';
    pos_ += s.size();
    return s;
  }

  void add_text(Body& body, std::string_view s) {
    if (s.empty()) return;
    Node n;
    n.kind = NodeKind::kText;
    n.line = line_;
    n.text = s.find("<pre>") == std::string_view::npos ? filter_whitespace(whitespace_, s)
                                                       : std::string(s);
    if (!n.text.empty()) body.push_back(std::move(n));
  }

  // Where the next tag starts (relative to pos_), or npos at the end.
  std::size_t next_tag() const {
    std::size_t curly = 0;
    for (;;) {
      std::size_t at = text_.find('{', pos_ + curly);
      if (at == std::string_view::npos || at + 1 == text_.size()) return std::string_view::npos;
      curly = at - pos_;
      const char c = text_[at + 1];
      if (c != '{' && c != '%' && c != '#') {
        ++curly;
        continue;
      }
      if (at + 2 < text_.size() && c == '{' && text_[at + 2] == '{') {
        ++curly;
        continue;
      }
      return curly;
    }
  }

  // Returns the stripped contents up to `close`, consuming it.
  std::string_view tag_contents(std::string_view close, const char* missing) {
    const std::size_t end = text_.find(close, pos_);
    if (end == std::string_view::npos) fail(missing);
    std::string_view contents = strip(consume(end - pos_));
    consume(2);
    return contents;
  }

  Body parse(std::string_view in_block, bool in_loop, int depth);
  bool parse_block(Body& body, std::string_view contents, int line, std::string_view in_block,
                   bool in_loop, int depth);
  void parse_control(Body& body, std::string_view op, std::string_view suffix, int line,
                     bool in_loop, int depth);
  void split_intermediates(Node& node, Body raw, std::string_view op);

  // parse_expression and parse_targets, keeping the first error for later
  // (ParsedFile::expression_error), as Python's compiler would find it.
  Expr expression(std::string_view text, int line) {
    try {
      return parse_expression(text, name_, line);
    } catch (const ParseError&) {
      if (!file_.expression_error) file_.expression_error = std::current_exception();
      return Expr{};
    }
  }
  std::vector<std::string> targets(std::string_view text, int line) {
    try {
      return parse_targets(text, name_, line);
    } catch (const ParseError&) {
      if (!file_.expression_error) file_.expression_error = std::current_exception();
      return {"_"};
    }
  }
  void defer(const std::string& message, int line) {
    if (!file_.expression_error) {
      file_.expression_error = std::make_exception_ptr(ParseError(message, name_, line));
    }
  }

  std::string_view text_;
  const std::string& name_;
  std::string whitespace_;
  std::size_t pos_ = 0;
  int line_ = 1;
  ParsedFile file_;
};

Body Reader::parse(std::string_view in_block, bool in_loop, int depth) {
  if (depth > kMaxNesting) fail("blocks nested too deeply");
  Body body;
  for (;;) {
    const std::size_t curly = next_tag();
    if (curly == std::string_view::npos) {
      if (!in_block.empty()) fail("Missing {% end %} block for " + std::string(in_block));
      add_text(body, consume(text_.size() - pos_));
      return body;
    }
    add_text(body, consume(curly));
    const std::string_view start = consume(2);
    const int line = line_;
    if (pos_ < text_.size() && text_[pos_] == '!') {
      consume(1);
      add_text(body, start);
      continue;
    }
    if (start == "{#") {
      tag_contents("#}", "Missing end comment #}");
      continue;
    }
    if (start == "{{") {
      std::string_view contents = tag_contents("}}", "Missing end expression }}");
      if (contents.empty()) fail("Empty expression");
      Node n;
      n.kind = NodeKind::kExpr;
      n.line = line;
      n.expr = expression(contents, line);
      body.push_back(std::move(n));
      continue;
    }
    std::string_view contents = tag_contents("%}", "Missing end block %}");
    if (contents.empty()) fail("Empty block tag ({% %})");
    if (!parse_block(body, contents, line, in_block, in_loop, depth)) return body;
  }
}

// One {% %} tag; false when it is the {% end %} of the block being read.
bool Reader::parse_block(Body& body, std::string_view contents, int line, std::string_view in_block,
                         bool in_loop, int depth) {
  const std::size_t space = contents.find(' ');
  const std::string_view op = contents.substr(0, space);
  const std::string_view suffix =
      space == std::string_view::npos ? std::string_view() : strip(contents.substr(space + 1));
  if (op == "else" || op == "elif" || op == "except" || op == "finally") {
    const char* parents = op == "elif" ? "{'if'}" : "{'if', 'for', 'while', 'try'}";
    if (in_block.empty()) fail(std::string(op) + " outside " + parents + " block");
    const bool ok = op == "elif" ? in_block == "if"
                                 : (op == "else" && in_block != "block" && in_block != "apply");
    if (!ok) {
      fail(std::string(op) + " block cannot be attached to " + std::string(in_block) + " block");
    }
    Node n;  // a marker, split out by split_intermediates
    n.kind = NodeKind::kBreak;
    n.line = line;
    n.text = std::string(op);
    n.raw = true;
    if (op == "elif") n.expr = expression(suffix, line);
    if (op == "else" && !suffix.empty()) defer("invalid syntax in {% else %}", line);
    body.push_back(std::move(n));
    return true;
  }
  if (op == "end") {
    if (in_block.empty()) fail("Extra {% end %} block");
    return false;
  }
  if (op == "comment") return true;
  if (op == "autoescape") {
    file_.autoescape = suffix == "None" ? std::string() : std::string(suffix);
    return true;
  }
  if (op == "whitespace") {
    try {
      filter_whitespace(suffix, "");
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
    whitespace_ = std::string(suffix);
    return true;
  }
  parse_control(body, op, suffix, line, in_loop, depth);
  return true;
}

void Reader::parse_control(Body& body, std::string_view op, std::string_view suffix, int line,
                           bool in_loop, int depth) {
  Node n;
  n.line = line;
  if (op == "extends" || op == "include") {
    n.kind = op == "extends" ? NodeKind::kExtends : NodeKind::kInclude;
    n.text = std::string(strip_chars(strip_chars(suffix, '"'), '\''));
    if (n.text.empty()) fail(std::string(op) + " missing file path");
  } else if (op == "set") {
    if (suffix.empty()) fail("set missing statement");
    n.kind = NodeKind::kSet;
    std::size_t eq = suffix.find('=');
    if (eq == std::string_view::npos || eq == 0 ||
        (eq + 1 < suffix.size() && suffix[eq + 1] == '=')) {
      defer("invalid syntax in {% set %}: expected NAME = EXPRESSION", line);
      eq = suffix.size();
    }
    std::string_view target = suffix.substr(0, eq);
    const char before = target.empty() ? ' ' : target.back();
    if (before == '+' || before == '-' || before == '*') {
      n.text = std::string(1, before);
      target.remove_suffix(1);
    }
    n.targets = targets(target, line);
    if (!n.text.empty() && n.targets.size() != 1) defer("invalid syntax in {% set %}", line);
    n.expr =
        expression(eq < suffix.size() ? suffix.substr(eq + 1) : std::string_view("None"), line);
  } else if (op == "raw") {
    n.kind = NodeKind::kExpr;
    n.raw = true;
    n.expr = expression(suffix, line);
  } else if (op == "break" || op == "continue") {
    if (!in_loop) fail(std::string(op) + " outside {'for', 'while'} block");
    n.kind = op == "break" ? NodeKind::kBreak : NodeKind::kContinue;
  } else if (op == "if" || op == "for" || op == "while" || op == "block" || op == "apply") {
    const bool loop = op == "for" || op == "while";
    Body raw = parse(op, op == "apply" ? false : (loop || in_loop), depth + 1);
    if (op == "apply" && suffix.empty()) fail("apply missing method name");
    if (op == "block" && suffix.empty()) fail("block missing name");
    split_intermediates(n, std::move(raw), op);
    if (op == "if") {
      n.kind = NodeKind::kIf;
      n.branches.insert(n.branches.begin(), Branch{expression(suffix, line), line, {}});
      n.branches.front().body = std::move(n.body);
      n.body.clear();
    } else if (op == "for") {
      n.kind = NodeKind::kFor;
      const std::size_t in = suffix.find(" in ");
      if (in == std::string_view::npos) {
        defer("invalid syntax in {% for %}: expected X in Y", line);
        n.targets = {"_"};
      } else {
        n.targets = targets(suffix.substr(0, in), line);
        n.expr = expression(suffix.substr(in + 4), line);
      }
    } else if (op == "while") {
      n.kind = NodeKind::kWhile;
      n.expr = expression(suffix, line);
    } else {
      n.kind = op == "block" ? NodeKind::kBlock : NodeKind::kApply;
      n.text = std::string(suffix);
    }
    if (loop && !in_loop) {
      if (const Node* jump = loose_jump(n.orelse)) {
        defer("'" + std::string(jump->kind == NodeKind::kBreak ? "break" : "continue") +
                  "' outside loop",
              jump->line);
      }
    }
  } else if (op == "try" || op == "import" || op == "from" || op == "module") {
    fail("{% " + std::string(op) + " %} is not supported: templates run no Python");
  } else {
    fail("unknown operator: '" + std::string(op) + "'");
  }
  body.push_back(std::move(n));
}

// Cuts a block's body at its else/elif markers: the first part is the block's own body,
// elif parts become branches (n.branches, after the first which the caller adds), else the
// orelse body.
void Reader::split_intermediates(Node& n, Body raw, std::string_view op) {
  Body* into = &n.body;
  for (Node& child : raw) {
    if (child.kind != NodeKind::kBreak || !child.raw) {
      into->push_back(std::move(child));
      continue;
    }
    if (n.has_else) {
      defer("invalid syntax: nothing may follow {% else %}", child.line);
      continue;
    }
    if (child.text == "elif") {
      n.branches.push_back(Branch{std::move(child.expr), child.line, {}});
      into = &n.branches.back().body;
    } else if (child.text == "else") {
      n.has_else = true;
      into = &n.orelse;
    } else {
      throw ParseError("{% " + child.text + " %} needs {% try %}, which is not supported", name_,
                       child.line);
    }
  }
  (void)op;
}

}  // namespace

ParsedFile parse_template(std::string_view source, const std::string& name, std::string autoescape,
                          std::string whitespace) {
  return Reader(source, name, std::move(autoescape), std::move(whitespace)).run();
}

}  // namespace template_detail
}  // namespace tornado::web
