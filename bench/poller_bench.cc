// bench/poller_bench.cc: the pipe chain of libevent's test/bench.c, on each of our backends.
//
// Measures: microseconds per run. N socketpairs (100 or 1000) each have a read handler that
//           reads one byte and, while the run has writes left (100), writes one byte to the
//           next pair; a run starts A chains (1 or 100) with evenly spaced writes and ends when
//           every byte written has been read, the loop stepped with run_once(0) as bench.c
//           steps libevent with EVLOOP_ONCE | EVLOOP_NONBLOCK. Mostly system calls: one read,
//           one write and one poll per link. The c10k runs keep one chain active among 10 to
//           10,000 registered descriptors: the cost of an iteration against idle ones.
// Mirrors:  libevent's test/bench.c, the figure libevent and libev publish; the same workload
//           on libev, libevent and libuv is bench/peers/ (bench/README.md).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tornado/reactor/ioloop.h"

namespace {

using tornado::IOLoop;

constexpr int kWrites = 100;

struct Chain {
  std::vector<int> fds;  // fds[2i] is pair i's read end (watched), fds[2i+1] its write end
  int pipes = 0;
  int count = 0;   // bytes read in this run
  int writes = 0;  // chain writes left in this run
  int fired = 0;   // bytes written in this run

  void readable(int idx) {
    unsigned char byte;
    if (::read(fds[static_cast<std::size_t>(2 * idx)], &byte, 1) == 1) ++count;
    if (writes > 0) {
      const int next = idx + 1 < pipes ? idx + 1 : 0;
      if (::write(fds[static_cast<std::size_t>(2 * next + 1)], "e", 1) == 1) ++fired;
      --writes;
    }
  }
};

// Raises the soft limit, and the hard one when allowed (root): 10,000 pairs need 20,000 fds.
void raise_fd_limit(rlim_t need) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rlimit want{need, rl.rlim_max < need ? need : rl.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
      rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
      (void)::setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
}

// watch_both: the write ends are registered too (for reading, so they stay idle): the C10K
// runs count registered descriptors, two per pair, so 10,000 of them fit in 10,064 fds.
void run_chain(benchmark::State& state, const char* backend, int pipes, int active,
               bool watch_both) {
  raise_fd_limit(static_cast<rlim_t>(pipes) * 2 + 64);
  std::unique_ptr<IOLoop> loop;
  try {
    loop = std::make_unique<IOLoop>(backend);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());  // a backend this platform does not have
    return;
  }
  Chain chain;
  chain.pipes = pipes;
  chain.fds.resize(static_cast<std::size_t>(2 * pipes));
  bool ok = true;
  for (int i = 0; i < pipes && ok; ++i) {
    ok = ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                      &chain.fds[static_cast<std::size_t>(2 * i)]) == 0;
    ok = ok && loop->add_handler(
                   chain.fds[static_cast<std::size_t>(2 * i)],
                   [&chain, i](int, std::uint32_t) { chain.readable(i); }, IOLoop::READ) == 0;
    ok = ok && (!watch_both || loop->add_handler(
                                   chain.fds[static_cast<std::size_t>(2 * i + 1)],
                                   [](int, std::uint32_t) {}, IOLoop::READ) == 0);
  }
  const int space = pipes / active * 2;
  if (!ok) state.SkipWithError("socketpair or add_handler failed (fd limit? FD_SETSIZE?)");
  for (auto _ : state) {
    if (!ok) break;
    chain.count = 0;
    chain.fired = 0;
    chain.writes = kWrites;
    for (int i = 0; i < active; ++i)
      if (::write(chain.fds[static_cast<std::size_t>(i * space + 1)], "e", 1) == 1) ++chain.fired;
    do {
      loop->run_once(0.0);
    } while (chain.count != chain.fired);
  }
  for (int i = 0; i < pipes; ++i) {
    (void)loop->remove_handler(chain.fds[static_cast<std::size_t>(2 * i)]);
    if (watch_both) (void)loop->remove_handler(chain.fds[static_cast<std::size_t>(2 * i + 1)]);
  }
  for (const int fd : chain.fds)
    if (fd > 0) ::close(fd);
}

void pipe_chain(benchmark::State& state, const char* backend) {
  run_chain(state, backend, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
            false);
}

// One chain among range(0) registered descriptors: timed in CPU time, since the loop never
// waits (run_once(0)) and on a shared machine wall time adds other processes' slices.
void c10k(benchmark::State& state, const char* backend) {
  run_chain(state, backend, static_cast<int>(state.range(0)) / 2, 1, true);
  state.counters["steps_per_run"] = kWrites + 1;
}

// (pipes, active) as bench.c's -n and -a; select stops at FD_SETSIZE, so not 1000 pairs.
void small_chains(benchmark::internal::Benchmark* b) {
  b->Args({100, 1})->Args({100, 100});
  b->ArgNames({"pipes", "active"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}
void all_chains(benchmark::internal::Benchmark* b) {
  small_chains(b);
  b->Args({1000, 1})->Args({1000, 100});
}

// The C10K lesson: one active chain (one ready descriptor per iteration) among a growing
// number of registered idle pairs. select and poll pass every registered descriptor to the
// kernel on each iteration, epoll and kqueue only the ready one. Counts are registered read
// ends and write ends (two per pair); select stops at 1,000, below FD_SETSIZE.
void idle_counts(benchmark::internal::Benchmark* b, int top) {
  for (const int n : {10, 30, 100, 300, 1000, 3000, 10000})
    if (n <= top) b->Arg(n);
  b->ArgName("fds")->Unit(benchmark::kMicrosecond);
}
void c10k_all(benchmark::internal::Benchmark* b) { idle_counts(b, 10000); }
void c10k_select(benchmark::internal::Benchmark* b) { idle_counts(b, 1000); }

BENCHMARK_CAPTURE(pipe_chain, epoll, "epoll")->Apply(all_chains);
BENCHMARK_CAPTURE(pipe_chain, poll, "poll")->Apply(all_chains);
BENCHMARK_CAPTURE(pipe_chain, select, "select")->Apply(small_chains);
BENCHMARK_CAPTURE(c10k, epoll, "epoll")->Apply(c10k_all);
BENCHMARK_CAPTURE(c10k, poll, "poll")->Apply(c10k_all);
BENCHMARK_CAPTURE(c10k, select, "select")->Apply(c10k_select);
// kqueue exists on Linux only through the test suite's epoll shim, linked in by the Makefile:
// its figure is epoll's plus the shim's translation, not a BSD kernel's.
BENCHMARK_CAPTURE(c10k, kqueue, "kqueue")->Apply(c10k_all);

}  // namespace

BENCHMARK_MAIN();
