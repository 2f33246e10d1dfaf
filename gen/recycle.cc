// gen/recycle.cc: the per-thread free lists behind recycle_allocate (gen/recycle.h).
//
// Callers:  the coroutine promise and Future's state (gen/concurrent.h), HTTP1ServerConnection
//           and HTTPServer's per-request objects (http/).
// Rules:    a free block holds the pointer to the next one; a list never grows past its cap,
//           so a burst of frees (10,000 connections closing) gives the memory back to malloc.
#include "tornado/gen/recycle.h"

#include <array>
#include <cstdint>
#include <utility>

// AddressSanitizer must see each free where it happens: no recycling in those builds.
#if defined(__SANITIZE_ADDRESS__)
#define TORNADO_RECYCLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TORNADO_RECYCLE 0
#endif
#endif
#ifndef TORNADO_RECYCLE
#define TORNADO_RECYCLE 1
#endif

namespace tornado::detail {

namespace {

constexpr std::size_t kStep = 16;  // operator new's alignment on the 64-bit targets
constexpr std::size_t kClasses = kMaxRecycled / kStep;

struct FreeBlock {
  FreeBlock* next;
};

// The most free blocks a class keeps: max(4, 32 KiB / size), from a table made at compile time
// (a division on every free costs more than the rest of the free).
constexpr auto kCaps = [] {
  std::array<std::uint16_t, kClasses> caps{};
  for (std::size_t cls = 0; cls < kClasses; ++cls) {
    const std::size_t size = (cls + 1) * kStep;
    caps[cls] = static_cast<std::uint16_t>(32 * 1024 / size > 4 ? 32 * 1024 / size : 4);
  }
  return caps;
}();

struct Lists {
  FreeBlock* head[kClasses] = {};
  // How many more free blocks each class may keep: it starts at the cap and counts down, so
  // that a free compares with zero rather than loading the cap.
  std::array<std::uint16_t, kClasses> room = kCaps;
  ~Lists();
};

// Set once the thread's lists are destroyed (thread exit): blocks freed later by other
// thread_local destructors go straight to operator delete. Trivially destructible, so it can
// be read at any time.
thread_local bool tl_dead = false;
thread_local Lists tl_lists;

Lists::~Lists() {
  tl_dead = true;
  for (FreeBlock*& h : head) {
    while (h) {
      FreeBlock* next = h->next;
      ::operator delete(h);
      h = next;
    }
  }
}

// The spare strings, with their own end-of-thread flag: a string given back by a later
// thread_local destructor is then just dropped.
struct SpareStrings {
  std::string s[kSpareStrings];
  std::size_t n = 0;
  std::string buffer;  // spare_buffer's
  ~SpareStrings();
};
thread_local bool tl_strings_dead = false;
thread_local SpareStrings tl_strings;

SpareStrings::~SpareStrings() { tl_strings_dead = true; }

}  // namespace

// The size check and the class in one: n - 1 wraps around for n == 0, so one comparison of
// the class refuses both 0 and sizes past kMaxRecycled (these run a dozen times a request).
void* recycle_allocate(std::size_t n) {
  const std::size_t cls = (n - 1) / kStep;
  if (TORNADO_RECYCLE && cls < kClasses && !tl_dead) {
    Lists& l = tl_lists;
    if (FreeBlock* b = l.head[cls]) {
      l.head[cls] = b->next;
      ++l.room[cls];
      return b;
    }
    // Rounded up to the class's size, so that any block of the class fits any request of it.
    return ::operator new((cls + 1) * kStep);
  }
  return ::operator new(n);
}

void recycle_deallocate(void* p, std::size_t n) noexcept {
  if (!p) return;
  const std::size_t cls = (n - 1) / kStep;
  if (TORNADO_RECYCLE && cls < kClasses && !tl_dead) {
    Lists& l = tl_lists;
    if (l.room[cls] != 0) {
      auto* b = static_cast<FreeBlock*>(p);
      b->next = l.head[cls];
      l.head[cls] = b;
      --l.room[cls];
      return;
    }
  }
  ::operator delete(p);
}

std::string recycled_string(std::string_view value) {
  if (TORNADO_RECYCLE && !tl_strings_dead) {
    SpareStrings& spare = tl_strings;
    if (spare.n > 0) {
      std::string s = std::move(spare.s[--spare.n]);
      s.clear();
      s.append(value);  // cheaper than assign(), which allows for value inside s
      return s;
    }
  }
  return std::string(value);
}

void keep_string_storage(std::string&& s) noexcept {
  // One past the bound would hold more memory idle than it saves.
  if (!TORNADO_RECYCLE || s.capacity() > kMaxSpareString || tl_strings_dead) return;
  SpareStrings& spare = tl_strings;
  if (spare.n < kSpareStrings) spare.s[spare.n++] = std::move(s);
}

std::string spare_buffer() noexcept {
  if (!TORNADO_RECYCLE || tl_strings_dead) return {};
  std::string s = std::move(tl_strings.buffer);
  s.clear();
  return s;
}

void keep_buffer_storage(std::string&& s) noexcept {
  if (!TORNADO_RECYCLE || s.capacity() > kMaxSpareBuffer || tl_strings_dead) return;
  SpareStrings& spare = tl_strings;
  // The larger of the two is kept: a body's storage grows to its size, and the next body of
  // that size then fits without a reallocation.
  if (s.capacity() > spare.buffer.capacity()) spare.buffer = std::move(s);
}

}  // namespace tornado::detail
