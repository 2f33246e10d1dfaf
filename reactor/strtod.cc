// reactor/strtod.cc: parse_double, strtod's syntax read and rounded without the C library.
//
// Mirrors:  Python's float() for Tornado's options (see reactor/strtod.h).
// Role:     a decimal number is M × 10^e with M an integer of at most 801 digits: M × 5^e × 2^e
//           when e >= 0, M / 5^-e × 2^e when e < 0, both exact in a small big-integer type.
//           Their 64 leading bits and whether anything nonzero lies below them are all that
//           rounding to 53 bits needs. A hexadecimal number is already binary.
#include "tornado/reactor/strtod.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tornado::util {

namespace {

// A non-negative integer in base 2^32, least significant limb first, no leading zero limbs.
class BigNum {
 public:
  bool is_zero() const { return limbs_.empty(); }

  // *this = *this * m + add.
  void mul_add(std::uint32_t m, std::uint32_t add) {
    std::uint64_t carry = add;
    for (std::uint32_t& l : limbs_) {
      const std::uint64_t v = std::uint64_t{l} * m + carry;
      l = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<std::uint32_t>(carry));
  }

  void mul_pow5(long long n) {
    constexpr std::uint32_t k5To13 = 1220703125;  // the largest power of 5 below 2^32
    for (; n >= 13; n -= 13) mul_add(k5To13, 0);
    std::uint32_t rest = 1;
    for (; n > 0; --n) rest *= 5;
    mul_add(rest, 0);
  }

  void shift_left(long long bits) {
    if (is_zero() || bits <= 0) return;
    const auto whole = static_cast<std::size_t>(bits / 32);
    const auto part = static_cast<unsigned>(bits % 32);
    if (part != 0) {
      std::uint32_t carry = 0;
      for (std::uint32_t& l : limbs_) {
        const std::uint32_t next = l >> (32 - part);
        l = (l << part) | carry;
        carry = next;
      }
      if (carry != 0) limbs_.push_back(carry);
    }
    limbs_.insert(limbs_.begin(), whole, 0);
  }

  void shift_right_one() {
    std::uint32_t carry = 0;
    for (std::size_t i = limbs_.size(); i-- > 0;) {
      const std::uint32_t next = limbs_[i] << 31;
      limbs_[i] = (limbs_[i] >> 1) | carry;
      carry = next;
    }
    trim();
  }

  long long bit_length() const {
    if (is_zero()) return 0;
    return static_cast<long long>(limbs_.size() - 1) * 32 + std::bit_width(limbs_.back());
  }

  bool bit(long long i) const {
    return (limbs_[static_cast<std::size_t>(i / 32)] >> (i % 32) & 1U) != 0;
  }

  int compare(const BigNum& o) const {
    if (limbs_.size() != o.limbs_.size()) return limbs_.size() < o.limbs_.size() ? -1 : 1;
    for (std::size_t i = limbs_.size(); i-- > 0;)
      if (limbs_[i] != o.limbs_[i]) return limbs_[i] < o.limbs_[i] ? -1 : 1;
    return 0;
  }

  // *this -= o, where o <= *this.
  void subtract(const BigNum& o) {
    std::int64_t borrow = 0;
    for (std::size_t i = 0; i < limbs_.size(); ++i) {
      std::int64_t v = std::int64_t{limbs_[i]} - borrow - (i < o.limbs_.size() ? o.limbs_[i] : 0);
      borrow = v < 0 ? 1 : 0;
      if (v < 0) v += std::int64_t{1} << 32;
      limbs_[i] = static_cast<std::uint32_t>(v);
    }
    trim();
  }

 private:
  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }

  std::vector<std::uint32_t> limbs_;
};

// top × 2^exp2, plus something nonzero below top's last bit when `sticky`, rounded to a double
// (half to even), with subnormals, overflow to infinity and underflow to zero. top != 0.
double round_to_double(std::uint64_t top, long long exp2, bool sticky) {
  const int lead = std::countl_zero(top);
  top <<= lead;
  exp2 -= lead;
  const long long log2 = 63 + exp2;  // top's highest bit
  if (log2 > 1023) return std::numeric_limits<double>::infinity();
  const long long precision = log2 >= -1022 ? 53 : 53 - (-1022 - log2);
  if (precision < 0) return 0.0;
  const long long drop = 64 - precision;  // 11 to 64
  const std::uint64_t kept = drop == 64 ? 0 : top >> drop;
  const std::uint64_t rest = drop == 64 ? top : top & ((std::uint64_t{1} << drop) - 1);
  const std::uint64_t half = std::uint64_t{1} << (drop - 1);
  const bool up = rest > half || (rest == half && (sticky || (kept & 1) != 0));
  return std::ldexp(static_cast<double>(kept + (up ? 1 : 0)), static_cast<int>(exp2 + drop));
}

// n's 64 leading bits (n has more) as round_to_double wants them.
double round_big(const BigNum& n, long long exp2, bool sticky) {
  const long long bits = n.bit_length();
  std::uint64_t top = 0;
  const long long low = bits > 64 ? bits - 64 : 0;
  for (long long i = bits; i-- > low;) top = top << 1 | (n.bit(i) ? 1U : 0U);
  for (long long i = 0; i < low && !sticky; ++i) sticky = n.bit(i);
  return round_to_double(top, exp2 + low, sticky);
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr int hex_digit(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether text starts with word, in any case (word in lower case).
bool starts_with_word(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != word[i]) return false;
  }
  return true;
}

// An exponent's digits after 'e' or 'p' (and its sign): false when there are none. Saturates
// far beyond any double's range.
bool read_exponent(std::string_view& s, long long& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i >= s.size() || !is_digit(s[i])) return false;
  long long v = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) v = std::min(v * 10 + (s[i] - '0'), 100'000'000LL);
  out = negative ? -v : v;
  s.remove_prefix(i);
  return true;
}

std::optional<double> parse_hex(std::string_view s) {
  std::uint64_t top = 0;
  long long exp2 = 0;
  bool sticky = false;
  bool any = false;
  bool fraction = false;
  int significant = 0;
  for (; !s.empty(); s.remove_prefix(1)) {
    if (s[0] == '.' && !fraction) {
      fraction = true;
      continue;
    }
    const int d = hex_digit(s[0]);
    if (d < 0) break;
    any = true;
    if (significant < 16) {
      if (top != 0 || d != 0) {
        top = top << 4 | static_cast<std::uint64_t>(d);
        ++significant;
      }
      if (fraction) exp2 -= 4;
    } else {
      sticky = sticky || d != 0;
      if (!fraction) exp2 += 4;
    }
  }
  if (!any) return std::nullopt;
  if (!s.empty() && (s[0] == 'p' || s[0] == 'P')) {
    s.remove_prefix(1);
    long long e = 0;
    if (!read_exponent(s, e)) return std::nullopt;
    exp2 += e;
  }
  if (!s.empty()) return std::nullopt;
  return top == 0 ? 0.0 : round_to_double(top, exp2, sticky);
}

std::optional<double> parse_decimal(std::string_view s) {
  constexpr int kMaxDigits = 800;
  BigNum m;
  long long exp10 = 0;
  int significant = 0;
  bool truncated = false;
  bool any = false;
  bool fraction = false;
  for (; !s.empty(); s.remove_prefix(1)) {
    if (s[0] == '.' && !fraction) {
      fraction = true;
      continue;
    }
    if (!is_digit(s[0])) break;
    any = true;
    const auto d = static_cast<std::uint32_t>(s[0] - '0');
    if (significant == 0 && d == 0) {
      if (fraction) --exp10;
    } else if (significant < kMaxDigits) {
      m.mul_add(10, d);
      ++significant;
      if (fraction) --exp10;
    } else {
      truncated = truncated || d != 0;
      if (!fraction) ++exp10;
    }
  }
  if (!any) return std::nullopt;
  if (!s.empty() && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view after = s.substr(1);
    long long e = 0;
    if (!read_exponent(after, e)) return std::nullopt;
    exp10 += e;
    s = after;
  }
  if (!s.empty()) return std::nullopt;
  if (significant == 0) return 0.0;
  if (truncated) {  // a digit 1 past the kept ones stands for every nonzero one dropped
    m.mul_add(10, 1);
    ++significant;
    --exp10;
  }
  // 10^(exp10 + significant - 1) <= value < 10^(exp10 + significant)
  if (exp10 + significant - 1 > 308) return std::numeric_limits<double>::infinity();
  if (exp10 + significant < -324) return 0.0;
  if (exp10 >= 0) {
    m.mul_pow5(exp10);
    return round_big(m, exp10, false);
  }
  // m / 5^k × 2^-k: the quotient's 63 or 64 leading bits by long division, the remainder as
  // the sticky bit.
  BigNum den;
  den.mul_add(1, 1);
  den.mul_pow5(-exp10);
  const long long shift = 63 + den.bit_length() - m.bit_length();
  if (shift > 0) m.shift_left(shift);
  if (shift < 0) den.shift_left(-shift);
  den.shift_left(63);
  std::uint64_t q = 0;
  for (int i = 63; i >= 0; --i) {
    if (m.compare(den) >= 0) {
      m.subtract(den);
      q |= std::uint64_t{1} << i;
    }
    den.shift_right_one();
  }
  return round_to_double(q, exp10 - shift, !m.is_zero());
}

}  // namespace

std::optional<double> parse_double(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  std::optional<double> v;
  if (starts_with_word(text, "inf")) {
    if (text.size() == 3 || (text.size() == 8 && starts_with_word(text, "infinity")))
      v = std::numeric_limits<double>::infinity();
  } else if (starts_with_word(text, "nan")) {
    const std::string_view rest = text.substr(3);
    bool ok = rest.empty();
    if (rest.size() >= 2 && rest.front() == '(' && rest.back() == ')') {
      ok = true;
      for (const char c : rest.substr(1, rest.size() - 2))
        ok = ok && (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
    }
    if (ok) v = std::numeric_limits<double>::quiet_NaN();
  } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
             (hex_digit(text[2]) >= 0 ||
              (text[2] == '.' && text.size() > 3 && hex_digit(text[3]) >= 0))) {
    v = parse_hex(text.substr(2));
  } else {
    v = parse_decimal(text);
  }
  if (v && negative) *v = -*v;
  return v;
}

}  // namespace tornado::util
