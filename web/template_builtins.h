// web/template_builtins.h: the operations template expressions apply to values.
//
// Mirrors:  Python's str(), repr(), comparison and arithmetic on the types JSON gives
//           (None, bool, int, float, str, list, dict), and the helpers Tornado puts in a
//           template's namespace (xhtml_escape, url_escape, json_encode, squeeze, linkify).
//
// Role:     template_eval.cc walks an expression and calls these: template_values.cc holds
//           the operators and str()/repr(), template_builtins.cc the functions and methods.
// Errors:   EvalError with Python's wording.
#pragma once

#include <string>

#include "tornado/web/template_internal.h"

namespace tornado::web::template_detail {

// Python's name of the value's type: "NoneType", "bool", "int", "float", "str", "list", "dict".
std::string type_name(const json::Value& v);
// Python's repr(v).
void append_repr(std::string& out, const json::Value& v);
json::Value unary(Op op, const json::Value& v);
json::Value binary(Op op, const json::Value& a, const json::Value& b);
bool compare(Op op, const json::Value& a, const json::Value& b);
bool equal(const json::Value& a, const json::Value& b);
Val index(const Val& base, const json::Value& key);
// A call: a function by name, or a method (e.items()).
Val call(const Expr& e, Scope& scope);
// The number of code points in a UTF-8 string (Python's len on str).
std::size_t code_points(const std::string& s);

}  // namespace tornado::web::template_detail
