// web/template_builtins.cc: the functions and methods a template can call.
//
// Mirrors:  Template.generate's namespace in tornado/template.py (escape, xhtml_escape,
//           url_escape, json_encode, squeeze, linkify), a few of Python's builtins (len, str,
//           int, float, bool, abs, min, max, range, sorted, enumerate, list), and the dict and
//           str methods templates use (items, keys, values, get, upper, lower, strip,
//           startswith, endswith, replace, split, join).
//
// Role:     template_eval.cc calls call() for each call expression, template.cc call_filter()
//           for autoescape and {% apply %}. A name is looked up as Python would: the
//           function's variables, the values given to generate and their functions, the
//           loader's namespace, then these.
// Limits:   range() makes at most kMaxRange items.
#include "tornado/web/template_builtins.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tornado/http/escape.h"

namespace tornado::web::template_detail {

namespace {

constexpr std::int64_t kMaxRange = 10'000'000;

using Args = std::vector<Val>;

void arity(const std::string& name, const Args& args, std::size_t lo, std::size_t hi) {
  if (args.size() < lo || args.size() > hi) {
    throw EvalError(name + "() takes " + std::to_string(lo) +
                    (hi != lo ? " to " + std::to_string(hi) : std::string()) + " arguments (" +
                    std::to_string(args.size()) + " given)");
  }
}

const std::string& string_arg(const std::string& name, const Val& v) {
  if (!v.get().is_string()) {
    throw EvalError(name + "() expected a str, not " + type_name(v.get()));
  }
  return v.get().as_string();
}

std::int64_t int_arg(const std::string& name, const Val& v) {
  if (v.get().is_bool()) return v.get().as_bool();
  if (!v.get().is_int()) throw EvalError(name + "() expected an int, not " + type_name(v.get()));
  return v.get().as_int();
}

json::Value to_int_value(const json::Value& v) {
  if (v.is_int()) return v;
  if (v.is_bool()) return std::int64_t{v.as_bool()};
  if ((v.type() == json::Type::kDouble)) {
    const double d = std::trunc(v.as_double());
    if (!(std::fabs(d) < 9.2e18)) throw EvalError("cannot convert float to int here");
    return static_cast<std::int64_t>(d);
  }
  if (v.is_string()) {
    std::string s(escape::squeeze(v.as_string()));
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos ||
        s.size() > 18) {
      throw EvalError("invalid literal for int() with base 10: '" + v.as_string() + "'");
    }
    return static_cast<std::int64_t>(std::stoll(s));
  }
  throw EvalError("int() argument must be a string or a number, not '" + type_name(v) + "'");
}

json::Value range_of(const Args& a) {
  arity("range", a, 1, 3);
  std::int64_t start = 0, stop = 0, step = 1;
  if (a.size() == 1) {
    stop = int_arg("range", a[0]);
  } else {
    start = int_arg("range", a[0]);
    stop = int_arg("range", a[1]);
    if (a.size() == 3) step = int_arg("range", a[2]);
  }
  if (step == 0) throw EvalError("range() arg 3 must not be zero");
  // The count first (unsigned: stop - start may not fit an int64), so that no memory goes to
  // a range that is refused.
  const bool up = step > 0;
  const std::uint64_t span =
      (up ? stop > start : start > stop)
          ? (up ? static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start)
                : static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(stop))
          : 0;
  const std::uint64_t stride =
      up ? static_cast<std::uint64_t>(step) : 0 - static_cast<std::uint64_t>(step);
  const std::uint64_t n = span / stride + (span % stride != 0);
  if (n > static_cast<std::uint64_t>(kMaxRange)) throw EvalError("range too large");
  json::Array out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i)
    out.emplace_back(start + i * step);
  return out;
}

json::Value min_max(const std::string& name, const Args& a) {
  if (a.empty()) throw EvalError(name + " expected at least 1 argument, got 0");
  std::vector<Val> items = a.size() == 1 ? iterate(a[0]) : a;
  if (items.empty()) throw EvalError(name + "() arg is an empty sequence");
  const json::Value* best = &items[0].get();
  for (const Val& v : items) {
    if (compare(name == "min" ? Op::kLt : Op::kGt, v.get(), *best)) best = &v.get();
  }
  return *best;
}

json::Value sorted_of(const Args& a) {
  arity("sorted", a, 1, 1);
  json::Array out;
  for (const Val& v : iterate(a[0])) out.push_back(v.get());
  std::stable_sort(out.begin(), out.end(), [](const json::Value& x, const json::Value& y) {
    return compare(Op::kLt, x, y);
  });
  return out;
}

// Tornado's helpers and Python's builtins; false when `name` is neither.
bool builtin(const std::string& name, const Args& a, json::Value& out) {
  if (name == "xhtml_escape" || name == "escape" || name == "squeeze" || name == "linkify") {
    arity(name, a, 1, 1);
    const std::string& s = string_arg(name, a[0]);
    out = name == "squeeze"   ? escape::squeeze(s)
          : name == "linkify" ? escape::linkify(s)
                              : escape::xhtml_escape(s);
  } else if (name == "url_escape") {
    arity(name, a, 1, 2);
    out = escape::url_escape(string_arg(name, a[0]), a.size() == 1 || truthy(a[1].get()));
  } else if (name == "json_encode") {
    arity(name, a, 1, 1);
    out = json::encode(a[0].get());
  } else if (name == "len") {
    arity(name, a, 1, 1);
    const json::Value& v = a[0].get();
    if (v.is_string())
      out = code_points(v.as_string());
    else if (v.is_array() || v.is_object())
      out = v.size();
    else
      throw EvalError("object of type '" + type_name(v) + "' has no len()");
  } else if (name == "str") {
    arity(name, a, 0, 1);
    std::string s;
    if (!a.empty()) append_str(s, a[0].get());
    out = std::move(s);
  } else if (name == "int") {
    arity(name, a, 0, 1);
    out = a.empty() ? json::Value(0) : to_int_value(a[0].get());
  } else if (name == "float") {
    arity(name, a, 0, 1);
    if (!a.empty() && !a[0].get().is_number() && !a[0].get().is_bool()) {
      throw EvalError("float() argument must be a number here");
    }
    out = a.empty()              ? 0.0
          : a[0].get().is_bool() ? (a[0].get().as_bool() ? 1.0 : 0.0)
                                 : a[0].get().as_double();
  } else if (name == "bool") {
    arity(name, a, 0, 1);
    out = !a.empty() && truthy(a[0].get());
  } else if (name == "abs") {
    arity(name, a, 1, 1);
    out =
        compare(Op::kLt, a[0].get(), 0) ? unary(Op::kNeg, a[0].get()) : unary(Op::kPos, a[0].get());
  } else if (name == "min" || name == "max") {
    out = min_max(name, a);
  } else if (name == "range") {
    out = range_of(a);
  } else if (name == "sorted") {
    out = sorted_of(a);
  } else if (name == "list" || name == "enumerate") {
    arity(name, a, 1, 1);
    json::Array items;
    std::int64_t i = 0;
    for (const Val& v : iterate(a[0])) {
      items.push_back(name == "list" ? v.get() : json::Value(json::Array{i++, v.get()}));
    }
    out = std::move(items);
  } else {
    return false;
  }
  return true;
}

json::Value string_method(const std::string& s, const std::string& m, const Args& a) {
  if (m == "upper" || m == "lower") {
    arity(m, a, 0, 0);
    std::string r = s;
    for (char& c : r) {
      if (m == "upper" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (m == "lower" && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return r;
  }
  if (m == "strip" || m == "lstrip" || m == "rstrip") {
    arity(m, a, 0, 1);
    const std::string chars = a.empty() ? std::string(" \t\n\r\v\f") : string_arg(m, a[0]);
    std::size_t b = m == "rstrip" ? 0 : s.find_first_not_of(chars);
    if (b == std::string::npos) return "";
    std::size_t e = m == "lstrip" ? s.size() : s.find_last_not_of(chars) + 1;
    return s.substr(b, e - b);
  }
  if (m == "startswith" || m == "endswith") {
    arity(m, a, 1, 1);
    const std::string& x = string_arg(m, a[0]);
    return m == "startswith" ? s.starts_with(x) : s.ends_with(x);
  }
  if (m == "replace") {
    arity(m, a, 2, 2);
    const std::string& from = string_arg(m, a[0]);
    const std::string& to = string_arg(m, a[1]);
    if (from.empty()) throw EvalError("replace() of an empty string is not supported");
    std::string r;
    std::size_t at = 0, hit;
    while ((hit = s.find(from, at)) != std::string::npos) {
      r.append(s, at, hit - at).append(to);
      at = hit + from.size();
    }
    return r.append(s, at);
  }
  if (m == "join") {
    arity(m, a, 1, 1);
    std::string r;
    bool first = true;
    for (const Val& v : iterate(a[0])) {
      if (!first) r += s;
      r += string_arg("join", v);
      first = false;
    }
    return r;
  }
  if (m == "split") {
    arity(m, a, 0, 1);
    json::Array parts;
    if (a.empty()) {
      std::size_t i = 0;
      while ((i = s.find_first_not_of(" \t\n\r\v\f", i)) != std::string::npos) {
        std::size_t e = s.find_first_of(" \t\n\r\v\f", i);
        parts.emplace_back(s.substr(i, e - i));
        i = e;
      }
      return parts;
    }
    const std::string& sep = string_arg(m, a[0]);
    if (sep.empty()) throw EvalError("empty separator");
    std::size_t at = 0, hit;
    while ((hit = s.find(sep, at)) != std::string::npos) {
      parts.emplace_back(s.substr(at, hit - at));
      at = hit + sep.size();
    }
    parts.emplace_back(s.substr(at));
    return parts;
  }
  throw EvalError("'str' object has no attribute '" + m + "'");
}

Val dict_method(const Val& self, const std::string& m, const Args& a) {
  const json::Value& d = self.get();
  if (m == "get") {
    arity(m, a, 1, 2);
    const json::Value* v = a[0].get().is_string() ? d.find(a[0].get().as_string()) : nullptr;
    if (v) return Val::borrow(*v, self.keep);
    return a.size() == 2 ? a[1] : Val::own(nullptr);
  }
  arity(m, a, 0, 0);
  json::Array out;
  out.reserve(d.size());
  for (const auto& [k, v] : d.as_object()) {
    if (m == "items")
      out.emplace_back(json::Array{k, v});
    else if (m == "keys")
      out.emplace_back(k);
    else if (m == "values")
      out.push_back(v);
    else
      throw EvalError("'dict' object has no attribute '" + m + "'");
  }
  return Val::own(std::move(out));
}

Val call_user(const TemplateFunction& f, const Args& a) {
  std::vector<json::Value> values;
  values.reserve(a.size());
  for (const Val& v : a) values.push_back(v.get());
  return Val::own(f(values));
}

// A call by name, Python's lookup order; `callee` names the callee in errors.
Val call_named(const std::string& name, const Args& a, Scope& scope) {
  for (Frame* f = scope.frame; f; f = f->parent) {
    for (const auto& [n, v] : f->vars) {
      if (n == name) throw EvalError("'" + type_name(v.get()) + "' object is not callable");
    }
  }
  for (const Namespace* ns : {scope.values, scope.loader_names}) {
    if (!ns) continue;
    if (const json::Value* v = ns->find(name)) {
      throw EvalError("'" + type_name(*v) + "' object is not callable");
    }
    if (const TemplateFunction* f = ns->find_function(name)) return call_user(*f, a);
  }
  json::Value out;
  if (builtin(name, a, out)) return Val::own(std::move(out));
  throw EvalError("name '" + name + "' is not defined");
}

}  // namespace

Val call(const Expr& e, Scope& scope) {
  Args args;
  args.reserve(e.args.size() - 1);
  const Expr& callee = e.args[0];
  if (callee.kind == ExprKind::kName) {
    for (std::size_t i = 1; i < e.args.size(); ++i) args.push_back(evaluate(e.args[i], scope));
    return call_named(callee.name, args, scope);
  }
  Val self = evaluate(callee.args[0], scope);
  for (std::size_t i = 1; i < e.args.size(); ++i) args.push_back(evaluate(e.args[i], scope));
  if (self.get().is_object()) return dict_method(self, callee.name, args);
  if (self.get().is_string())
    return Val::own(string_method(self.get().as_string(), callee.name, args));
  throw EvalError("'" + type_name(self.get()) + "' object has no attribute '" + callee.name + "'");
}

std::string call_filter(std::string_view name, std::string text, Scope& scope) {
  Args args;
  args.push_back(Val::own(std::move(text)));
  Val out = call_named(std::string(name), args, scope);
  if (!out.get().is_string()) {
    throw EvalError("Expected bytes, unicode, or None; got <class '" + type_name(out.get()) + "'>");
  }
  return out.get().as_string();
}

std::vector<Val> iterate(const Val& v) {
  std::vector<Val> out;
  const json::Value& x = v.get();
  if (x.is_array()) {
    out.reserve(x.size());
    for (const json::Value& item : x.as_array()) out.push_back(Val::borrow(item, v.keep));
  } else if (x.is_object()) {
    for (const auto& [k, item] : x.as_object()) out.push_back(Val::own(k));
  } else if (x.is_string()) {
    const std::string& s = x.as_string();
    for (std::size_t i = 0; i < s.size();) {
      std::size_t e = i + 1;
      while (e < s.size() && (static_cast<unsigned char>(s[e]) & 0xC0) == 0x80) ++e;
      out.push_back(Val::own(s.substr(i, e - i)));
      i = e;
    }
  } else {
    throw EvalError("'" + type_name(x) + "' object is not iterable");
  }
  return out;
}

}  // namespace tornado::web::template_detail
