// bench/ioloop_bench.cc: the cost of the IOLoop's callbacks, timers and empty iterations.
//
// Measures: posted_callbacks (a callback that re-posts itself with add_callback from inside
//           the loop, run to completion), million_timers (1,000,000 call_at with random
//           deadlines, every other one removed with remove_timeout, the rest run), loop_count
//           (one empty iteration), async (add_callback from another thread), and
//           timers_pending (million_timers' round with 1 K to 1 M timers), and the cost of
//           one system call (syscall_getppid), the unit the report reads the others against.
// Mirrors:  libuv's benchmarks of the same names (million_timers, loop_count, async); the
//           side-by-side runs against libev, libevent and libuv are bench/peers/, with the same
//           counts and deadlines (bench/README.md).
#include <benchmark/benchmark.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "tornado/reactor/ioloop.h"

namespace {

using tornado::IOLoop;
using tornado::Timeout;

constexpr long kChain = 100000;           // posted_callbacks: callbacks per benchmark iteration
constexpr int kTimers = 1000000;          // million_timers
constexpr std::uint32_t kSpreadMs = 100;  // deadlines 1..100 ms ahead, whole milliseconds
constexpr long kAsync = 100000;           // async: callbacks per benchmark iteration

// A callback that re-posts itself until the count runs out: two pointers, so it is stored
// inline and scheduling it allocates nothing.
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

void posted_callbacks(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    long left = kChain;
    loop.add_callback(Repost{&loop, &left});
    loop.start();
  }
  state.counters["per_callback"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kChain,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(posted_callbacks);

// The deadlines of bench/peers/bench_common.c: Marsaglia's xorshift64 from the same seed.
std::vector<std::uint32_t> timer_deadlines_ms() {
  std::vector<std::uint32_t> d(kTimers);
  std::uint64_t x = 0x9E3779B97F4A7C15u;
  for (std::uint32_t& ms : d) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ms = 1 + static_cast<std::uint32_t>(x % kSpreadMs);
  }
  return d;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct TimerRun {
  IOLoop* loop;
  long target;  // half the timers scheduled: the ones not cancelled
  long fired = 0;
};

struct Fire {
  TimerRun* run;
  void operator()() const {
    if (++run->fired == run->target) run->loop->stop();
  }
};

// One million_timers round, scheduled from inside the loop; returns this thread's CPU seconds.
// CPU time, because the run waits up to 100 ms for the last deadlines and the wait is not the
// loop's cost.
double timers_round(IOLoop& loop, const std::vector<std::uint32_t>& deadline_ms,
                    std::vector<Timeout>& handles) {
  TimerRun run{&loop, static_cast<long>(handles.size() / 2)};
  const double start = thread_cpu_seconds();
  loop.add_callback([&] {
    const double base = loop.time();
    for (std::size_t i = 0; i < handles.size(); ++i)
      handles[i] = loop.call_at(base + deadline_ms[i] * 1e-3, Fire{&run});
    for (std::size_t i = 0; i < handles.size(); i += 2) (void)loop.remove_timeout(handles[i]);
  });
  loop.start();
  return thread_cpu_seconds() - start;
}

void million_timers(benchmark::State& state) {
  IOLoop loop;
  const std::vector<std::uint32_t> deadline_ms = timer_deadlines_ms();
  std::vector<Timeout> handles(kTimers);
  (void)timers_round(loop, deadline_ms, handles);  // warm-up: the heap reaches its size
  for (auto _ : state) state.SetIterationTime(timers_round(loop, deadline_ms, handles));
  if (loop.pending_timeouts() != 0) state.SkipWithError("timeouts left over");
  state.counters["per_timer"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kTimers,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(million_timers)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

// million_timers' round with 1 K to 1 M timers: how the cost per timer grows with the heap
// (a 4-ary heap of 1 K entries fits in L1, of 1 M entries in no cache).
void timers_pending(benchmark::State& state) {
  IOLoop loop;
  const std::vector<std::uint32_t> deadline_ms = timer_deadlines_ms();
  std::vector<Timeout> handles(static_cast<std::size_t>(state.range(0)));
  (void)timers_round(loop, deadline_ms, handles);
  for (auto _ : state) state.SetIterationTime(timers_round(loop, deadline_ms, handles));
  if (loop.pending_timeouts() != 0) state.SkipWithError("timeouts left over");
  state.counters["per_timer"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(state.range(0)),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
// One round per repetition: the report's spread comes from --benchmark_repetitions, and each
// repetition starts with its own warm-up round.
BENCHMARK(timers_pending)
    ->Apply([](benchmark::internal::Benchmark* b) {
      for (const int n : {1000, 3000, 10000, 30000, 100000, 300000, kTimers}) b->Arg(n);
    })
    ->ArgName("timers")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The unit everything else is read against: one trivial system call (getppid, which no libc
// caches), entry and exit of the kernel on this machine.
void syscall_getppid(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(::syscall(SYS_getppid));
}
BENCHMARK(syscall_getppid);

// One iteration with nothing to do: the phases, and a zero-timeout poll of the waker.
void loop_count(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) loop.run_once(0.0);
}
BENCHMARK(loop_count);

// add_callback from another thread, as fast as it can; the loop runs them as they come.
void async(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    long ran = 0;
    std::thread producer([&loop, &ran] {
      for (long i = 0; i < kAsync; ++i) {
        loop.add_callback([&loop, &ran] {
          if (++ran == kAsync) loop.stop();
        });
      }
    });
    loop.start();
    producer.join();
  }
  state.counters["per_callback"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kAsync,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(async)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
