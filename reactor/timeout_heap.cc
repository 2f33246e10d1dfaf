// reactor/timeout_heap.cc: the deadline heap behind IOLoop::call_at.
//
// Mirrors:  heapq over _Timeout in Tornado 4.x PollIOLoop (ioloop.py, start() and
//           remove_timeout), with its lazy cancellation and compaction rule.
// In loop:  push from call_at, cancel from remove_timeout, collect_due in phase 2 of start().
// Layout:   a 4-ary min-heap of 16-byte entries (deadline, seq, slot). Four children per node
//           halve the depth of a binary heap, and with 16-byte entries on a shifted allocation
//           each family of four is one cache line, which is what makes a million pending timers
//           cheap (libev's 4-heap, same reasons). Callbacks live in a slot array with a free
//           list, and the small per-slot records apart from them, so a heap move copies 16
//           bytes and the stale check never touches a callable.
// Rules:    a slot's generation is odd while its timeout is live; firing or cancelling bumps it,
//           which makes every old handle for that slot stale at once. A heap entry is current
//           only while its slot is in the heap with the entry's sequence number.
#include "tornado/reactor/timeout_heap.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace tornado::detail {

Timeout TimeoutHeap::push(double deadline, Callback&& cb, SourceLocation origin) {
  if (seq_ == kNotInHeap) renumber();  // kNotInHeap must never name an entry
  std::uint32_t slot;
  if (free_head_ != kNoSlot) {
    slot = free_head_;
    free_head_ = state_[slot].link;
  } else {
    slot = static_cast<std::uint32_t>(state_.size());
    state_.emplace_back();
    stored_.emplace_back();
  }
  SlotState& s = state_[slot];
  Stored& st = stored_[slot];
  st.callback = std::move(cb);
  st.origin = origin;
  s.link = seq_;
  ++s.generation;  // even -> odd: live
  heap_.emplace_back();
  sift_up(heap_.size() - 1, Entry{deadline, seq_++, slot});
  ++live_;
  return Timeout{slot, s.generation};
}

void TimeoutHeap::release(std::uint32_t slot) {
  SlotState& s = state_[slot];
  stored_[slot].callback.reset();
  ++s.generation;  // odd -> even: stale
  s.link = free_head_;
  free_head_ = slot;
  --live_;
  if (++releases_ >= state_.size() && live_ == 0) restack_free_slots();
}

// Timeouts fire in deadline order, so after a burst the free list holds the slots in a random
// order, and the next burst would write its callbacks all over the slot arrays. When nothing
// is live, the list is put back in slot order so the next burst fills them front to back. At
// most once per state_.size() releases, so the O(slots) pass costs O(1) per timeout.
void TimeoutHeap::restack_free_slots() {
  const auto n = static_cast<std::uint32_t>(state_.size());
  for (std::uint32_t i = 0; i < n; ++i) state_[i].link = i + 1 < n ? i + 1 : kNoSlot;
  free_head_ = n > 0 ? 0 : kNoSlot;
  releases_ = 0;
}

// Sequence numbers are 32 bits so that an entry is 16 bytes. Before they run out, the entries
// are renumbered 0..n-1 in their present order: every comparison between them comes out as
// before, so the heap stays valid as it is. Stale entries go first (their slots no longer
// point back at them, so they could not be renumbered consistently).
void TimeoutHeap::renumber() {
  compact();
  std::vector<std::uint32_t> order(heap_.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(),
            [this](std::uint32_t a, std::uint32_t b) { return heap_[a].seq < heap_[b].seq; });
  for (std::uint32_t rank = 0; rank < order.size(); ++rank) {
    Entry& e = heap_[order[rank]];
    e.seq = rank;
    state_[e.slot].link = rank;
  }
  seq_ = static_cast<std::uint32_t>(order.size());
}

bool TimeoutHeap::cancel(Timeout t) {
  if (!live(t)) return false;  // never scheduled, already fired, or already cancelled
  if (state_[t.slot].link != kNotInHeap) ++cancellations_;  // it leaves a stale heap entry
  release(t.slot);
  return true;
}

bool TimeoutHeap::take(Timeout t, Callback& cb, SourceLocation& origin) {
  if (!live(t)) return false;
  Stored& st = stored_[t.slot];
  cb = std::move(st.callback);
  origin = st.origin;
  release(t.slot);
  return true;
}

void TimeoutHeap::collect_due(double now, std::vector<Timeout>& out) {
  while (!heap_.empty()) {
    const Entry top = heap_.front();
    if (stale(top)) {
      pop_top();
      if (cancellations_ > 0) --cancellations_;
    } else if (top.deadline <= now) {
      pop_top();
      SlotState& s = state_[top.slot];
      s.link = kNotInHeap;
      out.push_back(Timeout{top.slot, s.generation});
    } else {
      break;
    }
    // The rule is checked after every pop, not once per batch: a batch that pops its way into
    // it (live entries leaving, stale ones staying) drops the stale entries in one linear pass
    // instead of popping each of them at O(log n).
    if (should_compact()) compact();
  }
  if (should_compact()) compact();
}

void TimeoutHeap::compact() {
  std::size_t kept = 0;
  for (const Entry& e : heap_)
    if (!stale(e)) heap_[kept++] = e;
  heap_.resize(kept);
  for (std::size_t i = heap_.size() / kArity + 1; i-- > 0;) sift_down(i);
  cancellations_ = 0;
}

void TimeoutHeap::clear() {
  heap_.clear();
  state_.clear();
  stored_.clear();
  free_head_ = kNoSlot;
  seq_ = 0;
  live_ = 0;
  cancellations_ = 0;
  releases_ = 0;
}

// The earliest of the children starting at `first` (there is at least one).
inline std::size_t TimeoutHeap::earliest_child(std::size_t first) const {
  const std::size_t n = heap_.size();
  if (first + kArity <= n) {
    // A full family, the common case: a fixed tournament the compiler can do without branches.
    const Entry* c = &heap_[first];
    const std::size_t a = later(c[0], c[1]) ? 1 : 0;
    const std::size_t b = later(c[2], c[3]) ? 3 : 2;
    return first + (later(c[a], c[b]) ? b : a);
  }
  std::size_t best = first;
  for (std::size_t c = first + 1; c < n; ++c)
    if (later(heap_[best], heap_[c])) best = c;
  return best;
}

// Floyd's pop: the hole left at the root walks down to a leaf along the earliest children,
// and the last entry is then sifted up from there. The last entry came from the bottom and
// almost always belongs near it, so comparing it at every level on the way down (the
// textbook sift_down) is wasted work.
void TimeoutHeap::pop_top() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t hole = 0;
  for (std::size_t first = 1; first < n; first = hole * kArity + 1) {
    const std::size_t best = earliest_child(first);
    heap_[hole] = heap_[best];
    // The new top is known after the first step; collect_due checks its slot next. Loading
    // that record now lets the cache miss overlap the rest of the walk down.
    if (hole == 0) __builtin_prefetch(&state_[heap_[0].slot]);
    hole = best;
  }
  sift_up(hole, last);
}

// Places e at position i (whose entry may be overwritten) or above it.
void TimeoutHeap::sift_up(std::size_t i, Entry e) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!later(heap_[parent], e)) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void TimeoutHeap::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  if (i >= n) return;
  const Entry e = heap_[i];
  for (std::size_t first = i * kArity + 1; first < n; first = i * kArity + 1) {
    const std::size_t best = earliest_child(first);
    if (!later(e, heap_[best])) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

}  // namespace tornado::detail
