// reactor/log.cc: the default sink (Tornado's LogFormatter on stderr) and sink swapping.
//
// Mirrors:  tornado/log.py LogFormatter and enable_pretty_logging; the handler wiring of
//           Python's logging module (RotatingFileHandler for --log_file_prefix).
// Callers:  every Logger::write in the library; IOLoop::iterate asks flush_if_due each turn.
// Rules:    the sink runs under a mutex, so records from several threads come out whole and in
//           one order. The built-in outputs (stderr, the log file) hold DEBUG and INFO lines
//           (the access log: one per request) in a buffer and write it with one write(2) when
//           it fills, when 100 ms have passed since its oldest line, before any WARNING or
//           ERROR line (which is written at once, in order after them), before a log file
//           rolls over, when the sink changes, and at exit. A write(2) per request line cost a
//           third of helloworld's throughput (bench/README.md, "the access log").
// Also:     the terminate handler, the process's last words (end of file).
#include "tornado/reactor/log.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "tornado/reactor/localtime.h"
#include "tornado/reactor/util.h"

namespace tornado::log {

namespace {

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

Sink& current_sink() {
  static Sink sink;
  return sink;
}

void write_all(int fd, const char* p, std::size_t n);
void flush_at_exit();
void append_record(std::string& out, const Record& r, bool color);

// When the oldest buffered line must be out (monotonic seconds; 0: nothing buffered). Read
// without the lock by every loop iteration, written under it.
std::atomic<double> g_flush_deadline{0.0};

// Lines for one descriptor, written together. Used under sink_mutex() only.
class LineBuffer {
 public:
  static constexpr std::size_t kFlushBytes = 16 * 1024;
  static constexpr double kFlushDelay = 0.1;

  explicit LineBuffer(int fd) : fd_(fd) {}
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { flush(); }

  void set_fd(int fd) { fd_ = fd; }
  // An urgent line (WARNING and above) goes out at once, after what was waiting.
  void put(std::string_view line, bool urgent) {
    before_line(urgent);
    bytes_.append(line);
    after_line(urgent);
  }
  // put() of format_record(r, color), formatted straight into the buffer.
  void put_record(const Record& r, bool color, bool urgent) {
    before_line(urgent);
    append_record(bytes_, r, color);
    after_line(urgent);
  }
  void flush() {
    if (bytes_.empty() || fd_ < 0) return;
    write_all(fd_, bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  std::size_t size() const { return bytes_.size(); }

 private:
  void before_line(bool urgent) {
    static const int at_exit = std::atexit(flush_at_exit);  // a normal exit loses nothing
    (void)at_exit;
    if (bytes_.empty() && !urgent) {
      first_at_ = util::monotonic_time();
      const double due = first_at_ + kFlushDelay;
      const double current = g_flush_deadline.load(std::memory_order_relaxed);
      if (current == 0.0 || due < current) g_flush_deadline.store(due, std::memory_order_relaxed);
    }
  }
  void after_line(bool urgent) {
    if (urgent || bytes_.size() >= kFlushBytes) flush();
  }

  int fd_;
  std::string bytes_;
  double first_at_ = 0;
};

void flush_at_exit() { flush(); }

LineBuffer& stderr_buffer() {
  static LineBuffer b(STDERR_FILENO);
  return b;
}

// The log file's buffer while a file sink is installed (enable_pretty_logging).
LineBuffer* g_file_buffer = nullptr;

void flush_locked() {
  stderr_buffer().flush();
  if (g_file_buffer != nullptr) g_file_buffer->flush();
  g_flush_deadline.store(0.0, std::memory_order_relaxed);
}

bool urgent(Level l) { return l >= Level::kWarning; }

char level_letter(Level l) {
  switch (l) {
    case Level::kDebug:
      return 'D';
    case Level::kInfo:
      return 'I';
    case Level::kWarning:
      return 'W';
    case Level::kError:
      return 'E';
    case Level::kNone:
      break;
  }
  return '?';
}

const char* level_color(Level l) {
  switch (l) {
    case Level::kDebug:
      return "\033[2;34m";  // blue, as Tornado
    case Level::kInfo:
      return "\033[2;32m";  // green
    case Level::kWarning:
      return "\033[2;33m";  // yellow
    default:
      return "\033[2;31m";  // red
  }
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

std::string_view module_name(const char* file) {
  // libc's strrchr and strchr: a string_view's rfind looks at the path a byte at a time, from
  // its end, for every line logged.
  const char* const slash = std::strrchr(file, '/');
  const char* const start = slash != nullptr ? slash + 1 : file;
  const char* const dot = std::strchr(start, '.');
  return dot != nullptr ? std::string_view(start, static_cast<std::size_t>(dot - start))
                        : std::string_view(start);
}

namespace {

// Appends r's line, as format_record gives it, to `out`. The line is measured first and written
// into `out` in place: the buffered outputs take it straight into their buffer, which has
// room once warm, where a string of its own cost a malloc and ~900 instructions a line (the
// access log's, one per request; bench/README.md).
void append_record(std::string& out, const Record& r, bool color) {
  // Local time costs more than the rest of the line: once per second is enough. The stamp is
  // strftime("%y%m%d %H:%M:%S") written out: strftime links the locale's era and alternative
  // digit tables into a static program, for fields that are plain two-digit numbers here; and
  // timeutil::local_time, not localtime_r, whose tzset links sscanf and every strto*.
  thread_local time_t stamp_second = -1;
  thread_local char stamp[] = "yymmdd HH:MM:SS";
  const time_t now = ::time(nullptr);
  if (now != stamp_second) {
    const timeutil::CivilTime local = timeutil::local_time(now);
    const auto put = [](std::size_t at, int v) {
      stamp[at] = static_cast<char>('0' + v / 10);
      stamp[at + 1] = static_cast<char>('0' + v % 10);
    };
    put(0, static_cast<int>((local.year % 100 + 100) % 100));
    put(2, local.month);
    put(4, local.day);
    put(7, local.hour);
    put(10, local.minute);
    put(13, local.second);
    stamp_second = now;
  }
  const std::string_view module = module_name(r.where.file);
  char number[16];
  const std::to_chars_result digits = std::to_chars(number, number + sizeof number, r.where.line);
  const std::string_view line_number(number, static_cast<std::size_t>(digits.ptr - number));
  const std::string_view start_color = color ? std::string_view(level_color(r.level)) : "";
  const std::string_view end_color = color ? "\033[0m" : "";
  const std::string_view time_stamp(stamp, sizeof stamp - 1);

  // "<color>[L yymmdd HH:MM:SS module:line]<end color> message\n"
  const std::size_t size = start_color.size() + 3 + time_stamp.size() + 1 + module.size() + 1 +
                           line_number.size() + 1 + end_color.size() + 1 + r.message.size() + 1;
  const std::size_t at = out.size();
  out.resize(at + size);
  char* p = out.data() + at;
  const auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(start_color);
  *p++ = '[';
  *p++ = level_letter(r.level);
  *p++ = ' ';
  put(time_stamp);
  *p++ = ' ';
  put(module);
  *p++ = ':';
  put(line_number);
  *p++ = ']';
  put(end_color);
  *p++ = ' ';
  put(r.message);
  *p = '\n';
}

}  // namespace

std::string format_record(const Record& r, bool color) {
  std::string line;
  append_record(line, r, color);
  return line;
}

Sink set_sink(Sink sink) {
  std::lock_guard lock(sink_mutex());
  flush_locked();
  g_file_buffer = nullptr;  // the file sink, if it was one, sets it again when it next writes
  Sink previous = std::move(current_sink());
  current_sink() = std::move(sink);
  return previous;
}

void Logger::write(Level l, SourceLocation where, std::string_view message) const {
  const Record r{this, l, where, message};
  std::lock_guard lock(sink_mutex());
  if (current_sink()) {
    current_sink()(r);
    return;
  }
  static const bool color = ::isatty(STDERR_FILENO) == 1;
  stderr_buffer().put_record(r, color, urgent(l));
}

void flush() {
  std::lock_guard lock(sink_mutex());
  flush_locked();
}

void flush_if_due() {
  const double due = g_flush_deadline.load(std::memory_order_relaxed);
  if (due != 0.0 && util::monotonic_time() >= due) flush();
}

double flush_deadline() { return g_flush_deadline.load(std::memory_order_relaxed); }

Level parse_level(std::string_view name) {
  std::string l(name);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "debug") return Level::kDebug;
  if (l == "info") return Level::kInfo;
  if (l == "warning" || l == "warn") return Level::kWarning;
  if (l == "error") return Level::kError;
  if (l == "none") return Level::kNone;
  throw std::invalid_argument("unknown log level: " + std::string(name));
}

namespace {

// A log file that rolls over by size (Python's RotatingFileHandler): prefix, prefix.1 ... .N.
struct RotatingFile {
  std::string prefix;
  std::uint64_t max_size;
  int backups;
  int fd = -1;
  std::uint64_t size = 0;  // what the file holds, counting the lines still buffered
  LineBuffer buffer{-1};

  void open_file() {
    fd = ::open(prefix.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + prefix);
    buffer.set_fd(fd);
    struct stat st {};
    size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  void rotate() {
    buffer.flush();  // the lines belong to the file being rolled over
    buffer.set_fd(-1);
    ::close(fd);
    fd = -1;
    for (int i = backups - 1; i >= 1; --i) {
      const std::string from = prefix + "." + std::to_string(i);
      const std::string to = prefix + "." + std::to_string(i + 1);
      (void)::rename(from.c_str(), to.c_str());
    }
    if (backups > 0) {
      (void)::rename(prefix.c_str(), (prefix + ".1").c_str());
    } else {
      (void)::unlink(prefix.c_str());
    }
    open_file();
  }
  void write(const std::string& line, bool urgent_line) {
    if (max_size > 0 && size > 0 && size + line.size() > max_size) {
      try {
        rotate();
      } catch (const std::system_error&) {
        return;  // nowhere to write; dropping the line beats throwing from a log call
      }
    }
    buffer.put(line, urgent_line);
    size += line.size();
  }
  ~RotatingFile() {
    if (g_file_buffer == &buffer) g_file_buffer = nullptr;
    buffer.flush();
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void enable_pretty_logging(const PrettyLogging& config) {
  const Level level = parse_level(config.level);
  if (level == Level::kNone) return;
  for (Logger* l : {&access_log, &app_log, &gen_log}) l->set_level(level);
  if (config.file_prefix.empty()) {
    set_sink(nullptr);  // the default: stderr, coloured on a terminal
    return;
  }
  auto file = std::make_shared<RotatingFile>();
  file->prefix = config.file_prefix;
  file->max_size = config.max_size;
  file->backups = config.backups;
  file->open_file();
  const bool to_stderr = config.to_stderr;
  // The sink owns the file; the buffer is known to flush() while this sink is installed (the
  // next set_sink flushes it, then the old sink and its file go).
  set_sink([file, to_stderr](const Record& r) {
    g_file_buffer = &file->buffer;
    file->write(format_record(r, false), urgent(r.level));
    if (to_stderr) {
      static const bool color = ::isatty(STDERR_FILENO) == 1;
      stderr_buffer().put_record(r, color, urgent(r.level));
    }
  });
}

}  // namespace tornado::log

// --- std::terminate's last words ---------------------------------------------------------------

// libstdc++'s default terminate handler, __gnu_cxx::__verbose_terminate_handler, demangles the
// exception's type with __cxa_demangle, and that links the whole C++ demangler (47 KB of code)
// into every static program. This one prints the same lines for the names exceptions have (a
// class, possibly in namespaces: "std::runtime_error", "tornado::options::Error"); any other
// name (a template, a built-in type) is printed mangled, as libstdc++ does when demangling
// fails. It lives in this file because every program that runs a loop links it, so the linker
// has it before it reads libstdc++.a. std::set_terminate still replaces it.
namespace {

// Writes "std::runtime_error" for "St13runtime_error" and "a::b::C" for "N1a1b1CE" into `out`
// (NUL-terminated); false for any other mangled form, or a name longer than `size`.
bool demangle_class_name(const char* mangled, char* out, std::size_t size) {
  std::string_view m(mangled);
  const bool nested = m.size() > 2 && m.front() == 'N' && m.back() == 'E';
  if (nested) m = m.substr(1, m.size() - 2);
  std::size_t used = 0;
  const auto append = [&](std::string_view part) {
    if (used + part.size() + 3 > size) return false;
    if (used > 0) {
      std::memcpy(out + used, "::", 2);
      used += 2;
    }
    std::memcpy(out + used, part.data(), part.size());
    used += part.size();
    out[used] = '\0';
    return true;
  };
  if (m.starts_with("St")) {
    (void)append("std");
    m.remove_prefix(2);
  }
  int names = 0;
  while (!m.empty()) {
    std::size_t len = 0;
    std::size_t digits = 0;
    while (digits < m.size() && m[digits] >= '0' && m[digits] <= '9' && len <= m.size())
      len = len * 10 + static_cast<std::size_t>(m[digits++] - '0');
    if (digits == 0 || len == 0 || len > m.size() - digits) return false;
    const std::string_view id = m.substr(digits, len);
    if (!append(id.starts_with("_GLOBAL__N") ? "(anonymous namespace)" : id)) return false;
    m.remove_prefix(digits + len);
    ++names;
  }
  return names == 1 || (nested && names > 1);
}

}  // namespace

void __gnu_cxx::__verbose_terminate_handler() {
  static bool terminating = false;
  if (terminating) {
    std::fputs("terminate called recursively\n", stderr);
    std::abort();
  }
  terminating = true;
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) {
    std::fputs("terminate called without an active exception\n", stderr);
    std::abort();
  }
  char name[256];
  std::fputs("terminate called after throwing an instance of '", stderr);
  std::fputs(demangle_class_name(type->name(), name, sizeof name) ? name : type->name(), stderr);
  std::fputs("'\n", stderr);
  try {
    throw;
  } catch (const std::exception& e) {
    std::fputs("  what():  ", stderr);
    std::fputs(e.what(), stderr);
    std::fputs("\n", stderr);
  } catch (...) {
  }
  std::abort();
}
