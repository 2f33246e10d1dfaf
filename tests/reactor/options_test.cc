// tests/reactor/options_test.cc: option definitions, the command line, config files, --help,
// and the logging options.
// Mirrors:  tornado/test/options_test.py (test_parse_command_line, test_parse_config_file,
//           test_parse_callbacks, test_help, test_types, test_multiple_string,
//           test_multiple_int, test_error_redefine, test_dash_underscore_cli,
//           test_types_with_conf_file) and log_test.py's rotation cases.
#include "tornado/reactor/options.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tornado/reactor/log.h"

using namespace tornado::options;

namespace {

std::vector<std::string> parse(OptionParser& p, std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  return p.parse_command_line(static_cast<int>(args.size()), args.data());
}

OptionParser typed() {
  OptionParser p;
  p.define<int>("port", 8888, "run on the given port", "", "PORT");
  p.define<bool>("debug", false, "debug mode");
  p.define<double>("ratio", 0.5);
  p.define<std::string>("name", "tornado", "a name", "naming");
  p.define<Duration>("timeout", Duration(5));
  p.define<std::vector<int>>("ids", std::vector<int>{1});
  p.define<std::vector<std::string>>("tags", std::vector<std::string>{});
  return p;
}

}  // namespace

TEST_CASE("options: the command line (test_parse_command_line, test_types, multiple)") {
  OptionParser p = typed();
  const auto rest = parse(p, {"--port=9000", "--debug", "--ratio", "1.25", "--name=x=y", "file1",
                              "--timeout=1h30m", "--ids=1,3:5", "--tags=a,b", "--", "--port=1"});
  CHECK(rest == std::vector<std::string>{"file1", "--port=1"});
  CHECK(p.get<int>("port") == 9000);
  CHECK(p.get<bool>("debug"));
  CHECK(p.get<double>("ratio") == 1.25);
  CHECK(p.get<std::string>("name") == "x=y");
  CHECK(p.get<Duration>("timeout").count() == 5400);
  CHECK(p.get<std::vector<int>>("ids") == std::vector<int>{1, 3, 4, 5});
  CHECK(p.get<std::vector<std::string>>("tags") == std::vector<std::string>{"a", "b"});
  // Bools: --flag=false, 0, f turn it off; "-" and "_" are one.
  parse(p, {"--debug=false"});
  CHECK_FALSE(p.get<bool>("debug"));
  parse(p, {"--debug=True"});
  CHECK(p.get<bool>("debug"));
  OptionParser d;
  d.define<std::string>("dashed_name", "");
  parse(d, {"--dashed-name=v"});
  CHECK(d.get<std::string>("dashed-name") == "v");
}

TEST_CASE("options: durations as Tornado's _parse_timedelta reads them") {
  struct Row {
    const char* text;
    double seconds;
  };
  const Row rows[] = {{"5s", 5},       {"100ms", 0.1},   {"2m", 120},     {"1.5", 1.5},
                      {"1h30m", 5400}, {"1 day", 86400}, {"2w", 1209600}, {"10us", 1e-5},
                      {"-3s", -3},     {"1e3ms", 1}};
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(parse_duration(r.text).count() == doctest::Approx(r.seconds));
  }
  for (const char* bad : {"", "5x", "s", "1..2s", "abc"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_duration(bad), Error);
  }
}

TEST_CASE("options: errors name the option (unknown, bad value, redefinition, wrong type)") {
  OptionParser p = typed();
  struct Row {
    std::vector<const char*> args;
    const char* message;
  };
  const Row rows[] = {
      {{"--nope=1"}, "Unrecognized command line option: nope"},
      {{"--port=abc"}, "Unrecognized int value for option --port: abc"},
      {{"--port=1.5"}, "--port"},
      {{"--ratio=x"}, "--ratio"},
      {{"--timeout=5 parsecs"}, "--timeout"},
      {{"--ids=1,x"}, "--ids"},
      {{"--ids=5:3"}, "--ids"},
      {{"--port"}, "port needs a value"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.message);
    try {
      parse(p, r.args);
      FAIL("parsed");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(r.message) != std::string::npos);
    }
  }
  CHECK_THROWS_AS(p.define<int>("port", 1), Error);
  CHECK_THROWS_AS((void)p.get<std::string>("port"), Error);
  CHECK_THROWS_AS((void)p.get<int>("missing"), Error);
}

TEST_CASE("options: the free parse_command_line exits 2 on an error, and --help exits 0") {
  // Run in children: both end the process.
  for (const auto& run : {std::pair<const char*, int>{"--bogus", 2}, {"--help", 0}}) {
    const char* arg = run.first;
    const int status = run.second;
    CAPTURE(arg);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
      const char* argv[] = {"prog", arg};
      tornado::options::define<int>("child_port", 1234, "a port for the child");
      tornado::options::parse_command_line(2, argv);
      ::_exit(99);
    }
    ::close(out[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == status);
    if (status == 2)
      CHECK(text.find("error: Unrecognized command line option: bogus") != std::string::npos);
    if (status == 0) {
      CHECK(text.find("Usage: prog [OPTIONS]") != std::string::npos);
      CHECK(text.find("--child_port") != std::string::npos);
      CHECK(text.find("a port for the child (default 1234)") != std::string::npos);
      CHECK(text.find("logging options:") != std::string::npos);
      CHECK(text.find("--log_file_prefix=PATH") != std::string::npos);
    }
  }
}

TEST_CASE("options: help is grouped and sorted, with defaults") {
  OptionParser p = typed();
  const std::string h = p.help("prog");
  CHECK(h.find("--port=PORT") != std::string::npos);
  CHECK(h.find("run on the given port (default 8888)") != std::string::npos);
  CHECK(h.find("naming options:") != std::string::npos);
  CHECK(h.find("--debug") < h.find("--ids"));  // sorted
  CHECK(h.find("(default [1])") != std::string::npos);
}

TEST_CASE("options: config files and parse callbacks (test_parse_config_file)") {
  char path[] = "/tmp/tornado-options-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << "# a comment\n"
                         "port = 443\n"
                         "name = \"quoted # not a comment\"  # a comment\n"
                         "debug = True\n"
                         "ids = [7, 8]\n"
                         "timeout = '250ms'\n"
                         "unknown_to_us = 1\n"
                         "\n";
  OptionParser p = typed();
  int calls = 0;
  p.add_parse_callback([&] { ++calls; });
  p.parse_config_file(path);
  CHECK(p.get<int>("port") == 443);
  CHECK(p.get<std::string>("name") == "quoted # not a comment");
  CHECK(p.get<bool>("debug"));
  CHECK(p.get<std::vector<int>>("ids") == std::vector<int>{7, 8});
  CHECK(p.get<Duration>("timeout").count() == doctest::Approx(0.25));
  CHECK(calls == 1);
  parse(p, {"--port=1"});
  CHECK(calls == 2);
  p.parse_command_line(1, std::vector<const char*>{"prog"}.data(), false);
  CHECK(calls == 2);  // final=false runs no callbacks
  std::ofstream(path) << "port = nope\n";
  try {
    p.parse_config_file(path);
    FAIL("parsed");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(":1: Unrecognized int value for option --port") !=
          std::string::npos);
  }
  // The last line needs no newline; the line numbers count from 1.
  std::ofstream(path) << "port = 5\r\nname = last";
  p.parse_config_file(path);
  CHECK(p.get<int>("port") == 5);
  CHECK(p.get<std::string>("name") == "last");
  std::ofstream(path) << "\n\nport = x";
  CHECK_THROWS_WITH(p.parse_config_file(path), doctest::Contains(":3: Unrecognized int value"));
  std::remove(path);
  CHECK_THROWS_AS(p.parse_config_file("/nonexistent/file"), Error);
  // A directory cannot be read: an error, as open() raises in Python.
  CHECK_THROWS_AS(p.parse_config_file("/tmp"), Error);
}

TEST_CASE("options: a per-option callback runs when the value is set") {
  OptionParser p;
  int seen = 0;
  p.define<int>("level", 1, "", "", "", [&] { seen = p.get<int>("level"); });
  parse(p, {"--level=3"});
  CHECK(seen == 3);
}

TEST_CASE("log: --log_file_prefix writes there and rolls over by size") {
  char dir[] = "/tmp/tornado-logs-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string prefix = std::string(dir) + "/app.log";
  OptionParser p;
  define_logging_options(p);
  const std::string arg = "--log_file_prefix=" + prefix;
  const auto previous = tornado::log::set_sink(nullptr);
  parse(p, {arg.c_str(), "--log_file_max_size=200", "--log_file_num_backups=2", "--logging=debug"});
  for (int i = 0; i < 20; ++i) tornado::log::gen_log.debug("line %d of the rotation test", i);
  tornado::log::set_sink(previous);
  for (auto* l : {&tornado::log::access_log, &tornado::log::app_log, &tornado::log::gen_log})
    l->set_level(tornado::log::Level::kInfo);
  auto size_of = [](const std::string& f) {
    struct stat st {};
    return ::stat(f.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1L;
  };
  CHECK(size_of(prefix) > 0);
  CHECK(size_of(prefix) <= 200);
  CHECK(size_of(prefix + ".1") > 0);
  CHECK(size_of(prefix + ".2") > 0);
  CHECK(size_of(prefix + ".3") == -1);  // only two backups are kept
  std::ifstream in(prefix);
  std::string last;
  for (std::string line; std::getline(in, line);) last = line;
  CHECK(last.find("line 19 of the rotation test") != std::string::npos);
  CHECK(last.rfind("[D ", 0) == 0);
  std::system((std::string("rm -rf ") + dir).c_str());
  CHECK_THROWS_AS(tornado::log::parse_level("loud"), std::invalid_argument);
}
