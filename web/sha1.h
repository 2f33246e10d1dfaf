// web/sha1.h: SHA-1 (FIPS 180-4), for ETags, v1 signed values and the WebSocket handshake.
//
// Mirrors:  Python's hashlib.sha1, which Tornado uses for compute_etag and
//           WebSocket's Sec-WebSocket-Accept.
//
//   tornado::Sha1 h; h.update("abc"); auto d = h.digest();   // 20 bytes
//   tornado::sha1_hex("abc");  // "a9993e364706816aba3e25717850c26c9cd0d89d"
//
// Role:     SHA-1 is broken for collision resistance; it is used here only where a protocol or
//           Tornado's compatibility asks for it, never to authenticate on its own.
// Speed:    every 200 answer to a GET hashes its body for the automatic ETag, so the
//           compression function uses the CPU's SHA instructions when it has them (x86 SHA-NI,
//           ARMv8's SHA1 instructions on aarch64), found once at run time (cpuid,
//           getauxval(AT_HWCAP)); elsewhere, and on CPUs without them, portable C++ does it
//           (web/sha1_hw.cc). Both give the same digests (tests/web/hash_test.cc runs the
//           vectors through each).
// Thread:   one object per thread; the free functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tornado/web/block_buffer.h"

namespace tornado {

namespace detail {
// Compresses n 64-byte blocks at p into the five-word state.
using Sha1Blocks = void (*)(std::uint32_t* state, const std::uint8_t* p, std::size_t n);
void sha1_blocks_portable(std::uint32_t* state, const std::uint8_t* p, std::size_t n);
// The same as one plain loop: what a build optimized for size (-Os) uses without SHA
// instructions.
void sha1_blocks_compact(std::uint32_t* state, const std::uint8_t* p, std::size_t n);
// The CPU's SHA-1 instructions, or nullptr when this CPU (or this build's target) has none.
Sha1Blocks sha1_blocks_hardware();
// sha1_blocks_portable compiled for x86-64's AVX2 and BMI2, or nullptr when this CPU has not
// both (or this build is not for x86-64, or is optimized for size).
Sha1Blocks sha1_blocks_avx2();
}  // namespace detail

class Sha1 {
 public:
  static constexpr std::size_t kDigestSize = 20;
  static constexpr std::size_t kBlockSize = 64;
  using Digest = std::array<std::uint8_t, kDigestSize>;

  // Which compression function runs: the best this CPU has, or one chosen (so that tests and
  // benchmarks can compare them). kHardware and kPortableAvx2 fall back to the best one on a
  // CPU without them; kCompact is the loop a build optimized for size (-Os) takes instead of
  // kPortable. The best is kHardware, else kPortableAvx2, else kPortable (kCompact at -Os).
  enum class Implementation : unsigned char {
    kBest,
    kPortable,
    kHardware,
    kCompact,
    kPortableAvx2
  };
  // Whether this CPU has SHA-1 instructions this build can use.
  static bool has_hardware() { return detail::sha1_blocks_hardware() != nullptr; }
  // Whether this CPU and build can run the portable code compiled for AVX2 and BMI2.
  static bool has_portable_avx2() { return detail::sha1_blocks_avx2() != nullptr; }

  Sha1() : Sha1(Implementation::kBest) {}
  explicit Sha1(Implementation impl);
  void update(std::string_view data);
  // Pads, finishes and returns the digest; the object is then reset for reuse.
  Digest digest();

 private:
  void reset();
  detail::Sha1Blocks blocks_;
  std::uint32_t h_[5];
  detail::BlockBuffer buf_;
};

Sha1::Digest sha1(std::string_view data);
std::string sha1_hex(std::string_view data);

// Lower-case hex of any byte sequence (digests, mostly).
std::string hex_encode(const std::uint8_t* p, std::size_t n);
// The same into `out`, which holds 2 * n chars; returns the end.
char* hex_encode(const std::uint8_t* p, std::size_t n, char* out);

}  // namespace tornado
