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
// Thread:   one object per thread; the free functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tornado/web/block_buffer.h"

namespace tornado {

class Sha1 {
 public:
  static constexpr std::size_t kDigestSize = 20;
  static constexpr std::size_t kBlockSize = 64;
  using Digest = std::array<std::uint8_t, kDigestSize>;

  Sha1();
  void update(std::string_view data);
  // Pads, finishes and returns the digest; the object is then reset for reuse.
  Digest digest();

 private:
  void block(const std::uint8_t* p);
  std::uint32_t h_[5];
  detail::BlockBuffer buf_;
};

Sha1::Digest sha1(std::string_view data);
std::string sha1_hex(std::string_view data);

// Lower-case hex of any byte sequence (digests, mostly).
std::string hex_encode(const std::uint8_t* p, std::size_t n);

}  // namespace tornado
