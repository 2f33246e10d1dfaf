// bench/peers/tornado_bench.cc: our IOLoop on the three peer workloads, in the peers' format.
//
// Measures: posted_callbacks (add_callback re-posting itself from inside the loop),
//           million_timers (call_at with the shared random deadlines, remove_timeout on every
//           other one, the rest run; also at the counts of BENCH_TIMERS), and libevent's pipe
//           chain on each of our backends.
// Mirrors:  libev_bench.c, libevent_bench.c, libuv_bench.c and asio_bench.cc line for line; the
//           work itself (counts, deadlines, chain) is bench_common.c's, so only the library
//           calls differ. The Google Benchmark versions are bench/ioloop_bench.cc and
//           bench/poller_bench.cc.
// Output:   "tornado <workload> <value> <unit>" lines for run.sh.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/peers/bench_common.h"
#include "tornado/reactor/ioloop.h"

using tornado::IOLoop;
using tornado::Timeout;

namespace {

// A callback that re-posts itself until the count runs out: a trivially copyable functor of
// two pointers, the common shape of a callback (it fits InlineFunction's inline storage).
struct Repost {
  IOLoop* loop;
  long* left;
  void operator()() const {
    if (--*left > 0) {
      loop->add_callback(Repost{loop, left});
    } else {
      loop->stop();
    }
  }
};

double posted_callbacks_ns(IOLoop& loop, long n) {
  long left = n;
  loop.add_callback(Repost{&loop, &left});
  const std::int64_t start = bench_cpu_ns();
  loop.start();
  const std::int64_t end = bench_cpu_ns();
  if (left != 0) {
    std::fprintf(stderr, "posted_callbacks: %ld callbacks did not run\n", left);
    std::exit(1);
  }
  return static_cast<double>(end - start) / static_cast<double>(n);
}

struct TimerRun {
  IOLoop* loop;
  std::vector<Timeout>* handles;
  long count;  // timers scheduled this round
  long fired = 0;
};

struct Fire {
  TimerRun* run;
  void operator()() const {
    if (++run->fired == run->count / 2) run->loop->stop();
  }
};

// The loop and its timeout handles, BENCH_TIMER_COUNT of them (the largest count).
struct TimerLoop {
  IOLoop loop;
  std::vector<Timeout> handles = std::vector<Timeout>(BENCH_TIMER_COUNT);
};

// Scheduled from inside the loop, as in every peer, so each library measures deadlines from
// its own loop time. CPU time, not wall time: the deadlines lie up to 100 ms ahead, and the
// wait for them is not the loop's cost.
double timers_round_ns(void* ctx, int n) {
  TimerLoop& t = *static_cast<TimerLoop*>(ctx);
  const std::uint32_t* deadline_ms = bench_timer_deadlines_ms();
  TimerRun run{&t.loop, &t.handles, n};
  const std::int64_t start = bench_cpu_ns();
  t.loop.add_callback([&run, deadline_ms] {
    IOLoop& l = *run.loop;
    const double base = l.time();
    for (long i = 0; i < run.count; ++i)
      (*run.handles)[static_cast<std::size_t>(i)] =
          l.call_at(base + deadline_ms[i] * 1e-3, Fire{&run});
    for (long i = 0; i < run.count; i += 2)
      (void)l.remove_timeout((*run.handles)[static_cast<std::size_t>(i)]);
    if (run.count / 2 == 0) l.stop();  // one timer, cancelled: nothing will stop the loop
  });
  t.loop.start();
  const std::int64_t end = bench_cpu_ns();
  if (run.fired != n / 2 || t.loop.pending_timeouts() != 0) {
    std::fprintf(stderr, "timers/%d: %ld fired, %zu left\n", n, run.fired,
                 t.loop.pending_timeouts());
    std::exit(1);
  }
  return static_cast<double>(end - start) / n;
}

void step(void* loop) { static_cast<IOLoop*>(loop)->run_once(0.0); }

void pipe_chain(const std::string& backend) {
  for (int k = 0; k < bench_chain_nconfigs(); ++k) {
    if (!bench_chain_selected(k, backend.c_str())) continue;
    bench_chain chain;
    if (bench_chain_open(&chain, bench_chain_pipes(k), bench_chain_active(k)) != 0) std::exit(1);
    if (backend == "select" && !bench_chain_fits_select(&chain)) {
      bench_chain_close(&chain);
      continue;
    }
    double us = -1.0;
    {
      IOLoop loop(backend);
      bool ok = true;
      for (int i = 0; i < chain.npipes; ++i) {
        ok = ok && loop.add_handler(
                       chain.fds[2 * i],
                       [&chain, i](int, std::uint32_t) { bench_chain_readable(&chain, i); },
                       IOLoop::READ) == 0;
      }
      if (ok) us = bench_chain_measure(&chain, &step, &loop);
      for (int i = 0; i < chain.npipes; ++i) (void)loop.remove_handler(chain.fds[2 * i]);
    }
    bench_chain_close(&chain);
    if (us < 0) {
      std::fprintf(stderr, "pipe_chain on %s failed\n", backend.c_str());
      std::exit(1);
    }
    char name[64];
    bench_chain_workload(name, sizeof name, k, backend.c_str());
    bench_report("tornado", name, us, "us/run");
  }
}

}  // namespace

int main() {
  if (bench_selected("posted_callbacks")) {
    IOLoop loop;
    (void)posted_callbacks_ns(loop, BENCH_POSTED_COUNT / 10);  // warm-up
    double posted[BENCH_POSTED_RUNS];
    for (int i = 0; i < bench_runs(BENCH_POSTED_RUNS); ++i)
      posted[i] = posted_callbacks_ns(loop, BENCH_POSTED_COUNT);
    bench_report("tornado", "posted_callbacks", bench_median(posted, bench_runs(BENCH_POSTED_RUNS)),
                 "ns/callback");
  }
  if (bench_selected("million_timers")) {
    TimerLoop timers;
    bench_timers_report("tornado", &timers_round_ns, &timers);
  }
  for (const std::string& backend : IOLoop::available_pollers())
    if (backend == "epoll" || backend == "poll" || backend == "select") pipe_chain(backend);
  return 0;
}
