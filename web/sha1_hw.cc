// web/sha1_hw.cc: SHA-1's compression function on the CPU's SHA instructions, and the run-time
// test for them.
//
// Mirrors:  nothing in Tornado (hashlib's OpenSSL does the same dispatch for Python).
// Role:     sha1.cc asks sha1_blocks_hardware() once and uses what it returns for every hash.
//           x86-64 and i386: SHA-NI (sha1rnds4, sha1nexte, sha1msg1, sha1msg2) with SSSE3's
//           byte shuffle and SSE4.1's lane extract, compiled through target attributes, so the
//           rest of the library needs no -m flag and runs on CPUs without them. aarch64: the
//           ARMv8 Cryptography Extension's SHA1 instructions (sha1c, sha1p, sha1m, sha1h,
//           sha1su0, sha1su1). Other targets (armhf, riscv64...) get nullptr and the portable
//           code.
// Why:      on one block (an ETag of a small page) the portable rounds cost about 2,500
//           instructions, the SHA-NI ones about 150 (bench/README.md, "web: instructions per
//           request").
#include "tornado/web/sha1.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define TORNADO_SHA1_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <arm_neon.h>
#include <sys/auxv.h>
#define TORNADO_SHA1_ARM64 1
#endif

namespace tornado::detail {
namespace {

#if defined(TORNADO_SHA1_X86)

// Four rounds with function F (0: Ch, 1: Parity, 2: Maj, 3: Parity); a template, because
// sha1rnds4 takes the function as an immediate.
template <int F>
__attribute__((target("sha,sse4.1"))) inline void rounds4(__m128i& abcd, __m128i& prev, __m128i e) {
  prev = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e, F);
}

// Group i's E: A of four rounds before, rotated (sha1nexte), plus the group's words, which
// from the fifth group on are made from the four before them (FIPS 180-4's schedule, four
// words at a time: msg1, xor, msg2). w[i & 3] holds W[4i..4i+3]. (A function rather than a
// lambda: a lambda does not take its caller's target attribute.)
__attribute__((target("sha,sse4.1"))) inline __m128i group(__m128i* w, __m128i prev, int i) {
  if (i >= 4) {
    w[i & 3] = _mm_sha1msg2_epu32(
        _mm_xor_si128(_mm_sha1msg1_epu32(w[i & 3], w[(i + 1) & 3]), w[(i + 2) & 3]),
        w[(i + 3) & 3]);
  }
  return _mm_sha1nexte_epu32(prev, w[i & 3]);
}

__attribute__((target("sha,sse4.1"))) void blocks_shani(std::uint32_t* state, const std::uint8_t* p,
                                                        std::size_t n) {
  // The state as the instructions want it: A in the top lane of one register, E in the top
  // lane of another. The message words are big-endian and also go top lane first, so one
  // shuffle reverses all 16 bytes of each load.
  const __m128i reverse_bytes = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0x1B);
  __m128i e0 = _mm_set_epi32(static_cast<int>(state[4]), 0, 0, 0);
  for (; n > 0; --n, p += 64) {
    const __m128i abcd_save = abcd;
    const __m128i e_save = e0;
    __m128i w[4];
    for (int i = 0; i < 4; ++i)
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)),
                              reverse_bytes);
    // The first group's E is the state's E plus its words.
    __m128i prev;
    rounds4<0>(abcd, prev, _mm_add_epi32(e0, w[0]));
    for (int i = 1; i < 5; ++i) rounds4<0>(abcd, prev, group(w, prev, i));
    for (int i = 5; i < 10; ++i) rounds4<1>(abcd, prev, group(w, prev, i));
    for (int i = 10; i < 15; ++i) rounds4<2>(abcd, prev, group(w, prev, i));
    for (int i = 15; i < 20; ++i) rounds4<3>(abcd, prev, group(w, prev, i));
    e0 = _mm_sha1nexte_epu32(prev, e_save);
    abcd = _mm_add_epi32(abcd, abcd_save);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_shuffle_epi32(abcd, 0x1B));
  state[4] = static_cast<std::uint32_t>(_mm_extract_epi32(e0, 3));
}

bool cpu_has_shani() {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid(1, a, b, c, d);
  const bool ssse3 = (c & bit_SSSE3) != 0, sse41 = (c & bit_SSE4_1) != 0;
  __cpuid_count(7, 0, a, b, c, d);
  return ssse3 && sse41 && (b & bit_SHA) != 0;
}

#elif defined(TORNADO_SHA1_ARM64)

// Four rounds with function F (0: Ch, 1: Parity, 2: Maj, 3: Parity), which is in the
// instruction (sha1c, sha1p, sha1m). w[i & 3] holds W[4i..4i+3]; from the fifth group on
// each is made from the four before it (sha1su0, sha1su1). The next group's E is this
// group's first A rotated by 30 (sha1h). (Functions, not lambdas, which would not take the
// target attribute.)
template <int F>
__attribute__((target("+crypto"))) inline void rounds4(uint32x4_t& abcd, std::uint32_t& e,
                                                       uint32x4_t* w, int i) {
  static constexpr std::uint32_t kK[4] = {0x5A827999u, 0x6ED9EBA1u, 0x8F1BBCDCu, 0xCA62C1D6u};
  if (i >= 4)
    w[i & 3] =
        vsha1su1q_u32(vsha1su0q_u32(w[i & 3], w[(i + 1) & 3], w[(i + 2) & 3]), w[(i + 3) & 3]);
  const uint32x4_t wk = vaddq_u32(w[i & 3], vdupq_n_u32(kK[F]));
  const std::uint32_t next_e = vsha1h_u32(vgetq_lane_u32(abcd, 0));
  if constexpr (F == 0) {
    abcd = vsha1cq_u32(abcd, e, wk);
  } else if constexpr (F == 2) {
    abcd = vsha1mq_u32(abcd, e, wk);
  } else {
    abcd = vsha1pq_u32(abcd, e, wk);
  }
  e = next_e;
}

__attribute__((target("+crypto"))) void blocks_arm64(std::uint32_t* state, const std::uint8_t* p,
                                                     std::size_t n) {
  uint32x4_t abcd = vld1q_u32(state);  // A in lane 0, as the instructions want it
  std::uint32_t e0 = state[4];
  for (; n > 0; --n, p += 64) {
    const uint32x4_t abcd_save = abcd;
    std::uint32_t e = e0;
    // The words are big-endian: each 32-bit lane's bytes are reversed.
    uint32x4_t w[4];
    for (int i = 0; i < 4; ++i) w[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * i)));
    for (int i = 0; i < 5; ++i) rounds4<0>(abcd, e, w, i);
    for (int i = 5; i < 10; ++i) rounds4<1>(abcd, e, w, i);
    for (int i = 10; i < 15; ++i) rounds4<2>(abcd, e, w, i);
    for (int i = 15; i < 20; ++i) rounds4<3>(abcd, e, w, i);
    e0 += e;
    abcd = vaddq_u32(abcd, abcd_save);
  }
  vst1q_u32(state, abcd);
  state[4] = e0;
}

#endif

}  // namespace

Sha1Blocks sha1_blocks_hardware() {
#if defined(TORNADO_SHA1_X86)
  static const bool has = cpu_has_shani();
  return has ? &blocks_shani : nullptr;
#elif defined(TORNADO_SHA1_ARM64)
  static const bool has = (getauxval(AT_HWCAP) & HWCAP_SHA1) != 0;
  return has ? &blocks_arm64 : nullptr;
#else
  return nullptr;
#endif
}

}  // namespace tornado::detail
