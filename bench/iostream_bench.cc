// bench/iostream_bench.cc: IOStream throughput, round trips, and memory per idle connection.
//
// Measures: echo_throughput: MB/s through one loopback TCP connection, where the echo server is
//           either an IOStream on an IOLoop or a plain blocking read()/write() loop (the
//           baseline), and the client is the same blocking thread in both. Run it pinned to one
//           core (taskset -c 0) so both sides share it, as the figures in bench/README.md do.
//           echo_round_trips: 100 connections doing 64-byte ping-pongs against an IOStream echo
//           server; round trips per second.
//           idle_connection_rss: `--idle N` mode (not a Google Benchmark case): a server holding
//           N idle connections, each served by a line-echo coroutine suspended in
//           read_until("\n") as in the echo demo; prints the RSS growth per connection.
// Mirrors:  the echo benchmarks of libuv (tcp_pump, ping_pongs) and muduo's pingpong.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "tornado/gen/gen.h"
#include "tornado/stream/iostream.h"

namespace {

using tornado::Future;
using tornado::IOLoop;
using tornado::IOStream;
namespace gen = tornado::gen;

int listen_loopback(sockaddr_in& addr) {
  const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr = sockaddr_in{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(l, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(l, 4096) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  return l;
}

int connect_to(const sockaddr_in& addr) {
  const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(c, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  const int one = 1;
  ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return c;
}

bool read_full(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_full(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// The IOStream echo: what demos/tcpecho does per connection, minus the line framing.
Future<void> echo(std::shared_ptr<IOStream> s) {
  try {
    for (;;) co_await s->write(co_await s->read_bytes(64 * 1024, true));
  } catch (const tornado::StreamClosedError&) {
  }
}

// Runs an echo server for one accepted connection: IOStream on a loop (use_loop) or blocking.
std::thread start_server(int listener, bool use_loop) {
  return std::thread([listener, use_loop] {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (!use_loop) {
      std::vector<char> buf(64 * 1024);
      for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0 || !write_full(fd, buf.data(), static_cast<std::size_t>(n))) break;
      }
      ::close(fd);
      return;
    }
    IOLoop loop;
    gen::run_sync(loop, [fd] { return echo(IOStream::create(fd)); });
  });
}

void echo_throughput(benchmark::State& state) {
  const bool use_loop = state.range(0) == 1;
  sockaddr_in addr;
  const int l = listen_loopback(addr);
  std::thread server = start_server(l, use_loop);
  const int c = connect_to(addr);
  const std::size_t chunk = 64 * 1024;
  std::vector<char> out(chunk, 'e'), in(chunk);
  std::size_t bytes = 0;
  for (auto _ : state) {
    // Keep two chunks in flight so neither side waits for a full round trip.
    write_full(c, out.data(), chunk);
    for (int i = 0; i < 16; ++i) {
      write_full(c, out.data(), chunk);
      read_full(c, in.data(), chunk);
    }
    read_full(c, in.data(), chunk);
    bytes += 17 * chunk;
  }
  ::close(c);
  server.join();
  ::close(l);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetLabel(use_loop ? "IOStream echo" : "blocking read/write echo");
}
BENCHMARK(echo_throughput)->Arg(0)->Arg(1)->UseRealTime();

void echo_round_trips(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  sockaddr_in addr;
  const int l = listen_loopback(addr);
  std::atomic<bool> stop{false};
  std::thread server([&] {
    IOLoop loop;
    std::vector<Future<void>> handlers;
    for (int i = 0; i < conns; ++i)
      handlers.push_back(echo(IOStream::create(::accept4(l, nullptr, nullptr, SOCK_CLOEXEC))));
    gen::run_sync(loop, [&] { return gen::multi(std::move(handlers)); });
  });
  IOLoop loop;
  std::vector<std::shared_ptr<IOStream>> clients;
  for (int i = 0; i < conns; ++i) clients.push_back(IOStream::create(connect_to(addr)));
  long trips = 0;
  for (auto _ : state) {
    auto body = [&]() -> Future<void> {
      auto ping = [](std::shared_ptr<IOStream> s, long& n) -> Future<void> {
        const std::string msg(64, 'p');
        for (int k = 0; k < 100; ++k) {
          co_await s->write(msg);
          (void)co_await s->read_bytes(64);
          ++n;
        }
      };
      std::vector<Future<void>> all;
      for (auto& s : clients) all.push_back(ping(s, trips));
      co_await gen::multi(std::move(all));
    };
    gen::run_sync(loop, body);
  }
  for (auto& s : clients) s->close();
  server.join();
  ::close(l);
  state.counters["round_trips_per_s"] =
      benchmark::Counter(static_cast<double>(trips), benchmark::Counter::kIsRate);
}
BENCHMARK(echo_round_trips)->Arg(100)->UseRealTime();

// A server holding n idle connections; the clients live in a child process so both ends do not
// count against one process's descriptor limit or RSS.
int idle_connection_rss(int n) {
  if (!bench::raise_fd_limit(n)) return 1;
  sockaddr_in addr;
  const int l = listen_loopback(addr);
  int ready[2];
  if (::pipe(ready) != 0) return 1;
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) fds.push_back(connect_to(addr));
    char done = 0;
    (void)!::read(ready[0], &done, 1);  // hold the connections until the server has measured
    _exit(0);
  }
  IOLoop loop;
  // Each connection: a coroutine owning its stream, suspended in read_until (the echo demo).
  auto line_echo = [](std::shared_ptr<IOStream> s) -> Future<void> {
    try {
      for (;;) co_await s->write(co_await s->read_until("\n"));
    } catch (const tornado::StreamClosedError&) {
    }
  };
  std::vector<Future<void>> handlers;
  handlers.reserve(static_cast<std::size_t>(n));
  const long before = bench::rss_bytes();
  for (int i = 0; i < n; ++i) {
    const int fd = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      std::perror("accept");
      return 1;
    }
    handlers.push_back(line_echo(IOStream::create(fd)));
  }
  loop.run_once(0);
  const long after = bench::rss_bytes();
  std::printf("idle connections: %d, server RSS delta %ld KiB, %.0f bytes per connection\n", n,
              (after - before) / 1024, static_cast<double>(after - before) / n);
  (void)!::write(ready[1], "x", 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--idle") == 0)
    return idle_connection_rss(std::atoi(argv[2]));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
