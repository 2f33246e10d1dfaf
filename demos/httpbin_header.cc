// demos/httpbin_header.cc: Werkzeug's header grammars as httpbin meets them: header values with
// parameters (parse_options_header, RFC 2231 extended values included), Cookie headers and
// cookie quoting, written down so that the demo reads a request exactly as httpbin does. Each
// function names what it mirrors; the sweep (tests/demos/httpbin_sweep.py) shows they agree.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "demos/httpbin.h"
#include "tornado/reactor/util.h"

namespace httpbin {

// --- header grammars -----------------------------------------------------------------------------

namespace {

// Werkzeug's unquote_header_value: surrounding quotes off, "\\" and "\"" unescaped (but a
// quoted filename starting with "\\" is a UNC path and stays as it is).
std::string unquote_header_value(std::string v, bool filename) {
  if (!v.empty() && v.front() == '"' && v.back() == '"') {  // a lone '"' too, as Python's test
    if (v.size() == 1) return {};
    v = v.substr(1, v.size() - 2);
    if (filename && v.starts_with("\\\\")) return v;
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '\\' || v[i + 1] == '"')) ++i;
      out += v[i];
    }
    return out;
  }
  return v;
}

}  // namespace

namespace {

bool header_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

void skip_spaces(std::string_view s, std::size_t& k) {
  while (k < s.size() && header_space(s[k])) ++k;
}

// The length of a quoted string ("..." with backslash escapes) at s[k], or 0.
std::size_t quoted_length(std::string_view s, std::size_t k) {
  if (k >= s.size() || s[k] != '"') return 0;
  for (std::size_t j = k + 1; j < s.size(); ++j) {
    if (s[j] == '"') return j + 1 - k;
    if (s[j] == '\\' && ++j >= s.size()) return 0;
  }
  return 0;
}

struct Param {
  std::string name;
  std::optional<std::string> value;
  bool continued = false;  // name*1=...: a piece of a longer value
};

// After "name*=": the charset of an RFC 2231 charset'language' prefix at rest[k], which k
// then passes; the first quote after at least one character, then the next, with no white
// space in between.
std::optional<std::string> take_charset(std::string_view rest, std::size_t& k) {
  std::size_t q1 = k + 1;
  while (q1 < rest.size() && rest[q1] != '\'' && !header_space(rest[q1])) ++q1;
  if (k >= rest.size() || header_space(rest[k]) || q1 >= rest.size() || rest[q1] != '\'')
    return std::nullopt;
  std::size_t q2 = q1 + 1;
  while (q2 < rest.size() && rest[q2] != '\'' && !header_space(rest[q2])) ++q2;
  if (q2 >= rest.size() || rest[q2] != '\'') return std::nullopt;
  std::string charset(rest.substr(k, q1 - k));
  k = q2 + 1;
  return charset;
}

// One parameter at the front of `rest`, which starts with ";", taken off it: ;\s*,?\s* name
// (quoted or a token) (*count)? \s* then, optionally, "*=" (with an optional
// charset'language') or "=", and a value (quoted, or up to ; or ,). nullopt, with nothing
// taken, when no name follows.
std::optional<Param> take_param(std::string_view& rest) {
  std::size_t k = 1;
  skip_spaces(rest, k);
  if (k < rest.size() && rest[k] == ',') ++k;
  skip_spaces(rest, k);
  std::size_t n = quoted_length(rest, k);
  if (n == 0)
    while (k + n < rest.size() && !header_space(rest[k + n]) &&
           std::string_view(";,=*").find(rest[k + n]) == std::string_view::npos)
      ++n;
  if (n == 0) return std::nullopt;
  Param p;
  p.name = tornado::util::ascii_lower(unquote_header_value(std::string(rest.substr(k, n)), false));
  k += n;
  if (k + 1 < rest.size() && rest[k] == '*' &&
      std::isdigit(static_cast<unsigned char>(rest[k + 1]))) {
    ++k;
    while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k]))) ++k;
    p.continued = true;
  }
  skip_spaces(rest, k);
  std::optional<std::string> charset;
  bool has_equals = false;
  if (k < rest.size() && rest[k] == '*') {
    std::size_t j = k + 1;
    skip_spaces(rest, j);
    if (j < rest.size() && rest[j] == '=') {
      k = j + 1;
      skip_spaces(rest, k);
      has_equals = true;
      charset = take_charset(rest, k);
    }
  } else if (k < rest.size() && rest[k] == '=') {
    ++k;
    skip_spaces(rest, k);
    has_equals = true;
  }
  if (has_equals) {
    std::size_t m = quoted_length(rest, k);
    if (m == 0)
      while (k + m < rest.size() && rest[k + m] != ';' && rest[k + m] != ',') ++m;
    if (m > 0) {
      p.value = unquote_header_value(std::string(rest.substr(k, m)), p.name == "filename");
      k += m;
    }
  }
  skip_spaces(rest, k);
  rest.remove_prefix(k);
  // RFC 2231 extended values: %-escapes in the named charset (UTF-8 or Latin-1 here).
  if (p.value && charset) {
    const std::string cs = tornado::util::ascii_lower(*charset);
    const std::string raw = unquote_bytes(*p.value);
    p.value = cs == "utf-8" || cs == "utf8" ? decode_utf8(raw) : latin1_to_utf8(raw);
  }
  return p;
}

}  // namespace

std::pair<std::string, Options> parse_options_header(std::string_view value) {
  // Werkzeug 2.2 reads the header with two regular expressions; this follows them step by step
  // (std::regex would do it too, at twice the size of a static httpbin).
  std::pair<std::string, Options> out;
  if (value.empty()) return out;
  std::string text = "," + std::string(value);  // newlines count as commas
  for (char& c : text)
    if (c == '\n') c = ',';
  // ,\s*([^;,\s]+)([;,]\s*.+)? : the value, then what follows a ";" or "," (if anything does).
  std::size_t i = 1;
  skip_spaces(text, i);
  const std::size_t value_at = i;
  while (i < text.size() && text[i] != ';' && text[i] != ',' && !header_space(text[i])) ++i;
  if (i == value_at) return out;
  out.first = text.substr(value_at, i - value_at);
  std::string_view rest;
  if (i + 1 < text.size() && (text[i] == ';' || text[i] == ','))
    rest = std::string_view(text).substr(i);
  while (!rest.empty() && rest[0] == ';') {
    std::optional<Param> p = take_param(rest);
    if (!p) break;
    if (p->continued && !p->value) continue;  // a continuation adds a value, or nothing
    bool found = false;
    for (auto& [existing, old] : out.second) {
      if (existing != p->name) continue;
      found = true;
      old = p->continued ? old.value_or("") + *p->value : p->value;
    }
    if (!found) out.second.emplace_back(std::move(p->name), std::move(p->value));
  }
  return out;
}

std::optional<std::string> option(const Options& options, std::string_view name) {
  for (const auto& [k, v] : options)
    if (k == name) return v;
  return std::nullopt;
}

MultiDict parse_cookie(std::string_view header) {
  // Werkzeug's _cookie_re, applied repeatedly: a name up to "=" or ";", then a value (quoted,
  // or up to the next ";"), then ";".
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  auto strip = [&](std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
  };
  auto unquote = [](std::string_view v) {
    if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] >= '0' && v[i + 1] <= '3' &&
          v[i + 2] >= '0' && v[i + 2] <= '7' && v[i + 3] >= '0' && v[i + 3] <= '7') {
        out += static_cast<char>((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0'));
        i += 3;
      } else if (v[i] == '\\' && i + 1 < v.size()) {
        out += v[++i];
      } else {
        out += v[i];
      }
    }
    return out;
  };
  MultiDict out;
  const std::string text = std::string(header) + ";";
  const std::size_t n = header.size();
  std::size_t i = 0;
  while (i < n) {
    const std::size_t key_end = text.find_first_of("=;", i);
    const std::string_view key = strip(std::string_view(text).substr(i, key_end - i));
    std::string_view val;
    std::size_t end = key_end + 1;  // past the ";" (or the "=")
    if (text[key_end] == '=') {
      std::size_t j = key_end + 1;
      while (j < text.size() && is_space(text[j])) ++j;
      bool quoted = false;
      if (text[j] == '"') {
        std::size_t k = j + 1;
        while (k < text.size() && text[k] != '"')
          k += text[k] == '\\' && k + 1 < text.size() ? 2 : 1;
        if (k < text.size()) {
          std::size_t after = k + 1;
          while (after < text.size() && is_space(text[after])) ++after;
          if (text[after] == ';') {
            val = std::string_view(text).substr(j, k + 1 - j);
            end = after + 1;
            quoted = true;
          }
        }
      }
      if (!quoted) {
        const std::size_t semi = text.find(';', j);
        std::size_t stop = semi;
        while (stop > j && is_space(text[stop - 1])) --stop;
        val = std::string_view(text).substr(j, stop - j);
        end = semi + 1;
      }
    }
    i = end;
    if (key.empty()) continue;
    out.emplace_back(decode_utf8(key), decode_utf8(unquote(val)));
  }
  return out;
}

std::string cookie_quote(std::string_view value) {
  static constexpr std::string_view kLegal =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/=!#$%&'*+-.^_`|~:";
  std::string out;
  bool legal = true;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (kLegal.find(ch) != std::string_view::npos) {
      out += ch;
      continue;
    }
    legal = false;
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == ',' || ch == ';' || c < 32 || c >= 127) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\%03o", c);
      out += esc;
    } else {
      out += ch;
    }
  }
  return legal ? out : "\"" + out + "\"";
}

}  // namespace httpbin
