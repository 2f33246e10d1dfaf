// web/template_values.cc: Python's str(), repr(), operators and indexing on json::Values.
//
// Mirrors:  the behaviour of CPython's int, float, str, list and dict that a template's output
//           depends on: str(1.0) is "1.0", str([1, 'a']) is "[1, 'a']", 7 // -2 is -4,
//           "ab" * 2 is "abab", 1 == 1.0, "a" < "b", [1] < [2]; and the errors where Python
//           raises (1 < "a", "a" + 1, 1 / 0).
//
// Role:     template_eval.cc and template_builtins.cc call these while rendering.
// Limits:   a string or list made by * is bounded (kMaxRepeat bytes or items): a template
//           cannot ask for gigabytes. ints are int64: an overflow is an error.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "tornado/http/escape.h"
#include "tornado/web/template_builtins.h"

namespace tornado::web::template_detail {

namespace {

constexpr std::size_t kMaxRepeat = std::size_t{1} << 24;

bool is_num(const json::Value& v) { return v.is_number() || v.is_bool(); }

std::int64_t to_int(const json::Value& v) { return v.is_bool() ? v.as_bool() : v.as_int(); }
double to_double(const json::Value& v) { return v.is_bool() ? v.as_bool() : v.as_double(); }
bool both_int(const json::Value& a, const json::Value& b) {
  return (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "nan";
  } else if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
  } else {
    out += json::encode(json::Value(d));
  }
}

void append_repr_string(std::string& out, const std::string& s) {
  const char quote =
      s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  out += quote;
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    char buf[24];
    if (c < 0x80) {
      ++i;
      if (c == '\\' || c == static_cast<unsigned char>(quote)) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    const std::size_t start = i;
    const long cp = escape::decode_utf8(s, i);
    if (cp < 0) {  // not UTF-8: shown byte by byte
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else if (cp <= 0xA0 || cp == 0xAD) {
      std::snprintf(buf, sizeof buf, "\\x%02lx", cp);
      out += buf;
    } else if ((cp >= 0x2000 && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
               (cp >= 0x202A && cp <= 0x202F) || cp == 0x3000) {
      std::snprintf(buf, sizeof buf, "\\u%04lx", cp);
      out += buf;
    } else {
      out.append(s, start, i - start);
    }
  }
  out += quote;
}

[[noreturn]] void unsupported(const char* op, const json::Value& a, const json::Value& b) {
  throw EvalError(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) +
                  "' and '" + type_name(b) + "'");
}

std::int64_t checked(bool overflow, std::int64_t v) {
  if (overflow) throw EvalError("integer overflow (ints are 64-bit here)");
  return v;
}

json::Value int_op(Op op, std::int64_t x, std::int64_t y) {
  std::int64_t r = 0;
  switch (op) {
    case Op::kAdd: {
      const bool overflow = __builtin_add_overflow(x, y, &r);
      return checked(overflow, r);
    }
    case Op::kSub: {
      const bool overflow = __builtin_sub_overflow(x, y, &r);
      return checked(overflow, r);
    }
    case Op::kMul: {
      const bool overflow = __builtin_mul_overflow(x, y, &r);
      return checked(overflow, r);
    }
    case Op::kDiv:
      if (y == 0) throw EvalError("division by zero");
      return static_cast<double>(x) / static_cast<double>(y);
    case Op::kFloorDiv:
    case Op::kMod: {
      if (y == 0) throw EvalError("integer division or modulo by zero");
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) checked(true, 0);
      std::int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        m += y;
        --q;
      }
      return op == Op::kMod ? m : q;
    }
    case Op::kPow: {
      if (y < 0) {
        if (x == 0) throw EvalError("0.0 cannot be raised to a negative power");
        return std::pow(static_cast<double>(x), static_cast<double>(y));
      }
      std::int64_t result = 1;
      for (std::int64_t i = 0; i < y; ++i) {
        if (__builtin_mul_overflow(result, x, &result)) checked(true, 0);
        if (result == 0 || result == 1) break;
      }
      if (result == 1 && x == -1) return y % 2 ? -1 : 1;
      return result;
    }
    default:
      throw EvalError("bad operator");
  }
}

json::Value float_op(Op op, double x, double y) {
  switch (op) {
    case Op::kAdd:
      return x + y;
    case Op::kSub:
      return x - y;
    case Op::kMul:
      return x * y;
    case Op::kPow:
      if (x == 0 && y < 0) throw EvalError("0.0 cannot be raised to a negative power");
      return std::pow(x, y);
    default:
      break;
  }
  if (y == 0) throw EvalError(op == Op::kDiv ? "float division by zero" : "float modulo");
  if (op == Op::kDiv) return x / y;
  // CPython's float_divmod.
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  if (op == Op::kMod) return mod;
  if (div != 0) {
    double floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  return std::copysign(0.0, x / y);
}

json::Value repeat(const json::Value& seq, std::int64_t n) {
  const std::size_t unit = seq.is_string() ? seq.as_string().size() : seq.size();
  if (n > 0 && unit > 0 && static_cast<std::uint64_t>(n) > kMaxRepeat / unit) {
    throw EvalError("result too large");
  }
  if (seq.is_string()) {
    std::string out;
    for (std::int64_t i = 0; i < n; ++i) out += seq.as_string();
    return out;
  }
  json::Array out;
  for (std::int64_t i = 0; i < n; ++i) {
    for (const json::Value& x : seq.as_array()) out.push_back(x);
  }
  return out;
}

// <0, 0, >0; throws TypeError for types Python does not order.
int order(const json::Value& a, const json::Value& b, const char* op) {
  if (is_num(a) && is_num(b)) {
    if (both_int(a, b)) return to_int(a) < to_int(b) ? -1 : to_int(a) > to_int(b);
    const double x = to_double(a), y = to_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) return a.as_string().compare(b.as_string());
  if (a.is_array() && b.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equal(x[i], y[i])) return order(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size();
  }
  throw EvalError(std::string("'") + op + "' not supported between instances of '" + type_name(a) +
                  "' and '" + type_name(b) + "'");
}

bool contains(const json::Value& container, const json::Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      throw EvalError("'in <string>' requires string as left operand, not " + type_name(item));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_array()) {
    for (const json::Value& x : container.as_array()) {
      if (equal(x, item)) return true;
    }
    return false;
  }
  if (container.is_object()) return item.is_string() && container.find(item.as_string());
  throw EvalError("argument of type '" + type_name(container) + "' is not iterable");
}

}  // namespace

std::string type_name(const json::Value& v) {
  static const char* const kNames[] = {"NoneType", "bool", "int", "float", "str", "list", "dict"};
  return kNames[static_cast<int>(v.type())];
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void append_str(std::string& out, const json::Value& v) {
  if (v.is_string()) {
    out += v.as_string();
  } else {
    append_repr(out, v);
  }
}

void append_repr(std::string& out, const json::Value& v) {
  switch (v.type()) {
    case json::Type::kNull:
      out += "None";
      return;
    case json::Type::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case json::Type::kInt:
      out += std::to_string(v.as_int());
      return;
    case json::Type::kDouble:
      append_double(out, v.as_double());
      return;
    case json::Type::kString:
      append_repr_string(out, v.as_string());
      return;
    case json::Type::kArray: {
      out += '[';
      const char* sep = "";
      for (const json::Value& x : v.as_array()) {
        out += sep;
        append_repr(out, x);
        sep = ", ";
      }
      out += ']';
      return;
    }
    case json::Type::kObject: {
      out += '{';
      const char* sep = "";
      for (const auto& [k, x] : v.as_object()) {
        out += sep;
        append_repr_string(out, k);
        out += ": ";
        append_repr(out, x);
        sep = ", ";
      }
      out += '}';
      return;
    }
  }
}

json::Value unary(Op op, const json::Value& v) {
  if (op == Op::kNot) return !truthy(v);
  if (!is_num(v)) {
    throw EvalError(std::string("bad operand type for unary ") + (op == Op::kNeg ? "-" : "+") +
                    ": '" + type_name(v) + "'");
  }
  if ((v.type() == json::Type::kDouble)) return op == Op::kNeg ? -v.as_double() : v.as_double();
  const std::int64_t i = to_int(v);
  if (op == Op::kPos) return i;
  return int_op(Op::kSub, 0, i);
}

json::Value binary(Op op, const json::Value& a, const json::Value& b) {
  static const char* const kSymbols[] = {"", "+", "-", "*", "/", "//", "%", "** or pow()"};
  const char* symbol = kSymbols[static_cast<int>(op)];
  if (is_num(a) && is_num(b)) {
    if (both_int(a, b)) return int_op(op, to_int(a), to_int(b));
    return float_op(op, to_double(a), to_double(b));
  }
  if (op == Op::kAdd && a.type() == b.type() && (a.is_string() || a.is_array())) {
    if (a.is_string()) return a.as_string() + b.as_string();
    json::Array out = a.as_array();
    out.insert(out.end(), b.as_array().begin(), b.as_array().end());
    return out;
  }
  if (op == Op::kMul) {
    if ((a.is_string() || a.is_array()) && (b.is_int() || b.is_bool())) return repeat(a, to_int(b));
    if ((b.is_string() || b.is_array()) && (a.is_int() || a.is_bool())) return repeat(b, to_int(a));
  }
  if (op == Op::kMod && a.is_string()) throw EvalError("string formatting with % is not supported");
  unsupported(symbol, a, b);
}

bool equal(const json::Value& a, const json::Value& b) {
  if (is_num(a) && is_num(b)) {
    if (both_int(a, b)) return to_int(a) == to_int(b);
    return order(a, b, "==") == 0;
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::Type::kNull:
      return true;
    case json::Type::kString:
      return a.as_string() == b.as_string();
    case json::Type::kArray: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equal(a[i], b[i])) return false;
      }
      return true;
    }
    case json::Type::kObject: {  // dicts compare as sets of pairs, in any order
      if (a.size() != b.size()) return false;
      for (const auto& [k, x] : a.as_object()) {
        const json::Value* y = b.find(k);
        if (!y || !equal(x, *y)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool compare(Op op, const json::Value& a, const json::Value& b) {
  switch (op) {
    case Op::kEq:
      return equal(a, b);
    case Op::kNe:
      return !equal(a, b);
    case Op::kLt:
      return order(a, b, "<") < 0;
    case Op::kLe:
      return order(a, b, "<=") <= 0;
    case Op::kGt:
      return order(a, b, ">") > 0;
    case Op::kGe:
      return order(a, b, ">=") >= 0;
    case Op::kIn:
      return contains(b, a);
    case Op::kNotIn:
      return !contains(b, a);
    case Op::kIs:
    case Op::kIsNot: {
      // Identity holds for None, True and False, the singletons a template can name.
      const bool same = (a.is_null() && b.is_null()) ||
                        (a.is_bool() && b.is_bool() && a.as_bool() == b.as_bool());
      return (op == Op::kIs) == same;
    }
    default:
      throw EvalError("bad comparison");
  }
}

Val index(const Val& base, const json::Value& key) {
  const json::Value& v = base.get();
  if (v.is_object()) {
    if (key.is_string()) {
      if (const json::Value* m = v.find(key.as_string())) return Val::borrow(*m, base.keep);
    }
    std::string message;
    append_repr(message, key);
    throw EvalError("KeyError: " + message);
  }
  if (!v.is_array() && !v.is_string()) {
    throw EvalError("'" + type_name(v) + "' object is not subscriptable");
  }
  if (!key.is_int() && !key.is_bool()) {
    throw EvalError(type_name(v) + " indices must be integers, not " + type_name(key));
  }
  std::int64_t i = to_int(key);
  if (v.is_array()) {
    const auto n = static_cast<std::int64_t>(v.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw EvalError("list index out of range");
    return Val::borrow(v.as_array()[static_cast<std::size_t>(i)], base.keep);
  }
  const std::string& s = v.as_string();
  const auto n = static_cast<std::int64_t>(code_points(s));
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw EvalError("string index out of range");
  std::size_t at = 0;
  for (std::int64_t k = 0; k < i; ++k) {
    do ++at;
    while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80);
  }
  std::size_t end = at + 1;
  while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
  return Val::own(s.substr(at, end - at));
}

}  // namespace tornado::web::template_detail
