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

using recycle::FreeBlock;
using recycle::kClasses;
using recycle::kStep;
using recycle::ThreadLists;

constinit thread_local ThreadLists recycle::tl_lists{};

namespace {

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

// The lists' end-of-thread cleanup: made on the thread's first free (a thread_local with a
// destructor is registered with the thread's exit handlers when it is first touched). Kept
// apart from the lists themselves, whose accesses then need no initialization guard.
struct ExitCleanup {
  bool armed = false;
  ~ExitCleanup();
};
// Set once the lists are gone: frees and allocations after that (other thread_local
// destructors) use operator new and delete. Trivially destructible, so it can be read at any
// time.
thread_local bool tl_dead = false;
thread_local ExitCleanup tl_cleanup;

ExitCleanup::~ExitCleanup() {
  tl_dead = true;
  ThreadLists& l = recycle::tl_lists;
  for (std::size_t cls = 0; cls < kClasses; ++cls) {
    l.room[cls] = 0;  // every later free takes the slow path, which sees tl_dead
    while (FreeBlock* b = l.head[cls]) {
      l.head[cls] = b->next;
      ::operator delete(b);
    }
  }
}

}  // namespace

// Past the fast path: a class whose list is empty, a size past the classes, or (under
// AddressSanitizer) every block. Blocks of a class are rounded up to the class's size, so that
// any block of the class fits any request of it once it is freed.
void* recycle::allocate_slow(std::size_t n) {
  const std::size_t cls = (n - 1) / kStep;
  if (TORNADO_RECYCLE && cls < kClasses) return ::operator new((cls + 1) * kStep);
  return ::operator new(n);
}

// A class with no room left, or the thread's first free: the lists get their room and the
// cleanup is armed, then the block goes on its list.
void recycle::deallocate_slow(void* p, std::size_t n) noexcept {
  if (!p) return;
  const std::size_t cls = (n - 1) / kStep;
  if (TORNADO_RECYCLE && cls < kClasses && !tl_dead && !tl_cleanup.armed) {
    tl_cleanup.armed = true;
    ThreadLists& l = tl_lists;
    for (std::size_t c = 0; c < kClasses; ++c) l.room[c] = kCaps[c];
    recycle_deallocate(p, n);
    return;
  }
  ::operator delete(p);
}

namespace {

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
