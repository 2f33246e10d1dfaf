// bench/http_allocs.cc: heap allocations per keep-alive request in the bare HTTPServer, or
// through the web layer.
//
//   build/bench/http_allocs [--web] [--requests=N] [--warmup=N] [--expect=MAX]
//
// The server is bench/http_hello's (the same callback, bench::hello_world in bench_util.h),
// or with --web the helloworld demo's Application (one route, a RequestHandler that writes
// "Hello, world": routing, Tornado's default headers, the automatic ETag), on a loop in this
// thread; the client is a second thread with one blocking keep-alive
// socket over loopback, which writes a request and reads the whole response, N times. Every
// global operator new of this program is replaced by one that counts, so the figure is what
// the server, its loop and the library allocate while serving (the client thread allocates
// nothing in its request loop: a fixed request, a stack buffer). After `warmup` requests (the
// connection, its buffers and free lists are made then) the count restarts, and the program
// prints allocations (and bytes) per request. With --expect=MAX it exits 1 when the figure is
// over MAX, so a script can hold the line.
//
// Why a benchmark and not a doctest case: the counting operator new replaces the program's
// global one, and the test suite is one binary whose every case would then be counted (and
// slowed); a hook inside the library's hot path for tests alone would cost every request a
// branch. The count includes only operator new (the C++ heap): the library calls malloc
// directly nowhere on the request path.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <thread>

#include "bench/bench_util.h"
#include "tornado/http/httpserver.h"
#include "tornado/reactor/ioloop.h"
#include "tornado/reactor/log.h"
#include "tornado/stream/netutil.h"
#if BENCH_WEB  // the Makefile leaves it out of a NO_WEB=1 build
#include "tornado/web/web.h"
#endif

namespace {
std::atomic<std::uint64_t> g_allocs{0};
std::atomic<std::uint64_t> g_bytes{0};

void* counted(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* counted_aligned(std::size_t n, std::align_val_t al) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(n, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

struct Result {
  std::uint64_t allocs = 0;
  std::uint64_t bytes = 0;
  long requests = 0;
  bool ok = true;
};

// The client: `warmup` then `requests` keep-alive GETs on one blocking socket. A response is
// complete when its body (the last bytes: "Hello, world") has come.
void client(int port, long warmup, long requests, Result& out) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    out.ok = false;
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  static const char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  static const char kTail[] = "Hello, world";
  char buf[4096];
  std::uint64_t a0 = 0, b0 = 0;
  for (long i = 0; i < warmup + requests; ++i) {
    if (i == warmup) {
      a0 = g_allocs.load();
      b0 = g_bytes.load();
    }
    if (::write(fd, kRequest, sizeof kRequest - 1) != static_cast<ssize_t>(sizeof kRequest - 1)) {
      out.ok = false;
      break;
    }
    std::size_t have = 0;
    for (;;) {
      const ssize_t n = ::read(fd, buf + have, sizeof buf - have);
      if (n <= 0) {
        out.ok = false;
        break;
      }
      have += static_cast<std::size_t>(n);
      if (have >= sizeof kTail - 1 &&
          std::memcmp(buf + have - (sizeof kTail - 1), kTail, sizeof kTail - 1) == 0)
        break;
      if (have == sizeof buf) {
        out.ok = false;
        break;
      }
    }
    if (!out.ok) break;
  }
  out.allocs = g_allocs.load() - a0;
  out.bytes = g_bytes.load() - b0;
  out.requests = requests;
  ::close(fd);
}

#if BENCH_WEB
struct MainHandler : tornado::web::RequestHandler {  // the helloworld demo's
  void get() { write("Hello, world"); }
};
#endif

long arg_value(const char* a, const char* name, long fallback) {
  const std::size_t n = std::strlen(name);
  return std::strncmp(a, name, n) == 0 ? std::atol(a + n) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  long requests = 100000, warmup = 1000, expect = -1;
  bool web = false;
  for (int i = 1; i < argc; ++i) {
    requests = arg_value(argv[i], "--requests=", requests);
    warmup = arg_value(argv[i], "--warmup=", warmup);
    expect = arg_value(argv[i], "--expect=", expect);
    if (std::strcmp(argv[i], "--web") == 0) web = true;
    if (std::strncmp(argv[i], "--", 2) != 0 || std::strcmp(argv[i], "--help") == 0) {
      std::fprintf(stderr, "usage: %s [--web] [--requests=N] [--warmup=N] [--expect=MAX]\n",
                   argv[0]);
      return 2;
    }
  }
  tornado::log::access_log.set_level(tornado::log::Level::kWarning);
  tornado::IOLoop loop;
  loop.make_current();
  std::optional<tornado::HTTPServer> server;
#if BENCH_WEB
  tornado::web::Application app({tornado::web::url<MainHandler>("/")});
  if (web) server.emplace(app);
#else
  if (web) {
    std::fprintf(stderr, "http_allocs: --web needs the web layer (built with NO_WEB=1)\n");
    return 2;
  }
#endif
  if (!server) server.emplace(bench::hello_world);
  server->add_sockets(tornado::netutil::bind_sockets(0, "127.0.0.1", AF_INET));
  const int port = server->addresses().at(0).port();
  Result result;
  std::thread t([&] {
    client(port, warmup, requests, result);
    loop.add_callback([&loop] { loop.stop(); });
  });
  loop.start();
  t.join();
  if (!result.ok) {
    std::fprintf(stderr, "http_allocs: the exchange failed\n");
    return 1;
  }
  const double per = static_cast<double>(result.allocs) / static_cast<double>(result.requests);
  std::printf(
      "http_allocs: %s, %ld keep-alive requests, %.2f allocations/request, %.0f "
      "bytes/request\n",
      web ? "web::Application" : "HTTPServer", result.requests, per,
      static_cast<double>(result.bytes) / static_cast<double>(result.requests));
  return expect >= 0 && per > static_cast<double>(expect) ? 1 : 0;
}
