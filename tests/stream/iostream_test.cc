// tests/stream/iostream_test.cc: IOStream and PipeIOStream.
// Mirrors:  tornado/test/iostream_test.py (TestIOStreamMixin, TestReadWriteMixin,
// TestPipeIOStream);
//           Tornado names are given where a case matches one.
#include "tornado/stream/iostream.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;

namespace {

// Two connected TCP sockets on a loopback address (family AF_INET or AF_INET6); a = client.
// Returns false (and no fds) when the family is unavailable. A non-zero mss limits the segment
// size (set before the handshake).
bool tcp_pair(int family, int& a, int& b, int mss = 0) {
  const int l = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) return false;
  if (mss > 0) ::setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  }
  if (::bind(l, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(l, 1) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ::close(l);
    return false;
  }
  a = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (mss > 0) ::setsockopt(a, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
  REQUIRE(::connect(a, reinterpret_cast<sockaddr*>(&ss), len) == 0);
  b = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(b >= 0);
  ::close(l);
  return true;
}

struct Pair {
  std::shared_ptr<IOStream> a, b;
};

Pair stream_pair(int family = AF_INET, IOStreamOptions opts = {}) {
  int a = -1, b = -1;
  REQUIRE(tcp_pair(family, a, b));
  return Pair{IOStream::create(a, opts), IOStream::create(b, opts)};
}

// A raw peer for byte-level control: one stream, and the other end as a plain fd.
struct RawPeer {
  std::shared_ptr<IOStream> stream;
  int fd = -1;
  ~RawPeer() {
    if (fd >= 0) ::close(fd);
  }
};

RawPeer raw_peer(IOStreamOptions opts = {}) {
  int a = -1, b = -1;
  REQUIRE(tcp_pair(AF_INET, a, b));
  RawPeer p;
  p.stream = IOStream::create(a, opts);
  p.fd = b;
  return p;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

TEST_CASE("iostream: write then read_until, read_bytes, read_until_close") {
  LoopCase c;
  Pair p = stream_pair();
  auto body = [&]() -> Future<bool> {
    co_await p.a->write("hello\r\nworld and more");
    std::string line = co_await p.b->read_until("\r\n");
    std::string five = co_await p.b->read_bytes(5);
    p.a->close();
    std::string rest = co_await p.b->read_until_close();
    co_return line == "hello\r\n" && five == "world" && rest == " and more";
  };
  CHECK(testing::run_sync(c.loop(), body, gen::Duration(5)));
  p.b->close();
}

// Tornado: test_read_until_max_bytes / test_read_until_max_bytes_inline.
TEST_CASE("iostream: read_until with max_bytes: equal succeeds, one short is unsatisfiable") {
  LoopCase c;
  {
    RawPeer p = raw_peer();
    send_all(p.fd, "abcd\n");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until("\n", 5); }) == "abcd\n");
    p.stream->close();
  }
  {
    RawPeer p = raw_peer();
    bool closed_cb = false;
    p.stream->set_close_callback([&] { closed_cb = true; });
    send_all(p.fd, "abcdef");
    CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return p.stream->read_until("\n", 5); }),
                    UnsatisfiableReadError);
    CHECK(p.stream->closed());
    CHECK(run_until(c.loop(), [&] { return closed_cb; }));
  }
  {
    // Not yet satisfiable, then the bytes arrive one at a time past the limit.
    RawPeer p = raw_peer();
    Future<std::string> f = p.stream->read_until("\n", 3);
    for (char ch : std::string("wxyz")) {
      send_all(p.fd, std::string(1, ch));
      c.loop().run_once(0.05);
    }
    CHECK(run_until(c.loop(), [&] { return f.done(); }));
    CHECK_THROWS_AS(f.result(), UnsatisfiableReadError);
  }
}

TEST_CASE("iostream: read_until across many one-byte arrivals, delimiter split between them") {
  LoopCase c;
  RawPeer p = raw_peer();
  const std::string msg = std::string(300, 'x') + "--END--" + "tail";
  Future<std::string> f = p.stream->read_until("--END--");
  for (char ch : msg) {
    send_all(p.fd, std::string(1, ch));
    c.loop().run_once(0);
  }
  CHECK(run_until(c.loop(), [&] { return f.done(); }));
  CHECK(f.result() == std::string(300, 'x') + "--END--");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(4); }) == "tail");
  p.stream->close();
}

TEST_CASE("iostream: read_until_regex matches a POSIX extended pattern") {
  LoopCase c;
  RawPeer p = raw_peer();
  send_all(p.fd, "GET / HTTP/1.1\nHost: x\n\nbody");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until_regex("\r?\n\r?\n"); }) ==
        "GET / HTTP/1.1\nHost: x\n\n");
  CHECK_THROWS_AS((void)p.stream->read_until_regex("(unclosed"), std::invalid_argument);
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(4); }) == "body");
  p.stream->close();
}

// Tornado: test_read_bytes_partial / test_read_zero_bytes.
TEST_CASE("iostream: read_bytes partial returns what is there; zero bytes at once") {
  LoopCase c;
  RawPeer p = raw_peer();
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(0); }).empty());
  send_all(p.fd, "abc");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(50, true); }) == "abc");
  send_all(p.fd, "defgh");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(3, true); }) == "def");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(2, true); }) == "gh");
  p.stream->close();
}

TEST_CASE("iostream: read_into fills the caller's buffer, whole or partial") {
  LoopCase c;
  RawPeer p = raw_peer();
  char buf[8];
  Future<std::size_t> f = p.stream->read_into(std::span<char>(buf, 8));
  send_all(p.fd, "1234");
  c.loop().run_once(0.05);
  CHECK_FALSE(f.done());
  send_all(p.fd, "56789");
  CHECK(testing::run_sync(c.loop(), [&] { return f; }) == 8);
  CHECK(std::string(buf, 8) == "12345678");
  CHECK(testing::run_sync(c.loop(),
                          [&] { return p.stream->read_into(std::span<char>(buf, 8), true); }) == 1);
  CHECK(buf[0] == '9');
  p.stream->close();
}

TEST_CASE("iostream: a second read while one is pending is an error") {
  LoopCase c;
  RawPeer p = raw_peer();
  Future<std::string> f = p.stream->read_bytes(1);
  CHECK(p.stream->reading());
  CHECK_THROWS_AS((void)p.stream->read_bytes(1), std::logic_error);
  p.stream->close();
  CHECK_THROWS_AS(f.result(), StreamClosedError);
}

// Tornado: test_streaming_until_close_future / test_future_close_while_reading /
// test_close_buffered_data.
TEST_CASE("iostream: data buffered before the peer closed is still delivered") {
  LoopCase c;
  RawPeer p = raw_peer();
  send_all(p.fd, "line one\nline two");
  ::close(p.fd);
  p.fd = -1;
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until("\n"); }) == "line one\n");
  CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until_close(); }) == "line two");
  CHECK(p.stream->closed());
  // A read the buffer cannot satisfy fails with a clean EOF (real_error 0).
  try {
    testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(1); });
    FAIL("expected StreamClosedError");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == 0);
  }
}

TEST_CASE("iostream: read_until unsatisfied when the peer closes fails; close callback runs") {
  LoopCase c;
  RawPeer p = raw_peer();
  bool closed_cb = false;
  p.stream->set_close_callback([&] { closed_cb = true; });
  Future<std::string> f = p.stream->read_until("\n");
  send_all(p.fd, "no newline");
  ::close(p.fd);
  p.fd = -1;
  CHECK(run_until(c.loop(), [&] { return f.done() && closed_cb; }));
  CHECK_THROWS_AS(f.result(), StreamClosedError);
}

TEST_CASE("iostream: a peer reset mid-read reports ECONNRESET as the real error") {
  LoopCase c;
  RawPeer p = raw_peer();
  Future<std::string> f = p.stream->read_bytes(100);
  send_all(p.fd, "partial");
  c.loop().run_once(0.05);
  const linger lg{1, 0};  // close with RST
  REQUIRE(::setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
  ::close(p.fd);
  p.fd = -1;
  CHECK(run_until(c.loop(), [&] { return f.done(); }));
  try {
    f.result();
    FAIL("expected StreamClosedError");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == ECONNRESET);
  }
  CHECK(p.stream->error() != nullptr);
}

// Tornado: test_max_buffer_size / test_flow_control.
TEST_CASE("iostream: max_buffer_size exceeded closes the stream with StreamBufferFullError") {
  LoopCase c;
  IOStreamOptions opts;
  opts.max_buffer_size = 1024;
  RawPeer p = raw_peer(opts);
  Future<std::string> f = p.stream->read_until("\n");
  send_all(p.fd, std::string(4096, 'a'));
  CHECK(run_until(c.loop(), [&] { return f.done(); }));
  CHECK_THROWS_AS(f.result(), StreamClosedError);
  CHECK(p.stream->closed());
  REQUIRE(p.stream->error() != nullptr);
  CHECK_THROWS_AS(std::rethrow_exception(p.stream->error()), StreamBufferFullError);
}

TEST_CASE("iostream: flow control: 10 MB through a 5 MB max_buffer_size, read in chunks") {
  LoopCase c;
  IOStreamOptions opts;
  opts.max_buffer_size = 5 * 1024 * 1024;
  Pair p = stream_pair(AF_INET, opts);
  const std::size_t total = 10 * 1024 * 1024;
  auto writer = [&]() -> Future<void> { co_await p.a->write(std::string(total, 'q')); };
  auto reader = [&]() -> Future<std::size_t> {
    std::size_t got = 0;
    while (got < total) got += (co_await p.b->read_bytes(1024 * 1024)).size();
    co_return got;
  };
  Future<void> w = writer();
  CHECK(testing::run_sync(c.loop(), reader, gen::Duration(20)) == total);
  testing::run_sync(c.loop(), [&] { return w; });
  CHECK_FALSE(p.b->closed());
  p.a->close();
  p.b->close();
}

TEST_CASE("iostream: 64 MiB through tiny socket buffers arrives byte-exact") {
  LoopCase c;
  int a = -1, b = -1;
  // A 1 KiB segment size: with loopback's 64 KiB MSS, a 4 KiB receive window can never hold a
  // full segment and TCP stalls on persist-timer probes (silly-window avoidance), which would
  // test the kernel's timers instead of the stream.
  REQUIRE(tcp_pair(AF_INET, a, b, 1024));
  const int small = 4096;
  ::setsockopt(a, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::setsockopt(b, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  auto wa = IOStream::create(a);
  auto rb = IOStream::create(b);
  const std::size_t total = 64u << 20;
  auto checksum = [](std::string_view s, std::uint64_t h) {
    for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;  // FNV-1a
    return h;
  };
  std::uint64_t sent_sum = 14695981039346656037ull;
  std::vector<Future<void>> writes;
  for (std::size_t off = 0; off < total; off += 1 << 20) {
    std::string piece(1 << 20, '\0');
    for (std::size_t i = 0; i < piece.size(); ++i)
      piece[i] = static_cast<char>((off + i) * 2654435761u >> 13);
    sent_sum = checksum(piece, sent_sum);
    writes.push_back(wa->write(std::move(piece)));
  }
  auto reader = [&]() -> Future<std::uint64_t> {
    std::uint64_t sum = 14695981039346656037ull;
    std::size_t got = 0;
    while (got < total) {
      std::string chunk =
          co_await rb->read_bytes(std::min<std::size_t>(total - got, 3 << 20), true);
      got += chunk.size();
      sum = checksum(chunk, sum);
    }
    co_return sum;
  };
  CHECK(testing::run_sync(c.loop(), reader, gen::Duration(60)) == sent_sum);
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(writes)); });
  CHECK(wa->write_buffer_size() == 0);
  wa->close();
  rb->close();
}

TEST_CASE("iostream: write futures resolve in order; an empty write at once") {
  LoopCase c;
  Pair p = stream_pair();
  Future<void> empty = p.a->write("");
  CHECK(empty.done());
  std::vector<Future<void>> fs;
  for (int i = 0; i < 50; ++i)
    fs.push_back(p.a->write(std::string(100000, static_cast<char>('a' + i % 26))));
  auto reader = [&]() -> Future<std::size_t> {
    std::string all = co_await p.b->read_bytes(50 * 100000);
    co_return all.size();
  };
  CHECK(testing::run_sync(c.loop(), reader, gen::Duration(10)) == 5000000);
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(fs)); });
  p.a->close();
  p.b->close();
}

TEST_CASE("iostream: closing during a write fails the write's Future") {
  LoopCase c;
  RawPeer p = raw_peer();
  const int small = 4096;
  ::setsockopt(p.stream->fileno(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  Future<void> w = p.stream->write(std::string(8 << 20, 'z'));  // cannot all fit
  CHECK_FALSE(w.done());
  CHECK(p.stream->writing());
  p.stream->close();
  CHECK(w.done());
  CHECK_THROWS_AS(w.result(), StreamClosedError);
  Future<void> late = p.stream->write("late");
  CHECK(late.done());
  CHECK_THROWS_AS(late.result(), StreamClosedError);
}

TEST_CASE("iostream: max_write_buffer_size refuses a write that would pass it") {
  LoopCase c;
  IOStreamOptions opts;
  opts.max_write_buffer_size = 1 << 20;
  RawPeer p = raw_peer(opts);
  const int small = 4096;
  ::setsockopt(p.stream->fileno(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  Future<void> w = p.stream->write(std::string(900 * 1024, 'x'));
  CHECK_THROWS_AS((void)p.stream->write(std::string(900 * 1024, 'y')), StreamBufferFullError);
  CHECK_FALSE(p.stream->closed());
  p.stream->close();
  CHECK_THROWS_AS(w.result(), StreamClosedError);
}

// Tornado: test_connection_refused.
TEST_CASE("iostream: connect to a refused port fails with ECONNREFUSED") {
  LoopCase c;
  // Find a port nobody listens on: bind, read the port, close.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(probe);
  auto s = IOStream::create(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  try {
    testing::run_sync(c.loop(),
                      [&] { return s->connect(reinterpret_cast<sockaddr*>(&addr), len); });
    FAIL("expected StreamClosedError");
  } catch (const StreamClosedError& e) {
    CHECK(e.real_error() == ECONNREFUSED);
  }
  CHECK(s->closed());
}

// Tornado: test_write_while_connecting.
TEST_CASE("iostream: writes made while connecting are sent after the connect") {
  LoopCase c;
  const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(l, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(l, 4) == 0);
  REQUIRE(::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  auto s = IOStream::create(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  Future<void> conn = s->connect(reinterpret_cast<sockaddr*>(&addr), len);
  Future<void> w = s->write("early bytes");
  testing::run_sync(c.loop(), [&] { return conn; });
  testing::run_sync(c.loop(), [&] { return w; });
  const int peer = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(peer >= 0);
  auto ps = IOStream::create(peer);
  CHECK(testing::run_sync(c.loop(), [&] { return ps->read_bytes(11); }) == "early bytes");
  ps->close();
  s->close();
  ::close(l);
}

TEST_CASE("iostream: IPv6 loopback and Unix sockets carry data") {
  LoopCase c;
  int a = -1, b = -1;
  if (tcp_pair(AF_INET6, a, b)) {
    auto sa = IOStream::create(a);
    auto sb = IOStream::create(b);
    sa->write("over ::1");
    CHECK(testing::run_sync(c.loop(), [&] { return sb->read_bytes(8); }) == "over ::1");
    sa->close();
    sb->close();
  } else {
    MESSAGE("skipped the [::1] half: IPv6 loopback is not available here");
  }
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  auto ua = IOStream::create(sv[0]);
  auto ub = IOStream::create(sv[1]);
  ua->write("unix");
  ua->set_nodelay(true);  // not TCP: ignored, not an error
  CHECK(testing::run_sync(c.loop(), [&] { return ub->read_bytes(4); }) == "unix");
  ua->close();
  ub->close();
}

// Tornado: TestPipeIOStream.test_pipe_iostream / test_pipe_iostream_big_write.
TEST_CASE("iostream: PipeIOStream reads and writes a pipe") {
  LoopCase c;
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  auto rs = PipeIOStream::create(fds[0]);
  auto ws = PipeIOStream::create(fds[1]);
  ws->write("hel");
  ws->write("lo world");
  CHECK(testing::run_sync(c.loop(), [&] { return rs->read_until(" "); }) == "hello ");
  Future<void> big = ws->write(std::string(1 << 20, 'p'));
  CHECK(testing::run_sync(c.loop(), [&] { return rs->read_bytes(5 + (1 << 20)); }).size() ==
        5 + (1 << 20));
  testing::run_sync(c.loop(), [&] { return big; });
  ws->close();
  CHECK(testing::run_sync(c.loop(), [&] { return rs->read_until_close(); }).empty());
  rs->close();
}

TEST_CASE("iostream: a stream nobody holds is closed and removed from the loop") {
  LoopCase c;
  int a = -1, b = -1;
  REQUIRE(tcp_pair(AF_INET, a, b));
  {
    auto s = IOStream::create(a);
    (void)s->read_bytes(1);  // registers with the loop
    CHECK(c.loop().handler_count() == 1);
  }
  CHECK(c.loop().handler_count() == 0);
  CHECK(::fcntl(a, F_GETFD) == -1);
  ::close(b);
}

// A delimiter past max_bytes that arrives in the same chunk as the start of the read must fail
// the read, not complete it (the read path that serves a read straight from new bytes).
TEST_CASE("iostream: read_until with max_bytes: a delimiter past the limit in one chunk") {
  LoopCase c;
  {
    RawPeer p = raw_peer();
    Future<std::string> f = p.stream->read_until("\n", 5);  // waiting: served from new bytes
    send_all(p.fd, "abcdefghij\n");
    CHECK(run_until(c.loop(), [&] { return f.done(); }));
    CHECK_THROWS_AS(f.result(), UnsatisfiableReadError);
    CHECK(p.stream->closed());
  }
  {
    RawPeer p = raw_peer();
    send_all(p.fd, "abcdefghij\n");
    CHECK_THROWS_AS(
        testing::run_sync(c.loop(), [&] { return p.stream->read_until_regex("\n", 5); }),
        UnsatisfiableReadError);
  }
}

TEST_CASE("iostream: stream Futures cannot be cancelled") {
  LoopCase c;
  RawPeer p = raw_peer();
  Future<std::string> f = p.stream->read_bytes(3);
  CHECK_FALSE(f.cancel());
  send_all(p.fd, "xyz");
  CHECK(testing::run_sync(c.loop(), [&] { return f; }) == "xyz");
  p.stream->close();
}

// A stream holding unread data, with no read pending, whose pipe or Unix-socket peer hangs up:
// the poller reports the hang-up whatever the interest mask, so a stream that ignored it
// (flow control leaves the rest in the kernel) woke the loop on every iteration and spun.
TEST_CASE("iostream: a hang-up while data waits unread does not spin the loop") {
  for (const std::string& backend : backends()) {
    for (const std::string kind : {"pipe", "unix socket"}) {
      CAPTURE(backend);
      CAPTURE(kind);
      LoopCase c(backend);
      FdPair fds = kind == "pipe" ? make_pipe() : make_socketpair();
      std::shared_ptr<BaseIOStream> s;
      if (kind == "pipe") {
        s = PipeIOStream::create(fds.a);
      } else {
        s = IOStream::create(fds.a);
      }
      fds.a = -1;  // the stream owns it
      // The read waits first, so the stream is registered with the loop when the bytes come.
      Future<std::string> first = s->read_until("\n");
      const std::string sent = "first\nsecond part";
      REQUIRE(::write(fds.b, sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
      CHECK(testing::run_sync(c.loop(), [&] { return first; }) == "first\n");
      fds.close_b();  // hang up, with "second part" unread
      // An idle loop sleeps in poll; one woken by the fd at every iteration burns the CPU.
      const double cpu_before = cpu_seconds();
      const Timeout stop = c.loop().call_later(0.2, [&] { c.loop().stop(); });
      c.loop().start();
      c.loop().remove_timeout(stop);
      CHECK(cpu_seconds() - cpu_before < 0.05);
      // Where the backend reports a hang-up without READ interest it is noticed at once
      // (select and kqueue report nothing, and the next read finds the EOF)...
      if (backend == "epoll" || backend == "poll") CHECK(s->closed());
      // ...and nothing was lost.
      CHECK(testing::run_sync(c.loop(), [&] { return s->read_until_close(); }) == "second part");
      s->close();
    }
  }
}

// Tornado's _maybe_add_error_listener: a stream that never had to wait (served inline) is not
// registered with the loop; setting a close callback must register it, or a peer that leaves
// while nothing is being read goes unnoticed (a web handler's on_connection_close never ran).
TEST_CASE("iostream: a close callback notices the peer leaving while no read is pending") {
  LoopCase c;
  RawPeer p = raw_peer();
  // A read served inline: the bytes are there before the read is asked for.
  REQUIRE(::write(p.fd, "hi\n", 3) == 3);
  REQUIRE(run_until(c.loop(), [&] {
    char b;
    return ::recv(p.stream->fileno(), &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
  }));
  Future<std::string> line = p.stream->read_until("\n");
  REQUIRE(line.done());
  CHECK(line.result() == "hi\n");
  bool closed = false;
  p.stream->set_close_callback([&] { closed = true; });
  ::close(p.fd);
  p.fd = -1;
  CHECK(run_until(c.loop(), [&] { return closed; }));
  CHECK(p.stream->closed());
}
