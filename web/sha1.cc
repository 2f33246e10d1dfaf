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

// W[t] of the message schedule, kept in 16 words: for t >= 16 it overwrites W[t - 16].
template <int T>
[[gnu::always_inline]] inline std::uint32_t schedule(std::uint32_t* w) {
  if constexpr (T < 16) {
    return w[T];
  } else {
    const std::uint32_t v =
        rotl(w[(T + 13) & 15] ^ w[(T + 8) & 15] ^ w[(T + 2) & 15] ^ w[T & 15], 1);
    w[T & 15] = v;
    return v;
  }
}

// Round T of FIPS 180-4 §6.1.2 step 3, with the working variables passed in that round's
// order: the caller rotates their names, not their values, so a round moves no registers.
template <int T>
[[gnu::always_inline]] inline void round(std::uint32_t a, std::uint32_t& b, std::uint32_t c,
                                         std::uint32_t d, std::uint32_t& e, std::uint32_t* w) {
  std::uint32_t f, k;
  if constexpr (T < 20) {
    f = d ^ (b & (c ^ d));  // Ch: (b & c) | (~b & d), one operation fewer
    k = 0x5A827999u;
  } else if constexpr (T < 40) {
    f = b ^ c ^ d;
    k = 0x6ED9EBA1u;
  } else if constexpr (T < 60) {
    f = (b & c) | (d & (b | c));  // Maj: (b & c) | (b & d) | (c & d)
    k = 0x8F1BBCDCu;
  } else {
    f = b ^ c ^ d;
    k = 0xCA62C1D6u;
  }
  e += rotl(a, 5) + f + k + schedule<T>(w);
  b = rotl(b, 30);
}

// Rounds T to T + 4: after five the names are back in their first order.
template <int T>
[[gnu::always_inline]] inline void five_rounds(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c,
                                               std::uint32_t& d, std::uint32_t& e,
                                               std::uint32_t* w) {
  round<T>(a, b, c, d, e, w);
  round<T + 1>(e, a, b, c, d, w);
  round<T + 2>(d, e, a, b, c, w);
  round<T + 3>(c, d, e, a, b, w);
  round<T + 4>(b, c, d, e, a, w);
}

template <std::size_t... G>
void all_rounds(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c, std::uint32_t& d,
                std::uint32_t& e, std::uint32_t* w, std::index_sequence<G...>) {
  (five_rounds<static_cast<int>(5 * G)>(a, b, c, d, e, w), ...);
}

void compress(std::uint32_t* h, const std::uint8_t* p) {
  // The 80 rounds written out by templates: no branch, no register move and no index
  // arithmetic inside a round; 1,467 instructions a block, against 2,564 with the rounds in
  // four loops. Under valgrind, which hides the SHA instructions, and on CPUs without them,
  // every ETag takes this path (bench/README.md).
  std::uint32_t w[16];
  for (int t = 0; t < 16; ++t) w[t] = detail::load_be32(p + 4 * t);
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  all_rounds(a, b, c, d, e, w, std::make_index_sequence<16>{});
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

// The best compression function, chosen on first use (a CPU does not change its features).
detail::Sha1Blocks best_blocks() {
  static const detail::Sha1Blocks best = [] {
    const detail::Sha1Blocks hw = detail::sha1_blocks_hardware();
    return hw ? hw : &detail::sha1_blocks_portable;
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

Sha1::Digest to_digest(const std::uint32_t* h) {
  Sha1::Digest out;
  for (std::size_t i = 0; i < 5; ++i) store_be32(out.data() + 4 * i, h[i]);
  return out;
}

}  // namespace

void detail::sha1_blocks_portable(std::uint32_t* state, const std::uint8_t* p, std::size_t n) {
  for (; n > 0; --n, p += 64) compress(state, p);
}

Sha1::Sha1(Implementation impl) {
  blocks_ = impl == Implementation::kPortable ? &detail::sha1_blocks_portable : best_blocks();
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
  // The tail: the rest of the data, 0x80, zeros, the length in bits; only the bytes the one
  // or two blocks use are written.
  const std::size_t tail_size = rest < 56 ? 64 : 128;
  std::uint8_t tail[128];
  if (rest > 0) std::memcpy(tail, p + whole * 64, rest);
  tail[rest] = 0x80;
  std::memset(tail + rest + 1, 0, tail_size - 8 - rest - 1);
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  store_be32(tail + tail_size - 8, static_cast<std::uint32_t>(bits >> 32));
  store_be32(tail + tail_size - 4, static_cast<std::uint32_t>(bits));
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
  for (std::size_t i = 0; i < n; ++i, out += 2) std::memcpy(out, &kPairs[2 * p[i]], 2);
  return out;
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
