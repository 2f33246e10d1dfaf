// tests/reactor/timeout_heap_test.cc: the deadline heap alone, without a loop.
// Mirrors the timeout parts of tornado/test/ioloop_test.py that do not need I/O.
#include "tornado/reactor/timeout_heap.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

using tornado::Callback;
using tornado::SourceLocation;
using tornado::Timeout;
using tornado::detail::TimeoutHeap;

namespace {

// Collects and runs everything due at `now`; returns the ids in the order they ran.
std::vector<int> fire(TimeoutHeap& h, double now, std::vector<int>& log) {
  std::vector<Timeout> due;
  h.collect_due(now, due);
  for (Timeout t : due) {
    Callback cb;
    SourceLocation where;
    if (h.take(t, cb, where)) cb();
  }
  return log;
}

}  // namespace

TEST_CASE("timeout_heap: fires in deadline order, ties in insertion order") {
  TimeoutHeap h;
  std::vector<int> log;
  const double deadlines[] = {3, 1, 2, 1, 5, 1};
  for (int i = 0; i < 6; ++i)
    h.push(
        deadlines[i], [&log, i] { log.push_back(i); }, SourceLocation::current());
  fire(h, 2.5, log);
  CHECK(log == std::vector<int>{1, 3, 5, 2});
  fire(h, 10, log);
  CHECK(log == std::vector<int>{1, 3, 5, 2, 0, 4});
  CHECK(h.live() == 0);
  CHECK(h.empty());
}

TEST_CASE("timeout_heap: cancel is idempotent and harmless after firing") {
  TimeoutHeap h;
  int ran = 0;
  Timeout a = h.push(
      1, [&] { ++ran; }, SourceLocation::current());
  Timeout b = h.push(
      2, [&] { ++ran; }, SourceLocation::current());
  CHECK(h.cancel(a));
  CHECK_FALSE(h.cancel(a));
  std::vector<int> log;
  fire(h, 5, log);
  CHECK(ran == 1);
  CHECK_FALSE(h.cancel(b));  // already fired
  CHECK_FALSE(h.cancel(Timeout{}));
  CHECK(h.live() == 0);
}

TEST_CASE("timeout_heap: a handle to a reused slot does not cancel the new timeout") {
  TimeoutHeap h;
  Timeout old = h.push(
      1, [] {}, SourceLocation::current());
  CHECK(h.cancel(old));
  Timeout fresh = h.push(
      1, [] {}, SourceLocation::current());
  CHECK(fresh.slot == old.slot);
  CHECK_FALSE(h.cancel(old));
  CHECK(h.live() == 1);
  CHECK(h.cancel(fresh));
}

TEST_CASE("timeout_heap: a collected timeout can still be cancelled before it runs") {
  TimeoutHeap h;
  int ran = 0;
  Timeout a = h.push(
      1, [&] { ++ran; }, SourceLocation::current());
  std::vector<Timeout> due;
  h.collect_due(2, due);
  REQUIRE(due.size() == 1);
  CHECK(h.cancel(a));
  Callback cb;
  SourceLocation where;
  CHECK_FALSE(h.take(due[0], cb, where));
  CHECK(ran == 0);
  CHECK(h.cancellations() == 0);  // its entry had left the heap already
}

TEST_CASE("timeout_heap: compaction when over 512 cancelled and over half the heap") {
  TimeoutHeap h;
  std::vector<Timeout> ts;
  for (int i = 0; i < 1200; ++i)
    ts.push_back(h.push(
        100 + i, [] {}, SourceLocation::current()));
  // Cancel the 600 latest, so no stale entry reaches the top and only compaction removes them.
  for (std::size_t i = 600; i < 1200; ++i) h.cancel(ts[i]);
  std::vector<Timeout> due;
  h.collect_due(0, due);  // nothing due; the rule is checked: 600 > 512, but not > 1200 / 2
  CHECK(h.entries() == 1200);
  CHECK(h.cancellations() == 600);
  h.cancel(ts[599]);  // 601 > 600: now the majority
  h.collect_due(0, due);
  CHECK(h.entries() == 599);
  CHECK(h.cancellations() == 0);
  CHECK(due.empty());
  // The survivors still fire in order.
  h.collect_due(1e9, due);
  CHECK(due.size() == 599);
}

TEST_CASE("timeout_heap: random deadlines with random cancellations come out sorted") {
  TimeoutHeap h;
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> dist(0, 1000);
  std::vector<double> fired;
  std::vector<std::pair<Timeout, double>> all;
  for (int i = 0; i < 20000; ++i) {
    const double d = dist(rng);
    all.emplace_back(h.push(
                         d, [&fired, d] { fired.push_back(d); }, SourceLocation::current()),
                     d);
  }
  std::vector<double> expected;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i % 3 == 0) {
      CHECK(h.cancel(all[i].first));
    } else {
      expected.push_back(all[i].second);
    }
  }
  std::sort(expected.begin(), expected.end());
  std::vector<int> log;
  for (double now = 0; now <= 1000; now += 37.5) fire(h, now, log);
  fire(h, 2000, log);
  CHECK(fired == expected);
}

// Sequence numbers are 32 bits; renumbering before they wrap must keep ties in insertion order
// and must not revive a cancelled entry.
TEST_CASE("timeout_heap: ties keep insertion order across the sequence number wrap") {
  TimeoutHeap h;
  std::vector<int> log;
  const auto at = [&h, &log](double deadline, int id) {
    return h.push(
        deadline, [&log, id] { log.push_back(id); }, SourceLocation::current());
  };
  at(5, 0);
  const Timeout cancelled = at(5, -1);
  at(5, 1);
  CHECK(h.cancel(cancelled));
  h.skip_sequence(UINT32_MAX - 1);
  at(5, 2);  // the last number before the wrap
  at(3, 3);  // renumbers first: the stale entry is dropped, the others keep their order
  CHECK(h.entries() == 4);
  CHECK(h.cancellations() == 0);
  at(5, 4);
  at(5, 5);
  fire(h, 10, log);
  CHECK(log == std::vector<int>{3, 0, 1, 2, 4, 5});
  CHECK_FALSE(h.cancel(cancelled));
  CHECK(h.live() == 0);
}
