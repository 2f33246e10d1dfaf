// reactor/log_emit.cc: Logger::emit_format, the printf-style formatting of every log call.
//
// Mirrors:  the %-formatting of Python's logging (msg % args), as tornado/log.py uses it.
// Role:     Logger::emit (log.h) is a template per argument list; it checks the level and hands
//           the arguments here through C's variadic call, which promotes them exactly as the
//           call to snprintf it replaces did. One copy of the formatting serves every call.
// Thread:   any thread (write() does the locking).
#include <cstdarg>
#include <cstdio>
#include <string>

#include "tornado/reactor/log.h"

namespace tornado::log {

void Logger::emit_format(Level l, SourceLocation where, const char* text, ...) const {
  char buf[512];
  std::va_list args;
  va_start(args, text);
  std::va_list again;
  va_copy(again, args);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const int n = std::vsnprintf(buf, sizeof buf, text, args);
  va_end(args);
  if (n >= 0 && static_cast<std::size_t>(n) < sizeof buf) {
    write(l, where, std::string_view(buf, static_cast<std::size_t>(n)));
  } else if (n >= 0) {
    std::string big(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(big.data(), big.size(), text, again);
    big.pop_back();
    write(l, where, big);
  }
#pragma GCC diagnostic pop
  va_end(again);
}

}  // namespace tornado::log
