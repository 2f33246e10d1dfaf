// http/base64.h: base64 (RFC 4648 §4) and its URL-safe alphabet (§5).
//
// Mirrors:  Python's base64.b64encode / b64decode / urlsafe_b64*, which Tornado uses for
//           signed values, Basic authentication and the WebSocket handshake.
//
//   tornado::base64_encode("hi?");            // "aGk/"
//   tornado::base64_encode("hi?", true);      // "aGk_"
//   tornado::base64_decode("aGk/");           // "hi?"   (std::optional)
//   tornado::base64_decode("a$==");           // std::nullopt
//
// Errors:   decoding is strict about the alphabet and the padding: a character outside the
//           alphabet, "=" anywhere but the end, or a length that cannot come from an encoder
//           gives std::nullopt. Missing padding is accepted ("aGk" decodes), as browsers and
//           JWTs omit it.
// Thread:   pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tornado {

std::string base64_encode(std::string_view data, bool url_safe = false);
std::optional<std::string> base64_decode(std::string_view text, bool url_safe = false);

}  // namespace tornado
