// http/escape.cc: HTML and URL escaping, query-string parsing, UTF-8 validation.
//
// Mirrors:  tornado/escape.py, with Python's urllib.parse.quote/unquote/parse_qs rules.
// Thread:   pure functions.
#include "tornado/http/escape.h"

#include <cstdint>

#include "tornado/reactor/util.h"

namespace tornado::escape {

namespace {

// The code point of an entity body ("amp", "#39", "#x27"), or -1.
long entity_value(std::string_view name) {
  struct Named {
    std::string_view name;
    long cp;
  };
  static constexpr Named kNamed[] = {{"amp", '&'},   {"lt", '<'},    {"gt", '>'},   {"quot", '"'},
                                     {"apos", '\''}, {"nbsp", 0xA0}, {"copy", 0xA9}};
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return -1;
    long v = 0;
    for (const char c : digits) {
      const int d = hex ? util::hex_value(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
      if (d < 0) return -1;
      v = v * (hex ? 16 : 10) + d;
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -1;
    return v;
  }
  for (const Named& n : kNamed)
    if (n.name == name) return n.cp;
  return -1;
}

}  // namespace

std::string xhtml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#x27;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string xhtml_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t amp = s.find('&');
    out.append(s.substr(0, amp));
    if (amp == std::string_view::npos) break;
    s.remove_prefix(amp);
    const std::size_t semi = s.find(';');
    const long cp =
        (semi != std::string_view::npos && semi <= 10) ? entity_value(s.substr(1, semi - 1)) : -1;
    if (cp < 0) {
      out += '&';
      s.remove_prefix(1);
      continue;
    }
    append_utf8(out, static_cast<std::uint32_t>(cp));
    s.remove_prefix(semi + 1);
  }
  return out;
}

std::string url_escape(std::string_view s, bool plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '~' || (!plus && c == '/');
    if (safe) {
      out += ch;
    } else if (plus && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string url_unescape(std::string_view s, bool plus) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+' && plus) {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && util::hex_value(s[i + 1]) >= 0 &&
               util::hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(util::hex_value(s[i + 1]) * 16 + util::hex_value(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Arguments parse_qs_bytes(std::string_view qs, bool keep_blank_values, bool strict_parsing) {
  Arguments out;
  while (!qs.empty()) {
    const std::size_t amp = qs.find('&');
    const std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    // Python: a field without "=" is an error when strict, else a blank value.
    if (eq == std::string_view::npos && strict_parsing)
      throw HTTPInputError("bad query field: " + std::string(pair.substr(0, 64)));
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (value.empty() && !keep_blank_values) continue;
    out[url_unescape(name)].push_back(url_unescape(value));
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

long decode_utf8(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  std::size_t len;
  std::uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return -1;
  }
  if (s.size() - i < len) return -1;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are malformed.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  i += len;
  return static_cast<long>(cp);
}

bool utf8_valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (decode_utf8(s, i) < 0) return false;
  }
  return true;
}

std::string squeeze(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool gap = false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

// --- linkify: Tornado's _URL_RE, matched by hand ----------------------------------------------
//   \b((?:([\w-]+):(/{1,3})|www[.])(?:(?:(?:[^\s&()]|&amp;|&quot;)*(?:[^!"#$%&'()*+,.:;<=>?@\[\]^`{|}~\s]))|(?:\((?:[^\s&()]|&amp;|&quot;)*\)))+)
namespace {

// Python's \w and \s on text; bytes of multi-byte UTF-8 count as word characters.
bool url_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}
bool url_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}
bool url_punct(unsigned char c) {
  return std::string_view("!\"#$%&'()*+,.:;<=>?@[\\]^`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

// The length of one (?:[^\s&()]|&amp;|&quot;) at i, or 0.
std::size_t url_token(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == '&') {
    if (s.substr(i, 5) == "&amp;") return 5;
    if (s.substr(i, 6) == "&quot;") return 6;
    return 0;
  }
  return url_space(c) || c == '(' || c == ')' ? 0 : 1;
}

// The body of the URL (the repeated group) from i: its end, or i when it matches nothing.
std::size_t url_body(std::string_view s, std::size_t i) {
  for (;;) {
    // First alternative: tokens, the last of them a single non-punctuation character.
    std::size_t j = i, end = i;
    while (std::size_t n = url_token(s, j)) {
      if (n == 1 && !url_punct(static_cast<unsigned char>(s[j]))) end = j + 1;
      j += n;
    }
    if (end > i) {
      i = end;
      continue;
    }
    // Second: a parenthesised run of tokens.
    if (i < s.size() && s[i] == '(') {
      j = i + 1;
      while (std::size_t n = url_token(s, j)) j += n;
      if (j < s.size() && s[j] == ')') {
        i = j + 1;
        continue;
      }
    }
    return i;
  }
}

}  // namespace

std::string linkify(std::string_view text) {
  const std::string s = xhtml_escape(text);
  std::string out;
  std::size_t i = 0, copied = 0;
  while (i < s.size()) {
    const bool before = i > 0 && url_word(static_cast<unsigned char>(s[i - 1]));
    const bool here = url_word(static_cast<unsigned char>(s[i]));
    std::size_t end = i, proto_end = i;
    if (before != here) {
      std::size_t j = i;
      while (j < s.size() && (url_word(static_cast<unsigned char>(s[j])) || s[j] == '-')) ++j;
      if (j > i && j < s.size() && s[j] == ':') {
        std::size_t slashes = 0;
        while (slashes < 3 && j + 1 + slashes < s.size() && s[j + 1 + slashes] == '/') ++slashes;
        for (; slashes > 0 && end == i; --slashes) {  // fewer slashes if the body needs one
          const std::size_t body = j + 1 + slashes;
          const std::size_t e = url_body(s, body);
          if (e > body) {
            end = e;
            proto_end = j;
          }
        }
      }
      if (end == i && s.compare(i, 4, "www.") == 0) {
        const std::size_t e = url_body(s, i + 4);
        if (e > i + 4) end = e;
      }
    }
    if (end == i) {
      ++i;
      continue;
    }
    const std::string_view url(s.data() + i, end - i);
    const std::string_view proto(s.data() + i, proto_end - i);
    out.append(s, copied, i - copied);
    if (proto_end != i && proto != "http" && proto != "https") {
      out += url;
    } else {
      out += "<a href=\"";
      if (proto_end == i) out += "http://";
      out.append(url).append("\">").append(url).append("</a>");
    }
    copied = i = end;
  }
  out.append(s, copied);
  return out;
}

}  // namespace tornado::escape
