// reactor/util.h: small things every layer shares.
//
// Mirrors:  tornado/util.py (TimeoutError, errno_from_exception) and the few string and clock
//           helpers that Python's standard library gives Tornado for free (str.strip,
//           str.lower, int(x, 16), time.monotonic, str(exception)).
//
//   try { co_await gen::with_timeout(1s, f); } catch (const tornado::TimeoutError&) { ... }
//   std::string_view v = tornado::util::trim(" value\t");              // "value"
#pragma once

#include <time.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tornado {

// Raised (or carried by a Future) when an operation's deadline passes: with_timeout, run_sync,
// lock and queue waits, connect and request timeouts.
class TimeoutError : public std::runtime_error {
 public:
  explicit TimeoutError(const std::string& what = "Timeout") : std::runtime_error(what) {}
};

namespace util {

// Python's str.strip() set: what a configuration line may be padded with.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";

// s without leading and trailing optional white space (spaces and tabs, RFC 9110 §5.6.3). A loop
// of two comparisons rather than find_first_not_of: it runs on every header field the parser
// reads.
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// s without the leading and trailing characters found in `chars`.
constexpr std::string_view trim(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// ASCII case folding: header names, methods and option values are ASCII, and the C library's
// tolower would follow the process's locale.
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// The value of a hexadecimal digit, or -1 for any other byte.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Eight bytes at a time (SWAR), for the scanners that look through every header a response
// carries for a byte to refuse. bytes_below: non-zero when some byte of x is below n (n at
// most 0x80); it tells that one is, not which, so a block it flags is then looked at byte by
// byte.
inline constexpr std::uint64_t kByteOnes = 0x0101010101010101ULL;
constexpr std::uint64_t bytes_below(std::uint64_t x, unsigned n) {
  return (x - kByteOnes * n) & ~x & (kByteOnes * 0x80);
}

// The high bit of each byte of x that is in [lo, hi] (lo at least 1, hi below 0x80), the other
// bits zero: a byte's low seven bits plus (0x80 - lo) reach the high bit when they are at
// least lo, no sum carries into the next byte, and bytes with their own high bit set are not
// ASCII. Exact for every byte, unlike bytes_below.
constexpr std::uint64_t bytes_in_range(std::uint64_t x, unsigned lo, unsigned hi) {
  const std::uint64_t low = x & (kByteOnes * 0x7f);
  return (low + kByteOnes * (0x80 - lo)) & ~(low + kByteOnes * (0x80 - hi - 1)) & ~x &
         (kByteOnes * 0x80);
}

// Whether s is clean by `flags`, read eight bytes at a time as a word: `flags` returns non-zero
// for a word holding a byte the scan looks for (bytes_below does). It must judge each byte on
// its own, as the words overlap: the last one ends at s's end rather than reading past it, a
// string of 4 to 7 bytes is one word made of its first four bytes and its last four, and one
// of 1 to 3 bytes a word of its bytes with the first repeated. false (a word flagged) means
// "look byte by byte", not that a byte is bad. Header names and values are mostly shorter
// than 16 bytes, so a byte-by-byte loop over their tails would cost as much as the words.
// Inline always, so that each caller's `flags` is folded into its loop.
namespace detail {
// The same scan one byte at a time, each copied to all eight of a word for `flags`: what a
// build optimized for size (-Os: the static builds for devices, where flash is counted) runs,
// a fraction of the code of the words at several times their instructions.
template <bool kCopy, class Flags>
[[gnu::always_inline]] inline bool scan_bytes(std::string_view s, Flags flags, char* copy) {
  std::uint64_t found = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if constexpr (kCopy) copy[i] = s[i];
    found |= flags(kByteOnes * static_cast<unsigned char>(s[i]));
  }
  return found == 0;
}

template <bool kCopy, class Flags>
[[gnu::always_inline]] inline bool scan_words(std::string_view s, Flags flags, char* copy) {
#if defined(__OPTIMIZE_SIZE__)
  return scan_bytes<kCopy>(s, flags, copy);
#else
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t found = 0;
  auto word = [&](std::size_t at) {
    std::uint64_t x;
    std::memcpy(&x, p + at, 8);
    if constexpr (kCopy) std::memcpy(copy + at, &x, 8);
    found |= flags(x);
  };
  if (n >= 8) {
    std::size_t at = 0;
    for (; at + 8 < n; at += 8) word(at);
    word(n - 8);  // the last word, overlapping the one before
    return found == 0;
  }
  if (n >= 4) {
    std::uint32_t first, last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    if constexpr (kCopy) {
      std::memcpy(copy, &first, 4);
      std::memcpy(copy + n - 4, &last, 4);
    }
    return flags(first | std::uint64_t{last} << 32) == 0;
  }
  if (n == 0) return true;
  // 1 to 3 bytes: the first, middle and last (all of them), the first repeated to fill a word.
  const std::size_t mid = n / 2;
  if constexpr (kCopy) {
    copy[0] = p[0];
    copy[mid] = p[mid];
    copy[n - 1] = p[n - 1];
  }
  auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  const std::uint64_t x =
      (byte(0) * kByteOnes & ~std::uint64_t{0xffff00}) | byte(mid) << 8 | byte(n - 1) << 16;
  return flags(x) == 0;
#endif
}
}  // namespace detail

template <class Flags>
[[gnu::always_inline]] inline bool all_words_clean(std::string_view s, Flags flags) {
  return detail::scan_words<false>(s, flags, nullptr);
}

// all_words_clean, with s also copied to `to` in the same words (the same overlap, so nothing
// is written past to + s.size()): writing a response's head checks and copies each name and
// value in one pass.
template <class Flags>
[[gnu::always_inline]] inline bool copy_words_clean(char* to, std::string_view s, Flags flags) {
  return detail::scan_words<true>(s, flags, to);
}

// Seconds on CLOCK_MONOTONIC: the clock of IOLoop::time(), request timing and the log's
// flush deadline. Never goes back when the wall clock is set.
inline double monotonic_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// What an exception says, for a log line: its what(), or "non-standard exception" when it is
// not a std::exception (a thrown int). Call it on an error path only: it rethrows.
inline std::string exception_message(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "non-standard exception";
  }
}

}  // namespace util

}  // namespace tornado
