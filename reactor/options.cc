// reactor/options.cc: parsing option values, the command line and config files; --help.
//
// Mirrors:  tornado/options.py (OptionParser.parse_command_line, parse_config_file,
//           print_help, _Option.parse and its _parse_* helpers, _TIMEDELTA_ABBREV_DICT) and
//           log.py's define_logging_options (applied by enable_pretty_logging, reactor/log).
#include "tornado/reactor/options.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tornado/reactor/log.h"
#include "tornado/reactor/strtod.h"
#include "tornado/reactor/util.h"

namespace tornado::options {

namespace {

std::string normalize(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "int";
    case Type::kDouble:
      return "float";
    case Type::kString:
      return "str";
    case Type::kDuration:
      return "timedelta";
  }
  return "?";
}

// Throws Error(a + b + c): out of line, so that each check below costs a call rather than
// the message's construction.
[[noreturn]] void throw_option_error(std::string_view a, std::string_view b,
                                     std::string_view c = {}) {
  std::string message(a);
  message.append(b).append(c);
  throw Error(message);
}

[[noreturn]] void bad_value(const Option& o, std::string_view text) {
  throw Error("Unrecognized " + std::string(type_name(o.type)) + " value for option --" + o.name +
              ": " + std::string(text));
}

long long parse_int(const Option& o, std::string_view text) {
  text = util::trim(text, util::kWhitespace);
  long long v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  if (!text.empty() && *b == '+') ++b;
  const auto r = std::from_chars(b, e, v);
  if (text.empty() || r.ec != std::errc() || r.ptr != e) bad_value(o, text);
  return v;
}

double parse_double(const Option& o, std::string_view text) {
  text = util::trim(text, util::kWhitespace);
  const std::optional<double> v = util::parse_double(text);
  if (!v || std::isnan(*v)) bad_value(o, text);
  return *v;
}

Scalar parse_scalar(const Option& o, std::string_view text) {
  switch (o.type) {
    case Type::kBool: {
      // Tornado's _parse_bool: anything but false/0/f (any case) is true.
      const std::string l = util::ascii_lower(util::trim(text, util::kWhitespace));
      return Scalar(!(l == "false" || l == "0" || l == "f"));
    }
    case Type::kInt:
      return Scalar(parse_int(o, text));
    case Type::kDouble:
      return Scalar(parse_double(o, text));
    case Type::kDuration:
      try {
        return Scalar(parse_duration(text));
      } catch (const Error&) {
        bad_value(o, text);
      }
    case Type::kString:
      return Scalar(std::string(text));
  }
  bad_value(o, text);
}

// The whole file, through open(2) and read(2): std::ifstream would link iostreams and the
// locale facets into a static program (some 60 KB) to read a few lines. A file that cannot be
// read (missing, a directory) is an error, as Python's open() makes it in Tornado.
std::string read_config_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_option_error("cannot read config file ", path);
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(fd);
      if (n < 0) throw_option_error("cannot read config file ", path);
      return text;
    }
  }
}

std::string format_scalar(const Scalar& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "True" : "False";
  if (const long long* i = std::get_if<long long>(&v)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *d);
    return buf;
  }
  if (const Duration* d = std::get_if<Duration>(&v)) return format_duration(*d);
  return std::get<std::string>(v);
}

std::string format_value(const std::vector<Scalar>& values, bool multiple) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += format_scalar(values[i]);
  }
  return multiple ? "[" + out + "]" : out;
}

// A config-file value: quotes removed; a [a, b] list flattened to "a,b".
std::string config_text(std::string_view v) {
  v = util::trim(v, util::kWhitespace);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return std::string(v.substr(1, v.size() - 2));
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    std::string out;
    std::string_view rest = v.substr(1, v.size() - 2);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string part = config_text(rest.substr(0, comma));
      if (!out.empty()) out += ',';
      out += part;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  if (v == "True") return "true";
  if (v == "False") return "false";
  return std::string(v);
}

}  // namespace

[[noreturn]] void detail::wrong_type(std::string_view name) {
  throw Error("Option " + std::string(name) + " is not of the type asked for");
}

Duration parse_duration(std::string_view text) {
  // Tornado's _parse_timedelta: one or more "<number><unit>" parts, summed; no unit means
  // seconds.
  struct Unit {
    const char* name;
    double seconds;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"s", 1},
      {"sec", 1},
      {"secs", 1},
      {"second", 1},
      {"seconds", 1},
      {"ms", 1e-3},
      {"millisecond", 1e-3},
      {"milliseconds", 1e-3},
      {"us", 1e-6},
      {"microsecond", 1e-6},
      {"microseconds", 1e-6},
      {"m", 60},
      {"min", 60},
      {"mins", 60},
      {"minute", 60},
      {"minutes", 60},
      {"h", 3600},
      {"hr", 3600},
      {"hrs", 3600},
      {"hour", 3600},
      {"hours", 3600},
      {"d", 86400},
      {"day", 86400},
      {"days", 86400},
      {"w", 604800},
      {"wk", 604800},
      {"week", 604800},
      {"weeks", 604800},
  };
  std::string_view rest = util::trim(text, util::kWhitespace);
  if (rest.empty()) throw Error("empty duration");
  double total = 0;
  while (!rest.empty()) {
    std::size_t i = 0;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) ++i;
    while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.'))
      ++i;
    if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E') && i + 1 < rest.size() &&
        (std::isdigit(static_cast<unsigned char>(rest[i + 1])) || rest[i + 1] == '-' ||
         rest[i + 1] == '+')) {
      i += 2;
      while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    }
    const std::optional<double> n = util::parse_double(rest.substr(0, i));
    if (!n) throw_option_error("bad duration: ", text);
    rest.remove_prefix(i);
    rest = util::trim(rest, util::kWhitespace);
    std::size_t j = 0;
    while (j < rest.size() && std::isalpha(static_cast<unsigned char>(rest[j]))) ++j;
    const std::string unit = util::ascii_lower(rest.substr(0, j));
    rest = util::trim(rest.substr(j), util::kWhitespace);
    bool found = false;
    for (const Unit& u : kUnits) {
      if (unit == u.name) {
        total += *n * u.seconds;
        found = true;
        break;
      }
    }
    if (!found) throw Error("bad duration unit \"" + unit + "\" in " + std::string(text));
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%gs", d.count());
  return buf;
}

OptionParser::OptionParser() {
  Option help;
  help.name = "help";
  help.type = Type::kBool;
  help.help = "show this help information";
  help.default_value = {Scalar(false)};
  help.value = help.default_value;
  options_.emplace("help", std::move(help));
}

void OptionParser::add(Option o) {
  o.name = normalize(o.name);
  if (options_.count(o.name)) throw_option_error("Option ", o.name, " already defined");
  options_.emplace(o.name, std::move(o));
}

void OptionParser::add_option(std::string_view name, Type type, bool multiple,
                              std::vector<Scalar>&& defaults, std::string_view help,
                              std::string_view group, std::string_view metavar,
                              std::function<void()>& callback) {
  Option o;
  o.name = std::string(name);
  o.type = type;
  o.multiple = multiple;
  o.help = std::string(help);
  o.group = std::string(group);
  o.metavar = std::string(metavar);
  o.callback = std::move(callback);
  o.value = defaults;
  o.default_value = std::move(defaults);
  add(std::move(o));
}

void OptionParser::add_option(std::string_view name, Type type, Scalar&& default_value,
                              std::string_view help, std::string_view group,
                              std::string_view metavar, std::function<void()>& callback) {
  std::vector<Scalar> defaults;
  defaults.push_back(std::move(default_value));
  add_option(name, type, false, std::move(defaults), help, group, metavar, callback);
}

const std::vector<Scalar>& OptionParser::typed_values(std::string_view name, Type type,
                                                      bool multiple) const {
  const Option& o = find(name);
  if (o.type != type || o.multiple != multiple) detail::wrong_type(name);
  return o.value;
}

Option& OptionParser::find(std::string_view name) {
  const auto it = options_.find(normalize(name));
  if (it == options_.end()) throw_option_error("Unrecognized command line option: ", name);
  return it->second;
}

const Option& OptionParser::find(std::string_view name) const {
  const auto it = options_.find(normalize(name));
  if (it == options_.end()) throw_option_error("Unrecognized command line option: ", name);
  return it->second;
}

bool OptionParser::contains(std::string_view name) const {
  return options_.count(normalize(name)) != 0;
}

const Option& OptionParser::option(std::string_view name) const { return find(name); }

void OptionParser::parse_value(std::string_view name, std::string_view text) {
  Option& o = find(name);
  std::vector<Scalar> values;
  if (!o.multiple) {
    values.push_back(parse_scalar(o, text));
  } else {
    std::string_view rest = text;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view part = util::trim(rest.substr(0, comma), util::kWhitespace);
      const std::size_t colon = part.find(':');
      if (o.type == Type::kInt && colon != std::string_view::npos) {
        // "1:3" is 1, 2, 3 (inclusive, as Tornado).
        const long long lo = parse_int(o, part.substr(0, colon));
        const long long hi = parse_int(o, part.substr(colon + 1));
        if (hi < lo || hi - lo > 100000) bad_value(o, part);
        for (long long v = lo; v <= hi; ++v) values.emplace_back(std::in_place_type<long long>, v);
      } else if (!part.empty()) {
        values.push_back(parse_scalar(o, part));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  o.value = std::move(values);
  o.set = true;
  if (o.callback) o.callback();
}

std::vector<std::string> OptionParser::parse_command_line(int argc, const char* const* argv,
                                                          bool final) {
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) rest.emplace_back(argv[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      rest.emplace_back(arg);
      continue;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const std::size_t eq = body.find('=');
    const std::string name = normalize(body.substr(0, eq));
    if (!contains(name)) throw_option_error("Unrecognized command line option: ", name);
    Option& o = find(name);
    if (eq != std::string_view::npos) {
      parse_value(name, body.substr(eq + 1));
    } else if (o.type == Type::kBool && !o.multiple) {
      parse_value(name, "true");
    } else if (i + 1 < argc) {
      parse_value(name, argv[++i]);
    } else {
      throw_option_error("Option ", name, " needs a value");
    }
  }
  if (get<bool>("help")) {
    std::fputs(help(argc > 0 ? argv[0] : "").c_str(), stdout);
    std::fflush(stdout);
    std::exit(0);
  }
  if (final) run_parse_callbacks();
  return rest;
}

void OptionParser::parse_config_file(const std::string& path, bool final) {
  const std::string text = read_config_file(path);
  std::string_view rest = text;
  int number = 0;
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    std::string_view l = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    ++number;
    // A "#" outside quotes starts a comment.
    char quote = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (quote) {
        if (l[i] == quote) quote = 0;
      } else if (l[i] == '"' || l[i] == '\'') {
        quote = l[i];
      } else if (l[i] == '#') {
        l = l.substr(0, i);
        break;
      }
    }
    l = util::trim(l, util::kWhitespace);
    if (l.empty()) continue;
    const std::size_t eq = l.find('=');
    if (eq == std::string_view::npos)
      throw Error(path + ":" + std::to_string(number) + ": expected name = value");
    const std::string name = normalize(util::trim(l.substr(0, eq), util::kWhitespace));
    if (!contains(name)) continue;
    try {
      parse_value(name, config_text(l.substr(eq + 1)));
    } catch (const Error& e) {
      throw Error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  if (final) run_parse_callbacks();
}

void OptionParser::add_parse_callback(std::function<void()> cb) {
  callbacks_.push_back(std::move(cb));
}

void OptionParser::run_parse_callbacks() {
  for (const auto& cb : callbacks_) cb();
}

std::map<std::string, std::vector<std::string>> OptionParser::groups() const {
  std::map<std::string, std::vector<std::string>> g;
  for (const auto& [name, o] : options_) g[o.group].push_back(name);
  return g;
}

std::string OptionParser::help(std::string_view program) const {
  std::string out =
      "Usage: " + std::string(program.empty() ? "program" : program) + " [OPTIONS]\n\nOptions:\n";
  for (const auto& [group, names] : groups()) {
    out += "\n";
    if (!group.empty()) out += group + " options:\n\n";
    for (const std::string& name : names) {
      const Option& o = options_.at(name);
      std::string prefix = "  --" + name;
      if (!o.metavar.empty()) prefix += "=" + o.metavar;
      std::string desc = o.help;
      if (name != "help" && !o.default_value.empty() &&
          !(o.type == Type::kString && format_value(o.default_value, o.multiple).empty()))
        desc += (desc.empty() ? "" : " ") + std::string("(default ") +
                format_value(o.default_value, o.multiple) + ")";
      if (prefix.size() > 33) {
        out += prefix + "\n" + std::string(35, ' ') + desc + "\n";
      } else {
        prefix.resize(35, ' ');
        out += prefix + desc + "\n";
      }
    }
  }
  return out;
}

// --- the global parser ------------------------------------------------------------------------

OptionParser& options() {
  static OptionParser* parser = [] {
    auto* p = new OptionParser();  // never destroyed: options outlive static destructors
    define_logging_options(*p);
    return p;
  }();
  return *parser;
}

std::vector<std::string> parse_command_line(int argc, const char* const* argv) {
  try {
    return options().parse_command_line(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\nUsage: %s [OPTIONS] (--help lists them)\n", e.what(),
                 argc > 0 ? argv[0] : "program");
    std::exit(2);
  }
}

void parse_config_file(const std::string& path) { options().parse_config_file(path); }

void add_parse_callback(std::function<void()> cb) { options().add_parse_callback(std::move(cb)); }

// Tornado's define_logging_options: --logging, --log_to_stderr, --log_file_prefix,
// --log_file_max_size, --log_file_num_backups; applied by enable_pretty_logging when parsing
// ends.
void define_logging_options(OptionParser& p) {
  const std::string g = "logging";
  p.define<std::string>("logging", "info", "log level; none leaves logging as it is", g,
                        "debug|info|warning|error|none");
  p.define<bool>("log_to_stderr", false,
                 "log to stderr as well (coloured on a terminal); the default without a log file",
                 g);
  p.define<std::string>("log_file_prefix", "",
                        "log to this file (one per process: put the port in it)", g, "PATH");
  p.define<long long>("log_file_max_size", 100LL * 1000 * 1000,
                      "bytes a log file may reach before it rolls over", g);
  p.define<int>("log_file_num_backups", 10, "rolled-over log files kept", g);
  p.add_parse_callback([&p] {
    log::PrettyLogging cfg;
    cfg.level = p.get<std::string>("logging");
    cfg.to_stderr = p.get<bool>("log_to_stderr");
    cfg.file_prefix = p.get<std::string>("log_file_prefix");
    cfg.max_size = static_cast<std::uint64_t>(p.get<long long>("log_file_max_size"));
    cfg.backups = p.get<int>("log_file_num_backups");
    log::enable_pretty_logging(cfg);
  });
}

}  // namespace tornado::options
