// tests/gen/queues_test.cc: Queue, PriorityQueue, LifoQueue.
// Mirrors:  tornado/test/queues_test.py; each case names the Tornado test it follows. The
//           QueueJoinTest cases run for all three queues, as Tornado's PriorityQueueJoinTest and
//           LifoQueueJoinTest subclasses do. test_async_for (no async iteration here) and
//           test_float_maxsize (maxsize is an integer) have no counterpart. Where Tornado sleeps
//           to let timeouts pass, these cases run the loop until they have.
#include "tornado/gen/queues.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/async_test.h"
#include "tornado/gen/gen.h"

using namespace tornado;
using namespace tornado::testing;
using std::chrono::milliseconds;

namespace {

template <class T>
bool all_done(const std::vector<Future<T>>& fs, std::size_t from = 0) {
  for (std::size_t i = from; i < fs.size(); ++i)
    if (!fs[i].done()) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- QueueBasicTest

// Tornado: QueueBasicTest.test_repr_and_str (the counts its repr shows).
TEST_CASE("queues: repr_and_str") {
  LoopCase c;
  Queue<int> q(1);
  CHECK(q.maxsize() == 1);
  Future<int> get = q.get();
  CHECK(q.getters() == 1);
  CHECK(q.putters() == 0);
  CHECK(q.unfinished_tasks() == 0);
  Future<void> p0 = q.put(0);  // to the getter
  Future<void> p1 = q.put(0);
  Future<void> p2 = q.put(0);  // the queue is full: this putter waits
  CHECK(q.getters() == 0);
  CHECK(q.putters() == 1);
  CHECK(q.unfinished_tasks() == 2);
  CHECK(testing::run_sync(c.loop(), [&] { return get; }) == 0);
}

// Tornado: QueueBasicTest.test_order.
TEST_CASE("queues: order") {
  LoopCase c;
  Queue<int> q;
  for (int i : {1, 3, 2}) q.put_nowait(i);
  std::vector<int> items;
  for (int i = 0; i < 3; ++i) items.push_back(q.get_nowait());
  CHECK(items == std::vector<int>{1, 3, 2});
}

// Tornado: QueueBasicTest.test_maxsize.
TEST_CASE("queues: maxsize") {
  LoopCase c;
  CHECK_THROWS_AS(Queue<int>(-1), std::invalid_argument);
  Queue<int> q(2);
  CHECK(q.empty());
  CHECK_FALSE(q.full());
  CHECK(q.maxsize() == 2);
  CHECK(q.put(0).done());
  CHECK(q.put(1).done());
  CHECK_FALSE(q.empty());
  CHECK(q.full());
  Future<void> put2 = q.put(2);
  CHECK_FALSE(put2.done());
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 0);  // makes room
  CHECK(put2.done());
  CHECK_FALSE(q.empty());
  CHECK(q.full());
}

TEST_CASE("queues: maxsize 0 is unbounded") {
  LoopCase c;
  Queue<int> q(0);
  for (int i = 0; i < 10000; ++i) CHECK(q.put(i).done());
  CHECK_FALSE(q.full());
  CHECK(q.qsize() == 10000);
}

// ---------------------------------------------------------------- QueueGetTest

// Tornado: QueueGetTest.test_blocking_get.
TEST_CASE("queues: blocking_get") {
  LoopCase c;
  Queue<int> q;
  q.put_nowait(0);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 0);
}

// Tornado: QueueGetTest.test_nonblocking_get.
TEST_CASE("queues: nonblocking_get") {
  LoopCase c;
  Queue<int> q;
  q.put_nowait(0);
  CHECK(q.get_nowait() == 0);
}

// Tornado: QueueGetTest.test_nonblocking_get_exception.
TEST_CASE("queues: nonblocking_get_exception") {
  LoopCase c;
  Queue<int> q;
  CHECK_THROWS_AS(q.get_nowait(), QueueEmpty);
}

// Tornado: QueueGetTest.test_get_with_putters.
TEST_CASE("queues: get_with_putters") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);
  Future<void> put = q.put(1);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 0);
  testing::run_sync(c.loop(), [&] { return put; });
  CHECK(q.get_nowait() == 1);
}

// Tornado: QueueGetTest.test_blocking_get_wait.
TEST_CASE("queues: blocking_get_wait") {
  LoopCase c;
  Queue<int> q;
  Future<void> put = q.put(0);
  c.loop().call_later(0.01, [&] { q.put_nowait(1); });
  c.loop().call_later(0.02, [&] { q.put_nowait(2); });
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(std::chrono::seconds(1)); }) == 0);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(std::chrono::seconds(1)); }) == 1);
  CHECK(run_until(c.loop(), [&] { return q.qsize() == 1; }));  // the second put has run
}

// Tornado: QueueGetTest.test_get_timeout: the timed-out getter never receives an item.
TEST_CASE("queues: get_timeout") {
  LoopCase c;
  Queue<int> q;
  Future<int> get_timeout = q.get(milliseconds(10));
  Future<int> get = q.get();
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return get_timeout; }), TimeoutError);
  q.put_nowait(0);
  CHECK(testing::run_sync(c.loop(), [&] { return get; }) == 0);
}

// Tornado: QueueGetTest.test_get_zero_timeout: a zero timeout fails at once if it must wait.
TEST_CASE("queues: get_zero_timeout") {
  LoopCase c;
  Queue<int> q;
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return q.get(milliseconds(0)); }),
                  TimeoutError);
  q.put_nowait(1);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(milliseconds(0)); }) == 1);
}

// Tornado: QueueGetTest.test_get_timeout_preempted.
TEST_CASE("queues: get_timeout_preempted") {
  LoopCase c;
  Queue<int> q;
  Future<int> get = q.get(milliseconds(10));
  Future<void> put = q.put(0);
  CHECK(c.loop().pending_timeouts() == 0);  // served: its timer is gone, it cannot time out
  CHECK(testing::run_sync(c.loop(), [&] { return get; }) == 0);
}

// Tornado: QueueGetTest.test_get_clears_timed_out_putters.
TEST_CASE("queues: get_clears_timed_out_putters") {
  LoopCase c;
  Queue<int> q(1);
  std::vector<Future<void>> putters;
  for (int i = 0; i < 10; ++i) putters.push_back(q.put(i, milliseconds(10)));  // 0 goes in
  Future<void> put = q.put(10);
  CHECK(q.putters() == 10);
  CHECK(run_until(c.loop(), [&] { return all_done(putters, 1); }));
  CHECK(q.putters() == 10);  // timed out, still queued
  CHECK_FALSE(put.done());   // the last waiter is still active
  Future<void> put11 = q.put(11);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 0);  // get() clears the waiters
  CHECK(q.putters() == 1);
  for (std::size_t i = 1; i < putters.size(); ++i)
    CHECK_THROWS_AS(putters[i].result(), TimeoutError);
  CHECK(put.done());
}

// Tornado: QueueGetTest.test_get_clears_timed_out_getters.
TEST_CASE("queues: get_clears_timed_out_getters") {
  LoopCase c;
  Queue<int> q;
  std::vector<Future<int>> getters;
  for (int i = 0; i < 10; ++i) getters.push_back(q.get(milliseconds(10)));
  Future<int> get = q.get();
  CHECK(q.getters() == 11);
  CHECK(run_until(c.loop(), [&] { return all_done(getters); }));
  CHECK(q.getters() == 11);
  CHECK_FALSE(get.done());        // the last waiter is still active
  Future<int> another = q.get();  // get() clears the waiters
  CHECK(q.getters() == 2);
  for (const auto& g : getters) CHECK_THROWS_AS(g.result(), TimeoutError);
}

// ---------------------------------------------------------------- QueuePutTest

// Tornado: QueuePutTest.test_blocking_put.
TEST_CASE("queues: blocking_put") {
  LoopCase c;
  Queue<int> q;
  Future<void> put = q.put(0);
  CHECK(q.get_nowait() == 0);
}

// Tornado: QueuePutTest.test_nonblocking_put_exception.
TEST_CASE("queues: nonblocking_put_exception") {
  LoopCase c;
  Queue<int> q(1);
  Future<void> put = q.put(0);
  CHECK_THROWS_AS(q.put_nowait(1), QueueFull);
}

// Tornado: QueuePutTest.test_put_with_getters.
TEST_CASE("queues: put_with_getters") {
  LoopCase c;
  Queue<int> q;
  Future<int> get0 = q.get();
  Future<int> get1 = q.get();
  testing::run_sync(c.loop(), [&] { return q.put(0); });
  CHECK(testing::run_sync(c.loop(), [&] { return get0; }) == 0);
  testing::run_sync(c.loop(), [&] { return q.put(1); });
  CHECK(testing::run_sync(c.loop(), [&] { return get1; }) == 1);
}

// Tornado: QueuePutTest.test_nonblocking_put_with_getters: put_nowait resolves the oldest
// getter, whose coroutine resumes through the loop.
TEST_CASE("queues: nonblocking_put_with_getters") {
  LoopCase c;
  Queue<int> q;
  auto take = [](Queue<int>& queue, std::vector<int>& out) -> Future<void> {
    out.push_back(co_await queue.get());
  };
  std::vector<int> got;
  Future<void> get0 = take(q, got);
  Future<void> get1 = take(q, got);
  q.put_nowait(0);
  CHECK(got.empty());  // not inside put_nowait
  testing::run_sync(c.loop(), [&] { return get0; });
  CHECK(got == std::vector<int>{0});
  q.put_nowait(1);
  testing::run_sync(c.loop(), [&] { return get1; });
  CHECK(got == std::vector<int>{0, 1});
}

// Tornado: QueuePutTest.test_blocking_put_wait.
TEST_CASE("queues: blocking_put_wait") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);
  auto get_and_discard = [&] { Future<int> discarded = q.get(); };
  c.loop().call_later(0.01, get_and_discard);
  c.loop().call_later(0.02, get_and_discard);
  std::vector<Future<void>> futures{q.put(0), q.put(1)};
  CHECK_FALSE(futures[0].done());
  CHECK_FALSE(futures[1].done());
  testing::run_sync(c.loop(), [&] { return gen::multi(std::move(futures)); });
}

// Tornado: QueuePutTest.test_put_timeout: the timed-out putter's item never goes in.
TEST_CASE("queues: put_timeout") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);  // now it is full
  Future<void> put_timeout = q.put(1, milliseconds(10));
  Future<void> put = q.put(2);
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return put_timeout; }), TimeoutError);
  CHECK(q.get_nowait() == 0);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 2);  // 1 was never put
  testing::run_sync(c.loop(), [&] { return put; });  // the last get() let this putter in
}

// Tornado: QueuePutTest.test_put_timeout_preempted.
TEST_CASE("queues: put_timeout_preempted") {
  LoopCase c;
  Queue<int> q(1);
  q.put_nowait(0);
  Future<void> put = q.put(1, milliseconds(10));
  Future<int> get = q.get();
  CHECK(c.loop().pending_timeouts() == 0);           // served: its timer is gone
  testing::run_sync(c.loop(), [&] { return put; });  // no TimeoutError
  CHECK(q.get_nowait() == 1);
}

// Tornado: QueuePutTest.test_put_clears_timed_out_putters.
TEST_CASE("queues: put_clears_timed_out_putters") {
  LoopCase c;
  Queue<int> q(1);
  std::vector<Future<void>> putters;
  for (int i = 0; i < 10; ++i) putters.push_back(q.put(i, milliseconds(10)));  // 0 goes in
  Future<void> put = q.put(10);
  CHECK(q.putters() == 10);
  CHECK(run_until(c.loop(), [&] { return all_done(putters, 1); }));
  CHECK(q.putters() == 10);
  CHECK_FALSE(put.done());         // the last waiter is still active
  Future<void> put11 = q.put(11);  // put() clears the waiters
  CHECK(q.putters() == 2);
  for (std::size_t i = 1; i < putters.size(); ++i)
    CHECK_THROWS_AS(putters[i].result(), TimeoutError);
}

// Tornado: QueuePutTest.test_put_clears_timed_out_getters.
TEST_CASE("queues: put_clears_timed_out_getters") {
  LoopCase c;
  Queue<int> q;
  std::vector<Future<int>> getters;
  for (int i = 0; i < 10; ++i) getters.push_back(q.get(milliseconds(10)));
  Future<int> get = q.get();
  Future<int> another = q.get();
  CHECK(q.getters() == 12);
  CHECK(run_until(c.loop(), [&] { return all_done(getters); }));
  CHECK(q.getters() == 12);
  CHECK_FALSE(get.done());      // the last waiters are still active
  Future<void> put = q.put(0);  // put() clears the waiters
  CHECK(q.getters() == 1);
  CHECK(testing::run_sync(c.loop(), [&] { return get; }) == 0);
  for (const auto& g : getters) CHECK_THROWS_AS(g.result(), TimeoutError);
}

// ---------------------------------------------------------------- QueueJoinTest

// Tornado: QueueJoinTest.test_task_done_underflow (and PriorityQueueJoinTest,
// LifoQueueJoinTest).
TEST_CASE_TEMPLATE("queues: task_done_underflow", Q, Queue<int>, PriorityQueue<int>,
                   LifoQueue<int>) {
  LoopCase c;
  Q q;
  CHECK_THROWS_AS(q.task_done(), std::invalid_argument);
}

// Tornado: QueueJoinTest.test_task_done: two coroutines share the work.
TEST_CASE_TEMPLATE("queues: task_done", Q, Queue<int>, PriorityQueue<int>, LifoQueue<int>) {
  LoopCase c;
  Q q;
  for (int i = 0; i < 100; ++i) q.put_nowait(i);
  int accumulator = 0;
  auto worker = [](Q& queue, int& acc) -> Future<void> {
    for (;;) {
      const int item = co_await queue.get();
      acc += item;
      queue.task_done();
      co_await gen::sleep(0.001 * (item % 3));  // the workers interleave unevenly
    }
  };
  Future<void> w1 = worker(q, accumulator);
  Future<void> w2 = worker(q, accumulator);
  testing::run_sync(c.loop(), [&] { return q.join(); });
  CHECK(accumulator == 4950);
  // Both workers go back to waiting in get(), and are destroyed with the queue.
  CHECK(run_until(c.loop(), [&] { return q.getters() == 2; }));
}

// Tornado: QueueJoinTest.test_task_done_delay: task_done(), not get(), unblocks join().
TEST_CASE_TEMPLATE("queues: task_done_delay", Q, Queue<int>, PriorityQueue<int>, LifoQueue<int>) {
  LoopCase c;
  Q q;
  q.put_nowait(0);
  Future<void> join = q.join();
  CHECK_FALSE(join.done());
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 0);
  CHECK_FALSE(join.done());
  c.loop().run_once(0);  // Tornado's gen.moment
  CHECK_FALSE(join.done());
  q.task_done();
  CHECK(join.done());
  testing::run_sync(c.loop(), [&] { return join; });
}

// Tornado: QueueJoinTest.test_join_empty_queue.
TEST_CASE_TEMPLATE("queues: join_empty_queue", Q, Queue<int>, PriorityQueue<int>, LifoQueue<int>) {
  LoopCase c;
  Q q;
  testing::run_sync(c.loop(), [&] { return q.join(); });
  testing::run_sync(c.loop(), [&] { return q.join(); });
}

// Tornado: QueueJoinTest.test_join_timeout.
TEST_CASE_TEMPLATE("queues: join_timeout", Q, Queue<int>, PriorityQueue<int>, LifoQueue<int>) {
  LoopCase c;
  Q q;
  Future<void> put = q.put(0);
  CHECK_THROWS_AS(testing::run_sync(c.loop(), [&] { return q.join(milliseconds(10)); }),
                  TimeoutError);
}

// Tornado: PriorityQueueJoinTest.test_order.
TEST_CASE("queues: priority_queue_order") {
  LoopCase c;
  using Item = std::pair<int, std::string>;
  PriorityQueue<Item> q(2);
  q.put_nowait({1, "a"});
  q.put_nowait({0, "b"});
  CHECK(q.full());
  Future<void> put_c = q.put({3, "c"});
  Future<void> put_d = q.put({2, "d"});
  CHECK(q.get_nowait() == Item{0, "b"});
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == Item{1, "a"});
  CHECK(q.get_nowait() == Item{2, "d"});
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == Item{3, "c"});
  CHECK(q.empty());
}

// PriorityQueue with its own order: the largest first.
TEST_CASE("queues: priority_queue_compare") {
  LoopCase c;
  PriorityQueue<int, std::greater<int>> q;
  for (int i : {2, 9, 4, 7}) q.put_nowait(i);
  std::vector<int> items;
  while (!q.empty()) items.push_back(q.get_nowait());
  CHECK(items == std::vector<int>{9, 7, 4, 2});
}

// Tornado: LifoQueueJoinTest.test_order.
TEST_CASE("queues: lifo_queue_order") {
  LoopCase c;
  LifoQueue<int> q(2);
  q.put_nowait(1);
  q.put_nowait(0);
  CHECK(q.full());
  Future<void> put3 = q.put(3);
  Future<void> put2 = q.put(2);
  CHECK(q.get_nowait() == 3);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 2);
  CHECK(q.get_nowait() == 0);
  CHECK(testing::run_sync(c.loop(), [&] { return q.get(); }) == 1);
  CHECK(q.empty());
}

// ---------------------------------------------------------------- ProducerConsumerTest

// Tornado: ProducerConsumerTest.test_producer_consumer.
TEST_CASE("queues: producer_consumer") {
  LoopCase c;
  Queue<int> q(3);
  std::vector<int> history;
  auto consumer = [](Queue<int>& queue, std::vector<int>& h) -> Future<void> {
    for (;;) {
      h.push_back(co_await queue.get());
      queue.task_done();
    }
  };
  auto producer = [](Queue<int>& queue) -> Future<void> {
    for (int item = 0; item < 10; ++item) co_await queue.put(item);
  };
  Future<void> consuming = consumer(q, history);  // never finishes: destroyed with the queue
  testing::run_sync(c.loop(), [&] { return producer(q); });
  testing::run_sync(c.loop(), [&] { return q.join(); });
  CHECK(history == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

// ---------------------------------------------------------------- beyond Tornado's tests

TEST_CASE("queues: move-only items pass through put, get and waiting putters") {
  LoopCase c;
  Queue<std::unique_ptr<int>> q(1);
  q.put_nowait(std::make_unique<int>(1));
  Future<void> waiting = q.put(std::make_unique<int>(2));
  auto take_two = [](Queue<std::unique_ptr<int>>& queue) -> Future<int> {
    std::unique_ptr<int> a = co_await queue.get();
    std::unique_ptr<int> b = co_await queue.get();
    co_return *a * 10 + *b;
  };
  CHECK(testing::run_sync(c.loop(), [&] { return take_two(q); }) == 12);
  CHECK(waiting.done());
}

TEST_CASE("queues: a getter cancelled through its Future is skipped") {
  LoopCase c;
  Queue<int> q;
  Future<int> cancelled = q.get(std::chrono::seconds(60));
  Future<int> patient = q.get();
  CHECK(cancelled.cancel());
  q.put_nowait(5);
  CHECK(c.loop().pending_timeouts() == 0);  // dropping the cancelled getter removed its timer
  CHECK(testing::run_sync(c.loop(), [&] { return patient; }) == 5);
  CHECK(q.empty());
}

TEST_CASE("queues: a queue destroyed with waiters destroys the waiting coroutines") {
  LoopCase c;
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> weak = token;
  {
    Queue<int> full(1);
    full.put_nowait(0);
    Queue<int> empty;
    auto putter = [](Queue<int>& queue, std::shared_ptr<int> held) -> Future<void> {
      co_await queue.put(1, std::chrono::seconds(60));
      (void)held;
    };
    auto joiner = [](Queue<int>& queue, std::shared_ptr<int> held) -> Future<void> {
      co_await queue.join(std::chrono::seconds(60));
      (void)held;
    };
    auto getter = [](Queue<int>& queue, std::shared_ptr<int> held) -> Future<void> {
      (void)co_await queue.get(std::chrono::seconds(60));
      (void)held;
    };
    Future<void> p = putter(full, token);
    Future<void> j = joiner(full, token);
    Future<void> g = getter(empty, std::move(token));
    CHECK(full.putters() == 1);
    CHECK(empty.getters() == 1);
    CHECK(c.loop().pending_timeouts() == 3);
    CHECK_FALSE(weak.expired());
  }
  CHECK(weak.expired());
}

// A Queue may outlive the loop its timed waiter ran on (ASan: no use after free).
TEST_CASE("queues: a queue outlives its loop") {
  LoopCase c;
  auto q = std::make_unique<Queue<int>>();
  {
    IOLoop other;
    other.make_current();
    Future<int> f = q->get(std::chrono::seconds(60));
    c.loop().make_current();
  }
  CHECK(q->getters() == 1);
  q.reset();
}
