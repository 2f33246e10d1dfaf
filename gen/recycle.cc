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

struct Lists {
  FreeBlock* head[kClasses] = {};
  std::uint16_t count[kClasses] = {};
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

}  // namespace

void* recycle_allocate(std::size_t n) {
  if (TORNADO_RECYCLE && n != 0 && n <= kMaxRecycled && !tl_dead) {
    const std::size_t cls = (n - 1) / kStep;
    Lists& l = tl_lists;
    if (FreeBlock* b = l.head[cls]) {
      l.head[cls] = b->next;
      --l.count[cls];
      return b;
    }
    // Rounded up to the class's size, so that any block of the class fits any request of it.
    return ::operator new((cls + 1) * kStep);
  }
  return ::operator new(n);
}

void recycle_deallocate(void* p, std::size_t n) noexcept {
  if (!p) return;
  if (TORNADO_RECYCLE && n != 0 && n <= kMaxRecycled && !tl_dead) {
    const std::size_t cls = (n - 1) / kStep;
    Lists& l = tl_lists;
    if (l.count[cls] < kCaps[cls]) {
      auto* b = static_cast<FreeBlock*>(p);
      b->next = l.head[cls];
      l.head[cls] = b;
      ++l.count[cls];
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
