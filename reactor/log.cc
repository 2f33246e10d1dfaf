// reactor/log.cc: the default sink (Tornado's LogFormatter on stderr) and sink swapping.
//
// Mirrors:  tornado/log.py LogFormatter and enable_pretty_logging; the handler wiring of
//           Python's logging module (RotatingFileHandler for --log_file_prefix).
// Callers:  every Logger::write in the library.
// Rules:    the sink runs under a mutex, so records from several threads come out whole and in
//           one order; the default sink issues one write(2) per line.
#include "reactor/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>

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
  std::uint64_t size = 0;

  void open_file() {
    fd = ::open(prefix.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + prefix);
    struct stat st {};
    size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  void rotate() {
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
  void write(const std::string& line) {
    if (max_size > 0 && size > 0 && size + line.size() > max_size) {
      try {
        rotate();
      } catch (const std::system_error&) {
        return;  // nowhere to write; dropping the line beats throwing from a log call
      }
    }
    write_all(fd, line.data(), line.size());
    size += line.size();
  }
  ~RotatingFile() {
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
  set_sink([file, to_stderr](const Record& r) {
    file->write(format_record(r, false));
    if (to_stderr) {
      static const bool color = ::isatty(STDERR_FILENO) == 1;
      const std::string line = format_record(r, color);
      write_all(STDERR_FILENO, line.data(), line.size());
    }
  });
}

}  // namespace tornado::log
