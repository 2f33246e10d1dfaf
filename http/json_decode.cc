// http/json_decode.cc: the JSON decoder (json.loads), recursive descent with a depth limit, so
// that hostile nesting is a DecodeError rather than a stack overflow.
#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tornado/http/escape.h"
#include "tornado/http/json.h"
#include "tornado/reactor/strtod.h"

namespace tornado::json {

DecodeError::DecodeError(const std::string& what, std::size_t offset)
    : std::runtime_error("JSON: " + what + " at offset " + std::to_string(offset)),
      offset_(offset) {}

// --- decoding ---------------------------------------------------------------------------------

namespace {

class Decoder {
 public:
  Decoder(std::string_view text, std::size_t max_depth) : s_(text), max_depth_(max_depth) {}

  Value document() {
    skip_space();
    Value v = value(0);
    skip_space();
    if (i_ != s_.size()) fail("trailing characters after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw DecodeError(what, i_); }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool consume(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Value value(std::size_t depth) {
    if (i_ >= s_.size()) fail("unexpected end of input");
    switch (s_[i_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return Value(string());
      case 't':
        if (consume("true")) return Value(true);
        break;
      case 'f':
        if (consume("false")) return Value(false);
        break;
      case 'n':
        if (consume("null")) return Value();
        break;
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
    }
    fail("unexpected character");
  }

  void enter(std::size_t depth) const {
    if (depth > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_));
  }

  Value object(std::size_t depth) {
    enter(depth);
    ++i_;  // {
    Object o;
    skip_space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return Value(std::move(o));
    }
    for (;;) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') fail("expected a member name");
      std::string key = string();
      skip_space();
      if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':'");
      ++i_;
      skip_space();
      Value v = value(depth);
      // A repeated name keeps the last value, as Python's json does.
      bool replaced = false;
      for (auto& m : o) {
        if (m.first == key) {
          m.second = std::move(v);
          replaced = true;
          break;
        }
      }
      if (!replaced) o.emplace_back(std::move(key), std::move(v));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return Value(std::move(o));
      }
      fail("expected ',' or '}'");
    }
  }

  Value array(std::size_t depth) {
    enter(depth);
    ++i_;  // [
    Array a;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return Value(std::move(a));
    }
    for (;;) {
      skip_space();
      a.push_back(value(depth));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return Value(std::move(a));
      }
      fail("expected ',' or ']'");
    }
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        --i_;
        fail("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    ++i_;  // "
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (u < 0x20) fail("control character in a string");
      if (u >= 0x80) {
        const std::size_t start = i_;
        if (escape::decode_utf8(s_, i_) < 0) fail("invalid UTF-8 in a string");
        out.append(s_.substr(start, i_ - start));
        continue;
      }
      if (c != '\\') {
        // Copy the run of plain characters in one go.
        std::size_t j = i_ + 1;
        while (j < s_.size() && s_[j] != '"' && s_[j] != '\\' &&
               static_cast<unsigned char>(s_[j]) >= 0x20 &&
               static_cast<unsigned char>(s_[j]) < 0x80)
          ++j;
        out.append(s_.substr(i_, j - i_));
        i_ = j;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned long cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u')
              fail("high surrogate without its low half");
            i_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("high surrogate without its low half");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          escape::append_utf8(out, static_cast<std::uint32_t>(cp));
          break;
        }
        default:
          --i_;
          fail("unknown escape");
      }
    }
  }

  Value number() {
    const std::size_t start = i_;
    bool integral = true;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size()) fail("truncated number");
    if (s_[i_] == '0') {
      ++i_;
      if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') fail("leading zero in a number");
    } else if (s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    } else {
      fail("expected a digit");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("expected a digit after '.'");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("expected a digit in the exponent");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + i_;
    if (integral) {
      std::int64_t v = 0;
      const auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) return Value(v);
      // Beyond int64: keep it as a double, as a JavaScript reader would.
    }
    // Correctly rounded, as from_chars; underflow is 0 (or a subnormal), as Python's float()
    // gives; overflow has no JSON encoding to come back to (infinity encodes as null), so it
    // is refused rather than silently changed.
    const std::optional<double> d =
        util::parse_double(std::string_view(b, static_cast<std::size_t>(e - b)));
    if (!d) fail("bad number");
    if (std::isinf(*d)) {
      i_ = start;
      fail("number out of range");
    }
    return Value(*d);
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::size_t i_ = 0;
};

}  // namespace

Value decode(std::string_view text, std::size_t max_depth) {
  return Decoder(text, max_depth).document();
}

}  // namespace tornado::json
