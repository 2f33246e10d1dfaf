// tests/gen/recycle_test.cc: the per-thread free lists of gen/recycle.h.
// Mirrors:  nothing in Tornado (Python's allocator has its own free lists); what the
//           coroutine frames and Future states rely on: blocks of a size class are reused, are
//           aligned as operator new's, and stay distinct while live.
#include "tornado/gen/recycle.h"

#include <doctest/doctest.h>
#include <malloc.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using namespace tornado::detail;

namespace {

// AddressSanitizer builds hand every block to operator new and delete (recycle.cc says why).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRecycles = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRecycles = false;
#else
constexpr bool kRecycles = true;
#endif
#else
constexpr bool kRecycles = true;
#endif

}  // namespace

TEST_CASE("recycle: a freed block serves the next request of its size class") {
  for (const std::size_t n : {std::size_t{1}, std::size_t{24}, std::size_t{232}, kMaxRecycled}) {
    CAPTURE(n);
    void* a = recycle_allocate(n);
    REQUIRE(a != nullptr);
    // operator new's alignment: 16 bytes on the 64-bit targets, 8 on 32-bit ARM.
    CHECK(reinterpret_cast<std::uintptr_t>(a) % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0);
    std::memset(a, 0x5a, n);
    recycle_deallocate(a, n);
    // Any size of the same 16-byte class gets the block back.
    const std::size_t same_class = (n - 1) / 16 * 16 + 1;
    void* b = recycle_allocate(same_class);
    if (kRecycles) CHECK(b == a);
    std::memset(b, 0xa5, same_class);
    recycle_deallocate(b, same_class);
  }
}

TEST_CASE("recycle: live blocks are distinct; large blocks and other threads work") {
  std::vector<void*> live;
  for (int i = 0; i < 200; ++i) {
    void* p = recycle_allocate(48);
    std::memset(p, i, 48);
    live.push_back(p);
  }
  for (std::size_t i = 0; i < live.size(); ++i)
    for (std::size_t j = i + 1; j < live.size(); ++j) REQUIRE(live[i] != live[j]);
  // Freed on another thread: they join that thread's lists (or are freed at its exit).
  std::thread([&] {
    for (void* p : live) recycle_deallocate(p, 48);
  }).join();
  void* big = recycle_allocate(kMaxRecycled + 1);  // past the classes: plain operator new
  std::memset(big, 1, kMaxRecycled + 1);
  recycle_deallocate(big, kMaxRecycled + 1);
  auto shared =
      std::allocate_shared<std::vector<int>>(RecyclingAllocator<std::vector<int>>{}, 3, 7);
  CHECK(shared->size() == 3);
  CHECK((*shared)[2] == 7);
}

TEST_CASE("recycle: a thread's lists are given back to malloc when it exits") {
  // 48 blocks of 512 bytes: within the class's cap (64), so all of them stay on the freeing
  // thread's list until that thread ends. Its first free is what arms the cleanup at its exit.
  if (!kRecycles) return;  // AddressSanitizer's allocator: nothing is kept, mallinfo2 is its own
  std::vector<void*> blocks;
  for (int i = 0; i < 48; ++i) blocks.push_back(::operator new(512));
  const std::size_t in_use = mallinfo2().uordblks;
  std::thread([&] {
    for (void* p : blocks) recycle_deallocate(p, 512);
    // Still held here, on this thread's list.
    CHECK(mallinfo2().uordblks >= in_use);
  }).join();
  CHECK(mallinfo2().uordblks + 48 * 512 <= in_use);
}

TEST_CASE("recycle: a string given back lends its storage to the next recycled_string") {
  const std::string value(40, 'v');  // past the inline capacity: has storage of its own
  std::string a = recycled_string(value);
  CHECK(a == value);
  const char* storage = a.data();
  recycle_string(std::move(a));
  const std::string b = recycled_string("a value of 29 characters, too");
  CHECK(b == "a value of 29 characters, too");
  if (kRecycles) CHECK(b.data() == storage);
  // Too large to keep: dropped (freed), and a later string still gets its own value.
  std::string big(kMaxSpareString + 1, 'x');
  recycle_string(std::move(big));
  const std::string c = recycled_string(std::string(300, 'y'));
  CHECK(c == std::string(300, 'y'));
  // More than the thread keeps: the rest are freed, and every string stays its own.
  std::vector<std::string> many;
  for (std::size_t i = 0; i < 2 * kSpareStrings; ++i)
    many.push_back(recycled_string(std::string(20 + i, static_cast<char>('a' + i))));
  for (std::string& s : many) recycle_string(std::move(s));
  for (std::size_t i = 0; i < 2 * kSpareStrings; ++i) {
    const std::string s = recycled_string(std::string(17, static_cast<char>('A' + i)));
    CHECK(s == std::string(17, static_cast<char>('A' + i)));
  }
}

TEST_CASE("recycle: a body buffer given back serves the next spare_buffer, empty") {
  std::string body = spare_buffer();
  CHECK(body.empty());
  body.append(1000, 'b');
  const char* storage = body.data();
  recycle_buffer(std::move(body));
  std::string next = spare_buffer();
  CHECK(next.empty());  // the storage, not the bytes
  if (kRecycles) {
    CHECK(next.data() == storage);
    CHECK(next.capacity() >= 1000);
  }
  // Past the bound: not kept (the spare stays empty).
  std::string huge(kMaxSpareBuffer + 1, 'h');
  recycle_buffer(std::move(huge));
  CHECK(spare_buffer().capacity() <= std::string().capacity());
}
