// reactor/callback_queue.h: the IOLoop's callback queues. Internal to reactor/ (installed only
// because ioloop.h holds two).
//
// Mirrors:  the _callbacks list of Tornado 4.x PollIOLoop (ioloop.py).
// In loop:  add_callback appends to the pending queue; IOLoop::iterate() phase 3 drains the
//           other one (this iteration's batch), running and destroying each entry in one pass.
// Ownership: the queue owns its entries; an entry owns its callable.
// Why not std::vector: its clear() after the run is a second pass over the batch, and its
//           emplace_back carries the reallocation inline, which makes every add_callback call
//           site keep its arguments in memory and set up a frame. A posted callback costs one
//           loop iteration, and both showed (bench/README.md, posted_callbacks).
// Thread:   its owner's (the IOLoop's thread).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace tornado::detail {

template <class T>
class CallbackQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>);
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

 public:
  CallbackQueue() noexcept = default;
  CallbackQueue(CallbackQueue&& other) noexcept
      : begin_(std::exchange(other.begin_, nullptr)),
        end_(std::exchange(other.end_, nullptr)),
        cap_(std::exchange(other.cap_, nullptr)) {}
  CallbackQueue& operator=(CallbackQueue&&) = delete;
  ~CallbackQueue() {
    clear();
    ::operator delete(begin_);
  }

  bool empty() const noexcept { return begin_ == end_; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(end_ - begin_); }

  template <class... Args>
  void emplace_back(Args&&... args) {
    if (end_ == cap_) grow();
    ::new (static_cast<void*>(end_)) T(std::forward<Args>(args)...);
    ++end_;
  }

  // Calls run(entry) on each entry in order and destroys the entry right after; the queue is
  // then empty and keeps its capacity. run must not append to this queue. If run throws, the
  // entries not yet run are destroyed unrun and the exception goes on.
  template <class Run>
  void drain(Run&& run) {
    T* p = begin_;
    try {
      for (; p != end_; ++p) {
        run(*p);
        p->~T();
      }
    } catch (...) {
      for (; p != end_; ++p) p->~T();
      end_ = begin_;
      throw;
    }
    end_ = begin_;
  }

  void clear() noexcept {
    for (T* p = begin_; p != end_; ++p) p->~T();
    end_ = begin_;
  }

 private:
  // Out of line: the rare path, kept out of every add_callback call site.
  [[gnu::noinline]] void grow() {
    const std::size_t capacity = cap_ == begin_ ? 16 : 2 * static_cast<std::size_t>(cap_ - begin_);
    T* fresh = static_cast<T*>(::operator new(capacity * sizeof(T)));
    T* to = fresh;
    for (T* p = begin_; p != end_; ++p, ++to) {
      ::new (static_cast<void*>(to)) T(std::move(*p));
      p->~T();
    }
    ::operator delete(begin_);
    begin_ = fresh;
    end_ = to;
    cap_ = fresh + capacity;
  }

  T* begin_ = nullptr;
  T* end_ = nullptr;
  T* cap_ = nullptr;
};

}  // namespace tornado::detail
