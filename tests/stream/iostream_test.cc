// tests/stream/iostream_test.cc: IOStream reads, every case on every backend (writes, connects,
// other transports and a stream's lifetime: iostream_write_test.cc).
// Mirrors:  tornado/test/iostream_test.py (TestIOStreamMixin, TestReadWriteMixin,
//           TestPipeIOStream); Tornado names are given where a case matches one. Each case
//           runs once per poller backend (TORNADO_EACH_BACKEND), as a subcase of its own.
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

#include "tests/stream/iostream_test.h"
#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;
using namespace iostream_test;

TEST_CASE("iostream: write then read_until, read_bytes, read_until_close") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// Tornado: test_read_until_max_bytes / test_read_until_max_bytes_inline.
TEST_CASE("iostream: read_until with max_bytes: equal succeeds, one short is unsatisfiable") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: read_until across many one-byte arrivals, delimiter split between them") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: read_until_regex takes a pattern in Python's syntax") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    send_all(p.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\nbodyabcd\tz");
    // As Tornado's users write it: Python's escapes, not the characters themselves.
    CHECK(testing::run_sync(c.loop(), [&] {
            return p.stream->read_until_regex(R"(\r?\n\r?\n)");
          }) == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    // A refused pattern throws before the read starts and leaves the stream as it was.
    CHECK_THROWS_AS((void)p.stream->read_until_regex("(unclosed"), std::invalid_argument);
    CHECK_THROWS_AS((void)p.stream->read_until_regex("a+?"), std::invalid_argument);
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(4); }) == "body");
    // Leftmost-first, as Python's re.search: "a" wins over the longer "ab".
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until_regex("a|ab"); }) == "a");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until_regex(R"(\w*\t)"); }) ==
          "bcd\t");
    p.stream->close();
  }
}

// Tornado: test_read_bytes_partial / test_read_zero_bytes.
TEST_CASE("iostream: read_bytes partial returns what is there; zero bytes at once") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(0); }).empty());
    send_all(p.fd, "abc");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(50, true); }) == "abc");
    send_all(p.fd, "defgh");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(3, true); }) == "def");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(2, true); }) == "gh");
    p.stream->close();
  }
}

TEST_CASE("iostream: read_into fills the caller's buffer, whole or partial") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    char buf[8];
    Future<std::size_t> f = p.stream->read_into(std::span<char>(buf, 8));
    send_all(p.fd, "1234");
    c.loop().run_once(0.05);
    CHECK_FALSE(f.done());
    send_all(p.fd, "56789");
    CHECK(testing::run_sync(c.loop(), [&] { return f; }) == 8);
    CHECK(std::string(buf, 8) == "12345678");
    CHECK(testing::run_sync(
              c.loop(), [&] { return p.stream->read_into(std::span<char>(buf, 8), true); }) == 1);
    CHECK(buf[0] == '9');
    p.stream->close();
  }
}

// What the HTTP server waits with between keep-alive requests: no bytes are taken from the
// kernel or the stream's buffer, so the caller's own read gets them all.
TEST_CASE("iostream: wait_for_read resolves when there is something to read, reading nothing") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    Future<std::size_t> f = p.stream->wait_for_read();
    c.loop().run_once(0.05);
    CHECK_FALSE(f.done());
    CHECK(p.stream->reading());  // it is the pending read
    CHECK_THROWS_AS((void)p.stream->read_bytes(1), std::logic_error);
    send_all(p.fd, "abc");
    CHECK(testing::run_sync(c.loop(), [&] { return f; }) == 0);  // still in the kernel
    CHECK(p.stream->read_buffer_size() == 0);
    char buf[8];
    CHECK(testing::run_sync(
              c.loop(), [&] { return p.stream->read_into(std::span<char>(buf, 8), true); }) == 3);
    CHECK(std::string(buf, 3) == "abc");
    // Bytes the stream has buffered already: at once, with their count.
    send_all(p.fd, "line\nrest");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until("\n"); }) == "line\n");
    Future<std::size_t> buffered = p.stream->wait_for_read();
    REQUIRE(buffered.done());
    CHECK(buffered.result() == 4);
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(4); }) == "rest");
    // The peer leaving is something to read: the wait resolves and the read then fails.
    ::close(p.fd);
    p.fd = -1;
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->wait_for_read(); }) == 0);
    CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(1); }),
                    StreamClosedError);
  }
}

// What the HTTP server reads a head with once wait_for_read(cb) says something is here.
TEST_CASE("iostream: read_now takes buffered bytes, then one read from the fd, never waits") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    char buf[8];
    CHECK(p.stream->read_now(std::span<char>(buf, 8)) == 0);  // nothing yet: no wait, no close
    CHECK_FALSE(p.stream->closed());
    CHECK_FALSE(p.stream->reading());
    send_all(p.fd, "line\nrest");
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_until("\n"); }) == "line\n");
    CHECK(p.stream->read_buffer_size() == 4);
    CHECK(p.stream->read_now(std::span<char>(buf, 3)) == 3);  // from the stream's buffer
    CHECK(std::string(buf, 3) == "res");
    CHECK(p.stream->read_now(std::span<char>(buf, 8)) == 1);
    CHECK(buf[0] == 't');
    CHECK(p.stream->read_buffer_size() == 0);
    send_all(p.fd, "abc");
    bool ready = false;
    p.stream->wait_for_read([&] { ready = true; });
    CHECK(testing::run_until(
        c.loop(), [&] { return ready; }, 5.0));
    CHECK(p.stream->read_now(std::span<char>(buf, 8)) == 3);  // from the fd
    CHECK(std::string(buf, 3) == "abc");
    // A pending read keeps its bytes: read_now takes none.
    Future<std::size_t> pending = p.stream->read_into(std::span<char>(buf, 8));
    CHECK(p.stream->read_now(std::span<char>(buf, 8)) == 0);
    p.stream->close();
    CHECK_THROWS_AS(pending.result(), StreamClosedError);
    // The peer leaving: 0, and the stream is closed.
    RawPeer q = raw_peer();
    ::close(q.fd);
    q.fd = -1;
    CHECK(q.stream->read_now(std::span<char>(buf, 8)) == 0);
    CHECK(q.stream->closed());
  }
}

TEST_CASE("iostream: wait_for_read fails when the stream is closed") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    Future<std::size_t> f = p.stream->wait_for_read();
    p.stream->close();
    REQUIRE(f.done());
    CHECK_THROWS_AS(f.result(), StreamClosedError);
    CHECK_FALSE(p.stream->reading());
    Future<std::size_t> after = p.stream->wait_for_read();  // on a closed stream: failed
    REQUIRE(after.done());
    CHECK_THROWS_AS(after.result(), StreamClosedError);
  }
}

// The callback form: run from the loop, never inside the call or inside close(), once.
TEST_CASE(
    "iostream: wait_for_read with a callback runs it on the loop when bytes come or on close") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    int runs = 0;
    std::size_t buffered = 99;
    p.stream->wait_for_read([&] {
      ++runs;
      buffered = p.stream->read_buffer_size();
    });
    CHECK(p.stream->reading());
    c.loop().run_once(0.05);
    CHECK(runs == 0);
    send_all(p.fd, "abc");
    CHECK(run_until(c.loop(), [&] { return runs == 1; }));
    CHECK(buffered == 0);  // the wait read nothing
    CHECK(testing::run_sync(c.loop(), [&] { return p.stream->read_bytes(3); }) == "abc");
    // Closed while waiting: not inside close(), but on the loop, with closed() true.
    bool saw_closed = false;
    p.stream->wait_for_read([&] {
      ++runs;
      saw_closed = p.stream->closed();
    });
    p.stream->close();
    CHECK(runs == 1);
    CHECK(run_until(c.loop(), [&] { return runs == 2; }));
    CHECK(saw_closed);
  }
}

TEST_CASE("iostream: a second read while one is pending is an error") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    Future<std::string> f = p.stream->read_bytes(1);
    CHECK(p.stream->reading());
    CHECK_THROWS_AS((void)p.stream->read_bytes(1), std::logic_error);
    p.stream->close();
    CHECK_THROWS_AS(f.result(), StreamClosedError);
  }
}

// Tornado: test_streaming_until_close_future / test_future_close_while_reading /
// test_close_buffered_data.
TEST_CASE("iostream: data buffered before the peer closed is still delivered") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: read_until unsatisfied when the peer closes fails; close callback runs") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: a peer reset mid-read reports ECONNRESET as the real error") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// Tornado: test_max_buffer_size / test_flow_control.
TEST_CASE("iostream: max_buffer_size exceeded closes the stream with StreamBufferFullError") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: flow control: 10 MB through a 5 MB max_buffer_size, read in chunks") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: 64 MiB through tiny socket buffers arrives byte-exact") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
      for (const char ch : s)
        h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;  // FNV-1a
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
}

TEST_CASE("iostream: read_until with max_bytes: a delimiter past the limit in one chunk") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: stream Futures cannot be cancelled") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
    RawPeer p = raw_peer();
    Future<std::string> f = p.stream->read_bytes(3);
    CHECK_FALSE(f.cancel());
    send_all(p.fd, "xyz");
    CHECK(testing::run_sync(c.loop(), [&] { return f; }) == "xyz");
    p.stream->close();
  }
}

// A stream holding unread data, with no read pending, whose pipe or Unix-socket peer hangs up:
// the poller reports the hang-up whatever the interest mask, so a stream that ignored it
// (flow control leaves the rest in the kernel) woke the loop on every iteration and spun.
TEST_CASE("iostream: a hang-up while data waits unread does not spin the loop") {
  TORNADO_EACH_BACKEND(backend) {
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
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}
