// web/template_internal.h: the parsed form of a template, shared by its three phases.
//
// Mirrors:  tornado/template.py's _Node classes (_Text, _Expression, _ControlBlock,
//           _NamedBlock, _IncludeBlock, _ApplyBlock, _ExtendsBlock, _Statement).
//
// Role:     template_lexer.cc reads {{ }}, {% %} and {# #} into Nodes and calls
//           template_expr.cc to parse each expression into an Expr; template.cc links the
//           files (extends, include, blocks) and walks the Nodes to render, asking
//           template_expr.cc to evaluate each Expr in a Scope.
// Limits:   nesting (of blocks and of expressions) is bounded so that hostile input cannot
//           exhaust the stack: kMaxNesting.
// Thread:   Nodes and Exprs are immutable after parsing.
#pragma once

#include <exception>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tornado/http/json.h"
#include "tornado/web/template.h"

namespace tornado::web::template_detail {

constexpr int kMaxNesting = 100;

// --- expressions ------------------------------------------------------------------------------

enum class ExprKind {
  kLiteral,    // value
  kName,       // name
  kList,       // args
  kDict,       // args: key, value, key, value...
  kAttr,       // args[0] . name
  kIndex,      // args[0] [ args[1] ]
  kCall,       // args[0] ( args[1...] ); a name or an attribute (a method)
  kUnary,      // op args[0]
  kBinary,     // args[0] op args[1]
  kCompare,    // args[0] ops[0] args[1] ops[1] args[2]... (chained, as Python)
  kAnd,        // args[0] and args[1]
  kOr,         // args[0] or args[1]
  kCondition,  // args[0] if args[1] else args[2]
};

enum class Op {
  kNone,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  kNeg,
  kPos,
  kNot,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kIn,
  kNotIn,
  kIs,
  kIsNot,
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Op op = Op::kNone;
  json::Value value;
  std::string name;
  std::vector<Expr> args;
  std::vector<Op> ops;
};

// Parses a whole expression; throws ParseError(message, file, line).
Expr parse_expression(std::string_view text, const std::string& file, int line);
// "a", "a, b", "(a, b)": the names a for loop or a set assigns.
std::vector<std::string> parse_targets(std::string_view text, const std::string& file, int line);

// --- nodes ------------------------------------------------------------------------------------

enum class NodeKind {
  kText,
  kExpr,
  kIf,
  kFor,
  kWhile,
  kSet,
  kInclude,
  kExtends,
  kBlock,
  kApply,
  kBreak,
  kContinue,
};

struct Node;
using Body = std::vector<Node>;

struct Branch {  // if/elif: a condition, its line and its body
  Expr condition;
  int line = 0;
  Body body;
};

struct Node {
  NodeKind kind = NodeKind::kText;
  int line = 0;
  std::string text;  // text; block, include or extends name; apply function; set operator
  bool raw = false;  // {% raw %}
  Expr expr;         // expression, for/while iterable or condition, set value
  std::vector<std::string> targets;  // for and set
  std::vector<Branch> branches;      // if/elif
  Body body;                         // for, while, block, apply
  Body orelse;                       // else of if/for/while
  bool has_else = false;
  std::shared_ptr<const Template> target;  // include: the template, loaded when linking
};

// What the reader produces: the body, and the autoescape the file asked for.
struct ParsedFile {
  Body body;
  std::string autoescape;
  // The first expression that did not parse. Tornado finds those only when it compiles, after
  // the whole file has been read and its includes and parents loaded: an error of structure
  // (a missing {% end %}) or of another file is reported first, as there.
  std::exception_ptr expression_error;
};

// Reads a template's source into nodes (template_lexer.cc). `autoescape` and `whitespace`
// are the starting values; {% autoescape %} and {% whitespace %} change them.
ParsedFile parse_template(std::string_view source, const std::string& name, std::string autoescape,
                          std::string whitespace);

// --- evaluation -------------------------------------------------------------------------------

// A value during rendering: a reference into the caller's values or into a value `keep`
// holds alive (a list bound by {% set %} and iterated), or one of its own.
struct Val {
  const json::Value* ref = nullptr;
  std::shared_ptr<const json::Value> keep;
  const json::Value& get() const { return *ref; }
  static Val own(json::Value v) {
    Val out;
    out.keep = std::make_shared<const json::Value>(std::move(v));
    out.ref = out.keep.get();
    return out;
  }
  static Val borrow(const json::Value& v, std::shared_ptr<const json::Value> keep = nullptr) {
    Val out;
    out.ref = &v;
    out.keep = std::move(keep);
    return out;
  }
};

// A function's variables (the template's body, or an {% apply %} body, which Tornado makes a
// nested function). `locals` are the names the function assigns anywhere: reading one before
// it is bound is an error, as in Python, not a read of the caller's value of that name.
struct Frame {
  std::vector<std::pair<std::string, Val>> vars;
  const std::set<std::string, std::less<>>* locals = nullptr;
  Frame* parent = nullptr;
  void bind(const std::string& name, Val v);
};

// Where names are looked up while rendering.
struct Scope {
  Frame* frame = nullptr;
  const Namespace* values = nullptr;
  const Namespace* loader_names = nullptr;
};

// An error while evaluating: the renderer adds the file and line.
struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Val evaluate(const Expr& e, Scope& scope);
bool truthy(const json::Value& v);
// Python's str(v) appended to out (strings as they are).
void append_str(std::string& out, const json::Value& v);
// Calls the escape function (or apply filter) `name` on `text`.
std::string call_filter(std::string_view name, std::string text, Scope& scope);
// The items a for loop walks: list elements, dict keys, string characters.
std::vector<Val> iterate(const Val& v);

}  // namespace tornado::web::template_detail
