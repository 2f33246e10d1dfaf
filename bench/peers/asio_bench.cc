// bench/peers/asio_bench.cc: Asio's post() on the posted_callbacks workload.
//
// Measures: posted_callbacks only: a handler that asio::post()s itself from inside run(), on
//           an io_context with concurrency hint 1 (one thread, no locking), the setting in
//           which Asio is fastest. Asio is here because the targets name its post(); the
//           timer and pipe chain workloads are left to libev, libevent and libuv.
// Mirrors:  tornado_bench.cc's posted_callbacks; the count comes from bench_common.h.
// Output:   "asio posted_callbacks <value> ns/callback" for run.sh.
#include <asio.hpp>
#include <cstdio>
#include <cstdlib>

#include "bench_common.h"

namespace {

struct Repost {
  asio::io_context* ctx;
  long* left;
  void operator()() const {
    if (--*left > 0) asio::post(*ctx, Repost{ctx, left});
  }
};

double posted_callbacks_ns(asio::io_context& ctx, long n) {
  long left = n;
  asio::post(ctx, Repost{&ctx, &left});
  const std::int64_t start = bench_cpu_ns();
  ctx.run();
  const std::int64_t end = bench_cpu_ns();
  ctx.restart();
  if (left != 0) {
    std::fprintf(stderr, "posted_callbacks: %ld handlers did not run\n", left);
    std::exit(1);
  }
  return static_cast<double>(end - start) / static_cast<double>(n);
}

}  // namespace

int main() {
  asio::io_context ctx(1);
  if (bench_selected("posted_callbacks")) {
    (void)posted_callbacks_ns(ctx, BENCH_POSTED_COUNT / 10);  // warm-up
    double posted[BENCH_POSTED_RUNS];
    for (int i = 0; i < bench_runs(BENCH_POSTED_RUNS); ++i)
      posted[i] = posted_callbacks_ns(ctx, BENCH_POSTED_COUNT);
    bench_report("asio", "posted_callbacks", bench_median(posted, bench_runs(BENCH_POSTED_RUNS)),
                 "ns/callback");
  }
  return 0;
}
