// web/hmac.h: HMAC (RFC 2104) over SHA-1 and SHA-256, and a constant-time comparison.
//
// Mirrors:  Python's hmac.new(key, msg, hashlib.sha256) and hmac.compare_digest, which
//           Tornado's signed values (secure cookies) and XSRF checks use.
//
//   std::string mac = tornado::hmac_sha256_hex("key", "message");
//   if (!tornado::constant_time_equal(mac, claimed)) reject();
//
// Thread:   pure functions.
#pragma once

#include <string>
#include <string_view>

#include "tornado/web/sha1.h"
#include "tornado/web/sha256.h"

namespace tornado {

Sha1::Digest hmac_sha1(std::string_view key, std::string_view message);
Sha256::Digest hmac_sha256(std::string_view key, std::string_view message);
std::string hmac_sha1_hex(std::string_view key, std::string_view message);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// Whether a == b, taking time that depends on their lengths only, never on where they differ
// (so a forged signature cannot be guessed byte by byte from response times).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tornado
