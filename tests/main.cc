// tests/main.cc: the doctest runner for the whole suite.
//
// Mirrors:  tornado/test/runtests.py.
// Role:     runs every TEST_CASE linked in, then prints "N passed, N failed" as its last line
//           (what `make test` promises), and writes the two numbers to $TORNADO_TEST_COUNTS so
//           `make check` can add up the plain and the sanitizer runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

namespace {

unsigned g_passed = 0;
unsigned g_failed = 0;

// Counts test cases as they end; doctest's own summary goes to stdout before our line.
struct CountingListener : doctest::IReporter {
  explicit CountingListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_failed = stats.numTestCasesFailed;
    g_passed = stats.numTestCasesPassingFilters - stats.numTestCasesFailed;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("counting", 1, CountingListener);

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;
  std::fflush(stdout);
  std::printf("%u passed, %u failed\n", g_passed, g_failed);
  if (const char* path = std::getenv("TORNADO_TEST_COUNTS")) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fprintf(f, "%u %u\n", g_passed, g_failed);
      std::fclose(f);
    }
  }
  return rc != 0 || g_failed != 0 ? 1 : 0;
}
