// bench/template_bench.cc: rendering a page with a 100-row table, and the same page rendered
// by Python Tornado in the same run, for the ratio.
//
//   make build/bench/template_bench && taskset -c 0 build/bench/template_bench
//
// The template (kPage) extends a base, loops over 100 rows of five columns (a string that
// needs escaping, ints, a float, a bool used in an if), and calls len(). When
// /usr/bin/python3 has tornado, the same template and rows are rendered there with timeit
// and its time per page is printed beside ours (TORNADO_BENCH_NO_PYTHON=1 skips that).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tornado/http/json.h"
#include "tornado/web/template.h"

namespace {

using namespace tornado;

const char* const kBase =
    "<html><head><title>{% block title %}{% end %}</title></head>\n"
    "<body>{% block body %}{% end %}</body></html>\n";
const char* const kPage =
    "{% extends 'base.html' %}{% block title %}{{ title }}{% end %}\n"
    "{% block body %}<table>\n"
    "{% for row in rows %}<tr class=\"{% if row['ok'] %}ok{% else %}bad{% end %}\">"
    "<td>{{ row['id'] }}</td><td>{{ row['name'] }}</td><td>{{ row['qty'] * 2 }}</td>"
    "<td>{{ row['price'] }}</td></tr>\n{% end %}</table><p>{{ len(rows) }} rows</p>{% end %}";

json::Value rows() {
  json::Array out;
  for (int i = 0; i < 100; ++i) {
    out.push_back(json::Object{{"id", i},
                               {"name", "item <" + std::to_string(i) + "> & co"},
                               {"qty", i % 7},
                               {"price", i * 1.25},
                               {"ok", i % 3 != 0}});
  }
  return out;
}

void BM_Render100Rows(benchmark::State& state) {
  web::DictLoader loader({{"base.html", kBase}, {"page.html", kPage}});
  auto t = loader.load("page.html");
  const web::Namespace values{{"title", "Table"}, {"rows", rows()}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = t->generate(values);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Render100Rows);

// Python Tornado's time per page for the same template and rows (microseconds), or < 0.
double python_us() {
  if (std::getenv("TORNADO_BENCH_NO_PYTHON")) return -1;
  char path[] = "/tmp/tornado-template-bench-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return -1;
  FILE* in = ::fdopen(fd, "w");
  const std::string payload = json::encode(json::Array{kBase, kPage, rows()});
  std::fwrite(payload.data(), 1, payload.size(), in);
  std::fclose(in);
  const std::string command =
      "/usr/bin/python3 -c '\n"
      "import json, sys, timeit\n"
      "from tornado import template\n"
      "base, page, rows = json.load(sys.stdin)\n"
      "t = template.DictLoader({\"base.html\": base, \"page.html\": page}).load(\"page.html\")\n"
      "n = 300\n"
      "print(min(timeit.repeat(lambda: t.generate(title=\"Table\", rows=rows), number=n, "
      "repeat=3)) / n * 1e6)\n' < " +
      std::string(path) + " 2>/dev/null";
  double us = -1;
  if (FILE* out = ::popen(command.c_str(), "r")) {
    if (std::fscanf(out, "%lf", &us) != 1) us = -1;
    ::pclose(out);
  }
  std::remove(path);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  const double us = python_us();
  if (us > 0) {
    std::printf("Python Tornado renders the same page in %.1f us\n", us);
  } else {
    std::printf("Python Tornado: not measured (no /usr/bin/python3 with tornado)\n");
  }
  benchmark::Shutdown();
  return 0;
}
