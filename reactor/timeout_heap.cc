// reactor/timeout_heap.cc: the deadline heap behind IOLoop::call_at.
//
// Mirrors:  heapq over _Timeout in Tornado 4.x PollIOLoop (ioloop.py, start() and
//           remove_timeout), with its lazy cancellation and compaction rule.
// In loop:  push from call_at, cancel from remove_timeout, collect_due in phase 2 of start().
// Layout:   a 4-ary min-heap of 24-byte entries (deadline, seq, slot, generation). Four children
//           per node halve the depth of a binary heap and keep siblings on one cache line, which
//           is what makes a million pending timers cheap (libev's 4-heap, same reason).
//           Callbacks live in a slot array with a free list, so a heap move copies 24 bytes
//           and never touches a callable.
// Rules:    a slot's generation is odd while its timeout is live; firing or cancelling bumps it,
//           which makes every old handle and heap entry for that slot stale at once.
#include "reactor/timeout_heap.h"

#include <utility>

namespace tornado::detail {

namespace {
constexpr std::size_t kArity = 4;
}

Timeout TimeoutHeap::push(double deadline, Callback cb, SourceLocation origin) {
  std::uint32_t slot;
  if (free_head_ != UINT32_MAX) {
    slot = free_head_;
    free_head_ = slots_[slot].next_free;
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.callback = std::move(cb);
  s.origin = origin;
  s.in_heap = true;
  ++s.generation;  // even -> odd: live
  heap_.push_back(Entry{deadline, seq_++, slot, s.generation});
  sift_up(heap_.size() - 1);
  ++live_;
  return Timeout{slot, s.generation};
}

void TimeoutHeap::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.callback.reset();
  ++s.generation;  // odd -> even: stale
  s.next_free = free_head_;
  free_head_ = slot;
  --live_;
}

bool TimeoutHeap::cancel(Timeout t) {
  if (!live(t)) return false;  // never scheduled, already fired, or already cancelled
  if (slots_[t.slot].in_heap) ++cancellations_;  // its heap entry is now stale
  release(t.slot);
  return true;
}

bool TimeoutHeap::take(Timeout t, Callback& cb, SourceLocation& origin) {
  if (!live(t)) return false;
  Slot& s = slots_[t.slot];
  cb = std::move(s.callback);
  origin = s.origin;
  release(t.slot);
  return true;
}

void TimeoutHeap::collect_due(double now, std::vector<Timeout>& out) {
  while (!heap_.empty()) {
    const Entry top = heap_.front();
    if (stale(top)) {
      pop_top();
      if (cancellations_ > 0) --cancellations_;
      continue;
    }
    if (top.deadline > now) break;
    pop_top();
    slots_[top.slot].in_heap = false;
    out.push_back(Timeout{top.slot, top.generation});
  }
  // Tornado's rule: rebuild only when stale entries are both many and the majority, so the
  // O(n) rebuild is paid for by at least n/2 cancellations.
  if (cancellations_ > kCompactMin && cancellations_ > heap_.size() / 2) compact();
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
  slots_.clear();
  free_head_ = UINT32_MAX;
  live_ = 0;
  cancellations_ = 0;
}

void TimeoutHeap::pop_top() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void TimeoutHeap::sift_up(std::size_t i) {
  const Entry e = heap_[i];
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
  for (;;) {
    const std::size_t first = i * kArity + 1;
    if (first >= n) break;
    const std::size_t last = first + kArity < n ? first + kArity : n;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c)
      if (later(heap_[best], heap_[c])) best = c;
    if (!later(e, heap_[best])) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

}  // namespace tornado::detail
