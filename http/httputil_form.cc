// http/httputil_form.cc: form bodies, cookies, dates, host:port, byte ranges and reason
// phrases.
//
// Mirrors:  tornado/httputil.py (url_concat, parse_body_arguments,
//           parse_multipart_form_data, _parse_header, format_timestamp, parse_cookie,
//           split_host_and_port, _parse_request_range, _get_content_range) and Python's
//           http.client.responses.
// Role:     HTTPServerRequest::parse_body and cookies(); the web layer; the client.
// Errors:   a malformed form body is an HTTPInputError (Tornado 6.5 raises too, and the web
//           layer answers 400); cookies and host strings are parsed leniently, as Tornado does.
// Thread:   pure functions.
#include <time.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "tornado/http/escape.h"
#include "tornado/http/httputil.h"
#include "tornado/reactor/localtime.h"
#include "tornado/reactor/util.h"

namespace tornado::httputil {

namespace {

// Splits "a; b=\"x;y\"; c" on the semicolons that are not inside quotes.
std::vector<std::string_view> split_params(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"' && (i == 0 || s[i - 1] != '\\')) quoted = !quoted;
    if (s[i] == ';' && !quoted) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// Python's http.cookies unquoting: \ooo octal escapes and \c become the byte.
std::string unquote_cookie(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\' || i + 1 == v.size()) {
      out += v[i];
      continue;
    }
    const auto octal = [&](std::size_t k) { return v[k] >= '0' && v[k] <= '7'; };
    if (i + 3 < v.size() && v[i + 1] <= '3' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0'));
      i += 3;
    } else {
      out += v[i + 1];
      i += 1;
    }
  }
  return out;
}

}  // namespace

std::string url_concat(std::string_view url,
                       const std::vector<std::pair<std::string, std::string>>& args) {
  if (args.empty()) return std::string(url);
  const std::size_t hash = url.find('#');
  const std::string_view fragment = hash == std::string_view::npos ? "" : url.substr(hash);
  std::string out(url.substr(0, hash));
  const std::size_t q = out.find('?');
  if (q == std::string::npos) {
    out += '?';
  } else if (q + 1 < out.size() && out.back() != '&') {
    out += '&';
  }
  bool first = true;
  for (const auto& [k, v] : args) {
    if (!first) out += '&';
    first = false;
    out += escape::url_escape(k);
    out += '=';
    out += escape::url_escape(v);
  }
  out += fragment;
  return out;
}

std::pair<std::string, std::map<std::string, std::string, std::less<>>> parse_header(
    std::string_view line) {
  const std::vector<std::string_view> parts = split_params(line);
  std::pair<std::string, std::map<std::string, std::string, std::less<>>> out;
  out.first = std::string(util::trim(parts[0]));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    const std::size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name = util::ascii_lower(util::trim(p.substr(0, eq)));
    std::string_view raw = util::trim(p.substr(eq + 1));
    std::string value;
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
      raw = raw.substr(1, raw.size() - 2);
      for (std::size_t k = 0; k < raw.size(); ++k) {
        if (raw[k] == '\\' && k + 1 < raw.size() && (raw[k + 1] == '\\' || raw[k + 1] == '"')) ++k;
        value += raw[k];
      }
    } else {
      value = std::string(raw);
    }
    out.second[name] = std::move(value);
  }
  return out;
}

void parse_multipart_form_data(std::string_view boundary, std::string_view data,
                               Arguments& arguments, Files& files, const MultipartLimits& limits) {
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty()) throw HTTPInputError("Invalid multipart/form-data: empty boundary");
  const std::string final_marker = "--" + std::string(boundary) + "--";
  const std::size_t final_at = data.rfind(final_marker);
  if (final_at == std::string_view::npos)
    throw HTTPInputError("Invalid multipart/form-data: no final boundary found");
  std::string_view rest = data.substr(0, final_at);
  const std::string separator = "--" + std::string(boundary) + "\r\n";
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = rest.find(separator);
    parts.push_back(rest.substr(0, at));
    if (parts.size() > limits.max_parts + 1)
      throw HTTPInputError("multipart/form-data has too many parts");
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + separator.size());
  }
  for (const std::string_view part : parts) {
    if (part.empty()) continue;
    const std::size_t eoh = part.find("\r\n\r\n");
    if (eoh == std::string_view::npos) throw HTTPInputError("multipart/form-data missing headers");
    if (eoh > limits.max_part_header_size)
      throw HTTPInputError("multipart/form-data part header too large");
    const HTTPHeaders headers = HTTPHeaders::parse(part.substr(0, eoh + 2));
    const auto [disposition, params] = parse_header(headers.get("Content-Disposition"));
    if (disposition != "form-data" || part.size() < eoh + 6 ||
        part.substr(part.size() - 2) != "\r\n")
      throw HTTPInputError("Invalid multipart/form-data");
    const std::string_view value = part.substr(eoh + 4, part.size() - eoh - 6);
    const auto name = params.find("name");
    if (name == params.end() || name->second.empty())
      throw HTTPInputError("multipart/form-data value missing name");
    const auto filename = params.find("filename");
    if (filename != params.end() && !filename->second.empty()) {
      files[name->second].push_back(HTTPFile{filename->second, std::string(value),
                                             headers.get("Content-Type", "application/unknown")});
    } else {
      arguments[name->second].emplace_back(value);
    }
  }
}

void parse_body_arguments(std::string_view content_type, std::string_view body,
                          Arguments& arguments, Files& files, const HTTPHeaders* headers,
                          const MultipartLimits& limits) {
  if (headers && headers->contains("Content-Encoding"))
    throw HTTPInputError("Unsupported Content-Encoding: " + headers->get("Content-Encoding"));
  if (content_type.starts_with("application/x-www-form-urlencoded")) {
    for (auto& [name, values] : escape::parse_qs_bytes(body, true)) {
      auto& all = arguments[name];
      all.insert(all.end(), values.begin(), values.end());
    }
  } else if (content_type.starts_with("multipart/form-data")) {
    for (std::string_view field : split_params(content_type)) {
      field = util::trim(field);
      const std::size_t eq = field.find('=');
      if (eq != std::string_view::npos && field.substr(0, eq) == "boundary" &&
          eq + 1 < field.size()) {
        parse_multipart_form_data(field.substr(eq + 1), body, arguments, files, limits);
        return;
      }
    }
    throw HTTPInputError("multipart boundary not found");
  }
}

namespace {

// gmtime_r would reach glibc's tzset (it takes the time zone lock and reads TZ), which links
// sscanf and every strto* into a static program: the date is worked out here instead, in 64
// bits where time_t has 32.
std::string format_imf_date(std::int64_t seconds_since_epoch) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const timeutil::CivilTime t = timeutil::utc_time(seconds_since_epoch);
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d GMT",
                              kDays[t.weekday], t.day, kMonths[t.month - 1],
                              static_cast<long long>(t.year), t.hour, t.minute, t.second);
  return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace

std::string format_timestamp(std::time_t t) { return format_imf_date(t); }

std::string format_timestamp(double seconds_since_epoch) {
  return format_imf_date(static_cast<std::int64_t>(seconds_since_epoch));
}

namespace {

// The C locale's names; strptime also takes their first three letters.
constexpr const char* kDayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
constexpr const char* kMonthNames[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

// Reads an HTTP date field by field with strptime's rules, so that parse_http_date accepts
// what strptime accepted before it, without linking strptime and timegm (and the locale
// tables behind them) into a static program.
class DateReader {
 public:
  explicit DateReader(std::string_view text) : s_(text) {}

  // A space in a strptime format: any run of white space, or none.
  DateReader& spaces() {
    while (!s_.empty() && is_space(s_.front())) s_.remove_prefix(1);
    return *this;
  }
  DateReader& literal(std::string_view text) {
    if (ok_ && s_.starts_with(text)) {
      s_.remove_prefix(text.size());
    } else {
      ok_ = false;
    }
    return *this;
  }
  // %a or %b: a full or a three-letter name in any case, the longest that fits.
  template <std::size_t N>
  DateReader& name(const char* const (&names)[N], int& index) {
    std::size_t longest = 0;
    for (std::size_t i = 0; ok_ && i < N; ++i) {
      for (const std::size_t n : {std::strlen(names[i]), std::size_t{3}}) {
        if (n > longest && starts_with_nocase(names[i], n)) {
          longest = n;
          index = static_cast<int>(i);
        }
      }
    }
    if (longest == 0) ok_ = false;
    s_.remove_prefix(longest);
    return *this;
  }
  // A number as strptime reads one: white space first, then up to `width` digits, stopping
  // early where one more digit would pass `max`; refused outside [min, max].
  DateReader& number(int min, int max, int width, int& value) {
    spaces();
    if (!ok_ || s_.empty() || !is_digit(s_.front())) {
      ok_ = false;
      return *this;
    }
    value = 0;
    do {
      value = value * 10 + (s_.front() - '0');
      s_.remove_prefix(1);
    } while (--width > 0 && value * 10 <= max && !s_.empty() && is_digit(s_.front()));
    if (value < min || value > max) ok_ = false;
    return *this;
  }
  bool complete() const { return ok_ && s_.empty(); }

 private:
  static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  bool starts_with_nocase(const char* name, std::size_t n) const {
    if (s_.size() < n) return false;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s_[i] >= 'A' && s_[i] <= 'Z' ? static_cast<char>(s_[i] - 'A' + 'a') : s_[i];
      const char want =
          name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] - 'A' + 'a') : name[i];
      if (c != want) return false;
    }
    return true;
  }

  std::string_view s_;
  bool ok_ = true;
};

// Leap years from year 1 to year y of the proleptic Gregorian calendar (year 0 is one too:
// for y = -1 the floor divisions give -1).
long long leap_years_through(long long y) {
  const auto floor_div = [](long long a, long long b) { return a / b - (a % b < 0 ? 1 : 0); };
  return floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
}

// Days from 1970-01-01 to the given day (month 0-11); a day past the end of its month runs into
// the next one, as timegm normalises it.
long long days_since_epoch(long long year, int month, int day) {
  static constexpr int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return (year - 1970) * 365 + leap_years_through(year - 1) - leap_years_through(1969) +
         kDaysBefore[month] + (leap && month >= 2 ? 1 : 0) + day - 1;
}

}  // namespace

std::optional<std::time_t> parse_http_date(std::string_view text) {
  int weekday = 0, day = 0, month = 0, year = 0, hour = 0, minute = 0, second = 0;
  const auto clock = [&](DateReader& r) -> DateReader& {
    return r.number(0, 23, 2, hour)
        .literal(":")
        .number(0, 59, 2, minute)
        .literal(":")
        .number(0, 61, 2, second);
  };
  std::optional<long long> full_year;
  {  // "%a, %d %b %Y %H:%M:%S GMT"
    DateReader r(text);
    r.name(kDayNames, weekday).literal(",").spaces().number(1, 31, 2, day).spaces();
    r.name(kMonthNames, month).spaces().number(0, 9999, 4, year).spaces();
    clock(r).spaces().literal("GMT");
    if (r.complete()) full_year = year;
  }
  if (!full_year) {  // "%A, %d-%b-%y %H:%M:%S GMT"
    DateReader r(text);
    r.name(kDayNames, weekday).literal(",").spaces().number(1, 31, 2, day).literal("-");
    r.name(kMonthNames, month).literal("-").number(0, 99, 2, year).spaces();
    clock(r).spaces().literal("GMT");
    if (r.complete()) full_year = year + (year >= 69 ? 1900 : 2000);
  }
  if (!full_year) {  // "%a %b %d %H:%M:%S %Y"
    DateReader r(text);
    r.name(kDayNames, weekday).spaces().name(kMonthNames, month).spaces();
    r.number(1, 31, 2, day).spaces();
    clock(r).spaces().number(0, 9999, 4, year);
    if (r.complete()) full_year = year;
  }
  if (!full_year) return std::nullopt;
  return static_cast<std::time_t>(days_since_epoch(*full_year, month, day) * 86400 + hour * 3600 +
                                  minute * 60 + second);
}

std::map<std::string, std::string, std::less<>> parse_cookie(std::string_view header) {
  std::map<std::string, std::string, std::less<>> out;
  for (;;) {
    const std::size_t semi = header.find(';');
    const std::string_view chunk = header.substr(0, semi);
    const std::size_t eq = chunk.find('=');
    const std::string_view key =
        util::trim(eq == std::string_view::npos ? "" : chunk.substr(0, eq));
    const std::string_view value =
        util::trim(eq == std::string_view::npos ? chunk : chunk.substr(eq + 1));
    if (!key.empty() || !value.empty()) out[std::string(key)] = unquote_cookie(value);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return out;
}

namespace detail {

// One pass back over the trailing digits: the colon before them, when there are some and
// something comes before the colon.
std::size_t port_colon(std::string_view netloc) {
  std::size_t digits_at = netloc.size();
  // The last eight bytes first as one word (every request's Host goes through here): the
  // highest byte that is not a digit ends the trailing run, found by counting zero bits from
  // the top. A word of eight digits goes on to the loop.
  if (std::endian::native == std::endian::little && digits_at >= 8) {
    std::uint64_t x;
    std::memcpy(&x, netloc.data() + digits_at - 8, 8);
    const std::uint64_t others = ~util::bytes_in_range(x, '0', '9') & (util::kByteOnes * 0x80);
    digits_at -= others == 0 ? 8 : static_cast<std::size_t>(std::countl_zero(others)) / 8;
  }
  while (digits_at > 0 && netloc[digits_at - 1] >= '0' && netloc[digits_at - 1] <= '9') --digits_at;
  if (digits_at < netloc.size() && digits_at >= 2 && netloc[digits_at - 1] == ':')
    return digits_at - 1;
  return std::string_view::npos;
}

}  // namespace detail

std::pair<std::string, std::optional<int>> split_host_and_port(std::string_view netloc) {
  // Tornado's ^(.+):(\d+)$; brackets of an IPv6 literal are kept, as there. A port of more
  // than nine digits does not fit an int: the netloc is then kept whole, with no port.
  const std::size_t colon = detail::port_colon(netloc);
  if (colon != std::string_view::npos && netloc.size() - colon - 1 <= 9) {
    int port = 0;
    for (const char c : netloc.substr(colon + 1)) port = port * 10 + (c - '0');
    return {std::string(netloc.substr(0, colon)), port};
  }
  return {std::string(netloc), std::nullopt};
}

namespace {

// Python's http.client.responses, sorted by code for the binary search below. Only read while
// compiling: the program holds kReasonTable, made from it below.
struct ReasonSource {
  int code;
  std::string_view phrase;
};
constexpr ReasonSource kReasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},  // RFC 9110; "Request Entity Too Large" before
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a Teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Content"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};
static_assert(std::is_sorted(std::begin(kReasons), std::end(kReasons),
                             [](const ReasonSource& a, const ReasonSource& b) {
                               return a.code < b.code;
                             }));

// The same, packed: the phrases end to end in one array, each entry its code and where its
// phrase lies (6 bytes, not a pointer and a length: 24 with its padding, and a relocation each
// in a static program's writable data).
struct Reason {
  std::uint16_t code;
  std::uint16_t offset;
  std::uint8_t size;
};
constexpr std::size_t kReasonCount = std::size(kReasons);
constexpr std::size_t kReasonText = [] {
  std::size_t n = 0;
  for (const ReasonSource& r : kReasons) n += r.phrase.size();
  return n;
}();
static_assert(kReasonText <= UINT16_MAX);
struct ReasonTable {
  std::array<Reason, kReasonCount> entries;
  std::array<char, kReasonText> text;
};
constexpr ReasonTable kReasonTable = [] {
  ReasonTable t{};
  std::size_t offset = 0;
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    const ReasonSource& r = kReasons[i];
    t.entries[i] = {static_cast<std::uint16_t>(r.code), static_cast<std::uint16_t>(offset),
                    static_cast<std::uint8_t>(r.phrase.size())};
    for (char c : r.phrase) t.text[offset++] = c;
  }
  return t;
}();
static_assert([] {
  for (const ReasonSource& r : kReasons)
    if (r.phrase.size() > UINT8_MAX || r.code > UINT16_MAX) return false;
  return true;
}());

// A Range bound: digits between optional spaces, or nothing (Tornado's _int_or_none).
// Sets `bad` for anything else, and for a number past long long.
std::optional<long long> int_or_none(std::string_view s, bool& bad) {
  s = util::trim(s, " ");
  if (s.empty()) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > (LLONG_MAX - 9) / 10) {
      bad = true;
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

bool body_expected(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

std::optional<RequestRange> parse_request_range(std::string_view header) {
  const std::size_t eq = header.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  if (util::trim(header.substr(0, eq), " ") != "bytes") return std::nullopt;
  const std::string_view value = header.substr(eq + 1);
  const std::size_t dash = value.find('-');
  bool bad = false;
  RequestRange r;
  r.start = int_or_none(value.substr(0, dash), bad);
  r.end = dash == std::string_view::npos ? std::nullopt : int_or_none(value.substr(dash + 1), bad);
  if (bad) return std::nullopt;
  if (r.end) {
    if (!r.start) {
      if (*r.end != 0) {
        r.start = -*r.end;
        r.end.reset();
      }
    } else {
      *r.end += 1;
    }
  }
  return r;
}

std::string get_content_range(std::optional<long long> start, std::optional<long long> end,
                              long long total) {
  const long long last = (end && *end != 0 ? *end : total) - 1;
  return "bytes " + std::to_string(start.value_or(0)) + "-" + std::to_string(last) + "/" +
         std::to_string(total);
}

std::string_view reason_phrase(int code) {
  // 200 before the search: most responses are, and a response whose handler gave no reason
  // of its own gets its phrase here (about 90 instructions through the search).
  if (code == 200) return "OK";
  const auto& entries = kReasonTable.entries;
  const auto it = std::lower_bound(entries.begin(), entries.end(), code,
                                   [](const Reason& r, int c) { return r.code < c; });
  if (it == entries.end() || it->code != code) return "Unknown";
  return {kReasonTable.text.data() + it->offset, it->size};
}

}  // namespace tornado::httputil
