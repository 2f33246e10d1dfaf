// gen/recycle.h: per-thread free lists of small blocks, for the objects a server makes and drops
// once per request or per await: coroutine frames, Future states, a connection's per-request
// objects.
//
// Mirrors:  nothing in Tornado (Python's allocator keeps free lists of its own: pymalloc's
//           size-class pools); what nginx's per-request pool and libuv's recycled requests do.
//
//   void* p = tornado::detail::recycle_allocate(96);   // from this thread's list for 96 bytes
//   tornado::detail::recycle_deallocate(p, 96);         // back on the list, not to malloc
//   auto s = std::allocate_shared<T>(tornado::detail::RecyclingAllocator<T>{});
//
// Role:     a keep-alive request makes and frees the same few blocks each time (the coroutine
//           frames of the request loop, the Futures between them, the request). malloc and
//           free cost about 140 instructions a pair, and they are a tenth of the bare server's
//           instructions per request (bench/README.md, "Instructions per request"); a pop from
//           a free list is a few. Blocks are grouped by size in 16-byte steps up to
//           kMaxRecycled; larger ones go to operator new as before.
// Memory:   bounded: each size keeps at most max(4, 32 KiB / size) free blocks; more are freed.
//           A block may be freed on another thread than the one that made it (a Future resolved
//           on a worker): it joins that thread's list, which is fine for memory from operator
//           new. A thread's lists are freed when it exits.
// Sanitizers: under AddressSanitizer every block goes straight to operator new and delete, so
//           that a use after free is still caught where it happens.
// Thread:   each thread has its own lists; nothing is shared, nothing is locked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

namespace tornado::detail {

// Blocks up to this size are recycled.
inline constexpr std::size_t kMaxRecycled = 2048;

// The per-thread lists, in the header so that the common case (a block on the list, or room
// for one) is inline at each of the dozen calls a request makes; recycle.cc has the rest.
namespace recycle {

inline constexpr std::size_t kStep = 16;  // operator new's alignment on the 64-bit targets
inline constexpr std::size_t kClasses = kMaxRecycled / kStep;

struct FreeBlock {
  FreeBlock* next;
};

// All zeros until the thread's first free (recycle.cc's deallocate_slow): no room, so that
// first free takes the slow path, which arms the thread-exit cleanup and gives each class its
// room, max(4, 32 KiB / size) blocks. The cleanup frees the lists and sets the room back to
// zero, so that later frees go straight to operator delete. Constant-initialized, so that an
// access is a plain thread-local load with no guard.
struct ThreadLists {
  FreeBlock* head[kClasses];
  std::uint16_t room[kClasses];  // how many more free blocks the class may keep
};
extern constinit thread_local ThreadLists tl_lists;

void* allocate_slow(std::size_t n);
void deallocate_slow(void* p, std::size_t n) noexcept;

}  // namespace recycle

// n bytes (aligned as operator new aligns), from this thread's free list when one is there.
// The size check and the class in one: n - 1 wraps around for n == 0, so one comparison of
// the class refuses both 0 and sizes past kMaxRecycled.
inline void* recycle_allocate(std::size_t n) {
  const std::size_t cls = (n - 1) / recycle::kStep;
  if (cls < recycle::kClasses) {
    recycle::ThreadLists& l = recycle::tl_lists;
    if (recycle::FreeBlock* b = l.head[cls]) {
      l.head[cls] = b->next;
      ++l.room[cls];
      return b;
    }
  }
  return recycle::allocate_slow(n);
}

// Returns a block from recycle_allocate(n), with the same n.
inline void recycle_deallocate(void* p, std::size_t n) noexcept {
  const std::size_t cls = (n - 1) / recycle::kStep;
  if (p && cls < recycle::kClasses) {
    recycle::ThreadLists& l = recycle::tl_lists;
    if (l.room[cls] != 0) {
      auto* b = static_cast<recycle::FreeBlock*>(p);
      b->next = l.head[cls];
      l.head[cls] = b;
      --l.room[cls];
      return;
    }
  }
  recycle::deallocate_slow(p, n);
}

// Spare strings: the web layer's response fields hold values past std::string's inline
// capacity (Content-Type, Date, the ETag) and drop them with the handler, every request. A few
// dropped strings per thread are kept, and their storage holds the next values.
//
// A string holding `value`, in the storage of one given to recycle_string when one is there.
std::string recycled_string(std::string_view value);
// Keeps s's storage for recycled_string: at most kSpareStrings per thread, each of at most
// kMaxSpareString bytes; others (and s when it has no storage of its own) are just dropped.
void keep_string_storage(std::string&& s) noexcept;
inline void recycle_string(std::string&& s) noexcept {
  // Inline, so that a short value (most fields: within the string's inline capacity, nothing
  // to keep) costs one comparison.
  if (s.capacity() > std::string().capacity()) keep_string_storage(std::move(s));
}
inline constexpr std::size_t kSpareStrings = 8;
inline constexpr std::size_t kMaxSpareString = 256;

// One larger spare string per thread, for a response body built up by appends (the web
// layer's write buffer): an empty string with the storage of the last one given to
// recycle_buffer, if any.
std::string spare_buffer() noexcept;
// Keeps s's storage for spare_buffer when it has more than the inline capacity and at most
// kMaxSpareBuffer bytes (then only the last one given is kept).
void keep_buffer_storage(std::string&& s) noexcept;
inline void recycle_buffer(std::string&& s) noexcept {
  if (s.capacity() > std::string().capacity()) keep_buffer_storage(std::move(s));
}
inline constexpr std::size_t kMaxSpareBuffer = 64 * 1024;

// An allocator over the free lists, for std::allocate_shared.
template <class T>
struct RecyclingAllocator {
  using value_type = T;
  RecyclingAllocator() = default;
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(recycle_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { recycle_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const RecyclingAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace tornado::detail
