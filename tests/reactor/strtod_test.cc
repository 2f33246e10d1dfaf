// tests/reactor/strtod_test.cc: util::parse_double against the C library's strtod.
// Mirrors:  what Python's float() gives Tornado's options (_parse_float, _parse_timedelta),
//           read as strtod reads it: reactor/strtod.h.
#include "tornado/reactor/strtod.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace {

// What strtod gives for the whole of text, nullopt when it leaves some of it.
std::optional<double> reference(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

void same_as_strtod(const std::string& text) {
  CAPTURE(text);
  const std::optional<double> want = reference(text);
  const std::optional<double> got = tornado::util::parse_double(text);
  REQUIRE(got.has_value() == want.has_value());
  if (!want) return;
  if (std::isnan(*want)) {
    CHECK(std::isnan(*got));
    return;
  }
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, &*got, sizeof a);
  std::memcpy(&b, &*want, sizeof b);
  CHECK(a == b);  // the same bits: correctly rounded, signed zeros kept
}

}  // namespace

TEST_CASE("parse_double: the syntax strtod accepts, and what it leaves over") {
  for (const char* text :
       {"0", "-0", "+0", "1", "-1", "12", "1.5", ".5", "5.", "-.5e1", "1e10", "1E+10", "1e-10",
        "2.5e-3", "0.1", "0.3", "123456789012345678901234567890", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e400", "4.9e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "1e-400", "-1e-400", "9007199254740993", "9007199254740992.5",
        "0.000000000000000000000000000001", "00012.50", "0e999999", "1e999999999999",
        "1e-999999999999", "inf", "INF", "-Infinity", "infinity", "nan", "-NaN", "nan(123_abc)",
        "0x1p3", "0X1.8P1", "-0x.8", "0x1.", "0x10", "0x1p-1074", "0x1p-1075",
        "0x1.0000000000001p-1075", "0x1.fffffffffffff8p1023", "0x1.fffffffffffff7ffp1023",
        "0x123456789abcdef123p0",
        // not whole numbers
        "", "+", "-", ".", "e5", "1e", "1e+", "1.5x", "1 ", "0x", "0x.", "0xg", "0x1p", "0x1p+",
        "inf ", "infin", "infinit", "infinityy", "nan(", "nan(a b)", "nanx", "1..2", "--1", "+-1",
        "1e5.5", "0x1.8p1.5"}) {
    same_as_strtod(text);
  }
  CHECK_FALSE(tornado::util::parse_double(" 1"));  // strtod skips it; the callers trim first
  // 801 and more significant digits: the last ones only count as zero or not.
  const std::string half = "9007199254740993";  // 2^53 + 1: halfway between two doubles
  same_as_strtod(half + std::string(900, '0'));
  same_as_strtod(half + std::string(900, '0') + "1");
  // Below the smallest subnormal, with hundreds of significant digits: the same digits ending
  // in 5 and in 4 (the last one read, under the 800-digit limit).
  const std::string half_tiny =
      "0." + std::string(330, '0') +
      "24703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818"
      "08179961898982823477228588654633283551779698981993873980053909390631503565951557022639229085"
      "83924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037"
      "06311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499"
      "97709659947045402082816622623785739345073633900796776193057750674017632467360096895134053553"
      "74585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249"
      "12623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255"
      "18931369083625477918694866799496832404970582102851318545139621383772282614543769341253209859"
      "132766723632812";
  same_as_strtod(half_tiny + "5");
  same_as_strtod(half_tiny + "4");
}

TEST_CASE("parse_double: random doubles printed both ways, and random digit strings") {
  std::mt19937_64 rng(20261207);
  char buf[64];
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) continue;
    std::snprintf(buf, sizeof buf, "%.17g", d);
    same_as_strtod(buf);
    std::snprintf(buf, sizeof buf, "%.16g", d);  // usually not exact: rounding decides
    same_as_strtod(buf);
    std::snprintf(buf, sizeof buf, "%a", d);
    same_as_strtod(buf);
  }
  for (int i = 0; i < 2000; ++i) {
    std::string text = std::to_string(rng() % 1000000000000ULL);
    text.insert(static_cast<std::size_t>(rng() % (text.size() + 1)), ".");
    text += "e" + std::to_string(static_cast<int>(rng() % 700) - 350);
    same_as_strtod(text);
  }
}
