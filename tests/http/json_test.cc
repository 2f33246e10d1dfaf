// tests/http/json_test.cc: json::Value, the encoder (compared with what Python's json.dumps
// prints for the same values) and the decoder's acceptance and refusals (RFC 8259).
// Mirrors:  tornado/test/escape_test.py test_json_decode, test_json_encode.
#include "tornado/http/json.h"

#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace tornado;
using json::Array;
using json::Object;
using json::Value;

TEST_CASE("json: encode matches json.dumps") {
  struct Row {
    Value v;
    std::string text;
  };
  const Row rows[] = {
      {Value(), "null"},
      {true, "true"},
      {false, "false"},
      {0, "0"},
      {-42, "-42"},
      {std::int64_t{9007199254740993}, "9007199254740993"},
      {1.0, "1.0"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {1e-5, "1e-05"},
      {2.5e-4, "0.00025"},
      {0.1, "0.1"},
      {-0.0, "-0.0"},
      {123.456, "123.456"},
      {1.5e300, "1.5e+300"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {"", "\"\""},
      {"a\"b\\c\n\r\t\b\f\x01", R"("a\"b\\c\n\r\t\b\f\u0001")"},
      {"\xc3\xa9\xf0\x9f\x98\x80", R"("\u00e9\ud83d\ude00")"},
      {"</script>", R"("<\/script>")"},
      {"a/b", R"("a/b")"},
      {"\xff", R"("\ufffd")"},
      {"\x7f~", R"("\u007f~")"},  // json.dumps escapes DEL too
      {Array{}, "[]"},
      {Object{}, "{}"},
      {Object{{"a", Array{1, Object{{"b", nullptr}}}}, {"c", "x"}},
       R"({"a": [1, {"b": null}], "c": "x"})"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(json::encode(r.v) == r.text);
  }
  // Non-finite numbers have no JSON form.
  CHECK(json::encode(Value(1.0 / 0.0)) == "null");
}

namespace {

// Python's float repr built on std::to_chars's shortest digits: what the encoder printed before
// it found the same digits with snprintf (http/json.cc shortest_digits), kept as the oracle.
std::string repr_by_to_chars(double d) {
  char sci[64];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::string_view s(sci, static_cast<std::size_t>(r.ptr - sci));
  std::string out;
  if (s[0] == '-') {
    out += '-';
    s.remove_prefix(1);
  }
  const std::size_t e_at = s.find('e');
  std::string digits(1, s[0]);
  if (e_at > 1) digits.append(s.substr(2, e_at - 2));
  const int exp = std::stoi(std::string(s.substr(e_at + 1)));
  const int n = static_cast<int>(digits.size());
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return out + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    if (exp + 1 >= n)
      return out + digits + std::string(static_cast<std::size_t>(exp + 1 - n), '0') + ".0";
    return out + digits.substr(0, static_cast<std::size_t>(exp + 1)) + "." +
           digits.substr(static_cast<std::size_t>(exp + 1));
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  char e[16];
  std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + e;
}

}  // namespace

// Every power of two (where the gap below is half the gap above) and its neighbours, the
// subnormals among them, and random bit patterns: the shortest round-trip digits, as to_chars.
TEST_CASE("json: doubles encode with the shortest digits that read back, as std::to_chars") {
  std::vector<double> values;
  for (int e = -1074; e <= 1023; ++e) {
    const double p = std::ldexp(1.0, e);
    values.insert(values.end(), {p, std::nextafter(p, 0.0), std::nextafter(p, HUGE_VAL), -p});
  }
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
    values.push_back(static_cast<double>(bits % 1000000007) /
                     std::pow(10.0, static_cast<double>(i % 25)));
  }
  int differing = 0;
  for (const double d : values) {
    const std::string ours = json::encode(Value(d));
    if (ours != repr_by_to_chars(d) && ++differing <= 5) {
      CAPTURE(d);
      CHECK(ours == repr_by_to_chars(d));
    }
  }
  CHECK(differing == 0);
}

TEST_CASE("json: indent, sort_keys, ensure_ascii, script_safe") {
  Value v = Object{{"b", Array{1, Object{{"x", nullptr}}}}, {"a", Array{}}, {"o", Object{}}};
  json::EncodeOptions o;
  o.indent = 2;
  o.sort_keys = true;
  CHECK(json::encode(v, o) ==
        "{\n  \"a\": [],\n  \"b\": [\n    1,\n    {\n      \"x\": null\n    }\n  ],\n"
        "  \"o\": {}\n}");
  json::EncodeOptions raw;
  raw.ensure_ascii = false;
  raw.script_safe = false;
  CHECK(json::encode(Value("\xc3\xa9</"), raw) == "\"\xc3\xa9</\"");
  CHECK(json::encode(Value("\x7f"), raw) == "\"\x7f\"");
  // Flask's jsonify: json.dumps(separators=(",", ":"), sort_keys=True).
  json::EncodeOptions flask;
  flask.compact = true;
  flask.sort_keys = true;
  CHECK(json::encode(v, flask) == R"({"a":[],"b":[1,{"x":null}],"o":{}})");
}

TEST_CASE("json: decode accepts RFC 8259 documents") {
  const Value v = json::decode(
      R"( {"a": [1, -2.5, 3e2, true, false, null], "s": "x\u00e9\ud83d\ude00\/\n", "e": {}} )");
  REQUIRE(v.is_object());
  CHECK(v["a"].size() == 6);
  CHECK(v["a"][0].as_int() == 1);
  CHECK(v["a"][1].as_double() == -2.5);
  CHECK(v["a"][2].as_double() == 300.0);
  CHECK_FALSE(v["a"][2].is_int());
  CHECK(v["a"][3].as_bool());
  CHECK(v["a"][5].is_null());
  CHECK(v["s"].as_string() == "x\xc3\xa9\xf0\x9f\x98\x80/\n");
  CHECK(v["e"].is_object());
  CHECK(v.find("missing") == nullptr);
  CHECK_THROWS_AS((void)v["missing"], std::out_of_range);
  // Big integers become doubles; duplicate names keep the last value (as Python).
  CHECK(json::decode("123456789012345678901234567890").as_double() ==
        doctest::Approx(1.2345678901e29));
  CHECK(json::decode(R"({"k": 1, "k": 2})")["k"].as_int() == 2);
  CHECK(json::decode(R"({"k": 1, "k": 2})").size() == 1);
  CHECK(json::decode("1e-400").as_double() == 0.0);
  CHECK(json::decode("-0").as_int() == 0);
  CHECK(json::decode("\"\xe2\x82\xac\"").as_string() == "\xe2\x82\xac");
  // Round trip.
  for (const char* text : {R"({"a": [1, 2.5, "x", null, true, {"b": []}]})", "[]", "\"\"", "0"}) {
    CAPTURE(text);
    CHECK(json::encode(json::decode(text)) == text);
  }
}

TEST_CASE("json: decode refuses what RFC 8259 refuses, with the offset") {
  struct Row {
    std::string text;
    std::size_t offset;
  };
  const Row rows[] = {
      {"", 0},
      {" ", 1},
      {"{", 1},
      {"[1,]", 3},
      {"[1 2]", 3},
      {"{\"a\" 1}", 5},
      {"{a: 1}", 1},
      {"{\"a\": 1,}", 8},
      {"01", 1},
      {"-", 1},
      {"1.", 2},
      {"1e", 2},
      {".5", 0},
      {"+1", 0},
      {"tru", 0},
      {"nul", 0},
      {"NaN", 0},
      {"[1] x", 4},
      {"\"abc", 4},
      {"\"a\x01\"", 2},
      {"\"\\x\"", 2},
      {"\"\\u12\"", 3},
      {"\"\\ud800\"", 7},
      {"\"\\ud800\\u0041\"", 13},
      {"\"\\udc00\"", 7},
      {"\"\xff\"", 1},
      {"\"\xc0\xaf\"", 1},
      {"\"\xed\xa0\x80\"", 1},
      {"\"\xe2\x82\"", 1},
      {"[1, 1e400]", 4},
      {"-1e400", 0},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    try {
      (void)json::decode(r.text);
      FAIL("decoded");
    } catch (const json::DecodeError& e) {
      CHECK(e.offset() == r.offset);
    }
  }
  // Depth: 512 levels decode; 513 are refused (no stack overflow for deeper ones either).
  CHECK_NOTHROW(json::decode(std::string(512, '[') + std::string(512, ']')));
  CHECK_THROWS_AS(json::decode(std::string(513, '[') + std::string(513, ']')), json::DecodeError);
  CHECK_THROWS_AS(json::decode(std::string(1000000, '[')), json::DecodeError);
}

TEST_CASE("json: Value building and accessors") {
  Value v;
  v["name"] = "tornado";
  v["ports"].push_back(80);
  v["ports"].push_back(443);
  v["nested"]["deep"] = 1.5;
  CHECK(json::encode(v) == R"({"name": "tornado", "ports": [80, 443], "nested": {"deep": 1.5}})");
  Value copy = v;
  copy["name"] = "other";
  CHECK(v["name"].as_string() == "tornado");
  CHECK_FALSE(copy == v);
  copy["name"] = "tornado";
  CHECK(copy == v);
  CHECK_THROWS_AS((void)v["name"].as_int(), std::logic_error);
  CHECK_THROWS_AS((void)v["ports"][5], std::out_of_range);
  CHECK(Value(3).as_double() == 3.0);
  CHECK(Value(std::string("x")).is_string());
}
