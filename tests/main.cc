// tests/main.cc: the doctest runner for the whole suite.
//
// Mirrors:  tornado/test/runtests.py.
// Role:     runs every TEST_CASE linked in, then prints "N passed, N failed" as its last line
//           (what `make test` promises). A case that called TORNADO_SKIP (its peer is not
//           installed, a host limit) is counted apart: "N skipped: reasons" comes just before
//           the closing line, which CI reads as the last one. The three numbers go to
//           $TORNADO_TEST_COUNTS so `make check` can add up the plain and the sanitizer runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/async_test.h"

namespace {

unsigned g_passed = 0;
unsigned g_failed = 0;
std::vector<std::string> g_skipped;  // "case name: reason", in the order they ran

// Counts test cases as they end; doctest's own summary goes to stdout before our lines.
struct CountingListener : doctest::IReporter {
  explicit CountingListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_failed = stats.numTestCasesFailed;
    g_passed = stats.numTestCasesPassingFilters - stats.numTestCasesFailed -
               static_cast<unsigned>(g_skipped.size());
  }
  void test_case_start(const doctest::TestCaseData& tc) override {
    current_ = tc.m_name;
    tornado::testing::take_skip_reason();
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  // A case that failed anywhere counts as failed, even if a later subcase skipped.
  void test_case_end(const doctest::CurrentTestCaseStats& st) override {
    const std::string reason = tornado::testing::take_skip_reason();
    if (!reason.empty() && !st.testCaseSuccess) return;
    if (!reason.empty()) g_skipped.push_back(current_ + ": " + reason);
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  std::string current_;
};

}  // namespace

DOCTEST_REGISTER_LISTENER("counting", 1, CountingListener);

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;
  std::fflush(stdout);
  if (!g_skipped.empty()) {
    std::printf("%zu skipped:\n", g_skipped.size());
    for (const std::string& s : g_skipped) std::printf("  %s\n", s.c_str());
  }
  std::printf("%u passed, %u failed\n", g_passed, g_failed);
  if (const char* path = std::getenv("TORNADO_TEST_COUNTS")) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fprintf(f, "%u %u %zu\n", g_passed, g_failed, g_skipped.size());
      for (const std::string& s : g_skipped) std::fprintf(f, "%s\n", s.c_str());
      std::fclose(f);
    }
  }
  return rc != 0 || g_failed != 0 ? 1 : 0;
}
