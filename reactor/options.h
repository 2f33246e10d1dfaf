// reactor/options.h: command-line and config-file options, defined where they are used.
//
// Mirrors:  tornado/options.py (define, options, parse_command_line, parse_config_file,
//           print_help, add_parse_callback, OptionParser, Error).
//
//   tornado::options::define<int>("port", 8888, "run on the given port");
//   tornado::options::define<std::vector<int>>("workers", {1}, "worker ids (1,3 or 1:3)");
//   tornado::options::define<tornado::options::Duration>("timeout", std::chrono::seconds(5));
//   int main(int argc, char** argv) {
//     tornado::options::parse_command_line(argc, argv);   // --port=9000 --timeout=1.5s
//     int port = tornado::options::get<int>("port");
//   }
//
// Types:    bool, int, double, std::string, Duration ("5s", "100ms", "2m", "1h30m", a bare
//           number is seconds), and std::vector of any of them (multiple=true: values are
//           comma-separated, and integer ranges "1:3" expand to 1,2,3 as in Tornado).
// Syntax:   --name=value, --name value, --flag (a bool; --flag=false turns it off); "-" and
//           "_" are the same in names; "--" ends the options. --help prints the options
//           grouped and sorted with their defaults, and exits 0.
// Errors:   OptionParser methods throw options::Error naming the option (unknown option,
//           bad value, wrong type asked). The free parse_command_line prints that message
//           and exits with status 2, as a command-line tool should.
// Thread:   define and parse at start-up, on one thread; reading afterwards from any thread.
// See:      man tornado.options.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace tornado::options {

using Duration = std::chrono::duration<double>;

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One value of an option, of its scalar type.
using Scalar = std::variant<bool, long long, double, std::string, Duration>;

enum class Type { kBool, kInt, kDouble, kString, kDuration };

struct Option {
  std::string name;  // normalized: "-" becomes "_"
  Type type = Type::kString;
  bool multiple = false;
  std::string help;
  std::string metavar;
  std::string group;
  std::vector<Scalar> default_value;
  std::vector<Scalar> value;
  bool set = false;  // given on the command line or in a file
  std::function<void()> callback;
};

class OptionParser {
 public:
  OptionParser();

  // T: bool, int, long long, double, std::string, Duration, or std::vector<one of them>
  // (which makes the option multiple). Defining a name twice is an Error.
  template <class T>
  void define(std::string_view name, T default_value, std::string_view help = {},
              std::string_view group = {}, std::string_view metavar = {},
              std::function<void()> callback = nullptr);

  // The option's value as T (Error when undefined or when T is not its type).
  template <class T>
  T get(std::string_view name) const;
  template <class T>
  void set(std::string_view name, T value);
  bool contains(std::string_view name) const;
  const Option& option(std::string_view name) const;

  // Parses argv[1..]; returns the arguments that are not options. Runs the parse callbacks
  // when final. Throws Error; --help prints help() to stdout and exits 0.
  std::vector<std::string> parse_command_line(int argc, const char* const* argv, bool final = true);
  // "name = value" lines; "#" starts a comment; values may be quoted; names not defined are
  // ignored (a config file may serve other programs too), as in Tornado.
  void parse_config_file(const std::string& path, bool final = true);
  // Parses one value for an option given as text (what --name=value does).
  void parse_value(std::string_view name, std::string_view text);

  void add_parse_callback(std::function<void()> cb);
  void run_parse_callbacks();
  std::string help(std::string_view program = {}) const;
  // Option names by group, for tools.
  std::map<std::string, std::vector<std::string>> groups() const;

 private:
  Option& find(std::string_view name);
  const Option& find(std::string_view name) const;
  void add(Option o);
  // define<T>'s and get<T>'s work that does not depend on T, out of line.
  // Each takes the callback from define's argument (moves it).
  void add_option(std::string_view name, Type type, Scalar&& default_value, std::string_view help,
                  std::string_view group, std::string_view metavar,
                  std::function<void()>& callback);
  void add_option(std::string_view name, Type type, bool multiple, std::vector<Scalar>&& defaults,
                  std::string_view help, std::string_view group, std::string_view metavar,
                  std::function<void()>& callback);
  // The option's values, after checking that it has this type (Error otherwise).
  const std::vector<Scalar>& typed_values(std::string_view name, Type type, bool multiple) const;
  std::map<std::string, Option, std::less<>> options_;
  std::vector<std::function<void()>> callbacks_;
};

// The process-wide parser (Tornado's tornado.options.options).
OptionParser& options();

template <class T>
void define(std::string_view name, T default_value, std::string_view help = {},
            std::string_view group = {}, std::string_view metavar = {},
            std::function<void()> callback = nullptr) {
  options().define<T>(name, std::move(default_value), help, group, metavar, std::move(callback));
}
template <class T>
T get(std::string_view name) {
  return options().get<T>(name);
}
// For main(): on an Error, prints "error: <message>" and the usage line to stderr and exits 2.
std::vector<std::string> parse_command_line(int argc, const char* const* argv);
void parse_config_file(const std::string& path);
void add_parse_callback(std::function<void()> cb);

// Defines Tornado's logging options on `p` (--logging, --log_to_stderr, --log_file_prefix,
// --log_file_max_size, --log_file_num_backups) and applies them with log::enable_pretty_logging
// when parsing ends. The global options() has them from the start.
void define_logging_options(OptionParser& p);

// "1h30m" -> 5400 s, "100ms", "1.5" (seconds); Error for anything else.
Duration parse_duration(std::string_view text);
std::string format_duration(Duration d);

// --- template machinery --------------------------------------------------------------------------

namespace detail {
template <class T>
struct ScalarOf {
  using type = T;
  static constexpr bool multiple = false;
};
template <class T>
struct ScalarOf<std::vector<T>> {
  using type = T;
  static constexpr bool multiple = true;
};
template <class S>
constexpr Type type_of() {
  if constexpr (std::is_same_v<S, bool>) {
    return Type::kBool;
  } else if constexpr (std::is_integral_v<S>) {
    return Type::kInt;
  } else if constexpr (std::is_floating_point_v<S>) {
    return Type::kDouble;
  } else if constexpr (std::is_same_v<S, Duration> || std::is_convertible_v<S, Duration>) {
    return Type::kDuration;
  } else {
    static_assert(std::is_convertible_v<S, std::string>,
                  "option types: bool, int, double, "
                  "std::string, Duration, vectors of them");
    return Type::kString;
  }
}
template <class S>
Scalar to_scalar(const S& v) {
  constexpr Type t = type_of<S>();
  if constexpr (t == Type::kBool)
    return Scalar(static_cast<bool>(v));
  else if constexpr (t == Type::kInt)
    return Scalar(static_cast<long long>(v));
  else if constexpr (t == Type::kDouble)
    return Scalar(static_cast<double>(v));
  else if constexpr (t == Type::kDuration)
    return Scalar(Duration(v));
  else
    return Scalar(std::string(v));
}
template <class S>
S from_scalar(const Scalar& v) {
  constexpr Type t = type_of<S>();
  if constexpr (t == Type::kBool)
    return std::get<bool>(v);
  else if constexpr (t == Type::kInt)
    return static_cast<S>(std::get<long long>(v));
  else if constexpr (t == Type::kDouble)
    return static_cast<S>(std::get<double>(v));
  else if constexpr (t == Type::kDuration)
    return std::chrono::duration_cast<S>(std::get<Duration>(v));
  else
    return S(std::get<std::string>(v));
}
[[noreturn]] void wrong_type(std::string_view name);
}  // namespace detail

template <class T>
void OptionParser::define(std::string_view name, T default_value, std::string_view help,
                          std::string_view group, std::string_view metavar,
                          std::function<void()> callback) {
  using S = typename detail::ScalarOf<T>::type;
  // The Option is built out of line (add_option), once for every type: a program that defines
  // options of several types does not carry a copy of that code per type.
  if constexpr (detail::ScalarOf<T>::multiple) {
    std::vector<Scalar> defaults;
    for (const S& v : default_value) defaults.push_back(detail::to_scalar<S>(v));
    add_option(name, detail::type_of<S>(), true, std::move(defaults), help, group, metavar,
               callback);
  } else {
    add_option(name, detail::type_of<S>(), detail::to_scalar<S>(default_value), help, group,
               metavar, callback);
  }
}

template <class T>
T OptionParser::get(std::string_view name) const {
  using S = typename detail::ScalarOf<T>::type;
  const std::vector<Scalar>& values =
      typed_values(name, detail::type_of<S>(), detail::ScalarOf<T>::multiple);
  if constexpr (detail::ScalarOf<T>::multiple) {
    T out;
    for (const Scalar& v : values) out.push_back(detail::from_scalar<S>(v));
    return out;
  } else {
    return detail::from_scalar<S>(values.front());
  }
}

template <class T>
void OptionParser::set(std::string_view name, T value) {
  using S = typename detail::ScalarOf<T>::type;
  Option& o = find(name);
  if (o.type != detail::type_of<S>() || o.multiple != detail::ScalarOf<T>::multiple)
    detail::wrong_type(name);
  o.value.clear();
  if constexpr (detail::ScalarOf<T>::multiple) {
    for (const S& v : value) o.value.push_back(detail::to_scalar<S>(v));
  } else {
    o.value.push_back(detail::to_scalar<S>(value));
  }
  o.set = true;
  if (o.callback) o.callback();
}

}  // namespace tornado::options
