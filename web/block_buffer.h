// web/block_buffer.h: the 64-byte block buffering, the padding and the big-endian word load
// that SHA-1 and SHA-256 share (FIPS 180-4 §5.1.1: 0x80, zeros to 56 mod 64, the message length in
// bits, big-endian).
//
// Role:     Sha1 and Sha256 keep one of these and hand it their compression function; the
//           hashes differ only in that function and their output.
// Thread:   one object per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tornado::detail {

// A message word as both hashes read it: four bytes, most significant first.
constexpr std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

struct BlockBuffer {
  static constexpr std::size_t kBlockSize = 64;
  std::uint8_t buf[kBlockSize];
  std::size_t used = 0;
  std::uint64_t length = 0;  // bytes hashed so far

  // Feeds whole blocks to block(const std::uint8_t*) and keeps the rest.
  template <class Block>
  void update(std::string_view data, Block&& block) {
    auto p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t n = data.size();
    length += n;
    if (used > 0) {
      const std::size_t take = n < kBlockSize - used ? n : kBlockSize - used;
      std::memcpy(buf + used, p, take);
      used += take;
      p += take;
      n -= take;
      if (used < kBlockSize) return;
      block(buf);
      used = 0;
    }
    for (; n >= kBlockSize; p += kBlockSize, n -= kBlockSize) block(p);
    if (n > 0) std::memcpy(buf, p, n);
    used = n;
  }

  // Pads and feeds the last block or two; the buffer is then empty again.
  template <class Block>
  void finish(Block&& block) {
    const std::uint64_t bits = length * 8;
    buf[used++] = 0x80;
    if (used > 56) {
      std::memset(buf + used, 0, kBlockSize - used);
      block(buf);
      used = 0;
    }
    std::memset(buf + used, 0, 56 - used);
    for (int i = 0; i < 8; ++i) buf[56 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
    block(buf);
    used = 0;
    length = 0;
  }
};

}  // namespace tornado::detail
