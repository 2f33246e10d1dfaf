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

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "tornado/reactor/callback.h"
#include "tornado/reactor/source_location.h"

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
  // Takes the callback by rvalue reference: one move into its slot, not two (each move of a
  // just-built callable can stall on store forwarding).
  Timeout push(double deadline, Callback&& cb, SourceLocation origin);
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
  // Test hook: the next push takes sequence number `next` (never lower than the current one),
  // so a test can reach the 32-bit wrap-around without 2^32 pushes.
  void skip_sequence(std::uint32_t next) {
    if (next > seq_) seq_ = next;
  }

  static constexpr std::size_t kCompactMin = 512;

 private:
  static constexpr std::size_t kArity = 4;
  static constexpr std::size_t kCacheLine = 64;

  // 16 bytes, so that a node's four children fill one cache line (FamilyAlignedAllocator).
  struct Entry {
    double deadline;
    std::uint32_t seq;  // push order among the entries in the heap: breaks deadline ties
    std::uint32_t slot;
  };
  static_assert(sizeof(Entry) * kArity == kCacheLine, "a family of children is one line");

  // Per-slot record, 8 bytes, kept apart from the callbacks: every pop reads one at a random
  // slot (the stale check), and for a million timeouts 8 MB of these stays in cache where the
  // 80-byte callback slots would not. One record answers all three questions a pop, a take
  // and a free ask, so each of them costs one cache miss, not one per array.
  struct SlotState {
    std::uint32_t generation = 0;  // odd while live; bumped on fire or cancel
    // Live with an entry in the heap: that entry's seq. Live and collected: kNotInHeap.
    // Free (generation even): the next free slot, or kNoSlot.
    std::uint32_t link = kNotInHeap;
  };
  static constexpr std::uint32_t kNotInHeap = UINT32_MAX;  // never a seq: renumber() sees to it
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;
  struct Stored {
    Callback callback;
    SourceLocation origin;
  };

  // Allocates the heap so that entry 1 starts a cache line. The children of node i are
  // entries 4i+1..4i+4, so each family then fills exactly one line and a pop touches one line
  // per level rather than two (libev offsets its 4-heap by HEAP0 for the same reason).
  template <class T>
  struct FamilyAlignedAllocator {
    using value_type = T;
    static constexpr std::size_t kShift = kCacheLine - sizeof(T);  // puts element 1 on a line
    FamilyAlignedAllocator() = default;
    template <class U>
    FamilyAlignedAllocator(const FamilyAlignedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
      void* base = ::operator new (n * sizeof(T) + kShift, std::align_val_t{kCacheLine});
      return reinterpret_cast<T*>(static_cast<unsigned char*>(base) + kShift);
    }
    void deallocate(T* p, std::size_t) noexcept {
      ::operator delete (reinterpret_cast<unsigned char*>(p) - kShift,
                         std::align_val_t{kCacheLine});
    }
    friend bool operator==(const FamilyAlignedAllocator&, const FamilyAlignedAllocator&) {
      return true;
    }
  };

  static bool later(const Entry& a, const Entry& b) {
    // Bitwise, not short-circuit: the heap's child comparisons are unpredictable, and branch-
    // free compares avoid a misprediction at each of them.
    return (a.deadline > b.deadline) | ((a.deadline == b.deadline) & (a.seq > b.seq));
  }
  // An entry is stale once its slot was freed (cancelled or fired, maybe reused since) or
  // collected: in every case the slot no longer links to the entry's seq.
  bool stale(const Entry& e) const {
    const SlotState& s = state_[e.slot];
    return (s.generation & 1) == 0 || s.link != e.seq;
  }
  bool live(Timeout t) const {
    return t.generation != 0 && t.slot < state_.size() && state_[t.slot].generation == t.generation;
  }
  // Tornado's rule: rebuild only when stale entries are both many and the majority, so the
  // O(n) rebuild is paid for by at least n/2 cancellations.
  bool should_compact() const {
    return cancellations_ > kCompactMin && cancellations_ > heap_.size() / 2;
  }
  void release(std::uint32_t slot);
  void restack_free_slots();
  void renumber();
  std::size_t earliest_child(std::size_t first) const;
  void sift_up(std::size_t i, Entry e);
  void sift_down(std::size_t i);
  void pop_top();
  void compact();

  std::vector<Entry, FamilyAlignedAllocator<Entry>> heap_;
  std::vector<SlotState> state_;
  std::vector<Stored> stored_;  // indexed like state_
  std::uint32_t free_head_ = kNoSlot;
  std::uint32_t seq_ = 0;
  std::size_t live_ = 0;
  std::size_t cancellations_ = 0;
  std::size_t releases_ = 0;  // slots freed since the free list was last put in slot order
};

}  // namespace detail
}  // namespace tornado
