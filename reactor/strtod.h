// reactor/strtod.h: a number in text read as the C library's strtod reads it, without strtod.
//
// Mirrors:  what Python's float() gives Tornado's options (_parse_float, and the numbers of
//           _parse_timedelta), read as strtod reads them in the C locale.
// Role:     glibc's strtod brings its multi-precision code and, for "inf" and "nan", every
//           strncasecmp variant of the CPU dispatch into a static program: about 36 KB of a
//           static helloworld for the few numbers its command line may hold. This reads the
//           same syntax, correctly rounded (round half to even, as strtod in the default
//           rounding mode): a decimal number ("12", "-1.5e3", ".5", "1."), a hexadecimal one
//           ("0x1.8p3"), "inf" or "infinity", "nan" or "nan(chars)", any case, after an
//           optional sign. Out of range, as strtod: ±inf above the largest double, ±0 or a
//           subnormal below the smallest.
//
//   std::optional<double> v = tornado::util::parse_double("2.5e-3");   // 0.0025
//
// Rules:    the whole text must be the number: no white space, nothing after it. Its cost is
//           bounded: digits past the 800th significant one only count as "nonzero or not",
//           which is all that correct rounding needs of them (a double's halfway points have
//           at most 767 significant digits).
// Thread:   any thread.
#pragma once

#include <optional>
#include <string_view>

namespace tornado::util {

std::optional<double> parse_double(std::string_view text);

}  // namespace tornado::util
