// http/httputil.cc: HTTPHeaders, the start lines and HTTPServerRequest.
//
// Mirrors:  tornado/httputil.py (HTTPHeaders, parse_request_start_line,
//           parse_response_start_line, HTTPServerRequest). The form, cookie and date helpers
//           are in httputil_form.cc.
//
// The header rules are RFC 9110 §5 and RFC 9112 §5: a field name is a token, no whitespace
// before the colon, a value is visible bytes, spaces, tabs and obs-text. A server that is
// lenient here can be made to disagree with a proxy in front of it about where a header ends,
// so every departure throws HTTPInputError and the connection answers 400.
#include "tornado/http/httputil.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "tornado/http/escape.h"
#include "tornado/reactor/util.h"

namespace tornado {

namespace {

// RFC 9110 §5.6.2: tchar.
constexpr bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// is_tchar for every byte, made at compile time: every request's method and header names
// are checked byte by byte, and a table lookup is cheaper than the ranges and the switch.
constexpr auto kTchar = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) t[c] = is_tchar(static_cast<unsigned char>(c));
  return t;
}();

// A field value byte: anything but the controls, except that a tab is allowed (RFC 9110
// §5.5). NUL, CR and LF inside a value are how headers get smuggled.
constexpr bool is_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

}  // namespace

// Whether every byte of a field value is a value byte. Eight bytes at a time
// (util::all_words_clean): a word with no byte below 0x20 and no DEL is clean. A value with a
// word that is not (a tab, the one allowed control, is one) is then checked byte by byte, as
// every value of every request goes through here.
bool httputil::detail::is_field_value(std::string_view value) {
  if (util::all_words_clean(value, [](std::uint64_t x) {
        return util::bytes_below(x, 0x20) | util::bytes_below(x ^ (util::kByteOnes * 0x7f), 1);
      }))
    return true;
  for (const char c : value)
    if (!is_value_byte(static_cast<unsigned char>(c))) return false;
  return true;
}

namespace {

// Whether a header name is in Http-Header-Case already: no lower-case letter first or after a
// '-', no upper-case letter elsewhere. Names of eight bytes or more go a word at a time, each
// byte's class found in all eight at once (SWAR); the last word overlaps the one before it
// rather than being read past the end.
bool in_header_case(const char* p, std::size_t n) {
  if (std::endian::native != std::endian::little || n < 8) {
    bool start = true;
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      if (start ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) return false;
      start = c == '-';
    }
    return true;
  }
  constexpr std::uint64_t kOnes = util::kByteOnes, kLow7 = kOnes * 0x7f;
  constexpr auto in_range = util::bytes_in_range;
  for (std::size_t i = 0;; i += 8) {
    if (i + 8 > n) i = n - 8;  // the last word, overlapping
    std::uint64_t x;
    std::memcpy(&x, p + i, 8);
    // Bytes equal to '-': exactly, as the zero bytes of x ^ "--------".
    const std::uint64_t y = x ^ (kOnes * '-');
    const std::uint64_t dash = ~(((y & kLow7) + kLow7) | y | kLow7);
    // A byte starts a word when the byte before it is a '-' (little-endian: the next byte
    // up), or when it is the name's first.
    const bool first_starts = i == 0 || p[i - 1] == '-';
    const std::uint64_t starts = (dash << 8) | (first_starts ? 0x80 : 0);
    const std::uint64_t wrong =
        (in_range(x, 'a', 'z') & starts) | (in_range(x, 'A', 'Z') & ~starts);
    if (wrong != 0) return false;
    if (i + 8 == n) return true;
  }
}

// A name's first and last four bytes (below eight bytes) or eight bytes, as a load from memory
// gives them: how is_common_name compares a name with the one of its length in two loads.
struct NameKey {
  std::uint64_t head = 0, tail = 0;
};
constexpr std::uint64_t loaded(std::string_view s, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const std::size_t shift = 8 * (std::endian::native == std::endian::little ? i : width - 1 - i);
    v |= std::uint64_t{static_cast<unsigned char>(s[at + i])} << shift;
  }
  return v;
}

// Names that nearly every message carries, one per length from 4 to 16 bytes. Tornado caches
// its normalized names (_normalize_header's lru_cache); this is a cache filled in advance.
constexpr auto kCommonNames = [] {
  std::array<NameKey, 17> keys{};
  for (const std::string_view name : {"Host", "Accept", "User-Agent", "Content-Type",
                                      "Cache-Control", "Content-Length", "Accept-Encoding"}) {
    const std::size_t width = name.size() >= 8 ? 8 : 4;
    keys[name.size()] = {loaded(name, 0, width), loaded(name, name.size() - width, width)};
  }
  return keys;
}();

// Whether a name is one of kCommonNames, so in Http-Header-Case: two loads and comparisons,
// cheaper than in_header_case's scan (and smaller than a comparison per name).
bool is_common_name(std::string_view name) {
  const std::size_t n = name.size();
  if (n < 4 || n >= kCommonNames.size() || kCommonNames[n].head == 0) return false;
  const NameKey& key = kCommonNames[n];
  if (n >= 8) {
    std::uint64_t head, tail;
    std::memcpy(&head, name.data(), 8);
    std::memcpy(&tail, name.data() + n - 8, 8);
    return head == key.head && tail == key.tail;
  }
  std::uint32_t head, tail;
  std::memcpy(&head, name.data(), 4);
  std::memcpy(&tail, name.data() + n - 4, 4);
  return head == key.head && tail == key.tail;
}

// Rewrites p[0..n) in Http-Header-Case (Tornado's _normalize_header). Out of line: it runs
// for the rare name that is not in that case already. Through a pointer and length rather
// than a string's iterators: a char store may alias anything, so stores made through the
// string make the compiler reload its pointer and size at every character (bench/README.md,
// "Parser throughput").
[[gnu::noinline]] void to_header_case(char* p, std::size_t n) {
  bool start = true;
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = start ? util::ascii_upper(p[i]) : util::ascii_lower(p[i]);
    start = p[i] == '-';
  }
}

// Two names of one length that are the same name: exactly (stored names are normalized and
// callers mostly ask in the same case), else ignoring case.
[[gnu::noinline]] bool same_name(std::string_view a, std::string_view b) {
  return a == b || util::iequals(a, b);
}

// Printable for an error message: at most 64 bytes, controls as \xNN.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  const std::size_t n = std::min<std::size_t>(s.size(), 64);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += s.size() > n ? "\"..." : "\"";
  return out;
}

// Throws HTTPInputError(what + quoted(subject)): out of line, so that each check of the parsers
// below costs a call rather than the message's construction and its cleanups.
[[noreturn]] void throw_bad_input(std::string_view what, std::string_view subject) {
  throw HTTPInputError(std::string(what) + quoted(subject));
}

// A request target's byte: visible ASCII or obs-text (no space, control or DEL).
constexpr bool is_target_byte(unsigned char c) { return c > 0x20 && c != 0x7f; }

bool is_http1_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 7) == "HTTP/1." && v[7] >= '0' && v[7] <= '9';
}

// RFC 3986 §3.2.2 reg-name: unreserved, sub-delims but the comma (which would read as a list
// separator wherever the host is repeated in a header), and %XX.
bool is_reg_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (c == '%') {
      if (i + 2 >= s.size() || util::hex_value(s[i + 1]) < 0 || util::hex_value(s[i + 2]) < 0)
        return false;
      i += 2;
      continue;
    }
    if (std::string_view("-._~!$&'()*+;=").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// host [":" port]: host a bracketed IPv6 literal (hex digits, colons, dots) or a reg-name;
// port up to five digits. Userinfo ("user@") is not an authority here (RFC 9110 §4.2.4).
// `port` is set to what follows the colon, `has_port` to whether there is one.
bool split_authority(std::string_view a, std::string_view& port, bool& has_port) {
  std::string_view rest;
  if (!a.empty() && a.front() == '[') {
    const std::size_t close = a.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : a.substr(1, close - 1))
      if (util::hex_value(c) < 0 && c != ':' && c != '.') return false;
    rest = a.substr(close + 1);
  } else {
    const std::size_t colon = a.find(':');
    if (!is_reg_name(a.substr(0, colon))) return false;
    rest = colon == std::string_view::npos ? std::string_view{} : a.substr(colon);
  }
  has_port = !rest.empty();
  if (has_port && rest.front() != ':') return false;
  port = has_port ? rest.substr(1) : std::string_view{};
  if (port.size() > 5) return false;
  for (const char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

// RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) continue;
    return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------- HTTPHeaders

HTTPHeaders::HTTPHeaders(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

std::string HTTPHeaders::normalize_name(std::string_view name) {
  std::string out(name);
  bool start = true;
  for (char& c : out) {
    c = start ? util::ascii_upper(c) : util::ascii_lower(c);
    start = c == '-';
  }
  return out;
}

void HTTPHeaders::add(std::string_view name, std::string_view value) {
  append_field(name, util::trim(value));
}

void HTTPHeaders::append_field(std::string_view name, std::string_view value) {
  if (fields_.capacity() == 0) fields_.reserve(8);  // a typical request's count, one allocation
  // Both strings made by their constructors in place: assign() on an empty string goes
  // through the general _M_replace, several times the cost of a short name's copy (this runs
  // for every field of every request and response).
  Field& f = fields_.emplace_back(name, value);
  // Checked first, rewritten only when needed: nearly every name arrives in Http-Header-Case
  // already, the commonest are known by sight, and the check of the rest goes eight bytes at
  // a time.
  if (!is_common_name(name) && !in_header_case(name.data(), name.size()))
    to_header_case(f.name.data(), f.name.size());
}

void HTTPHeaders::add_normalized(std::string_view name, std::string value) {
  if (fields_.capacity() == 0) fields_.reserve(8);
  // Built in place: the name copied once (the framework's names fit a string's inline
  // storage), the value moved once; a Field made first and pushed would move both again.
  fields_.emplace_back(name, std::move(value));
}

void HTTPHeaders::set(std::string_view name, std::string_view value) {
  erase(name);
  add(name, value);
}

std::size_t HTTPHeaders::erase(std::string_view name) {
  const auto before = fields_.size();
  std::erase_if(fields_, [&](const Field& f) { return util::iequals(f.name, name); });
  return before - fields_.size();
}

bool HTTPHeaders::contains(std::string_view name) const { return find(name) != nullptr; }

const std::string* HTTPHeaders::find(std::string_view name) const {
  // The length first, then the comparison out of line: most fields differ in length from
  // the name asked for, and a loop that only compares lengths needs no saved registers
  // (callers ask for absent names on every request: Connection, Expect).
  for (const Field& f : fields_)
    if (f.name.size() == name.size() && same_name(f.name, name)) return &f.value;
  return nullptr;
}

std::string HTTPHeaders::get(std::string_view name, std::string_view fallback) const {
  std::string out;
  bool found = false;
  for (const Field& f : fields_) {
    if (!util::iequals(f.name, name)) continue;
    if (found) out += ',';
    out += f.value;
    found = true;
  }
  return found ? out : std::string(fallback);
}

std::vector<std::string> HTTPHeaders::get_list(std::string_view name) const {
  std::vector<std::string> out;
  for (const Field& f : fields_)
    if (util::iequals(f.name, name)) out.push_back(f.value);
  return out;
}

std::size_t HTTPHeaders::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j)
      seen = util::iequals(fields_[j].name, fields_[i].name);
    n += seen ? 0 : 1;
  }
  return n;
}

void HTTPHeaders::parse_line(std::string_view line) {
  // Token bytes up to the colon, in one pass (no search for the colon first).
  std::size_t colon = 0;
  while (colon < line.size() && kTchar[static_cast<unsigned char>(line[colon])]) ++colon;
  if (colon == 0 || colon == line.size() || line[colon] != ':') {
    // Not a non-empty token and a colon: say what instead. The bytes before `colon` are
    // token bytes, and the one there is not, so a name up to a colon further on is no token.
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      throw_bad_input("obs-fold (a header line starting with whitespace) is not accepted: ", line);
    const std::size_t first_colon = line.find(':', colon);
    if (first_colon == std::string_view::npos) throw_bad_input("no colon in header line: ", line);
    const std::string_view name = line.substr(0, first_colon);
    if (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
      throw_bad_input("whitespace before the colon in header line: ", line);
    throw_bad_input("invalid header name: ", name);
  }
  // After the colon (a view made directly: substr would check a bound known to hold).
  const std::string_view value =
      util::trim(std::string_view(line.data() + colon + 1, line.size() - colon - 1));
  if (!httputil::detail::is_field_value(value))
    throw HTTPInputError("invalid byte in the value of header " +
                         std::string(line.substr(0, colon)) + ": " + quoted(value));
  append_field(line.substr(0, colon), value);
}

HTTPHeaders HTTPHeaders::parse(std::string_view block) {
  HTTPHeaders h;
  while (!block.empty()) {
    const std::size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block = nl == std::string_view::npos ? std::string_view{} : block.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    h.parse_line(line);
  }
  return h;
}

std::string HTTPHeaders::to_string() const {
  std::string out;
  for (const Field& f : fields_) {
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  return out;
}

// ---------------------------------------------------------------- start lines

RequestStartLine parse_request_start_line(std::string_view line) {
  // One pass to each of the first two spaces (no search for them first), checking the bytes
  // on the way; the faults are then reported in Tornado's order.
  const std::size_t n = line.size();
  std::size_t a = 0;
  bool method_ok = true;
  for (; a < n && line[a] != ' '; ++a) method_ok &= kTchar[static_cast<unsigned char>(line[a])];
  std::size_t b = a + 1;
  bool target_ok = true;
  for (; b < n && line[b] != ' '; ++b)
    target_ok &= is_target_byte(static_cast<unsigned char>(line[b]));
  // Views made directly: substr would check bounds known to hold.
  const std::string_view version =
      b < n ? std::string_view(line.data() + b + 1, n - b - 1) : std::string_view{};
  // A valid version holds no space, so the search for a third one runs only for a bad one.
  const bool version_ok = is_http1_version(version);
  if (b >= n || (!version_ok && version.find(' ') != std::string_view::npos))
    throw_bad_input("Malformed HTTP request line: ", line);
  if (!method_ok || a == 0) throw_bad_input("Malformed HTTP method: ", line.substr(0, a));
  const std::string_view target(line.data() + a + 1, b - a - 1);
  if (target.empty()) throw_bad_input("Malformed HTTP request line: ", line);
  if (!target_ok) throw_bad_input("Malformed request target: ", target);
  if (!version_ok) throw_bad_input("Malformed HTTP version in HTTP Request-Line: ", version);
  // Made by the strings' constructors in the returned object (assign() into empty strings
  // costs more, on every request).
  return RequestStartLine{std::string(line.substr(0, a)), std::string(target),
                          std::string(version)};
}

RequestTarget parse_request_target(std::string_view method, std::string_view target) {
  RequestTarget t;
  std::string_view port;
  bool has_port = false;
  if (method == "CONNECT") {
    // RFC 9110 §9.3.6: the tunnel's host and port, and there is no default port.
    if (!split_authority(target, port, has_port) || port.empty())
      throw_bad_input("CONNECT needs a host:port target: ", target);
    t.form = RequestTarget::Form::kAuthority;
    t.authority = target;
    return t;
  }
  if (!target.empty() && target.front() == '/') {
    t.path = target;
    return t;
  }
  if (target == "*") {
    if (method != "OPTIONS") throw HTTPInputError("Only OPTIONS may have the target *");
    t.form = RequestTarget::Form::kAsterisk;
    return t;
  }
  const std::size_t sep = target.find("://");
  if (sep == std::string_view::npos || !is_scheme(target.substr(0, sep))) {
    if (split_authority(target, port, has_port) && !port.empty())
      throw_bad_input("A host:port target is only for CONNECT: ", target);
    throw_bad_input("Malformed request target (not /path, http(s)://host/path or *): ", target);
  }
  const std::string_view scheme = target.substr(0, sep);
  if (!util::iequals(scheme, "http") && !util::iequals(scheme, "https"))
    throw_bad_input("Unsupported scheme in the request target: ", target);
  const std::string_view rest = target.substr(sep + 3);
  const std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (!split_authority(authority, port, has_port))
    throw_bad_input("Malformed host in the request target: ", target);
  // RFC 3986 §6.2.3: "host:" is "host".
  if (has_port && port.empty()) authority.remove_suffix(1);
  t.form = RequestTarget::Form::kAbsolute;
  t.scheme = scheme;
  t.authority = authority;
  t.path = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return t;
}

ResponseStartLine parse_response_start_line(std::string_view line) {
  // "HTTP/1.x" SP 3DIGIT [SP reason]; the reason is anything but controls (tab allowed).
  if (line.size() < 12 || !is_http1_version(line.substr(0, 8)) || line[8] != ' ')
    throw_bad_input("Error parsing response start line: ", line);
  int code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9')
      throw_bad_input("Error parsing response start line: ", line);
    code = code * 10 + (line[i] - '0');
  }
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') throw_bad_input("Error parsing response start line: ", line);
    reason = line.substr(13);
    for (const char c : reason)
      if (!is_value_byte(static_cast<unsigned char>(c)))
        throw_bad_input("Error parsing response start line: ", line);
  }
  ResponseStartLine out;
  out.version.assign(line.substr(0, 8));
  out.code = code;
  out.reason.assign(reason);
  return out;
}

// ---------------------------------------------------------------- HTTPServerRequest

namespace {

// The Host header, else "127.0.0.1" (HTTPServerRequest::host without an absolute-form target).
// Stored names are in Http-Header-Case, so a comparison of four bytes that the compiler makes
// inline finds it: cheaper than find()'s general one, on every request. A four-byte name in
// another case (add_normalized given one) is still found, as find() finds it.
std::string_view host_header_or_default(const HTTPHeaders& headers) {
  for (const HTTPHeaders::Field& f : headers.get_all())
    if (f.name.size() == 4 &&
        (std::memcmp(f.name.data(), "Host", 4) == 0 || util::iequals(f.name, "Host")))
      return f.value;
  return "127.0.0.1";
}

// split_host_and_port(lower(host)).first, without its temporary strings: the host, less a
// ":digits" port of any length (as Tornado's), in lower case. A name already in lower case
// (nearly every one: its words hold no upper-case letter) is copied once, not rewritten a
// character at a time.
std::string host_name_of(std::string_view name) {
  if (const std::size_t colon = httputil::detail::port_colon(name); colon != std::string_view::npos)
    name = name.substr(0, colon);
  std::string out(name);
  if (!util::all_words_clean(name,
                             [](std::uint64_t x) { return util::bytes_in_range(x, 'A', 'Z'); }))
    for (char& c : out) c = util::ascii_lower(c);
  return out;
}

}  // namespace

// The strings are made by their constructors in the member initializers, from the request as
// it usually is (an origin-form target): assigning them afterwards costs more, on every
// request. remote_ip and protocol read `conn` before `connection` takes it (members are
// initialized in their declaration order). The absolute form redoes what it changes.
HTTPServerRequest::HTTPServerRequest(RequestStartLine&& start_line, HTTPHeaders h,
                                     std::shared_ptr<HTTPConnection> conn)
    : method(std::move(start_line.method)),
      uri(std::move(start_line.path)),
      version(std::move(start_line.version)),
      headers(std::move(h)),
      remote_ip(conn ? conn->remote_ip() : std::string_view{}),
      protocol(conn ? conn->protocol() : std::string_view("http")),
      host(host_header_or_default(headers)),
      host_name(host_name_of(host)),
      path(uri, 0, uri.find('?')),
      connection(std::move(conn)),
      start_time(util::monotonic_time()) {
  if (!uri.empty() && uri.front() != '/' && uri != "*" && method != "CONNECT") {
    // An absolute-form target names the host itself (RFC 9112 §3.2.2) and is reduced to the
    // path and query an origin-form request would carry. The server has checked the target
    // (http1connection's parse_request_head); one given here by hand that does not parse is
    // kept as it is, as Tornado keeps every target.
    try {
      const RequestTarget t = parse_request_target(method, uri);
      if (t.form == RequestTarget::Form::kAbsolute) {
        host.assign(t.authority);
        host_name = host_name_of(host);
        for (const char c : t.scheme) target_scheme += util::ascii_lower(c);
        std::string origin = t.path.empty() || t.path.front() == '?' ? "/" : "";
        origin.append(t.path);
        uri = std::move(origin);
        path.assign(uri, 0, uri.find('?'));
      }
    } catch (const HTTPInputError&) {
    }
  }
  // path is uri up to its first '?': one shorter than uri when there is one, found once.
  if (const std::size_t q = path.size(); q < uri.size()) {
    query = uri.substr(q + 1);
    query_arguments = escape::parse_qs_bytes(query, true);
    arguments = query_arguments;
  }
}

std::string HTTPServerRequest::full_url() const {
  return (target_scheme.empty() ? protocol : target_scheme) + "://" + host + uri;
}

double HTTPServerRequest::request_time() const {
  return (finish_time >= 0 ? finish_time : util::monotonic_time()) - start_time;
}

const std::map<std::string, std::string, std::less<>>& HTTPServerRequest::cookies() const {
  if (!cookies_) {
    cookies_.emplace();
    for (const std::string& h : headers.get_list("Cookie")) {
      // A malformed Cookie header is ignored, as Tornado does.
      try {
        for (auto& [k, v] : httputil::parse_cookie(h)) (*cookies_)[k] = v;
      } catch (const HTTPInputError&) {
      }
    }
  }
  return *cookies_;
}

void HTTPServerRequest::parse_body(const httputil::MultipartLimits& limits) {
  if (body.empty()) return;  // before the header search: most requests have no body
  const std::string* type = headers.find("Content-Type");
  if (!type) return;
  httputil::parse_body_arguments(*type, body, body_arguments, files, &headers, limits);
  for (const auto& [name, values] : body_arguments) {
    auto& all = arguments[name];
    all.insert(all.end(), values.begin(), values.end());
  }
}

}  // namespace tornado
