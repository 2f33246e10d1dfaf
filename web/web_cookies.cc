// web/web_cookies.cc: cookies, signed values (secure cookies) and XSRF tokens.
//
// Mirrors:  tornado/web.py (RequestHandler.get_cookie, set_cookie, clear_cookie,
//           clear_all_cookies, set_signed_cookie, get_signed_cookie, xsrf_token,
//           _get_raw_xsrf_token, _decode_xsrf_token, check_xsrf_cookie, xsrf_form_html;
//           create_signed_value, decode_signed_value and their v1/v2 helpers) and Python's
//           http.cookies quoting.
// Formats:  a v2 signed value is "2|1:<key version>|<n>:<timestamp>|<n>:<name>|<n>:<base64
//           value>|<hex HMAC-SHA256 of everything before it>", each field prefixed with its
//           length; v1 is "<base64 value>|<timestamp>|<hex HMAC-SHA1 of name, value,
//           timestamp>". A v2 XSRF token is "2|<hex mask>|<hex masked token>|<timestamp>": the
//           16 random bytes of the cookie's token, XORed with 4 fresh random bytes, so each page
//           carries a different string (BREACH) for the same secret.
// Thread:   the loop thread.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "tornado/http/base64.h"
#include "tornado/http/escape.h"
#include "tornado/reactor/log.h"
#include "tornado/web/hmac.h"
#include "tornado/web/web.h"

namespace tornado::web {

namespace {

// --- cookie syntax (Python's http.cookies) ---

bool legal_cookie_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~:", c) != nullptr;
}

bool unescaped_cookie_char(char c) {
  return legal_cookie_char(c) || std::strchr(" ()/<=>?@[]{}", c) != nullptr;
}

// A value made only of legal characters is sent as it is; any other is quoted, with the
// quote and the backslash escaped and the rest of the unsafe bytes as \ooo octal (what SimpleCookie
// sends).
std::string quote_cookie_value(std::string_view v) {
  bool legal = true;
  for (char c : v) legal = legal && legal_cookie_char(c);
  if (legal) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (unescaped_cookie_char(c) && static_cast<unsigned char>(c) < 0x7f) {
      out += c;
    } else {
      char oct[8];
      std::snprintf(oct, sizeof oct, "\\%03o",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += oct;
    }
  }
  out += '"';
  return out;
}

void check_cookie_attribute(std::string_view what, std::string_view v) {
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ';')
      throw std::invalid_argument("Invalid cookie " + std::string(what) + ": " + std::string(v));
  }
}

// --- random bytes ---

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  std::size_t got = 0;
  while (fd >= 0 && got < n) {
    const ssize_t r = ::read(fd, out.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  if (fd >= 0) ::close(fd);
  if (got < n) throw std::runtime_error("cannot read /dev/urandom");
  return out;
}

std::optional<std::string> hex_decode(std::string_view h) {
  if (h.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(h.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < h.size(); i += 2) {
    const int a = nibble(h[i]), b = nibble(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

std::string hex_of(std::string_view bytes) {
  return hex_encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

// XOR with a repeating 4-byte mask (Tornado's _websocket_mask).
std::string mask_bytes(std::string_view mask, std::string_view data) {
  std::string out(data);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ mask[i % 4]);
  return out;
}

// --- signed values ---

double clock_or(double now) { return now != 0 ? now : static_cast<double>(std::time(nullptr)); }

std::string field(std::string_view s) { return std::to_string(s.size()) + ":" + std::string(s); }

// Digits only, no sign and no leading "+", as a value we wrote has.
std::optional<long long> parse_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Tornado's _get_version: "N|..." with N in 1..999 is version N; anything else is version 1
// (v1 values start with base64, which may itself begin with digits).
int signed_value_version(std::string_view value) {
  const std::size_t bar = value.find('|');
  if (bar == std::string_view::npos || bar == 0 || value[0] == '0') return 1;
  const std::optional<long long> v = parse_digits(value.substr(0, bar));
  if (!v || *v > 999) return 1;
  return static_cast<int>(*v);
}

std::string signature_v1(std::string_view secret, std::string_view name, std::string_view value,
                         std::string_view timestamp) {
  std::string msg;
  msg.append(name).append(value).append(timestamp);
  return hmac_sha1_hex(secret, msg);
}

std::optional<std::string> decode_v1(std::string_view secret, std::string_view name,
                                     std::string_view value, double max_age_days, double now) {
  const std::size_t a = value.find('|');
  const std::size_t b = a == std::string_view::npos ? a : value.find('|', a + 1);
  if (b == std::string_view::npos || value.find('|', b + 1) != std::string_view::npos)
    return std::nullopt;
  const std::string_view payload = value.substr(0, a), ts = value.substr(a + 1, b - a - 1),
                         sig = value.substr(b + 1);
  if (!constant_time_equal(sig, signature_v1(secret, name, payload, ts))) {
    log::gen_log.warning("Invalid cookie signature");
    return std::nullopt;
  }
  const std::optional<long long> t = parse_digits(ts);
  if (!t) return std::nullopt;
  if (static_cast<double>(*t) < now - max_age_days * 86400) {
    log::gen_log.warning("Expired cookie");
    return std::nullopt;
  }
  if (static_cast<double>(*t) > now + 31 * 86400) {
    log::gen_log.warning("Cookie timestamp in future; possible tampering");
    return std::nullopt;
  }
  if (ts.front() == '0') {
    log::gen_log.warning("Tampered cookie");
    return std::nullopt;
  }
  return base64_decode(payload);
}

// One "<length>:<bytes>|" field of a v2 value; advances `rest`.
std::optional<std::string_view> consume_field(std::string_view& rest) {
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::optional<long long> n = parse_digits(rest.substr(0, colon));
  if (!n) return std::nullopt;
  const std::size_t len = static_cast<std::size_t>(*n);
  if (colon + 1 + len >= rest.size() || rest[colon + 1 + len] != '|') return std::nullopt;
  const std::string_view v = rest.substr(colon + 1, len);
  rest.remove_prefix(colon + 2 + len);
  return v;
}

struct V2Fields {
  int key_version;
  std::string_view timestamp, name, value, signature, signed_part;
};

std::optional<V2Fields> fields_v2(std::string_view value) {
  if (value.substr(0, 2) != "2|") return std::nullopt;
  std::string_view rest = value.substr(2);
  const auto kv = consume_field(rest);
  const auto ts = kv ? consume_field(rest) : std::nullopt;
  const auto nm = ts ? consume_field(rest) : std::nullopt;
  const auto val = nm ? consume_field(rest) : std::nullopt;
  if (!val) return std::nullopt;
  const std::optional<long long> k = parse_digits(*kv);
  if (!k || *k > 1000000) return std::nullopt;
  return V2Fields{
      static_cast<int>(*k), *ts, *nm, *val, rest, value.substr(0, value.size() - rest.size())};
}

std::optional<std::string> decode_v2(const std::string* secret,
                                     const std::map<int, std::string>* secrets,
                                     std::string_view name, std::string_view value,
                                     double max_age_days, double now) {
  const std::optional<V2Fields> f = fields_v2(value);
  if (!f) return std::nullopt;
  std::string_view key;
  if (secrets) {
    const auto it = secrets->find(f->key_version);
    if (it == secrets->end()) return std::nullopt;
    key = it->second;
  } else {
    key = *secret;
  }
  if (!constant_time_equal(f->signature, hmac_sha256_hex(key, f->signed_part))) return std::nullopt;
  if (f->name != name) return std::nullopt;
  const std::optional<long long> t = parse_digits(f->timestamp);
  if (!t || static_cast<double>(*t) < now - max_age_days * 86400) return std::nullopt;
  return base64_decode(f->value);
}

std::optional<std::string> decode_any(const std::string* secret,
                                      const std::map<int, std::string>* secrets,
                                      std::string_view name, std::string_view value,
                                      double max_age_days, int min_version, double now) {
  if (min_version > 2)
    throw std::invalid_argument("Unsupported min_version " + std::to_string(min_version));
  if (value.empty()) return std::nullopt;
  now = clock_or(now);
  const int version = signed_value_version(value);
  if (version < min_version) return std::nullopt;
  if (version == 1) {
    if (!secret) return std::nullopt;  // v1 has no key versions
    return decode_v1(*secret, name, value, max_age_days, now);
  }
  if (version == 2) return decode_v2(secret, secrets, name, value, max_age_days, now);
  return std::nullopt;
}

std::string sign_v2(std::string_view key, int key_version, std::string_view name,
                    std::string_view value, double now) {
  const std::string timestamp = std::to_string(static_cast<long long>(clock_or(now)));
  std::string to_sign = "2|" + field(std::to_string(key_version)) + "|" + field(timestamp) + "|" +
                        field(name) + "|" + field(base64_encode(value)) + "|";
  return to_sign + hmac_sha256_hex(key, to_sign);
}

}  // namespace

std::string create_signed_value(std::string_view secret, std::string_view name,
                                std::string_view value, int version, std::optional<int> key_version,
                                double now) {
  if (version == 1) {
    const std::string timestamp = std::to_string(static_cast<long long>(clock_or(now)));
    const std::string payload = base64_encode(value);
    return payload + "|" + timestamp + "|" + signature_v1(secret, name, payload, timestamp);
  }
  if (version != 2) throw std::invalid_argument("Unsupported version " + std::to_string(version));
  return sign_v2(secret, key_version.value_or(0), name, value, now);
}

std::string create_signed_value(const std::map<int, std::string>& secrets, int key_version,
                                std::string_view name, std::string_view value, double now) {
  const auto it = secrets.find(key_version);
  if (it == secrets.end())
    throw std::invalid_argument("no secret for key version " + std::to_string(key_version));
  return sign_v2(it->second, key_version, name, value, now);
}

std::optional<std::string> decode_signed_value(std::string_view secret, std::string_view name,
                                               std::string_view value, double max_age_days,
                                               int min_version, double now) {
  const std::string s(secret);
  return decode_any(&s, nullptr, name, value, max_age_days, min_version, now);
}

std::optional<std::string> decode_signed_value(const std::map<int, std::string>& secrets,
                                               std::string_view name, std::string_view value,
                                               double max_age_days, int min_version, double now) {
  return decode_any(nullptr, &secrets, name, value, max_age_days, min_version, now);
}

std::optional<int> get_signature_key_version(std::string_view value) {
  if (signed_value_version(value) != 2) return std::nullopt;
  const std::optional<V2Fields> f = fields_v2(value);
  if (!f) return std::nullopt;
  return f->key_version;
}

// --- cookies on the handler ---------------------------------------------------------------------

std::optional<std::string> RequestHandler::get_cookie(std::string_view name) const {
  const auto& cookies = request_->cookies();
  const auto it = cookies.find(name);
  if (it == cookies.end()) return std::nullopt;
  return it->second;
}

std::string RequestHandler::get_cookie(std::string_view name,
                                       std::string_view default_value) const {
  return get_cookie(name).value_or(std::string(default_value));
}

void RequestHandler::set_cookie(std::string_view name, std::string_view value,
                                const CookieOptions& o) {
  for (std::string_view part : {name, value}) {
    for (char c : part) {
      if (static_cast<unsigned char>(c) <= 0x20)
        throw std::invalid_argument("Invalid cookie " + std::string(name) + ": " +
                                    std::string(value));
    }
  }
  if (name.empty()) throw std::invalid_argument("Invalid cookie: empty name");
  for (char c : name) {
    if (!legal_cookie_char(c))
      throw std::invalid_argument("Illegal cookie name: " + std::string(name));
  }
  check_cookie_attribute("domain", o.domain);
  check_cookie_attribute("path", o.path);
  check_cookie_attribute("samesite", o.samesite);
  // Attributes in the order Python's Morsel prints them (sorted by their key).
  std::string c(name);
  c += '=';
  c += quote_cookie_value(value);
  if (!o.domain.empty()) c += "; Domain=" + o.domain;
  std::optional<std::time_t> expires = o.expires;
  if (!expires && o.expires_days)
    expires = std::time(nullptr) + static_cast<std::time_t>(*o.expires_days * 86400);
  if (expires) c += "; expires=" + httputil::format_timestamp(*expires);
  if (o.httponly) c += "; HttpOnly";
  if (o.max_age && *o.max_age != 0) c += "; Max-Age=" + std::to_string(*o.max_age);
  if (!o.path.empty()) c += "; Path=" + o.path;
  if (!o.samesite.empty()) c += "; SameSite=" + o.samesite;
  if (o.secure) c += "; Secure";
  std::vector<std::pair<std::string, std::string>>& cookies = rare().new_cookies;
  for (auto it = cookies.begin(); it != cookies.end(); ++it) {
    if (it->first == name) {
      cookies.erase(it);
      break;
    }
  }
  cookies.emplace_back(std::string(name), std::move(c));
}

void RequestHandler::clear_cookie(std::string_view name, std::string_view path,
                                  std::string_view domain) {
  CookieOptions o;
  o.path = std::string(path);
  o.domain = std::string(domain);
  o.expires = std::time(nullptr) - 365 * 86400;
  set_cookie(name, "", o);
}

void RequestHandler::clear_all_cookies(std::string_view path, std::string_view domain) {
  for (const auto& [name, value] : request_->cookies()) clear_cookie(name, path, domain);
}

std::string RequestHandler::create_signed_value(std::string_view name,
                                                std::string_view value) const {
  const Settings& s = settings();
  if (!s.cookie_secrets.empty()) {
    if (!s.key_version) throw std::logic_error("key_version setting must be used for secret dicts");
    return web::create_signed_value(s.cookie_secrets, *s.key_version, name, value);
  }
  if (s.cookie_secret.empty())
    throw std::logic_error("the cookie_secret setting is needed to use secure cookies");
  return web::create_signed_value(s.cookie_secret, name, value);
}

void RequestHandler::set_secure_cookie(std::string_view name, std::string_view value,
                                       std::optional<double> expires_days, CookieOptions options) {
  if (expires_days && !options.expires) options.expires_days = expires_days;
  set_cookie(name, create_signed_value(name, value), options);
}

std::optional<std::string> RequestHandler::get_secure_cookie(std::string_view name,
                                                             double max_age_days,
                                                             int min_version) const {
  const std::optional<std::string> value = get_cookie(name);
  if (!value) return std::nullopt;
  const Settings& s = settings();
  if (!s.cookie_secrets.empty())
    return decode_signed_value(s.cookie_secrets, name, *value, max_age_days, min_version);
  if (s.cookie_secret.empty())
    throw std::logic_error("the cookie_secret setting is needed to use secure cookies");
  return decode_signed_value(s.cookie_secret, name, *value, max_age_days, min_version);
}

// --- XSRF
// -----------------------------------------------------------------------------------------

namespace {

// The raw token inside a cookie or a form value: v2 unmasked, v1 (hex, or the bytes as they
// are). nullopt for a malformed or unknown-version value.
std::optional<std::string> decode_xsrf(std::string_view text) {
  const std::size_t bar = text.find('|');
  if (bar != std::string_view::npos && bar > 0 && text[0] != '0' &&
      parse_digits(text.substr(0, bar))) {
    if (text.substr(0, bar) != "2") return std::nullopt;
    // 2|mask|masked|timestamp
    const std::string_view rest = text.substr(2);
    const std::size_t b1 = rest.find('|');
    const std::size_t b2 = b1 == std::string_view::npos ? b1 : rest.find('|', b1 + 1);
    if (b2 == std::string_view::npos || rest.find('|', b2 + 1) != std::string_view::npos)
      return std::nullopt;
    const auto mask = hex_decode(rest.substr(0, b1));
    const auto masked = hex_decode(rest.substr(b1 + 1, b2 - b1 - 1));
    if (!mask || !masked || mask->size() != 4 || !parse_digits(rest.substr(b2 + 1)))
      return std::nullopt;
    return mask_bytes(*mask, *masked);
  }
  if (auto raw = hex_decode(text)) return raw;
  return std::string(text);
}

}  // namespace

std::optional<std::string> RequestHandler::raw_xsrf_token() {
  std::optional<std::string>& raw = rare().raw_xsrf;
  if (!raw) {
    if (std::optional<std::string> cookie = get_cookie(settings().xsrf_cookie_name)) {
      if (std::optional<std::string> t = decode_xsrf(*cookie); t && !t->empty()) {
        raw = std::move(t);
        return raw;
      }
    }
  }
  return raw;
}

const std::string& RequestHandler::xsrf_token() {
  Rare& r = rare();
  if (r.xsrf_token) return *r.xsrf_token;
  const bool had_cookie = raw_xsrf_token().has_value();
  if (!had_cookie) r.raw_xsrf = random_bytes(16);
  if (settings().xsrf_cookie_version == 1) {
    r.xsrf_token = hex_of(*r.raw_xsrf);
  } else {
    const std::string mask = random_bytes(4);
    r.xsrf_token = "2|" + hex_of(mask) + "|" + hex_of(mask_bytes(mask, *r.raw_xsrf)) + "|" +
                   std::to_string(static_cast<long long>(std::time(nullptr)));
  }
  if (!had_cookie) {
    CookieOptions o;
    if (current_user()) o.expires_days = 30;
    set_cookie(settings().xsrf_cookie_name, *r.xsrf_token, o);
  }
  return *r.xsrf_token;
}

std::string RequestHandler::xsrf_form_html() {
  return "<input type=\"hidden\" name=\"_xsrf\" value=\"" + escape::xhtml_escape(xsrf_token()) +
         "\"/>";
}

void RequestHandler::check_xsrf_cookie() {
  std::string token = get_argument("_xsrf", std::string_view{});
  if (token.empty()) token = request_->headers.get("X-Xsrftoken");
  if (token.empty()) token = request_->headers.get("X-Csrftoken");
  if (token.empty()) throw HTTPError(403, "'_xsrf' argument missing from POST");
  const std::optional<std::string> got = decode_xsrf(token);
  if (!got || got->empty()) throw HTTPError(403, "'_xsrf' argument has invalid format");
  const std::optional<std::string> expected = raw_xsrf_token();
  if (!expected || !constant_time_equal(*got, *expected))
    throw HTTPError(403, "XSRF cookie does not match POST argument");
}

}  // namespace tornado::web
