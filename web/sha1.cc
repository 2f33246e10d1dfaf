// web/sha1.cc: SHA-1 over 64-byte blocks, written from FIPS 180-4 §6.1: the portable
// compression function, the streaming object and the one-shot hash. The CPU-instruction
// versions and their detection are in sha1_hw.cc.
#include "tornado/web/sha1.h"

#include <cstring>
#include <utility>

namespace tornado {
namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

constexpr std::uint32_t kInit[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
                                    0xC3D2E1F0u};

// Four schedule words in one vector: GCC's and Clang's generic vectors, which become SSE2 on
// x86-64, NEON on aarch64, and plain scalar code on a target without SIMD.
using Words4 = std::uint32_t __attribute__((vector_size(16)));

template <int N>
[[gnu::always_inline]] inline Words4 rotl4(Words4 x) {
  return (x << N) | (x >> (32 - N));
}

constexpr std::uint32_t k_of(int t) {
  return t < 20 ? 0x5A827999u : t < 40 ? 0x6ED9EBA1u : t < 60 ? 0x8F1BBCDCu : 0xCA62C1D6u;
}

// Words 4G to 4G + 3 of the message schedule (FIPS 180-4 §6.1.2 step 1) from the groups
// before them, and the same plus K(t) into wk for the rounds. Four at a time, as OpenSSL's
// SSSE3 code does: for t < 32, W[t + 3] needs W[t] of its own group, so that lane is computed
// without it and corrected after; from t = 32 on, W[t] = rotl2(W[t-6] ^ W[t-16] ^ W[t-28] ^
// W[t-32]) (the recurrence applied to itself), whose words are all in earlier groups.
template <int G>
[[gnu::always_inline]] inline void schedule4(Words4* w, std::uint32_t* wk) {
  if constexpr (G >= 4 && G < 8) {
    const Words4 zero = {};
    const Words4 x = w[G - 4] ^ __builtin_shufflevector(w[G - 4], w[G - 3], 2, 3, 4, 5) ^ w[G - 2] ^
                     __builtin_shufflevector(w[G - 1], zero, 1, 2, 3, 4);
    const Words4 r = rotl4<1>(x);
    w[G] = r ^ rotl4<1>(__builtin_shufflevector(zero, r, 0, 1, 2, 4));
  } else if constexpr (G >= 8) {
    w[G] = rotl4<2>(__builtin_shufflevector(w[G - 2], w[G - 1], 2, 3, 4, 5) ^ w[G - 4] ^ w[G - 7] ^
                    w[G - 8]);
  }
  const Words4 k = {k_of(4 * G), k_of(4 * G), k_of(4 * G), k_of(4 * G)};
  const Words4 sum = w[G] + k;
  std::memcpy(wk + 4 * G, &sum, sizeof sum);
}

template <std::size_t... G>
[[gnu::always_inline]] inline void schedule(Words4* w, std::uint32_t* wk,
                                            std::index_sequence<G...>) {
  (schedule4<static_cast<int>(G)>(w, wk), ...);
}

// Round T of FIPS 180-4 §6.1.2 step 3, with the working variables passed in that round's
// order: the caller rotates their names, not their values, so a round moves no registers.
// wk[T] is W[T] + K(T).
template <int T>
[[gnu::always_inline]] inline void round(std::uint32_t a, std::uint32_t& b, std::uint32_t c,
                                         std::uint32_t d, std::uint32_t& e,
                                         const std::uint32_t* wk) {
  std::uint32_t f;
  if constexpr (T < 20) {
    f = d ^ (b & (c ^ d));  // Ch: (b & c) | (~b & d), one operation fewer
  } else if constexpr (T < 40 || T >= 60) {
    f = b ^ c ^ d;
  } else {
    f = (b & c) | (d & (b | c));  // Maj: (b & c) | (b & d) | (c & d)
  }
  e += rotl(a, 5) + f + wk[T];
  b = rotl(b, 30);
}

// Rounds T to T + 4: after five the names are back in their first order.
template <int T>
[[gnu::always_inline]] inline void five_rounds(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c,
                                               std::uint32_t& d, std::uint32_t& e,
                                               const std::uint32_t* wk) {
  round<T>(a, b, c, d, e, wk);
  round<T + 1>(e, a, b, c, d, wk);
  round<T + 2>(d, e, a, b, c, wk);
  round<T + 3>(c, d, e, a, b, wk);
  round<T + 4>(b, c, d, e, a, wk);
}

template <std::size_t... G>
[[gnu::always_inline]] inline void all_rounds(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c,
                                              std::uint32_t& d, std::uint32_t& e,
                                              const std::uint32_t* wk, std::index_sequence<G...>) {
  (five_rounds<static_cast<int>(5 * G)>(a, b, c, d, e, wk), ...);
}

// The 80 rounds on the state h. Not inlined into compress(), on purpose (rounds() is the
// function that holds them): there the compiler takes each W[t] + K(t) out of its vector
// register (two instructions a word); here it can only read it from memory, as an operand of
// the add.
[[gnu::always_inline]] inline void rounds_on(std::uint32_t* h, const std::uint32_t* wk) {
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  all_rounds(a, b, c, d, e, wk, std::make_index_sequence<16>{});
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

[[gnu::noinline]] void rounds(std::uint32_t* h, const std::uint32_t* wk) { rounds_on(h, wk); }

template <std::size_t... I>
[[gnu::always_inline]] inline void load_block(std::uint32_t* m, const std::uint8_t* p,
                                              std::index_sequence<I...>) {
  ((m[I] = detail::load_be32(p + 4 * I)), ...);
}

// One block: the whole schedule first, four words per vector operation, then the 80 rounds
// written out by templates (Rounds: rounds(), or its copy for AVX2 and BMI2 below): no
// branch, no register move and no index arithmetic inside a round. Under valgrind, which
// hides the SHA instructions, and on CPUs without them, every ETag takes this path
// (bench/README.md): 2,564 instructions a block with the rounds in four loops, 1,467 written
// out with a scalar schedule, ~1,160 with this one, ~980 compiled for AVX2 and BMI2.
template <void (*Rounds)(std::uint32_t*, const std::uint32_t*)>
[[gnu::always_inline]] inline void compress(std::uint32_t* h, const std::uint8_t* p) {
  std::uint32_t m[16];
  load_block(m, p, std::make_index_sequence<16>{});
  Words4 w[20];
  std::memcpy(w, m, sizeof m);
  alignas(16) std::uint32_t wk[80];
  schedule(w, wk, std::make_index_sequence<20>{});
  Rounds(h, wk);
}

#if defined(__x86_64__) && !defined(__OPTIMIZE_SIZE__)
// The same code compiled for x86-64's AVX2 and BMI2, through target attributes (the rest of
// the library needs no -m flag), for CPUs that have them but no SHA instructions: Intel's
// from 2013 (Haswell) until Ice Lake, most of its servers among them. The schedule's vector
// operations take three operands (no register copies), and rorx rotates without a copy: about
// 15% fewer instructions a block. Left out of builds optimized for size.
#define TORNADO_SHA1_AVX2 1
[[gnu::noinline, gnu::target("avx2,bmi2")]] void rounds_avx2(std::uint32_t* h,
                                                             const std::uint32_t* wk) {
  rounds_on(h, wk);
}

[[gnu::target("avx2,bmi2")]] void blocks_avx2(std::uint32_t* state, const std::uint8_t* p,
                                              std::size_t n) {
  for (; n > 0; --n, p += 64) compress<rounds_avx2>(state, p);
}
#endif

// The best compression function, chosen on first use (a CPU does not change its features).
// Without SHA instructions: the written-out code, or in a build optimized for size (-Os: the
// static builds for devices, where flash is counted) the compact loop, a tenth of its code.
detail::Sha1Blocks best_blocks() {
  static const detail::Sha1Blocks best = [] {
    const detail::Sha1Blocks hw = detail::sha1_blocks_hardware();
#if defined(__OPTIMIZE_SIZE__)
    return hw ? hw : &detail::sha1_blocks_compact;
#else
    if (hw) return hw;
    const detail::Sha1Blocks avx2 = detail::sha1_blocks_avx2();
    return avx2 ? avx2 : &detail::sha1_blocks_portable;
#endif
  }();
  return best;
}

// The bytes of v most significant first, written out so that the compiler makes each a
// byte swap and one store.
void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// The same for a 64-bit v (the length in bits at the end of every hash). A function of its
// own: the same two store_be32 calls written in sha1() became a dozen shifts and masks there,
// here they are one byte swap and one store.
void store_be64(std::uint8_t* p, std::uint64_t v) {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

Sha1::Digest to_digest(const std::uint32_t* h) {
  Sha1::Digest out;
  for (std::size_t i = 0; i < 5; ++i) store_be32(out.data() + 4 * i, h[i]);
  return out;
}

}  // namespace

void detail::sha1_blocks_portable(std::uint32_t* state, const std::uint8_t* p, std::size_t n) {
  for (; n > 0; --n, p += 64) compress<rounds>(state, p);
}

detail::Sha1Blocks detail::sha1_blocks_avx2() {
#if defined(TORNADO_SHA1_AVX2)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
  return has ? &blocks_avx2 : nullptr;
#else
  return nullptr;
#endif
}

// FIPS 180-4 §6.1.2 as written there: the schedule in a sixteen-word window, the 80 rounds in
// one loop that moves the working variables. About twice the instructions of compress(),
// a tenth of its code.
void detail::sha1_blocks_compact(std::uint32_t* state, const std::uint8_t* p, std::size_t n) {
  for (; n > 0; --n, p += 64) {
    std::uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = detail::load_be32(p + 4 * t);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
    for (int t = 0; t < 80; ++t) {
      std::uint32_t& wt = w[t & 15];
      if (t >= 16) wt = rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ wt, 1);
      const std::uint32_t f = t < 20   ? d ^ (b & (c ^ d))
                              : t < 40 ? b ^ c ^ d
                              : t < 60 ? (b & c) | (d & (b | c))
                                       : b ^ c ^ d;
      const std::uint32_t next = rotl(a, 5) + f + e + k_of(t) + wt;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
  }
}

Sha1::Sha1(Implementation impl) {
  const detail::Sha1Blocks avx2 =
      impl == Implementation::kPortableAvx2 ? detail::sha1_blocks_avx2() : nullptr;
  blocks_ = impl == Implementation::kPortable  ? &detail::sha1_blocks_portable
            : impl == Implementation::kCompact ? &detail::sha1_blocks_compact
            : avx2                             ? avx2
                                               : best_blocks();
  reset();
}

void Sha1::reset() {
  std::memcpy(h_, kInit, sizeof h_);
  buf_ = detail::BlockBuffer{};
}

void Sha1::update(std::string_view data) {
  buf_.update(data, [this](const std::uint8_t* p) { blocks_(h_, p, 1); });
}

Sha1::Digest Sha1::digest() {
  buf_.finish([this](const std::uint8_t* p) { blocks_(h_, p, 1); });
  const Digest out = to_digest(h_);
  reset();
  return out;
}

Sha1::Digest sha1(std::string_view data) {
  // One call for the whole blocks straight from `data`, then the tail padded on the stack
  // (one or two blocks): no copy into a streaming buffer, and the SHA instructions load the
  // state once. Small responses' ETags come this way.
  std::uint32_t h[5];
  std::memcpy(h, kInit, sizeof h);
  const detail::Sha1Blocks blocks = best_blocks();
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  const std::size_t whole = data.size() / 64;
  if (whole > 0) blocks(h, p, whole);
  const std::size_t rest = data.size() - whole * 64;
  // The tail: the rest of the data, 0x80, zeros, the length in bits. The one or two blocks
  // are zeroed whole first: a fixed size the compiler writes as a few vector stores, where
  // zeroing only the bytes after the data was a call to memset.
  const std::size_t tail_size = rest < 56 ? 64 : 128;
  alignas(16) std::uint8_t tail[128];
  std::memset(tail, 0, 64);
  if (tail_size == 128) std::memset(tail + 64, 0, 64);
  if (rest > 0) std::memcpy(tail, p + whole * 64, rest);
  tail[rest] = 0x80;
  store_be64(tail + tail_size - 8, static_cast<std::uint64_t>(data.size()) * 8);
  blocks(h, tail, tail_size / 64);
  return to_digest(h);
}

char* hex_encode(const std::uint8_t* p, std::size_t n, char* out) {
  // Both digits of a byte from one table entry: one load and one two-byte store per byte
  // rather than two lookups, shifts and masks (the ETag is 20 bytes on every GET).
  static constexpr auto kPairs = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<char, 512> t{};
    for (std::size_t b = 0; b < 256; ++b) {
      t[2 * b] = kHex[b >> 4];
      t[2 * b + 1] = kHex[b & 15];
    }
    return t;
  }();
  auto pair = [&](std::size_t i) { std::memcpy(out + 2 * i, &kPairs[2 * std::size_t{p[i]}], 2); };
  // Four bytes a turn: a byte costs three instructions (load, look up, store), and the loop's
  // own count and compare were as many again (a digest is 20 bytes, 5 turns).
  for (; n >= 4; n -= 4, p += 4, out += 8) {
    pair(0);
    pair(1);
    pair(2);
    pair(3);
  }
  for (std::size_t i = 0; i < n; ++i) pair(i);
  return out + 2 * n;
}

std::string hex_encode(const std::uint8_t* p, std::size_t n) {
  std::string s(2 * n, '\0');
  hex_encode(p, n, s.data());
  return s;
}

std::string sha1_hex(std::string_view data) {
  const Sha1::Digest d = sha1(data);
  return hex_encode(d.data(), d.size());
}

}  // namespace tornado
