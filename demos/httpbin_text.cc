// demos/httpbin_text.cc: the text rules of the Python stack httpbin runs on (CPython's
// UTF-8 decoder, int(), float(), base64, str.title(); Werkzeug's URL quoting and query
// grammar), written down so that the demo reads a request exactly as httpbin does (the header
// parameter and cookie grammars are in httpbin_header.cc). Each function names what it mirrors; the
// sweep (tests/demos/httpbin_sweep.py) is what shows they agree.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "demos/httpbin.h"
#include "tornado/http/base64.h"
#include "tornado/http/escape.h"
#include "tornado/reactor/util.h"

namespace httpbin {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

void put_escape(std::string& out, unsigned char b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[b >> 4];
  out += kHex[b & 15];
}

// Werkzeug's _always_safe: RFC 3986 unreserved characters and the sub-delims but "&" and "=".
bool always_safe(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("-._~$!'()*+,;").find(static_cast<char>(c)) != std::string_view::npos;
}

// The whitespace Python's int() and float() strip: str.isspace() over ASCII, plus NBSP and
// the other common Unicode spaces, as UTF-8.
std::string_view py_strip(std::string_view s) {
  auto space_at_start = [](std::string_view t) -> std::size_t {
    if (t.empty()) return 0;
    const auto c = static_cast<unsigned char>(t[0]);
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)) return 1;
    for (std::string_view u : {"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8",
                               "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"})
      if (t.starts_with(u)) return u.size();
    if (t.size() >= 3 && t[0] == '\xe2' && t[1] == '\x80' &&
        static_cast<unsigned char>(t[2]) >= 0x80 && static_cast<unsigned char>(t[2]) <= 0x8a)
      return 3;  // U+2000 to U+200A
    return 0;
  };
  while (std::size_t n = space_at_start(s)) s.remove_prefix(n);
  for (;;) {
    bool cut = false;
    for (std::size_t n = 1; n <= 3 && n <= s.size(); ++n) {
      if (space_at_start(s.substr(s.size() - n)) == n) {
        s.remove_suffix(n);
        cut = true;
        break;
      }
    }
    if (!cut) return s;
  }
}

// Digits with single "_" between them (Python's numeric literal rule for int() and float()).
bool py_digits(std::string_view s, std::string& out) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (s[i + 1] == '_') return false;
    } else if (s[i] >= '0' && s[i] <= '9') {
      out += s[i];
    } else {
      return false;
    }
  }
  return true;
}

// Werkzeug's URL.encode_netloc: user and password %-quoted, the host as it is (in IDNA when
// it is not ASCII: the demo has no IDNA tables and %-escapes it instead), a port only when it
// is an integer from 0 to 65535, an IPv6 host in brackets.
std::string encode_netloc(std::string_view netloc) {
  std::optional<std::string_view> auth;
  std::string_view hostport = netloc;
  if (const std::size_t at = netloc.find('@'); at != std::string_view::npos) {
    auth = netloc.substr(0, at);
    hostport = netloc.substr(at + 1);
  }
  std::string_view host = hostport, port;
  bool has_port = false;
  if (!hostport.starts_with("[")) {
    if (const std::size_t c = hostport.find(':'); c != std::string_view::npos) {
      host = hostport.substr(0, c);
      port = hostport.substr(c + 1);
      has_port = true;
    }
  } else if (const std::size_t close = hostport.find(']'); close != std::string_view::npos) {
    host = hostport.substr(1, close - 1);
    if (hostport.substr(close + 1).starts_with(":")) {
      port = hostport.substr(close + 2);
      has_port = true;
    }
  }
  bool ascii = true;
  for (char c : host) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  std::string out = ascii ? std::string(host) : url_quote(host, "");
  if (out.find(':') != std::string::npos) out = "[" + out + "]";
  if (has_port) {
    const auto n = py_int(port);
    if (n && !n->negative && n->clamped() <= 65535) out += ":" + n->digits;
  }
  if (auth && !auth->empty()) {
    const std::size_t c = auth->find(':');
    const std::string user = url_quote(auth->substr(0, c), "/:%");
    const std::string password =
        c == std::string_view::npos ? std::string() : url_quote(auth->substr(c + 1), "/:%");
    std::string a = user;
    if (!password.empty()) a += (a.empty() ? "" : ":") + password;
    if (!a.empty()) out = a + "@" + out;
  }
  return out;
}

}  // namespace

// --- bytes and URLs ------------------------------------------------------------------------------

std::string decode_utf8(std::string_view s, bool requote) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += s[i++];
      continue;
    }
    // The well-formed sequences of Unicode's table 3-7: the second byte's range depends on the
    // first; a sequence breaks at its first byte out of range.
    int need = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lo = 0xa0;
      if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lo = 0x90;
      if (b == 0xf4) hi = 0x8f;
    }
    std::size_t j = i + 1;
    bool ok = need > 0;
    for (int k = 0; ok && k < need; ++k, ++j) {
      if (j >= s.size()) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(s[j]);
      if (k == 0 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf)) ok = false;
      if (!ok) break;
    }
    if (ok) {
      out.append(s.substr(i, j - i));
    } else if (requote) {
      for (std::size_t k = i; k < j; ++k) put_escape(out, static_cast<unsigned char>(s[k]));
    } else {
      out += "\xef\xbf\xbd";
    }
    i = std::max(j, i + 1);
  }
  return out;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  for (char c : bytes) tornado::escape::append_utf8(out, static_cast<unsigned char>(c));
  return out;
}

std::string unquote_bytes(std::string_view s, std::string_view keep) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      const char b = static_cast<char>(tornado::util::hex_value(s[i + 1]) * 16 +
                                       tornado::util::hex_value(s[i + 2]));
      if (keep.find(b) == std::string_view::npos) {
        out += b;
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string url_quote(std::string_view s, std::string_view safe) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80 && (always_safe(c) || safe.find(ch) != std::string_view::npos)) {
      out += ch;
    } else {
      put_escape(out, c);
    }
  }
  return out;
}

std::string uri_to_iri_part(std::string_view s) {
  // Werkzeug's _to_iri_unsafe: the ASCII characters outside _always_safe keep their escapes.
  static const std::string unsafe = [] {
    std::string u;
    for (int c = 0; c < 128; ++c)
      if (!always_safe(static_cast<unsigned char>(c))) u += static_cast<char>(c);
    return u;
  }();
  return decode_utf8(unquote_bytes(s, unsafe), true);
}

std::string iri_to_uri(std::string_view iri, bool safe_conversion) {
  // safe_conversion: ASCII with no whitespace inside goes out as it is.
  bool ascii = true;
  for (char c : iri) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii && safe_conversion) {
    std::size_t words = 0;
    bool in_word = false;
    for (char c : iri) {
      const bool space = c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
      if (!space && !in_word) ++words;
      in_word = !space;
    }
    if (words == 1) return std::string(iri);
  }
  // Otherwise url_parse, then path, query and fragment quoted with RFC 3986's reserved set.
  static constexpr std::string_view kUriSafe = ":/?#[]@!$&'()*+,;=%";
  std::string_view rest = iri;
  std::string scheme, netloc;  // netloc as encode_netloc() gives it
  const std::size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    const std::string_view s = rest.substr(0, colon);
    bool scheme_ok = true;
    for (char c : s)
      scheme_ok =
          scheme_ok && (std::isalnum(static_cast<unsigned char>(c)) || (c >= '+' && c <= '.'));
    const std::string_view after = rest.substr(colon + 1);
    bool port_like = !after.empty();
    for (char c : after) port_like = port_like && c >= '0' && c <= '9';
    if (scheme_ok && !port_like) {
      for (char c : s) scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      rest = after;
    }
  }
  if (rest.starts_with("//")) {
    const std::size_t end = std::min(rest.find_first_of("/?#", 2), rest.size());
    netloc = encode_netloc(rest.substr(2, end - 2));
    rest.remove_prefix(end);
  }
  std::string_view path = rest, query, fragment;
  bool has_query = false, has_fragment = false;
  if (const std::size_t h = path.find('#'); h != std::string_view::npos) {
    fragment = path.substr(h + 1);
    path = path.substr(0, h);
    has_fragment = true;
  }
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
    has_query = true;
  }
  std::string out;
  std::string p = url_quote(path, kUriSafe);
  if (!netloc.empty() || (!scheme.empty() && p.starts_with("/"))) {
    if (!p.empty() && p[0] != '/') p = "/" + p;
    out = "//" + netloc + p;
  } else {
    out = p;
  }
  if (!scheme.empty()) out = scheme + ":" + out;
  if (has_query && !query.empty()) out += "?" + url_quote(query, kUriSafe);
  if (has_fragment && !fragment.empty()) out += "#" + url_quote(fragment, kUriSafe);
  return out;
}

// --- forms ---------------------------------------------------------------------------------------

MultiDict url_decode(std::string_view bytes) {
  MultiDict out;
  auto decode = [](std::string_view s) {
    std::string plus(s);
    for (char& c : plus)
      if (c == '+') c = ' ';
    return decode_utf8(unquote_bytes(plus));
  };
  for (std::size_t at = 0; at <= bytes.size();) {
    const std::size_t amp = std::min(bytes.find('&', at), bytes.size());
    const std::string_view pair = bytes.substr(at, amp - at);
    at = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(decode(pair), "");
    } else {
      out.emplace_back(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1)));
    }
  }
  return out;
}

MultiDict first_values(const MultiDict& d) {
  MultiDict out;
  for (const auto& [k, v] : d) {
    bool seen = false;
    for (const auto& o : out) seen = seen || o.first == k;
    if (!seen) out.emplace_back(k, v);
  }
  return out;
}

// The value of the first argument whose name is `name` in any case (httpbin's
// CaseInsensitiveDict over request.args.items()).
std::optional<std::string> arg_nocase(const MultiDict& args, std::string_view name) {
  for (const auto& [k, v] : first_values(args)) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size(); ++i)
      same = same && std::tolower(static_cast<unsigned char>(k[i])) == name[i];
    if (same) return v;
  }
  return std::nullopt;
}

Value semiflatten(const MultiDict& d) {
  Value out = tornado::json::Object{};
  for (const auto& [k, v] : first_values(d)) {
    tornado::json::Array all;
    for (const auto& [k2, v2] : d)
      if (k2 == k) all.emplace_back(v2);
    out[k] = all.size() == 1 ? std::move(all.front()) : Value(std::move(all));
  }
  return out;
}

std::string json_safe(std::string_view bytes, std::string_view content_type) {
  if (tornado::escape::utf8_valid(bytes)) return std::string(bytes);
  return "data:" + std::string(content_type) + ";base64," + tornado::base64_encode(bytes);
}

// --- numbers -------------------------------------------------------------------------------------

std::int64_t PyInt::clamped() const {
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  std::int64_t v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > kMax) {
      v = kMax;
      break;
    }
  }
  return negative ? -v : v;
}

std::vector<std::uint32_t> PyInt::words() const {
  std::vector<std::uint32_t> w{0};
  for (char c : digits) {  // w = w * 10 + digit, in base 2^32
    std::uint64_t carry = static_cast<std::uint64_t>(c - '0');
    for (auto& x : w) {
      const std::uint64_t t = std::uint64_t{x} * 10 + carry;
      x = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry) w.push_back(static_cast<std::uint32_t>(carry));
  }
  return w;
}

std::optional<PyInt> py_int(std::string_view text) {
  std::string_view s = py_strip(text);
  PyInt v;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    v.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string digits;
  if (!py_digits(s, digits)) return std::nullopt;
  const std::size_t nz = digits.find_first_not_of('0');
  v.digits = nz == std::string::npos ? "0" : digits.substr(nz);
  if (v.digits == "0") v.negative = false;
  return v;
}

std::optional<double> py_float(std::string_view text) {
  std::string_view s = py_strip(text);
  std::string clean;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    clean += s[0];
    s.remove_prefix(1);
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "infinity") return clean == "-" ? -INFINITY : INFINITY;
  if (lower == "nan") return NAN;
  // digits [. [digits]] | . digits, then an optional exponent.
  const std::size_t e = lower.find('e');
  const std::string_view mantissa = s.substr(0, std::min(e, s.size()));
  const std::size_t dot = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  std::string w, f;
  if (!whole.empty() && !py_digits(whole, w)) return std::nullopt;
  if (!frac.empty() && !py_digits(frac, f)) return std::nullopt;
  if (w.empty() && f.empty()) return std::nullopt;
  clean += w + "." + f;
  if (e != std::string::npos) {
    std::string_view ex = s.substr(e + 1);
    clean += 'e';
    if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) {
      clean += ex[0];
      ex.remove_prefix(1);
    }
    std::string x;
    if (!py_digits(ex, x)) return std::nullopt;
    clean += x;
  }
  return std::strtod(clean.c_str(), nullptr);
}

std::optional<std::string> py_b64decode(std::string_view text) {
  // CPython's a2b_base64 without strict mode.
  static const std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int quad = 0, pads = 0;
  unsigned left = 0;
  for (char c : text) {
    if (c == '=') {
      if (quad >= 2 && quad + ++pads >= 4) return out;
      continue;
    }
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) continue;
    pads = 0;
    const auto x = static_cast<unsigned>(v);
    switch (quad) {
      case 0:
        left = x;
        break;
      case 1:
        out += static_cast<char>((left << 2) | (x >> 4));
        left = x & 0x0f;
        break;
      case 2:
        out += static_cast<char>((left << 4) | (x >> 2));
        left = x & 0x03;
        break;
      default:
        out += static_cast<char>((left << 6) | x);
        left = 0;
    }
    quad = (quad + 1) % 4;
  }
  if (quad != 0) return std::nullopt;
  return out;
}

std::string py_title(std::string_view s) {
  std::string out;
  bool after_letter = false;
  for (char c : s) {
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    out += static_cast<char>(letter ? (after_letter ? std::tolower(static_cast<unsigned char>(c))
                                                    : std::toupper(static_cast<unsigned char>(c)))
                                    : c);
    after_letter = letter;
  }
  return out;
}

}  // namespace httpbin
