// reactor/log.h: the three Tornado loggers and the one-line log format.
//
// Mirrors:  tornado/log.py (access_log, app_log, gen_log, LogFormatter) over Python's logging.
// Role:     everything in the library that reports goes through one of these loggers; the loop
//           logs escaping callback exceptions to app_log and slow callbacks to gen_log.
//
//   tornado::log::app_log.error("Exception in callback %s: %s", where, e.what());
//   tornado::log::set_sink([](const tornado::log::Record& r) { my_syslog(r); });
//
// Format:   [L yymmdd hh:mm:ss module:line] message, L one of D I W E, as Tornado's
//           LogFormatter, in colour when stderr is a terminal.
// Rules:    arguments are printf-style; only scalars and C strings are accepted (a std::string
//           passed by mistake is a compile error, not undefined behaviour). Lines are written
//           whole while a lock is held, so lines from threads never interleave. DEBUG and INFO
//           lines are buffered for up to 100 ms (see flush()); WARNING and ERROR go out at once.
// Thread:   any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include "tornado/reactor/source_location.h"

namespace tornado::log {

enum class Level : int { kDebug = 10, kInfo = 20, kWarning = 30, kError = 40, kNone = 100 };

class Logger;

// One log event, handed to the sink.
struct Record {
  const Logger* logger;
  Level level;
  SourceLocation where;
  std::string_view message;
};

// The format string of a log call, carrying the caller's location (for module:line).
struct Format {
  const char* text;
  SourceLocation where;
  Format(const char* t, SourceLocation w = SourceLocation::current())  // NOLINT
      : text(t), where(w) {}
};

class Logger {
 public:
  constexpr explicit Logger(const char* name) : name_(name) {}
  const char* name() const { return name_; }
  Level level() const { return static_cast<Level>(level_.load(std::memory_order_relaxed)); }
  void set_level(Level l) { level_.store(static_cast<int>(l), std::memory_order_relaxed); }
  bool enabled(Level l) const {
    return static_cast<int>(l) >= level_.load(std::memory_order_relaxed);
  }

  template <class... A>
  void debug(Format f, const A&... a) const {
    emit(Level::kDebug, f, a...);
  }
  template <class... A>
  void info(Format f, const A&... a) const {
    emit(Level::kInfo, f, a...);
  }
  template <class... A>
  void warning(Format f, const A&... a) const {
    emit(Level::kWarning, f, a...);
  }
  template <class... A>
  void error(Format f, const A&... a) const {
    emit(Level::kError, f, a...);
  }
  template <class... A>
  void log(Level l, Format f, const A&... a) const {
    emit(l, f, a...);
  }

  // Logs an already formatted message.
  void write(Level l, SourceLocation where, std::string_view message) const;

 private:
  template <class... A>
  void emit(Level l, const Format& f, const A&... a) const {
    static_assert(((std::is_arithmetic_v<A> || std::is_pointer_v<A> || std::is_enum_v<A> ||
                    std::is_array_v<A>)&&...),
                  "log arguments are printf-style: pass .c_str() for strings");
    if (!enabled(l)) return;
    if constexpr (sizeof...(A) == 0) {
      write(l, f.where, f.text);
    } else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
      emit_format(l, f.where, f.text, a...);
#pragma GCC diagnostic pop
    }
  }
  // Formats with snprintf's rules, then writes: one function for every argument list, not a
  // copy of the formatting in each log call's instantiation (reactor/log_emit.cc).
  void emit_format(Level l, SourceLocation where, const char* text, ...) const
      __attribute__((format(printf, 4, 5)));

  const char* name_;
  std::atomic<int> level_{static_cast<int>(Level::kInfo)};
};

// Tornado's loggers: per-request lines, application errors, and the library's own notices.
inline Logger access_log{"tornado.access"};
inline Logger app_log{"tornado.application"};
inline Logger gen_log{"tornado.general"};

using Sink = std::function<void(const Record&)>;
// Replaces where records go; an empty Sink restores the default stderr formatter. Returns the
// previous sink (the test suite's expect_log swaps one in and back).
Sink set_sink(Sink sink);

// Tornado's enable_pretty_logging, from the standard options (--logging, --log_to_stderr,
// --log_file_prefix, --log_file_max_size, --log_file_num_backups; reactor/options defines
// them). Sets the three loggers' level ("none": leaves logging as it is); with a file prefix,
// lines go to that file, which rolls over by size to prefix.1 ... prefix.<backups>; they go to
// stderr too when to_stderr is set or there is no file. Throws std::invalid_argument for an
// unknown level and std::system_error when the file cannot be opened.
struct PrettyLogging {
  std::string level = "info";
  bool to_stderr = false;
  std::string file_prefix;
  std::uint64_t max_size = 100ull * 1000 * 1000;
  int backups = 10;
};
void enable_pretty_logging(const PrettyLogging& config);
// "debug", "info", "warning", "error", "none" (any case).
Level parse_level(std::string_view name);

// Writes the DEBUG and INFO lines that the built-in outputs (stderr, the log file) hold back.
// Each IOLoop calls flush_if_due every iteration, so no line waits more than 100 ms; an exit
// through exit() or main's return flushes too. A program that ends otherwise (_exit, abort)
// calls flush() first.
void flush();
void flush_if_due();
// When buffered lines fall due (CLOCK_MONOTONIC seconds), or 0 when none are waiting: an idle
// loop sleeps no longer than this.
double flush_deadline();

// Formats a record as Tornado's LogFormatter does: "[I 261122 10:00:00 ioloop:123] message".
std::string format_record(const Record& r, bool color);
// "reactor/ioloop.cc" -> "ioloop": the module name in a log line.
std::string_view module_name(const char* file);

}  // namespace tornado::log
