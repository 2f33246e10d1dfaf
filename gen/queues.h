// gen/queues.h: coroutine queues: Queue, PriorityQueue, LifoQueue.
//
// Mirrors:  tornado/queues.py (Queue, PriorityQueue, LifoQueue, QueueEmpty, QueueFull).
//
//   tornado::Queue<std::string> q(100);                  // at most 100 items; 0: unbounded
//   co_await q.put("job");                               // waits while the queue is full
//   std::string job = co_await q.get();                  // waits while it is empty
//   q.task_done();
//   co_await q.join();                                   // every item put was task_done()
//
// Ownership: the queue owns its items and the producer claims of its waiters' Futures;
//           destroying it with waiters abandons them (their coroutines are destroyed).
// Rules:    getters and putters are served first come, first served; a put hands its item
//           straight to the oldest waiting getter. A waiter whose timeout passed fails with
//           TimeoutError and is skipped later (Tornado's _consume_expired); its timer is removed
//           as soon as it is served.
// Thread:   the loop thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <stdexcept>
#include <utility>
#include <vector>

#include "gen/concurrent.h"
#include "gen/gen.h"
#include "gen/locks.h"

namespace tornado {

class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty() : std::runtime_error("QueueEmpty") {}
};
class QueueFull : public std::runtime_error {
 public:
  QueueFull() : std::runtime_error("QueueFull") {}
};

namespace detail {

// The three orders, as Tornado's _init/_put/_get/_peek overrides.
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

template <class T, class Compare>
struct PriorityOrder {
  // std::priority_queue keeps the largest on top; invert the comparison to pop the smallest
  // first, as heapq does.
  struct Inverted {
    Compare less;
    bool operator()(const T& a, const T& b) const { return less(b, a); }
  };
  std::priority_queue<T, std::vector<T>, Inverted> items;
  void put(T v) { items.push(std::move(v)); }
  T get() {
    T v = std::move(const_cast<T&>(items.top()));  // popped next: moving from it is safe
    items.pop();
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

template <class T, class Order = detail::FifoOrder<T>>
class BasicQueue {
 public:
  explicit BasicQueue(std::size_t maxsize = 0) : maxsize_(maxsize) { finished_.set(); }
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;
  ~BasicQueue() {
    for (auto& g : getters_) g.cancel_timer();
    for (auto& p : putters_) p.waiter.cancel_timer();
  }

  std::size_t maxsize() const { return maxsize_; }
  std::size_t qsize() const { return order_.size(); }
  bool empty() const { return order_.size() == 0; }
  bool full() const { return maxsize_ != 0 && order_.size() >= maxsize_; }

  // Puts an item, waiting while the queue is full; TimeoutError if `timeout` passes first.
  Future<void> put(T item, std::optional<gen::Duration> timeout = std::nullopt) {
    consume_expired();
    if (!full() || !getters_.empty()) {
      put_nowait(std::move(item));
      return make_ready_future();
    }
    Future<void> f;
    putters_.push_back(Putter{Waiter<void>::make(f, timeout), std::move(item)});
    return f;
  }
  // Puts an item or throws QueueFull.
  void put_nowait(T item) {
    consume_expired();
    if (!getters_.empty()) {
      Waiter<T> g = std::move(getters_.front());
      getters_.pop_front();
      put_internal(std::move(item));
      g.cancel_timer();
      g.resolver.set_result(order_.get());
      return;
    }
    if (full()) throw QueueFull();
    put_internal(std::move(item));
  }

  // Removes and returns an item, waiting while the queue is empty; TimeoutError if `timeout`
  // passes first.
  Future<T> get(std::optional<gen::Duration> timeout = std::nullopt) {
    consume_expired();
    if (!empty() || !putters_.empty()) return make_ready_future<T>(get_nowait());
    Future<T> f;
    getters_.push_back(Waiter<T>::make(f, timeout));
    return f;
  }
  // Removes and returns an item or throws QueueEmpty.
  T get_nowait() {
    consume_expired();
    if (!putters_.empty()) {
      // Full, with a putter waiting: its item goes in as one comes out.
      Putter p = std::move(putters_.front());
      putters_.pop_front();
      put_internal(std::move(p.item));
      p.waiter.cancel_timer();
      p.waiter.resolver.set_result();
      return order_.get();
    }
    if (empty()) throw QueueEmpty();
    return order_.get();
  }

  // One item taken with get() is fully processed. std::invalid_argument if called more often
  // than items were put (Tornado's ValueError).
  void task_done() {
    if (unfinished_ == 0) throw std::invalid_argument("task_done() called too many times");
    if (--unfinished_ == 0) finished_.set();
  }
  // Resolves once every item put has been task_done(); TimeoutError after `timeout`.
  Future<void> join(std::optional<gen::Duration> timeout = std::nullopt) {
    return finished_.wait(timeout);
  }

 private:
  template <class R>
  struct Waiter {
    detail::Resolver<R> resolver;
    IOLoop* loop = nullptr;
    Timeout timeout;
    static Waiter make(Future<R>& f, const std::optional<gen::Duration>& after) {
      Waiter w{detail::Resolver<R>(f.state()), &IOLoop::current(), Timeout{}};
      if (after) {
        w.timeout =
            w.loop->call_later(after->count(), [r = detail::Resolver<R>(f.state())]() mutable {
              if (!r.done()) r.set_exception(std::make_exception_ptr(TimeoutError()));
            });
      }
      return w;
    }
    void cancel_timer() {
      if (loop != nullptr && !loop->closed()) loop->remove_timeout(timeout);
    }
  };
  struct Putter {
    Waiter<void> waiter;
    T item;
  };

  void put_internal(T item) {
    ++unfinished_;
    finished_.clear();
    order_.put(std::move(item));
  }
  // Drops waiters at the front whose Futures are already done (timed out).
  void consume_expired() {
    while (!putters_.empty() && putters_.front().waiter.resolver.done()) putters_.pop_front();
    while (!getters_.empty() && getters_.front().resolver.done()) getters_.pop_front();
  }

  std::size_t maxsize_;
  Order order_;
  std::deque<Waiter<T>> getters_;
  std::deque<Putter> putters_;
  std::size_t unfinished_ = 0;
  Event finished_;
};

template <class T>
using Queue = BasicQueue<T, detail::FifoOrder<T>>;
// Smallest first (by Compare), as Tornado's PriorityQueue over heapq.
template <class T, class Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::PriorityOrder<T, Compare>>;
// Last in, first out.
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoOrder<T>>;

}  // namespace tornado
