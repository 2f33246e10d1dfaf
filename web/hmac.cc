// web/hmac.cc: HMAC as RFC 2104 defines it, one template over the two hashes.
#include "tornado/web/hmac.h"

#include <cstdint>

namespace tornado {
namespace {

template <class Hash>
typename Hash::Digest hmac(std::string_view key, std::string_view message) {
  // A key longer than a block is hashed first; a shorter one is padded with zeros.
  std::uint8_t k[Hash::kBlockSize] = {};
  if (key.size() > Hash::kBlockSize) {
    Hash h;
    h.update(key);
    const auto d = h.digest();
    for (std::size_t i = 0; i < d.size(); ++i) k[i] = d[i];
  } else {
    for (std::size_t i = 0; i < key.size(); ++i) k[i] = static_cast<std::uint8_t>(key[i]);
  }
  char pad[Hash::kBlockSize];
  for (std::size_t i = 0; i < Hash::kBlockSize; ++i) pad[i] = static_cast<char>(k[i] ^ 0x36);
  Hash inner;
  inner.update(std::string_view(pad, sizeof pad));
  inner.update(message);
  const auto inner_digest = inner.digest();
  for (std::size_t i = 0; i < Hash::kBlockSize; ++i) pad[i] = static_cast<char>(k[i] ^ 0x5c);
  Hash outer;
  outer.update(std::string_view(pad, sizeof pad));
  outer.update(
      std::string_view(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()));
  return outer.digest();
}

}  // namespace

Sha1::Digest hmac_sha1(std::string_view key, std::string_view message) {
  return hmac<Sha1>(key, message);
}
Sha256::Digest hmac_sha256(std::string_view key, std::string_view message) {
  return hmac<Sha256>(key, message);
}
std::string hmac_sha1_hex(std::string_view key, std::string_view message) {
  const auto d = hmac_sha1(key, message);
  return hex_encode(d.data(), d.size());
}
std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  const auto d = hmac_sha256(key, message);
  return hex_encode(d.data(), d.size());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile keeps the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace tornado
