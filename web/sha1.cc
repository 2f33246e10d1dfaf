// web/sha1.cc: SHA-1 over 64-byte blocks, written from FIPS 180-4 §6.1.
#include "tornado/web/sha1.h"

namespace tornado {
namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

Sha1::Sha1() : h_{0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u} {}

void Sha1::block(const std::uint8_t* p) {
  // The message schedule lives in 16 words, rolled (W[t] for t >= 16 overwrites W[t - 16]),
  // and the 80 rounds run as four loops of 20 with their function and constant fixed: no
  // branch inside a round. (An ETag is one block per small response.)
  std::uint32_t w[16];
  for (int t = 0; t < 16; ++t) w[t] = load_be32(p + 4 * t);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  auto schedule = [&w](int t) {
    const std::uint32_t v =
        rotl(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
    w[t & 15] = v;
    return v;
  };
  auto round = [&](std::uint32_t f, std::uint32_t k, std::uint32_t wt) {
    const std::uint32_t tmp = rotl(a, 5) + f + e + k + wt;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = tmp;
  };
  for (int t = 0; t < 16; ++t) round((b & c) | (~b & d), 0x5A827999u, w[t]);
  for (int t = 16; t < 20; ++t) round((b & c) | (~b & d), 0x5A827999u, schedule(t));
  for (int t = 20; t < 40; ++t) round(b ^ c ^ d, 0x6ED9EBA1u, schedule(t));
  for (int t = 40; t < 60; ++t) round((b & c) | (b & d) | (c & d), 0x8F1BBCDCu, schedule(t));
  for (int t = 60; t < 80; ++t) round(b ^ c ^ d, 0xCA62C1D6u, schedule(t));
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void Sha1::update(std::string_view data) {
  buf_.update(data, [this](const std::uint8_t* p) { block(p); });
}

Sha1::Digest Sha1::digest() {
  buf_.finish([this](const std::uint8_t* p) { block(p); });
  Digest out;
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 4; ++j)
      out[4 * i + j] = static_cast<std::uint8_t>(h_[i] >> (24 - 8 * j));
  }
  *this = Sha1();
  return out;
}

Sha1::Digest sha1(std::string_view data) {
  Sha1 h;
  h.update(data);
  return h.digest();
}

std::string hex_encode(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(2 * n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

std::string sha1_hex(std::string_view data) {
  const Sha1::Digest d = sha1(data);
  return hex_encode(d.data(), d.size());
}

}  // namespace tornado
