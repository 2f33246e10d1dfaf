// bench/gen_bench.cc: the cost of Futures and coroutines.
//
// Measures: co_await on a Future that is already done; co_await on a Future that a loop
//           callback resolves (the full trip: add_callback, set_result, the resumption through
//           the loop); gen::multi over 100 Futures; an executor submit round trip; and how many
//           heap allocations a ready Future costs.
// Mirrors:  no Tornado benchmark; the figures answer "what does a coroutine cost here" the way
//           Python users ask it of Tornado's gen.coroutine.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "tornado/gen/executor.h"
#include "tornado/gen/gen.h"
#include "tornado/gen/queues.h"

namespace {

// Counts operator new calls made by this thread while `counting` is set.
thread_local bool counting = false;
thread_local long allocations = 0;

// Out of line, so g++ does not pair the inlined free() with operator new and warn.
[[gnu::noinline]] void* acquire(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }

}  // namespace

void* operator new(std::size_t n) { return acquire(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }

namespace {

using tornado::Future;
using tornado::IOLoop;
namespace gen = tornado::gen;

// co_await on a Future that is already done: no suspension, no loop trip.
void co_await_ready(benchmark::State& state) {
  IOLoop loop;
  const Future<int> ready = tornado::make_ready_future<int>(1);
  for (auto _ : state) {
    auto body = [&]() -> Future<long> {
      long sum = 0;
      for (int i = 0; i < 1000; ++i) sum += co_await ready;
      co_return sum;
    };
    benchmark::DoNotOptimize(gen::run_sync(loop, body));
  }
  state.counters["per_await"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(co_await_ready);

// A Future created ready (make_ready_future) and awaited: the allocation included.
void co_await_make_ready(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    auto body = []() -> Future<long> {
      long sum = 0;
      for (int i = 0; i < 1000; ++i) sum += co_await tornado::make_ready_future<int>(i);
      co_return sum;
    };
    benchmark::DoNotOptimize(gen::run_sync(loop, body));
  }
  state.counters["per_await"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(co_await_make_ready);

// co_await on a pending Future resolved by a loop callback: add_callback, set_result, and the
// resumption scheduled through the loop.
void co_await_pending(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    auto body = [&]() -> Future<long> {
      long sum = 0;
      for (int i = 0; i < 1000; ++i) {
        Future<int> f;
        loop.add_callback([f, i] { f.set_result(i); });
        sum += co_await f;
      }
      co_return sum;
    };
    benchmark::DoNotOptimize(gen::run_sync(loop, body));
  }
  state.counters["per_await"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(co_await_pending);

// gen::multi over 100 Futures that callbacks resolve.
void multi_100(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    auto body = [&]() -> Future<std::size_t> {
      std::vector<Future<int>> fs(100);
      for (int i = 0; i < 100; ++i)
        loop.add_callback([f = fs[static_cast<std::size_t>(i)], i] { f.set_result(i); });
      std::vector<int> r = co_await gen::multi(std::move(fs));
      co_return r.size();
    };
    benchmark::DoNotOptimize(gen::run_sync(loop, body));
  }
  state.counters["per_multi"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(multi_100);

// submit to a one-thread pool and await the result: two thread hand-offs and a loop wake-up.
void executor_round_trip(benchmark::State& state) {
  IOLoop loop;
  tornado::ThreadPoolExecutor pool(1);
  for (auto _ : state) {
    auto body = [&]() -> Future<long> {
      long sum = 0;
      for (int i = 0; i < 100; ++i) sum += co_await pool.submit([i] { return i; });
      co_return sum;
    };
    benchmark::DoNotOptimize(gen::run_sync(loop, body));
  }
  state.counters["per_round_trip"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 100,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(executor_round_trip)->UseRealTime();

// Queue put/get round trip between two coroutines: the consumer waits in get(), the producer's
// put() hands the item straight to it, and the consumer resumes as a continuation.
void queue_put_get(benchmark::State& state) {
  IOLoop loop;
  for (auto _ : state) {
    tornado::Queue<int> q(1);
    auto producer = [](tornado::Queue<int>& queue) -> Future<void> {
      for (int i = 0; i < 1000; ++i) co_await queue.put(i);
    };
    auto consumer = [](tornado::Queue<int>& queue) -> Future<long> {
      long sum = 0;
      for (int i = 0; i < 1000; ++i) sum += co_await queue.get();
      co_return sum;
    };
    benchmark::DoNotOptimize(
        gen::run_sync(loop, [&] { return gen::multi(producer(q), consumer(q)); }));
  }
  state.counters["per_item"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(queue_put_get);

// Heap allocations: a ready Future, and a coroutine call that completes without suspending.
void allocations_per_future(benchmark::State& state) {
  IOLoop loop;
  long ready = 0, coroutine = 0;
  for (auto _ : state) {
    counting = true;
    allocations = 0;
    {
      Future<int> f = tornado::make_ready_future<int>(1);
      benchmark::DoNotOptimize(f);
    }
    ready = allocations;
    allocations = 0;
    {
      auto co = []() -> Future<int> { co_return 1; };
      Future<int> f = co();
      benchmark::DoNotOptimize(f);
    }
    coroutine = allocations;
    counting = false;
  }
  state.counters["allocs_ready_future"] = static_cast<double>(ready);
  state.counters["allocs_coroutine_call"] = static_cast<double>(coroutine);
}
BENCHMARK(allocations_per_future);

}  // namespace

BENCHMARK_MAIN();
