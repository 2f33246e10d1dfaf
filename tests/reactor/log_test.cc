// tests/reactor/log_test.cc: Tornado's log line format and the logger levels.
// Mirrors:  tornado/test/log_test.py (LogFormatterTest), for what applies without Python.
#include "reactor/log.h"

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "tests/support/async_test.h"

using namespace tornado;

TEST_CASE("log: format_record has Tornado's shape") {
  const log::Record r{&log::app_log, log::Level::kInfo, SourceLocation::current(), "hello"};
  const std::string line = log::format_record(r, false);
  CHECK(std::regex_match(line, std::regex(R"(\[I \d{6} \d\d:\d\d:\d\d log_test:\d+\] hello\n)")));
  const std::string colored = log::format_record(r, true);
  CHECK(colored.find("\033[") == 0);
  CHECK(colored.find("hello\n") != std::string::npos);
}

TEST_CASE("log: module_name strips directories and extensions") {
  CHECK(log::module_name("reactor/ioloop.cc") == "ioloop");
  CHECK(log::module_name("web.h") == "web");
  CHECK(log::module_name("noext") == "noext");
}

TEST_CASE("log: levels filter, printf arguments format, long messages are whole") {
  testing::ExpectLog cap("");
  log::gen_log.set_level(log::Level::kWarning);
  log::gen_log.info("dropped %d", 1);
  log::gen_log.warning("kept %d %s %.1f", 2, "two", 2.5);
  log::gen_log.set_level(log::Level::kInfo);
  const std::string big(2000, 'z');
  log::gen_log.error("%s", big.c_str());
  REQUIRE(cap.lines().size() == 2);
  CHECK(cap.lines()[0] == "kept 2 two 2.5");
  CHECK(cap.lines()[1] == big);
}
