// gen/queues.h: queues between coroutines: Queue, PriorityQueue, LifoQueue.
//
// Mirrors:  tornado/queues.py (Queue, PriorityQueue, LifoQueue, QueueEmpty, QueueFull).
//
//   tornado::Queue<std::string> q(100);             // at most 100 items; 0: unbounded
//   co_await q.put("job");                          // waits while the queue is full
//   std::string job = co_await q.get();             // waits while it is empty
//   q.task_done();                                  // the item taken by get() is processed
//   co_await q.join(std::chrono::seconds(5));       // every item put was task_done()
//
// Ownership: a queue owns its items, the items of waiting putters, and the producer claims on
//           its waiters' Futures; destroying it with waiters abandons their Futures, which
//           destroys the coroutines waiting on them.
// Rules:    getters and putters are served first come, first served. A put hands its item
//           straight to the oldest waiting getter; a get from a full queue lets the oldest
//           waiting putter's item in. A waiter whose timeout passed fails with TimeoutError and
//           is dropped from the front before the next operation (Tornado's _consume_expired),
//           so a timed-out getter never receives an item and a timed-out putter's item never
//           goes in. A served waiter's timer is removed at once. Like every Future, a served
//           waiter resumes through the loop, never inside put()/get().
// Thread:   loop thread only (as Tornado's: other threads hand over with IOLoop::add_callback).
// See:      man tornado.queues.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tornado/gen/concurrent.h"
#include "tornado/gen/gen.h"
#include "tornado/gen/locks.h"

namespace tornado {

// get_nowait() on an empty queue.
class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty();
};

// put_nowait() on a full queue.
class QueueFull : public std::runtime_error {
 public:
  QueueFull();
};

namespace detail {

// maxsize as a size; std::invalid_argument when negative (Tornado's ValueError).
std::size_t checked_maxsize(std::ptrdiff_t maxsize);
// std::invalid_argument: task_done() without an item to match (Tornado's ValueError).
[[noreturn]] void throw_task_done_underflow();

// The three orders: Tornado's _init/_put/_get overrides.
template <class T>
struct FifoOrder {
  std::deque<T> items;
  void put(T v) { items.push_back(std::move(v)); }
  T get() {
    T v = std::move(items.front());
    items.pop_front();
    return v;
  }
  std::size_t size() const { return items.size(); }
};

// A binary heap with the smallest item (by Compare) on top, as heapq keeps its list.
template <class T, class Compare>
struct PriorityOrder {
  struct Greater {
    Compare less;
    bool operator()(const T& a, const T& b) const { return less(b, a); }
  };
  std::vector<T> items;
  Greater greater{};
  void put(T v) {
    items.push_back(std::move(v));
    std::push_heap(items.begin(), items.end(), greater);
  }
  T get() {
    std::pop_heap(items.begin(), items.end(), greater);  // the smallest moves to the back
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const { return items.size(); }
};

template <class T>
struct LifoOrder {
  std::vector<T> items;
  void put(T v) { items.push_back(std::move(v)); }
  T get() {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const { return items.size(); }
};

}  // namespace detail

// Tornado's Queue, with the item order as a policy (Queue, PriorityQueue and LifoQueue below).
// T may be move-only.
template <class T, class Order = detail::FifoOrder<T>>
class BasicQueue {
 public:
  // maxsize 0 means unbounded; a negative maxsize throws std::invalid_argument.
  explicit BasicQueue(std::ptrdiff_t maxsize = 0) : maxsize_(detail::checked_maxsize(maxsize)) {
    finished_.set();
  }
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;
  // The waiters go first, while the queue is whole: their coroutines may use it as they unwind.
  ~BasicQueue() {
    std::deque<detail::TimedWaiter<T>> getters = std::move(getters_);
    std::deque<Putter> putters = std::move(putters_);
    getters_.clear();
    putters_.clear();
  }

  std::size_t maxsize() const { return maxsize_; }
  std::size_t qsize() const { return order_.size(); }
  bool empty() const { return order_.size() == 0; }
  bool full() const { return maxsize_ != 0 && order_.size() >= maxsize_; }

  // Puts an item, waiting while the queue is full; fails with TimeoutError once `timeout`
  // passes, and then the item never enters the queue.
  Future<void> put(T item, std::optional<gen::Duration> timeout = std::nullopt) {
    consume_expired();
    if (!getters_.empty() || !full()) {
      put_nowait(std::move(item));
      return make_ready_future();
    }
    Future<void> f;
    putters_.push_back(Putter{detail::start_wait(f, timeout, expire<void>), std::move(item)});
    return f;
  }
  // Puts an item without waiting, or throws QueueFull.
  void put_nowait(T item) {
    consume_expired();
    if (!getters_.empty()) {
      // Getters wait only on an empty queue: the item goes straight through.
      Promise<T> getter = getters_.front().take();
      getters_.pop_front();
      put_internal(std::move(item));
      getter.set_result(order_.get());
      return;
    }
    if (full()) throw QueueFull();
    put_internal(std::move(item));
  }

  // Removes and returns an item, waiting while the queue is empty; fails with TimeoutError
  // once `timeout` passes.
  Future<T> get(std::optional<gen::Duration> timeout = std::nullopt) {
    consume_expired();
    if (!empty() || !putters_.empty()) return make_ready_future<T>(get_nowait());
    Future<T> f;
    getters_.push_back(detail::start_wait(f, timeout, expire<T>));
    return f;
  }
  // Removes and returns an item without waiting, or throws QueueEmpty.
  T get_nowait() {
    consume_expired();
    if (!putters_.empty()) {
      // Putters wait only on a full queue: the oldest one's item goes in as one comes out.
      Putter& p = putters_.front();
      Promise<void> putter = p.waiter.take();
      put_internal(std::move(p.item));
      putters_.pop_front();
      putter.set_result();
      return order_.get();
    }
    if (empty()) throw QueueEmpty();
    return order_.get();
  }

  // One item taken with get() is fully processed. Once every item put has been marked, join()
  // resolves. Throws std::invalid_argument when called more often than items were put
  // (Tornado's ValueError).
  void task_done() {
    if (unfinished_ == 0) detail::throw_task_done_underflow();
    if (--unfinished_ == 0) finished_.set();
  }
  // Resolves once every item put has been task_done(); fails with TimeoutError once `timeout`
  // passes.
  Future<void> join(std::optional<gen::Duration> timeout = std::nullopt) {
    return finished_.wait(timeout);
  }

  // What Tornado's repr shows: queued getters and putters (counting timed-out ones not yet
  // dropped), and items put but not yet task_done().
  std::size_t getters() const { return getters_.size(); }
  std::size_t putters() const { return putters_.size(); }
  std::size_t unfinished_tasks() const { return unfinished_; }

 private:
  struct Putter {
    detail::TimedWaiter<void> waiter;
    T item;
  };

  template <class R>
  static void expire(Promise<R>& r) {
    if (!r.done()) r.set_exception(detail::make_timeout_error());
  }

  void put_internal(T item) {
    ++unfinished_;
    finished_.clear();
    order_.put(std::move(item));
  }
  // Drops finished waiters (timed out, or cancelled through their Future) from the fronts.
  void consume_expired() {
    while (!putters_.empty() && putters_.front().waiter.done()) putters_.pop_front();
    while (!getters_.empty() && getters_.front().done()) getters_.pop_front();
  }

  std::size_t maxsize_;
  Order order_;
  std::deque<detail::TimedWaiter<T>> getters_;
  std::deque<Putter> putters_;
  std::size_t unfinished_ = 0;
  Event finished_;
};

// First in, first out.
template <class T>
using Queue = BasicQueue<T, detail::FifoOrder<T>>;
// Smallest first by Compare, as Tornado's PriorityQueue over heapq: entries are typically
// (priority, data) pairs. Items of equal priority come out in no particular order.
template <class T, class Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::PriorityOrder<T, Compare>>;
// Last in, first out.
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoOrder<T>>;

}  // namespace tornado
