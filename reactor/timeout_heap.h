// reactor/timeout_heap.h: the IOLoop's deadline queue. Internal to reactor/: not installed.
//
// Mirrors:  the heapq list of _Timeout objects in Tornado 4.x PollIOLoop (ioloop.py), with its
//           lazy cancellation and its compaction rule.
// In loop:  IOLoop::call_at pushes; IOLoop::start() phase 2 pops what is due (collect_due),
//           phase 5 asks next_deadline() to size the poll timeout.
// Ownership: the heap owns every pending callback, in a slot array; heap entries are small PODs
//           naming a slot. Callers hold a Timeout {slot, generation} value, never a pointer.
// Rules:    equal deadlines fire in the order they were added (a sequence number breaks ties).
//           cancel() is O(1), idempotent, harmless after the timeout fired, and releases the
//           callback at once; the stale heap entry is dropped when it reaches the top, and the
//           heap is rebuilt without stale entries when more than 512 are stale and they are more
//           than half the heap (Tornado's rule).
// Thread:   loop thread only.
#pragma once

#include <cstdint>
#include "reactor/source_location.h"
#include <vector>

#include "reactor/callback.h"

namespace tornado {

// A handle to a scheduled timeout, returned by IOLoop::call_later/call_at/add_timeout.
// A default-constructed Timeout names nothing; removing it is a no-op.
struct Timeout {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // 0 never names a live timeout
  explicit operator bool() const { return generation != 0; }
};

namespace detail {

class TimeoutHeap {
 public:
  Timeout push(double deadline, Callback cb, SourceLocation origin);
  // Returns true if it was live and is now cancelled.
  bool cancel(Timeout t);
  // Pops every live timeout with deadline <= now and appends its handle to `out`, in firing
  // order; drops stale entries on the way and compacts when the rule says so. The timeouts
  // stay live (cancellable) until take() hands over their callbacks.
  void collect_due(double now, std::vector<Timeout>& out);
  // Moves a collected timeout's callback and origin out and frees its slot. Returns false if
  // it was cancelled after being collected.
  bool take(Timeout t, Callback& cb, SourceLocation& origin);
  // The earliest deadline among heap entries (possibly a cancelled one: that only costs an
  // early wake-up, as in Tornado), or a negative number when the heap is empty.
  double next_deadline() const { return heap_.empty() ? -1.0 : heap_.front().deadline; }
  bool empty() const { return heap_.empty(); }
  std::size_t live() const { return live_; }
  std::size_t entries() const { return heap_.size(); }
  std::size_t cancellations() const { return cancellations_; }
  void clear();

  static constexpr std::size_t kCompactMin = 512;

 private:
  struct Entry {
    double deadline;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    Callback callback;
    SourceLocation origin;
    std::uint32_t generation = 0;  // odd while live; bumped on fire or cancel
    std::uint32_t next_free = 0;
    bool in_heap = false;  // false once collected: cancelling it then leaves no stale entry
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.deadline > b.deadline || (a.deadline == b.deadline && a.seq > b.seq);
  }
  bool stale(const Entry& e) const { return slots_[e.slot].generation != e.generation; }
  bool live(Timeout t) const {
    return t.generation != 0 && t.slot < slots_.size() && slots_[t.slot].generation == t.generation;
  }
  void release(std::uint32_t slot);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void pop_top();
  void compact();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::uint32_t free_head_ = UINT32_MAX;
  std::uint64_t seq_ = 0;
  std::size_t live_ = 0;
  std::size_t cancellations_ = 0;
};

}  // namespace detail
}  // namespace tornado
