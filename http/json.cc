// http/json.cc: the Value's storage and the encoder (json.dumps's defaults). The decoder is in
// json_decode.cc.
#include "tornado/http/json.h"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tornado/http/escape.h"
#include "tornado/reactor/strtod.h"

namespace tornado::json {

// --- the value --------------------------------------------------------------------------------

Value::Value(Array a) : type_(Type::kArray), a_(std::make_unique<Array>(std::move(a))) {}
Value::Value(Object o) : type_(Type::kObject), o_(std::make_unique<Object>(std::move(o))) {}

Value::Value(const Value& o) : type_(o.type_), b_(o.b_), i_(o.i_), d_(o.d_), s_(o.s_) {
  if (o.a_) a_ = std::make_unique<Array>(*o.a_);
  if (o.o_) o_ = std::make_unique<Object>(*o.o_);
}
Value::Value(Value&& o) noexcept = default;
Value& Value::operator=(const Value& o) {
  if (this != &o) *this = Value(o);
  return *this;
}
Value& Value::operator=(Value&& o) noexcept = default;
Value::~Value() = default;

namespace {
[[noreturn]] void wrong_type(const char* want) {
  throw std::logic_error(std::string("json::Value is not ") + want);
}
}  // namespace

bool Value::as_bool() const {
  if (type_ != Type::kBool) wrong_type("a bool");
  return b_;
}
std::int64_t Value::as_int() const {
  if (type_ != Type::kInt) wrong_type("an integer");
  return i_;
}
double Value::as_double() const {
  if (type_ == Type::kInt) return static_cast<double>(i_);
  if (type_ != Type::kDouble) wrong_type("a number");
  return d_;
}
const std::string& Value::as_string() const {
  if (type_ != Type::kString) wrong_type("a string");
  return s_;
}
const Array& Value::as_array() const {
  if (type_ != Type::kArray) wrong_type("an array");
  return *a_;
}
Array& Value::as_array() {
  if (type_ != Type::kArray) wrong_type("an array");
  return *a_;
}
const Object& Value::as_object() const {
  if (type_ != Type::kObject) wrong_type("an object");
  return *o_;
}
Object& Value::as_object() {
  if (type_ != Type::kObject) wrong_type("an object");
  return *o_;
}

Value& Value::operator[](std::string_view key) {
  if (type_ == Type::kNull) *this = Value(Object{});
  Object& o = as_object();
  for (auto& [k, v] : o) {
    if (k == key) return v;
  }
  o.emplace_back(std::string(key), Value());
  return o.back().second;
}
const Value& Value::operator[](std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) throw std::out_of_range("json::Value has no member " + std::string(key));
  return *v;
}
const Value* Value::find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : *o_) {
    if (k == key) return &v;
  }
  return nullptr;
}
Value& Value::operator[](std::size_t i) { return as_array().at(i); }
const Value& Value::operator[](std::size_t i) const { return as_array().at(i); }
void Value::push_back(Value v) {
  if (type_ == Type::kNull) *this = Value(Array{});
  as_array().push_back(std::move(v));
}
std::size_t Value::size() const {
  if (type_ == Type::kArray) return a_->size();
  if (type_ == Type::kObject) return o_->size();
  return 0;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return a.b_ == b.b_;
    case Type::kInt:
      return a.i_ == b.i_;
    case Type::kDouble:
      return a.d_ == b.d_;
    case Type::kString:
      return a.s_ == b.s_;
    case Type::kArray:
      return *a.a_ == *b.a_;
    case Type::kObject:
      return *a.o_ == *b.o_;
  }
  return false;
}

// --- encoding ---------------------------------------------------------------------------------

namespace {

// cp is one UTF-16 code unit (callers split larger code points into surrogates).
void put_u_escape(std::string& out, unsigned cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char buf[6] = {
      '\\',          'u', kHex[(cp >> 12) & 0xf], kHex[(cp >> 8) & 0xf], kHex[(cp >> 4) & 0xf],
      kHex[cp & 0xf]};
  out.append(buf, sizeof buf);
}

void encode_string(std::string& out, std::string_view s, const EncodeOptions& o) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t start = i;
      const long cp = escape::decode_utf8(s, i);
      if (cp < 0) {
        ++i;
        put_u_escape(out, 0xFFFD);  // bytes that are not UTF-8 become U+FFFD
      } else if (!o.ensure_ascii) {
        out.append(s.substr(start, i - start));
      } else if (cp >= 0x10000) {
        const unsigned long v = static_cast<unsigned long>(cp) - 0x10000;
        put_u_escape(out, static_cast<unsigned>(0xD800 + (v >> 10)));
        put_u_escape(out, static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        put_u_escape(out, static_cast<unsigned>(cp));
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '/':
        // "</" becomes "<\/", so that "</script>" inside a string cannot end a script block.
        if (o.script_safe && i > 0 && s[i - 1] == '<') {
          out += "\\/";
        } else {
          out += '/';
        }
        break;
      default:
        // DEL is ASCII, but json.dumps(ensure_ascii=True) escapes everything outside " " to "~".
        if (u < 0x20 || (u == 0x7f && o.ensure_ascii)) {
          put_u_escape(out, u);
        } else {
          out += c;
        }
    }
    ++i;
  }
  out += '"';
}

// True when the decimal digits × 10^(exp - digits + 1) read back as d.
bool reads_back(const std::string& digits, int exp, double d) {
  char text[48];
  const int n = std::snprintf(text, sizeof text, "%se%d", digits.c_str(),
                              exp - static_cast<int>(digits.size()) + 1);
  return util::parse_double(std::string_view(text, static_cast<std::size_t>(n))) == d;
}

// d's significant digits rounded to `precision` of them (snprintf rounds correctly), and the
// exponent of the first: 1234.5 at 3 gives "123" and 3.
int rounded_digits(double d, int precision, std::string& digits) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*e", precision - 1, d);
  digits.clear();
  const char* p = text;
  for (; *p != 'e'; ++p)  // the digits either side of the locale's decimal point
    if (*p >= '0' && *p <= '9') digits += *p;
  return std::atoi(p + 1);
}

// One more in the last digit: "1299" becomes "1300"; "999" becomes "100" a decade up.
int next_digits_up(std::string& digits, int exp) {
  std::size_t i = digits.size();
  while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
  if (i > 0) {
    ++digits[i - 1];
    return exp;
  }
  digits.insert(digits.begin(), '1');
  digits.pop_back();
  return exp + 1;
}

// The shortest decimal digits that read back as d (> 0, finite), and the exponent of the first.
// std::to_chars finds them directly, but its tables (Ryu's) add 130 KB to a static program.
// Here snprintf's correctly rounded digits are tried at 15, 16 and 17 significant digits: a
// double that some string of 15 or fewer digits reads back to has that string, zero-padded, as
// its 15-digit rounding, since a double's rounding interval is narrower than half a unit in the
// 15th digit. Two exceptions, both checked against std::to_chars over every power of two and
// millions of other doubles (tests/http/json_test.cc keeps a sample): a subnormal has fewer
// bits, so its digits are searched from 1; and a power of two has a narrower gap below it than
// above, so where its rounded digits miss it from below, the next digits up may read back.
int shortest_digits(double d, std::string& digits) {
  int exp = 0;
  for (int precision = d < DBL_MIN ? 1 : 15;; ++precision) {
    exp = rounded_digits(d, precision, digits);
    if (precision == 17 || reads_back(digits, exp, d)) break;
    std::string up = digits;
    const int up_exp = next_digits_up(up, exp);
    if (reads_back(up, up_exp, d)) {
      digits = std::move(up);
      exp = up_exp;
      break;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  return exp;
}

// Python's float repr: the shortest digits that round-trip, fixed notation for exponents in
// [-4, 16), scientific otherwise ("1e+16", "1.5e-05"), and always a "." or an "e".
void encode_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  const bool negative = std::signbit(d);
  std::string digits = "0";
  const int exp = d == 0 ? 0 : shortest_digits(std::fabs(d), digits);
  if (negative) out += '-';
  if (exp >= -4 && exp < 16) {
    const int n = static_cast<int>(digits.size());
    if (exp < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    } else if (exp + 1 >= n) {
      out += digits;
      out.append(static_cast<std::size_t>(exp + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(exp + 1));
      out += '.';
      out.append(digits, static_cast<std::size_t>(exp + 1));
    }
  } else {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  }
}

void newline(std::string& out, const EncodeOptions& o, int level) {
  if (o.indent < 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(o.indent * level), ' ');
}

void encode_value(std::string& out, const Value& v, const EncodeOptions& o, int level) {
  // With an indent, items end their line with "," alone, as json.dumps(indent=...) does.
  const char* sep = o.indent < 0 && !o.compact ? ", " : ",";
  switch (v.type()) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Type::kInt: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case Type::kDouble:
      encode_double(out, v.as_double());
      return;
    case Type::kString:
      encode_string(out, v.as_string(), o);
      return;
    case Type::kArray: {
      const Array& a = v.as_array();
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out += sep;
        newline(out, o, level + 1);
        encode_value(out, a[i], o, level + 1);
      }
      if (!a.empty()) newline(out, o, level);
      out += ']';
      return;
    }
    case Type::kObject: {
      const Object& obj = v.as_object();
      std::vector<const std::pair<std::string, Value>*> members;
      members.reserve(obj.size());
      for (const auto& m : obj) members.push_back(&m);
      if (o.sort_keys) {
        std::stable_sort(members.begin(), members.end(),
                         [](auto* x, auto* y) { return x->first < y->first; });
      }
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += sep;
        newline(out, o, level + 1);
        encode_string(out, members[i]->first, o);
        out += o.compact ? ":" : ": ";
        encode_value(out, members[i]->second, o, level + 1);
      }
      if (!members.empty()) newline(out, o, level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string encode(const Value& v, const EncodeOptions& options) {
  std::string out;
  encode_value(out, v, options, 0);
  return out;
}

}  // namespace tornado::json
