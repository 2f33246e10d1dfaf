// tests/gen/queues_test.cc: Queue, PriorityQueue, LifoQueue.
// Mirrors:  tornado/test/queues_test.py; each case names the Tornado test it follows.
#include "gen/queues.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gen/gen.h"
#include "tests/support/async_test.h"

using namespace tornado;
using namespace tornado::testing;
using std::chrono::milliseconds;

// Tornado: QueueBasicTest.test_order / test_maxsize.
TEST_CASE("queues: order and maxsize") {
  LoopCase c;
  Queue<int> q;
  for (int i : {1, 3, 2}) q.put_nowait(i);
  CHECK(q.get_nowait() == 1);
  CHECK(q.get_nowait() == 3);
  CHECK(q.get_nowait() == 2);
  Queue<int> bounded(2);
  CHECK(bounded.maxsize() == 2);
  CHECK(bounded.empty());
  bounded.put_nowait(0);
  bounded.put_nowait(1);
  CHECK(bounded.full());
  CHECK_THROWS_AS(bounded.put_nowait(2), QueueFull);
  CHECK(bounded.qsize() == 2);
  Queue<int> unbounded(0);
  for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
  CHECK_FALSE(unbounded.full());
}

// Tornado: QueueGetTest.test_blocking_get / test_nonblocking_get_exception /
// test_blocking_get_wait.
TEST_CASE("queues: get waits for a put; get_nowait on empty throws") {
  LoopCase c;
  Queue<std::string> q;
  CHECK_THROWS_AS(q.get_nowait(), QueueEmpty);
  Future<std::string> f = q.get();
  CHECK_FALSE(f.done());
  c.loop().call_later(0.01, [&] { q.put_nowait("hi"); });
  CHECK(gen::run_sync(c.loop(), [&] { return f; }) == "hi");
}

// Tornado: QueueGetTest.test_get_with_putters.
TEST_CASE("queues: get with a waiting putter takes an item and lets the putter in") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);
  Future<void> put = q.put(1);
  CHECK_FALSE(put.done());
  CHECK(gen::run_sync(c.loop(), [&] { return q.get(); }) == 0);
  gen::run_sync(c.loop(), [&] { return put; });
  CHECK(q.get_nowait() == 1);
}

// Tornado: QueueGetTest.test_get_timeout / test_get_timeout_preempted /
// test_get_clears_timed_out_getters.
TEST_CASE("queues: a get times out; a timed-out getter never receives an item") {
  LoopCase c;
  Queue<int> q;
  Future<int> late = q.get(milliseconds(10));
  Future<int> patient = q.get();
  CHECK_THROWS_AS(gen::run_sync(c.loop(), [&] { return late; }), TimeoutError);
  q.put_nowait(7);
  CHECK(gen::run_sync(c.loop(), [&] { return patient; }) == 7);
  Future<int> preempted = q.get(milliseconds(500));
  q.put_nowait(8);  // served before its timeout: the timer goes away with it
  CHECK(gen::run_sync(c.loop(), [&] { return preempted; }) == 8);
  CHECK(c.loop().pending_timeouts() == 0);
}

// Tornado: QueuePutTest.test_put_timeout / test_put_clears_timed_out_putters.
TEST_CASE("queues: a put times out when full; a timed-out putter's item never goes in") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);
  Future<void> late = q.put(1, milliseconds(10));
  Future<void> patient = q.put(2);
  CHECK_THROWS_AS(gen::run_sync(c.loop(), [&] { return late; }), TimeoutError);
  CHECK(q.get_nowait() == 0);
  gen::run_sync(c.loop(), [&] { return patient; });
  CHECK(q.get_nowait() == 2);
  CHECK(q.empty());
}

// Tornado: QueuePutTest.test_put_with_getters.
TEST_CASE("queues: a put hands its item to the oldest waiting getter") {
  LoopCase c;
  Queue<int> q;
  Future<int> g1 = q.get(), g2 = q.get();
  gen::run_sync(c.loop(), [&] { return q.put(1); });
  q.put_nowait(2);
  CHECK(gen::run_sync(c.loop(), [&] { return g1; }) == 1);
  CHECK(gen::run_sync(c.loop(), [&] { return g2; }) == 2);
}

// Tornado: QueueJoinTest.test_task_done_underflow / test_task_done / test_join_empty_queue /
// test_join_timeout.
TEST_CASE("queues: task_done and join") {
  LoopCase c;
  Queue<int> q;
  CHECK_THROWS_AS(q.task_done(), std::invalid_argument);
  CHECK(q.join().done());  // nothing was ever put
  for (int i = 0; i < 10; ++i) q.put_nowait(i);
  CHECK_THROWS_AS(gen::run_sync(c.loop(), [&] { return q.join(milliseconds(10)); }), TimeoutError);
  int sum = 0;
  auto consumer = [](Queue<int>& queue, int& total) -> Future<void> {
    for (;;) {
      total += co_await queue.get();
      queue.task_done();
      if (queue.empty()) co_return;
    }
  };
  Future<void> worker = consumer(q, sum);
  gen::run_sync(c.loop(), [&] { return q.join(); });
  CHECK(sum == 45);
  gen::run_sync(c.loop(), [&] { return worker; });
}

// Tornado: PriorityQueueJoinTest.test_order / LifoQueueJoinTest.test_order.
TEST_CASE("queues: priority queue pops the smallest; lifo queue the newest") {
  LoopCase c;
  PriorityQueue<std::pair<int, std::string>> pq(3);
  pq.put_nowait({1, "a"});
  pq.put_nowait({0, "b"});
  pq.put_nowait({2, "c"});
  CHECK(pq.full());
  CHECK(pq.get_nowait().second == "b");
  CHECK(pq.get_nowait().second == "a");
  CHECK(pq.get_nowait().second == "c");
  LifoQueue<int> lq;
  for (int i : {1, 3, 2}) lq.put_nowait(i);
  CHECK(lq.get_nowait() == 2);
  CHECK(lq.get_nowait() == 3);
  CHECK(lq.get_nowait() == 1);
}

// Tornado: ProducerConsumerTest.test_producer_consumer.
TEST_CASE("queues: producer and consumer through a bounded queue") {
  LoopCase c;
  Queue<int> q(3);
  std::vector<int> got;
  auto producer = [](Queue<int>& queue) -> Future<void> {
    for (int i = 0; i < 10; ++i) co_await queue.put(i);
  };
  auto consumer = [](Queue<int>& queue, std::vector<int>& out) -> Future<void> {
    for (int i = 0; i < 10; ++i) {
      out.push_back(co_await queue.get());
      queue.task_done();
    }
  };
  gen::run_sync(c.loop(), [&] { return gen::multi(producer(q), consumer(q, got)); });
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}
