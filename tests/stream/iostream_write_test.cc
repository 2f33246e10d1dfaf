// tests/stream/iostream_write_test.cc: IOStream writes, connects, IPv6 and Unix sockets,
// PipeIOStream and a stream nobody holds, every case on every backend.
// Mirrors:  tornado/test/iostream_test.py (TestIOStreamMixin, TestPipeIOStream); Tornado names
//           are given where a case matches one. Each case runs once per poller backend
//           (TORNADO_EACH_BACKEND), as a subcase of its own.
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
#include "tornado/stream/iostream.h"

using namespace tornado;
using namespace tornado::testing;
using namespace iostream_test;

TEST_CASE("iostream: write futures resolve in order; an empty write at once") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: closing during a write fails the write's Future") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: max_write_buffer_size refuses a write that would pass it") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// Tornado: test_connection_refused.
TEST_CASE("iostream: connect to a refused port fails with ECONNREFUSED") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// Tornado: test_write_while_connecting.
TEST_CASE("iostream: writes made while connecting are sent after the connect") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: IPv6 loopback and Unix sockets carry data") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// Tornado: TestPipeIOStream.test_pipe_iostream / test_pipe_iostream_big_write.
TEST_CASE("iostream: PipeIOStream reads and writes a pipe") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

TEST_CASE("iostream: a stream nobody holds is closed and removed from the loop") {
  TORNADO_EACH_BACKEND(backend) {
    LoopCase c(backend);
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
}

// A delimiter past max_bytes that arrives in the same chunk as the start of the read must fail
// the read, not complete it (the read path that serves a read straight from new bytes).
