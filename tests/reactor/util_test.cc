// tests/reactor/util_test.cc: the eight-bytes-at-a-time scans of reactor/util.h
// (all_words_clean, copy_words_clean and the byte-at-a-time scan a -Os build runs instead),
// against a plain byte-by-byte check, at every length up to 20 with the byte looked for at
// each place.
#include "tornado/reactor/util.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace util = tornado::util;

namespace {

constexpr auto kLineBreak = [](std::uint64_t x) { return util::bytes_below(x, 14); };
constexpr auto kUpper = [](std::uint64_t x) { return util::bytes_in_range(x, 'A', 'Z'); };

// What each scan must say of s: whether no byte of it is one `bad` names.
template <class Bad>
bool clean_bytes(const std::string& s, Bad bad) {
  for (const char c : s)
    if (bad(static_cast<unsigned char>(c))) return false;
  return true;
}

// Every scan of s agrees with the byte-by-byte answer, and the copying ones copy s exactly,
// writing nothing past its end.
template <class Flags, class Bad>
void check_scans(const std::string& s, Flags flags, Bad bad) {
  CAPTURE(s);
  const bool want = clean_bytes(s, bad);
  CHECK(util::all_words_clean(s, flags) == want);
  CHECK(util::detail::scan_bytes<false>(s, flags, nullptr) == want);
  std::string to(s.size() + 8, '#');
  CHECK(util::copy_words_clean(to.data(), s, flags) == want);
  CHECK(to == s + "########");
  to.assign(s.size() + 8, '#');
  CHECK(util::detail::scan_bytes<true>(s, flags, to.data()) == want);
  CHECK(to == s + "########");
}

}  // namespace

TEST_CASE("util: the word scans find a byte at any place of any length, as the bytes do") {
  const auto line_break = [](unsigned char c) { return c < 14; };
  const auto upper = [](unsigned char c) { return c >= 'A' && c <= 'Z'; };
  for (std::size_t len = 0; len <= 20; ++len) {
    CAPTURE(len);
    const std::string plain(len, 'v');
    check_scans(plain, kLineBreak, line_break);
    check_scans(plain, kUpper, upper);
    for (std::size_t at = 0; at < len; ++at) {
      CAPTURE(at);
      // Below 14 and just above; the letters' edges and the bytes just outside them, and a
      // byte with the high bit set whose low seven bits are a letter.
      for (const int c : {0x00, 0x0a, 0x0d, 0x0e, 0x20, 0x40, 0x41, 0x5a, 0x5b, 0xc1}) {
        CAPTURE(c);
        std::string s = plain;
        s[at] = static_cast<char>(c);
        check_scans(s, kLineBreak, line_break);
        check_scans(s, kUpper, upper);
      }
    }
  }
}
