// web/template_eval.cc: evaluating template expressions over json::Values, as Python would.
//
// Mirrors:  the Python semantics Tornado's generated code relies on: name lookup (the
//           function's locals, then the values given to generate, the loader's namespace,
//           Tornado's helpers, the builtins), str(), truth, comparison and arithmetic.
//
// Role:     template.cc calls evaluate for each expression node and append_str to write the
//           result; builtins and methods live in template_builtins.cc.
// Numbers:  ints are int64 (an overflow is an error, where Python would grow the int); / is
//           true division, // and % floor as Python's do; bools count as 0 and 1.
// Errors:   EvalError with Python's wording (NameError, TypeError, KeyError...); the renderer
//           adds the file and line.
#include <cmath>
#include <string>

#include "tornado/web/template_builtins.h"

namespace tornado::web::template_detail {

void Frame::bind(const std::string& name, Val v) {
  for (auto& [n, value] : vars) {
    if (n == name) {
      value = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

bool truthy(const json::Value& v) {
  switch (v.type()) {
    case json::Type::kNull:
      return false;
    case json::Type::kBool:
      return v.as_bool();
    case json::Type::kInt:
      return v.as_int() != 0;
    case json::Type::kDouble:
      return v.as_double() != 0;
    case json::Type::kString:
      return !v.as_string().empty();
    default:
      return v.size() != 0;
  }
}

namespace {

Val lookup(const Expr& e, Scope& scope) {
  for (Frame* f = scope.frame; f; f = f->parent) {
    for (const auto& [n, v] : f->vars) {
      if (n == e.name) return v;
    }
    if (f->locals && f->locals->count(e.name)) {
      throw EvalError("local variable '" + e.name + "' referenced before assignment");
    }
  }
  if (const json::Value* v = scope.values->find(e.name)) return Val::borrow(*v);
  if (scope.loader_names) {
    if (const json::Value* v = scope.loader_names->find(e.name)) return Val::borrow(*v);
  }
  throw EvalError("name '" + e.name + "' is not defined");
}

Val attribute(const Expr& e, Scope& scope) {
  Val base = evaluate(e.args[0], scope);
  const json::Value& v = base.get();
  // Objects answer attributes with their members, as Tornado's ObjectDict does.
  if (v.is_object()) {
    if (const json::Value* m = v.find(e.name)) return Val::borrow(*m, base.keep);
  }
  throw EvalError("'" + type_name(v) + "' object has no attribute '" + e.name + "'");
}

Val sequence_literal(const Expr& e, Scope& scope) {
  if (e.kind == ExprKind::kList) {
    json::Array a;
    a.reserve(e.args.size());
    for (const Expr& x : e.args) a.push_back(evaluate(x, scope).get());
    return Val::own(std::move(a));
  }
  json::Value out = json::Object{};
  for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
    Val k = evaluate(e.args[i], scope);
    if (!k.get().is_string()) throw EvalError("dict keys must be strings here");
    out[k.get().as_string()] = evaluate(e.args[i + 1], scope).get();
  }
  return Val::own(std::move(out));
}

Val compare_chain(const Expr& e, Scope& scope) {
  Val left = evaluate(e.args[0], scope);
  for (std::size_t i = 0; i < e.ops.size(); ++i) {
    Val right = evaluate(e.args[i + 1], scope);
    if (!compare(e.ops[i], left.get(), right.get())) return Val::own(false);
    left = std::move(right);
  }
  return Val::own(true);
}

}  // namespace

Val evaluate(const Expr& e, Scope& scope) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return Val::borrow(e.value);
    case ExprKind::kName:
      return lookup(e, scope);
    case ExprKind::kList:
    case ExprKind::kDict:
      return sequence_literal(e, scope);
    case ExprKind::kAttr:
      return attribute(e, scope);
    case ExprKind::kIndex: {
      Val base = evaluate(e.args[0], scope);
      Val key = evaluate(e.args[1], scope);
      return index(base, key.get());
    }
    case ExprKind::kCall:
      return call(e, scope);
    case ExprKind::kUnary:
      return Val::own(unary(e.op, evaluate(e.args[0], scope).get()));
    case ExprKind::kBinary: {
      Val a = evaluate(e.args[0], scope);
      Val b = evaluate(e.args[1], scope);
      return Val::own(binary(e.op, a.get(), b.get()));
    }
    case ExprKind::kCompare:
      return compare_chain(e, scope);
    case ExprKind::kAnd: {
      Val a = evaluate(e.args[0], scope);
      return truthy(a.get()) ? evaluate(e.args[1], scope) : a;
    }
    case ExprKind::kOr: {
      Val a = evaluate(e.args[0], scope);
      return truthy(a.get()) ? a : evaluate(e.args[1], scope);
    }
    case ExprKind::kCondition:
      return truthy(evaluate(e.args[1], scope).get()) ? evaluate(e.args[0], scope)
                                                      : evaluate(e.args[2], scope);
  }
  throw EvalError("unknown expression");
}

}  // namespace tornado::web::template_detail
