// tests/reactor/waker_test.cc: both kinds of waker, alone and under a loop.
#include "tornado/reactor/waker.h"

#include <doctest/doctest.h>
#include <poll.h>

#include "tests/support/async_test.h"

using tornado::detail::Waker;

namespace {

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

}  // namespace

TEST_CASE("waker: eventfd and pipe wake a poll and consume() drains every wake-up") {
  const int before = tornado::testing::count_open_fds();
  for (Waker::Kind kind : {Waker::Kind::kEventfd, Waker::Kind::kPipe}) {
    int err = 0;
    Waker w(kind, &err);
    REQUIRE(err == 0);
    CHECK(w.is_eventfd() == (kind == Waker::Kind::kEventfd));
    CHECK_FALSE(readable(w.fileno(), 0));
    w.wake();
    CHECK(readable(w.fileno(), 1000));
    w.consume();
    CHECK_FALSE(readable(w.fileno(), 0));
    // Many wakes before a consume: still one drain, and a full pipe never blocks wake().
    for (int i = 0; i < 200000; ++i) w.wake();
    CHECK(readable(w.fileno(), 0));
    w.consume();
    CHECK_FALSE(readable(w.fileno(), 0));
  }
  CHECK(tornado::testing::count_open_fds() == before);
}

TEST_CASE("waker: wake() keeps errno as it was (it runs inside signal handlers)") {
  int err = 0;
  Waker w(Waker::Kind::kPipe, &err);
  REQUIRE(err == 0);
  for (int i = 0; i < 100000; ++i) w.wake();  // fills the pipe: write() fails with EAGAIN
  errno = 1234;
  w.wake();
  CHECK(errno == 1234);
}
