// reactor/log.cc: the default sink (Tornado's LogFormatter on stderr) and sink swapping.
//
// Mirrors:  tornado/log.py LogFormatter; the handler wiring of Python's logging module.
// Callers:  every Logger::write in the library.
// Rules:    the sink runs under a mutex, so records from several threads come out whole and in
//           one order; the default sink issues one write(2) per line.
#include "reactor/log.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

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
  std::string_view f(file);
  const auto slash = f.find_last_of('/');
  if (slash != std::string_view::npos) f.remove_prefix(slash + 1);
  const auto dot = f.find('.');
  if (dot != std::string_view::npos) f = f.substr(0, dot);
  return f;
}

std::string format_record(const Record& r, bool color) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm local{};
  ::localtime_r(&ts.tv_sec, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%y%m%d %H:%M:%S", &local);
  const std::string_view module = module_name(r.where.file);

  std::string line;
  line.reserve(48 + r.message.size());
  if (color) line += level_color(r.level);
  line += '[';
  line += level_letter(r.level);
  line += ' ';
  line += stamp;
  line += ' ';
  line += module;
  line += ':';
  line += std::to_string(r.where.line);
  line += ']';
  if (color) line += "\033[0m";
  line += ' ';
  line += r.message;
  line += '\n';
  return line;
}

Sink set_sink(Sink sink) {
  std::lock_guard lock(sink_mutex());
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
  const std::string line = format_record(r, color);
  write_all(STDERR_FILENO, line.data(), line.size());
}

}  // namespace tornado::log
