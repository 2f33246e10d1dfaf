// tests/reactor/poller_test.cc: the Poller contract, checked directly on every backend.
// Internal interface (reactor/poller.h); the loop-level cases are in ioloop_test.cc.
#include "tornado/reactor/poller.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string_view>

#include "tests/support/async_test.h"
#include "tornado/reactor/ioloop.h"

using tornado::IOLoop;
using namespace tornado::detail;
using namespace tornado::testing;

namespace {

// The backend's poller; the case stops, saying why, when it cannot be made.
std::unique_ptr<Poller> open_poller(std::string_view backend) {
  int err = 0;
  auto p = make_poller(backend, &err);
  REQUIRE_MESSAGE(p != nullptr, "make_poller failed with " << err);
  return p;
}

}  // namespace

TEST_CASE("poller: register, poll, modify, unregister on every backend") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    const int before = count_open_fds();
    {
      auto p = open_poller(backend);
      CHECK(std::string(p->name()) == backend);
      FdPair s = make_socketpair();
      REQUIRE(p->register_fd(s.a, IOLoop::READ) == 0);
      std::vector<PollEvent> out;
      CHECK(p->poll(0, out) == 0);
      CHECK(out.empty());
      REQUIRE(::write(s.b, "x", 1) == 1);
      CHECK(p->poll(1000, out) == 1);
      REQUIRE(out.size() == 1);
      CHECK(out[0].fd == s.a);
      CHECK((out[0].events & IOLoop::READ) != 0);
      out.clear();
      CHECK(p->modify(s.a, IOLoop::WRITE) == 0);
      CHECK(p->poll(1000, out) == 1);
      REQUIRE(out.size() == 1);
      CHECK((out[0].events & IOLoop::WRITE) != 0);
      out.clear();
      CHECK(p->modify(s.a, 0) == 0);
      CHECK(p->poll(0, out) == 0);  // no interest, nothing ready
      CHECK(p->unregister(s.a) == 0);
      CHECK(p->unregister(s.a) < 0);
      CHECK(p->poll(0, out) == 0);
    }
    CHECK(count_open_fds() == before);
  }
}

TEST_CASE("poller: one fd readable and writable is reported once with both bits") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    auto p = open_poller(backend);
    FdPair s = make_socketpair();
    REQUIRE(::write(s.b, "x", 1) == 1);
    REQUIRE(p->register_fd(s.a, IOLoop::READ | IOLoop::WRITE) == 0);
    std::vector<PollEvent> out;
    CHECK(p->poll(1000, out) == 1);
    REQUIRE(out.size() == 1);
    CHECK((out[0].events & (IOLoop::READ | IOLoop::WRITE)) == (IOLoop::READ | IOLoop::WRITE));
    CHECK(p->unregister(s.a) == 0);
  }
}

TEST_CASE("poller: the timeout is honoured when nothing is ready") {
  TORNADO_EACH_BACKEND(backend) {
    INFO("backend: " << backend);
    auto p = open_poller(backend);
    FdPair s = make_socketpair();
    REQUIRE(p->register_fd(s.a, IOLoop::READ) == 0);
    timespec t0{}, t1{};
    ::clock_gettime(CLOCK_MONOTONIC, &t0);
    std::vector<PollEvent> out;
    CHECK(p->poll(30, out) == 0);
    ::clock_gettime(CLOCK_MONOTONIC, &t1);
    const double took = static_cast<double>(t1.tv_sec - t0.tv_sec) +
                        static_cast<double>(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    CHECK(took >= 0.029);
    CHECK(p->unregister(s.a) == 0);
  }
}

TEST_CASE("poller: unknown backend names give -ENOENT") {
  int err = 0;
  CHECK(make_poller("nonesuch", &err) == nullptr);
  CHECK(err == -ENOENT);
}

// The conformance cases loop over backends(); on Linux that must include kqueue (through the
// shim in tests/support/kqueue_shim), or the kqueue backend would silently go untested.
TEST_CASE("poller: every backend of the platform is under test") {
  const auto names = backends();
  auto has = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  CHECK(has("poll"));
  CHECK(has("select"));
  CHECK(has("kqueue"));
#if defined(__linux__)
  CHECK(has("epoll"));
  CHECK(names.front() == "epoll");  // the default stays the native backend
#endif
}

TEST_CASE("poller: kqueue reports a closed peer as ERROR; modify drops one filter") {
  auto p = open_poller("kqueue");
  FdPair s = make_socketpair();
  s.close_b();
  REQUIRE(p->register_fd(s.a, IOLoop::READ | IOLoop::WRITE) == 0);
  std::vector<PollEvent> out;
  CHECK(p->poll(1000, out) == 1);
  REQUIRE(out.size() == 1);
  CHECK((out[0].events & IOLoop::ERROR) != 0);
  CHECK(p->modify(s.a, IOLoop::READ) == 0);  // drops only the write filter
  CHECK(p->unregister(s.a) == 0);
}
