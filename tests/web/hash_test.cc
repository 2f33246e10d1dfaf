// tests/web/hash_test.cc: SHA-1, SHA-256 and HMAC against their published test vectors
// (FIPS 180-4 examples, RFC 2202 for HMAC-SHA1, RFC 4231 for HMAC-SHA256), and base64
// against RFC 4648 §10.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tornado/http/base64.h"
#include "tornado/web/hmac.h"
#include "tornado/web/sha1.h"
#include "tornado/web/sha256.h"

using namespace tornado;

TEST_CASE("sha1 and sha256: FIPS 180-4 vectors") {
  struct Row {
    std::string message, sha1, sha256;
  };
  const Row rows[] = {
      {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.message.size());
    CHECK(sha1_hex(r.message) == r.sha1);
    CHECK(sha256_hex(r.message) == r.sha256);
  }
}

TEST_CASE("sha1 and sha256: fed in pieces of every size, the digest is the same") {
  // Lengths around the 56- and 64-byte padding boundaries, split at every point.
  for (std::size_t len : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    std::string m;
    for (std::size_t i = 0; i < len; ++i) m += static_cast<char>('a' + i % 26);
    const std::string whole1 = sha1_hex(m), whole256 = sha256_hex(m);
    for (std::size_t cut = 0; cut <= len; ++cut) {
      Sha1 a;
      Sha256 b;
      a.update(std::string_view(m).substr(0, cut));
      a.update(std::string_view(m).substr(cut));
      b.update(std::string_view(m).substr(0, cut));
      b.update(std::string_view(m).substr(cut));
      const auto da = a.digest();
      const auto db = b.digest();
      CHECK(hex_encode(da.data(), da.size()) == whole1);
      CHECK(hex_encode(db.data(), db.size()) == whole256);
    }
  }
  // The object is reset by digest() and can be used again.
  Sha256 h;
  h.update("junk");
  (void)h.digest();
  h.update("abc");
  const auto d = h.digest();
  CHECK(hex_encode(d.data(), d.size()) == sha256_hex("abc"));
}

TEST_CASE("sha1: each implementation (portable, and the CPU's SHA instructions when present)") {
  // FIPS 180-4's examples and RFC 3174's four tests, the last two many blocks long.
  struct Row {
    std::string message, digest;
  };
  std::string rfc3174_4;
  for (int i = 0; i < 10; ++i)
    rfc3174_4 += "0123456701234567012345670123456701234567012345670123456701234567";
  const Row rows[] = {
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {std::string(1000000, 'a'), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      {rfc3174_4, "dea356a2cddd90c7a7ecedc5ebb563934f460452"},
  };
  using Impl = Sha1::Implementation;
  std::vector<Impl> impls = {Impl::kPortable, Impl::kCompact};
  if (Sha1::has_hardware()) {
    impls.push_back(Impl::kHardware);
  } else {
    MESSAGE("this CPU has no SHA-1 instructions: their code is not tested");
  }
  if (Sha1::has_portable_avx2()) {
    impls.push_back(Impl::kPortableAvx2);
  } else {
    MESSAGE("no AVX2 and BMI2 here (or not x86-64): the portable code for them is not tested");
  }
  for (Impl impl : impls) {
    CAPTURE(static_cast<int>(impl));
    for (const Row& r : rows) {
      CAPTURE(r.message.size());
      Sha1 h(impl);
      h.update(r.message);
      const auto d = h.digest();
      CHECK(hex_encode(d.data(), d.size()) == r.digest);
    }
  }
  // The one-shot sha1() (whole blocks straight from the input, the tail padded apart) agrees
  // with the portable streaming object at every length across three blocks.
  std::string m;
  for (std::size_t len = 0; len <= 200; ++len) {
    CAPTURE(len);
    Sha1 portable(Impl::kPortable);
    portable.update(m);
    const auto want = portable.digest();
    CHECK(sha1(m) == want);
    Sha1 compact(Impl::kCompact);
    compact.update(m);
    CHECK(compact.digest() == want);
    Sha1 avx2(Impl::kPortableAvx2);  // the best one where AVX2 and BMI2 are missing
    avx2.update(m);
    CHECK(avx2.digest() == want);
    m += static_cast<char>('A' + len % 50);
  }
}

TEST_CASE("hex_encode: every byte value, at every length around its four-byte turns") {
  // Each length from 0 to 9 (no turn, one, two, with 0 to 3 bytes left), the bytes counting
  // down from 0xff so that every value, high and low digit, is written somewhere.
  std::vector<std::uint8_t> bytes(256);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(255 - i);
  std::string want;
  const char* digits = "0123456789abcdef";
  for (std::uint8_t b : bytes) {
    want += digits[b >> 4];
    want += digits[b & 15];
  }
  CHECK(hex_encode(bytes.data(), bytes.size()) == want);
  for (std::size_t n = 0; n <= 9; ++n) {
    CAPTURE(n);
    char out[20] = {};
    char* end = hex_encode(bytes.data() + 100, n, out);
    CHECK(end == out + 2 * n);
    CHECK(std::string(out, end) == want.substr(200, 2 * n));
    CHECK(hex_encode(bytes.data() + 100, n) == want.substr(200, 2 * n));
  }
}

TEST_CASE("hmac: RFC 2202 (SHA-1) and RFC 4231 (SHA-256) test cases") {
  struct Row {
    std::string key, data, sha1, sha256;
  };
  const std::string long_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  const Row rows[] = {
      {std::string(20, '\x0b'), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.data);
    CHECK(hmac_sha1_hex(r.key, r.data) == r.sha1);
    CHECK(hmac_sha256_hex(r.key, r.data) == r.sha256);
  }
  // Keys longer than a block are hashed first (RFC 2202 case 6, RFC 4231 case 6).
  CHECK(hmac_sha1_hex(std::string(80, '\xaa'), long_data) ==
        "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'), long_data) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("xbc", "abc"));
}

TEST_CASE("base64: RFC 4648 §10 vectors, both alphabets, and what decoding refuses") {
  struct Row {
    std::string raw, std, url;
  };
  const Row rows[] = {
      {"", "", ""},
      {"f", "Zg==", "Zg=="},
      {"fo", "Zm8=", "Zm8="},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg=="},
      {"fooba", "Zm9vYmE=", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
      {"\xfb\xff\xbf", "+/+/", "-_-_"},
      {std::string("a\0b", 3), "YQBi", "YQBi"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.std);
    CHECK(base64_encode(r.raw) == r.std);
    CHECK(base64_encode(r.raw, true) == r.url);
    CHECK(base64_decode(r.std) == r.raw);
    CHECK(base64_decode(r.url, true) == r.raw);
  }
  // Padding may be left off.
  CHECK(base64_decode("Zg") == "f");
  CHECK(base64_decode("Zm8") == "fo");
  const char* bad[] = {
      "Z", "Zg=", "Zg===", "Z===", "Zg==Zg==", "Zm9v!", "Zm 9v", "=Zm9v", "-_-_", "Zg=a"};
  for (const char* b : bad) {
    CAPTURE(b);
    CHECK_FALSE(base64_decode(b).has_value());
  }
  CHECK_FALSE(base64_decode("+/+/", true).has_value());
}
