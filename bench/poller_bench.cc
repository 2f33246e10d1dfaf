// bench/poller_bench.cc: the pipe chain of libevent's test/bench.c, on each of our backends.
//
// Measures: microseconds per run. N socketpairs (100 or 1000) each have a read handler that
//           reads one byte and, while the run has writes left (100), writes one byte to the
//           next pair; a run starts A chains (1 or 100) with evenly spaced writes and ends when
//           every byte written has been read, the loop stepped with run_once(0) as bench.c
//           steps libevent with EVLOOP_ONCE | EVLOOP_NONBLOCK. Mostly system calls: one read,
//           one write and one poll per link.
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

void raise_fd_limit(rlim_t need) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void pipe_chain(benchmark::State& state, const char* backend) {
  const int pipes = static_cast<int>(state.range(0));
  const int active = static_cast<int>(state.range(1));
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
  for (int i = 0; i < pipes; ++i)
    (void)loop->remove_handler(chain.fds[static_cast<std::size_t>(2 * i)]);
  for (const int fd : chain.fds)
    if (fd > 0) ::close(fd);
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

BENCHMARK_CAPTURE(pipe_chain, epoll, "epoll")->Apply(all_chains);
BENCHMARK_CAPTURE(pipe_chain, poll, "poll")->Apply(all_chains);
BENCHMARK_CAPTURE(pipe_chain, select, "select")->Apply(small_chains);

}  // namespace

BENCHMARK_MAIN();
