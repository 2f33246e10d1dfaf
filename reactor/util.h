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

// s after its leading whole 8-byte blocks that `suspect`, given each block as a word, passes
// (returns false for): what is left for a byte-by-byte check.
template <class Suspect>
std::string_view after_clean_blocks(std::string_view s, Suspect suspect) {
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    if (suspect(x)) break;
  }
  return {p, n};
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
