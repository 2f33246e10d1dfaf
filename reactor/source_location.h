// reactor/source_location.h: where a callback was scheduled from, captured at the call site.
//
// Mirrors:  the callback repr Tornado prints when it logs "Exception in callback ..."; what
//           Python's traceback module gives Tornado for free.
// Role:     add_callback, call_at, add_handler and the loggers take one as a defaulted last
//           argument, so every log line about a callback can say which line scheduled it.
// Why not SourceLocation: clang 14 with libstdc++ 12 does not provide it (it needs
//           __builtin_source_location), while __builtin_FILE and __builtin_LINE exist in both
//           g++ and clang++ and are evaluated at the caller when used as default arguments.
//
//   void schedule(Callback cb, SourceLocation where = SourceLocation::current());
#pragma once

namespace tornado {

struct SourceLocation {
  const char* file = "";
  unsigned line = 0;

  static constexpr SourceLocation current(const char* f = __builtin_FILE(),
                                          unsigned l = __builtin_LINE()) noexcept {
    return SourceLocation{f, l};
  }
};

}  // namespace tornado
