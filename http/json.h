// http/json.h: a small JSON value, its encoder and a strict RFC 8259 decoder.
//
// Mirrors:  tornado/escape.py json_encode / json_decode, over Python's json module.
//
//   json::Value v = json::Object{{"name", "tornado"}, {"ports", json::Array{80, 443}}};
//   v["debug"] = true;
//   std::string s = json::encode(v);   // {"name": "tornado", "ports": [80, 443], "debug": true}
//   json::Value back = json::decode(s);
//   back["ports"][1].as_int();         // 443
//
// Role:     RequestHandler::write(json::Value) answers with application/json; httpbin builds
//           its answers with it; json_decode reads request bodies.
// Shape:    objects keep insertion order (as Python's dict) and are looked up linearly: they
//           are small in HTTP work. Integers and doubles are kept apart, as Python keeps int
//           and float, so 1 encodes as "1" and 1.0 as "1.0".
// Output:   Python's json.dumps defaults: ", " and ": " separators, non-ASCII (and DEL) as
//           \uXXXX escapes (surrogate pairs above U+FFFF), and "</" written "<\/" as Tornado does
//           so that JSON is safe inside <script>. Non-finite doubles encode as null.
// Errors:   decode throws json::DecodeError (with the byte offset) for anything RFC 8259
//           rejects: trailing garbage, invalid UTF-8, lone surrogates in \u escapes, control
//           characters in strings, leading zeros, nesting deeper than the limit (512), numbers
//           too large for a double (there is no JSON for infinity to encode them back to).
//           Numbers beyond int64 decode as doubles.
// Thread:   values are plain data; the functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tornado::json {

class Value;
using Array = std::vector<Value>;
// Insertion-ordered members.
using Object = std::vector<std::pair<std::string, Value>>;

enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

class DecodeError : public std::runtime_error {
 public:
  DecodeError(const std::string& what, std::size_t offset);
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}  // NOLINT: implicit on purpose, as every constructor here
  Value(bool b) : type_(Type::kBool), b_(b) {}  // NOLINT
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Value(I i) : type_(Type::kInt), i_(static_cast<std::int64_t>(i)) {}  // NOLINT
  Value(double d) : type_(Type::kDouble), d_(d) {}                     // NOLINT
  Value(const char* s) : type_(Type::kString), s_(s) {}                // NOLINT
  Value(std::string s) : type_(Type::kString), s_(std::move(s)) {}     // NOLINT
  Value(std::string_view s) : type_(Type::kString), s_(s) {}           // NOLINT
  Value(Array a);                                                      // NOLINT
  Value(Object o);                                                     // NOLINT

  Value(const Value& o);
  Value(Value&& o) noexcept;
  Value& operator=(const Value& o);
  Value& operator=(Value&& o) noexcept;
  ~Value();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kDouble; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors throw std::logic_error on the wrong type (as_double accepts an int).
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object member access: a null Value becomes an empty object first; a missing key is added
  // as null. The const form throws std::out_of_range for a missing key.
  Value& operator[](std::string_view key);
  const Value& operator[](std::string_view key) const;
  // The member, or nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  // Array element access (std::out_of_range when past the end).
  Value& operator[](std::size_t i);
  const Value& operator[](std::size_t i) const;
  template <class I,
            std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, std::size_t>, int> = 0>
  Value& operator[](I i) {
    return (*this)[static_cast<std::size_t>(i)];
  }
  // Appends to an array (a null Value becomes an empty array first).
  void push_back(Value v);
  // Members of an object, elements of an array, 0 otherwise.
  std::size_t size() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Type type_ = Type::kNull;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  // Arrays and objects live behind a pointer so that a Value stays small.
  std::unique_ptr<Array> a_;
  std::unique_ptr<Object> o_;
};

struct EncodeOptions {
  int indent = -1;         // < 0: one line; otherwise newlines and this many spaces per level
  bool sort_keys = false;  // members by key, as json.dumps(sort_keys=True)
  bool ensure_ascii = true;
  bool script_safe = true;  // "</" written "<\/" (Tornado's json_encode); false: json.dumps
  // "," and ":" with no spaces, as json.dumps(separators=(",", ":")) and Flask's jsonify.
  bool compact = false;
};

std::string encode(const Value& v, const EncodeOptions& options = {});
Value decode(std::string_view text, std::size_t max_depth = 512);

}  // namespace tornado::json

namespace tornado::escape {
// Tornado's names for the two.
inline std::string json_encode(const json::Value& v) { return json::encode(v); }
inline json::Value json_decode(std::string_view text) { return json::decode(text); }
}  // namespace tornado::escape
