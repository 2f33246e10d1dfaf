// bench/web_bench.cc: what routing costs a request, with 50 rules, and what the ETag's SHA-1
// costs in each of its implementations.
//
//   make build/bench/web_bench && taskset -c 0 build/bench/web_bench
//
// Application::find_handler over 50 rules, for a path that matches the last rule (the worst
// case: 49 misses first), in three shapes of rule set:
//   literal   "/page0" ... "/page49": string comparison, no regex engine;
//   prefixed  "/api/v1/res0/(\d+)" ...: the literal prefix rejects 49 rules by comparison,
//             the simple matcher takes the last;
//   simple    "/(\d+)/r0" ...: no literal prefix beyond "/": the simple matcher (literal text
//             and common groups, no regexec) runs on all 50;
//   regex     "/([a-f0-9]+)/r0" ...: a class the simple matcher does not know, so every rule
//             goes to regexec (what routing costs without the fast paths).
// And one regexec of a typical pattern on its own, for scale.
//
// Then the automatic ETag's hash: SHA-1 of a 12-byte body ("Hello, world": one block) through
// each compression function, skipped where this CPU (or build) has not the one asked for:
//   portable       the written-out code, for any CPU;
//   portable_avx2  the same compiled for AVX2 and BMI2 (x86-64 without SHA instructions);
//   hardware       the CPU's SHA instructions (SHA-NI, ARMv8's SHA1);
//   compact        the plain loop of builds optimized for size.
#include <benchmark/benchmark.h>
#include <regex.h>

#include <string>
#include <vector>

#include "tornado/http/httputil.h"
#include "tornado/web/sha1.h"
#include "tornado/web/web.h"

namespace {

using tornado::HTTPHeaders;
using tornado::HTTPServerRequest;
using tornado::RequestStartLine;
using tornado::Sha1;
using namespace tornado::web;

struct Nothing : RequestHandler {
  void get() {}
};

void route(benchmark::State& state, const std::string& prefix, const std::string& suffix,
           const std::string& path) {
  std::vector<Rule> rules;
  for (int i = 0; i < 50; ++i) rules.push_back(url<Nothing>(prefix + std::to_string(i) + suffix));
  Application app(std::move(rules));
  HTTPServerRequest request(RequestStartLine{"GET", path, "HTTP/1.1"},
                            HTTPHeaders{{"Host", "127.0.0.1"}});
  std::vector<std::string> groups;
  for (auto _ : state) {
    const URLSpec* spec = app.find_handler(request, groups);
    benchmark::DoNotOptimize(spec);
    if (!spec) state.SkipWithError("no match");
  }
}

void BM_route_literal(benchmark::State& s) { route(s, "/page", "", "/page49"); }
void BM_route_prefixed(benchmark::State& s) {
  route(s, "/api/v1/res", R"(/(\d+))", "/api/v1/res49/12345");
}
void BM_route_simple(benchmark::State& s) { route(s, R"(/(\d+)/r)", "", "/12345/r49"); }
void BM_route_regex(benchmark::State& s) { route(s, R"(/([a-f0-9]+)/r)", "", "/12345/r49"); }

void BM_regexec_one(benchmark::State& state) {
  regex_t re;
  regcomp(&re, "^(/api/v1/res49/([0-9]+))$", REG_EXTENDED);
  regmatch_t m[3];
  for (auto _ : state) benchmark::DoNotOptimize(regexec(&re, "/api/v1/res49/12345", 3, m, 0));
  regfree(&re);
}

void sha1_of_hello(benchmark::State& state, Sha1::Implementation impl, bool available) {
  if (!available) {
    state.SkipWithError("not on this CPU or in this build");
    return;
  }
  for (auto _ : state) {
    Sha1 h(impl);
    h.update("Hello, world");
    benchmark::DoNotOptimize(h.digest());
  }
}

void BM_sha1_portable(benchmark::State& s) {
  sha1_of_hello(s, Sha1::Implementation::kPortable, true);
}
void BM_sha1_portable_avx2(benchmark::State& s) {
  sha1_of_hello(s, Sha1::Implementation::kPortableAvx2, Sha1::has_portable_avx2());
}
void BM_sha1_hardware(benchmark::State& s) {
  sha1_of_hello(s, Sha1::Implementation::kHardware, Sha1::has_hardware());
}
void BM_sha1_compact(benchmark::State& s) {
  sha1_of_hello(s, Sha1::Implementation::kCompact, true);
}

}  // namespace

BENCHMARK(BM_route_literal);
BENCHMARK(BM_route_prefixed);
BENCHMARK(BM_route_simple);
BENCHMARK(BM_route_regex);
BENCHMARK(BM_regexec_one);
BENCHMARK(BM_sha1_portable);
BENCHMARK(BM_sha1_portable_avx2);
BENCHMARK(BM_sha1_hardware);
BENCHMARK(BM_sha1_compact);
BENCHMARK_MAIN();
