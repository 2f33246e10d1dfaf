// web/sha256.h: SHA-256 (FIPS 180-4), for signed values (secure cookies) and XSRF tokens.
//
// Mirrors:  Python's hashlib.sha256, which Tornado's create_signed_value v2 uses under HMAC.
//
//   tornado::sha256_hex("abc");
//   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//
// Thread:   one object per thread; the free functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tornado/web/block_buffer.h"

namespace tornado {

class Sha256 {
 public:
  static constexpr std::size_t kDigestSize = 32;
  static constexpr std::size_t kBlockSize = 64;
  using Digest = std::array<std::uint8_t, kDigestSize>;

  Sha256();
  void update(std::string_view data);
  // Pads, finishes and returns the digest; the object is then reset for reuse.
  Digest digest();

 private:
  void block(const std::uint8_t* p);
  std::uint32_t h_[8];
  detail::BlockBuffer buf_;
};

Sha256::Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace tornado
