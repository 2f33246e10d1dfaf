// reactor/localtime.cc: calendar arithmetic, TZif files (RFC 8536) and POSIX TZ strings.
//
// Mirrors:  time.gmtime and time.localtime as Tornado uses them (see localtime.h); the zone
//           rules are glibc's (tzset.c, tzfile.c), so that the log's time stamps read as they
//           did with localtime_r.
// Calls:    getenv, open, fstat, read (no stdio, no sscanf, no strto*: that is the point).
// Thread:   any thread; each keeps its own copy of the zone.
#include "tornado/reactor/localtime.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace tornado::timeutil {

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool is_leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// 0 is Sunday; 1970-01-01 was a Thursday.
int weekday_of(std::int64_t days) {
  return static_cast<int>((days + 4) - floor_div(days + 4, 7) * 7);
}

// The calendar date and time `days` after 1970-01-01 plus `second_of_day` seconds, which may
// run over into the days before or after (an offset applied to UTC).
CivilTime civil(std::int64_t days, std::int64_t second_of_day) {
  days += floor_div(second_of_day, kDay);
  second_of_day -= floor_div(second_of_day, kDay) * kDay;
  // Days to a date in 400-year eras of 146,097 days, counted from 0000-03-01 so that a leap
  // day ends its year.
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = static_cast<int>(second_of_day / 3600);
  c.minute = static_cast<int>(second_of_day / 60 % 60);
  c.second = static_cast<int>(second_of_day % 60);
  c.weekday = weekday_of(days);
  c.yearday = static_cast<int>(days - days_from_civil(c.year, 1, 1));
  return c;
}

// ---------------------------------------------------------------- TZif files

// Reads big-endian fields; any read past the end sets ok to false and gives 0.
struct Reader {
  std::string_view data;
  std::size_t at = 0;
  bool ok = true;

  bool has(std::uint64_t n) const { return ok && n <= data.size() - at; }
  std::uint64_t take(int bytes) {
    if (!has(static_cast<std::uint64_t>(bytes))) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(data[at++]);
    return v;
  }
  void skip(std::uint64_t n) {
    if (has(n))
      at += static_cast<std::size_t>(n);
    else
      ok = false;
  }
};

struct Header {
  char version = 0;
  std::uint64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

bool read_header(Reader& r, Header& h) {
  if (!r.has(44) || r.data.substr(r.at, 4) != "TZif") return false;
  r.skip(4);
  h.version = static_cast<char>(r.take(1));
  r.skip(15);
  h.isutcnt = r.take(4);
  h.isstdcnt = r.take(4);
  h.leapcnt = r.take(4);
  h.timecnt = r.take(4);
  h.typecnt = r.take(4);
  h.charcnt = r.take(4);
  // RFC 8536 3.1: at least one type, at most 256 (an index is one byte); the indicator counts
  // are zero or typecnt.
  return r.ok && h.typecnt >= 1 && h.typecnt <= 256 && (h.isutcnt == 0 || h.isutcnt == h.typecnt) &&
         (h.isstdcnt == 0 || h.isstdcnt == h.typecnt);
}

// The size of a data block whose times take `time_size` bytes each.
std::uint64_t block_size(const Header& h, std::uint64_t time_size) {
  return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt +
         h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// At most this much of a zone file is read: the largest in tzdata are a few KB.
constexpr std::size_t kMaxZoneFile = 1 << 20;

std::optional<TimeZone> read_zone_file(const std::string& path) {
  // O_NONBLOCK: TZ naming a FIFO must not hang the process; it is not a regular file anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::string data;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  char buf[4096];
  while (ok) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    data.append(buf, static_cast<std::size_t>(n));
    ok = data.size() <= kMaxZoneFile;
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  return TimeZone::from_tzif(data);
}

// ---------------------------------------------------------------- POSIX TZ strings

struct Parser {
  std::string_view s;
  std::size_t at = 0;

  bool done() const { return at == s.size(); }
  char peek() const { return done() ? '\0' : s[at]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at;
    return true;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  // A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'.
  bool name() {
    std::size_t n = 0;
    if (eat('<')) {
      while (!done() && (is_alpha(peek()) || is_digit(peek()) || peek() == '+' || peek() == '-')) {
        ++at;
        ++n;
      }
      return eat('>') && n >= 3;
    }
    while (is_alpha(peek())) {
      ++at;
      ++n;
    }
    return n >= 3;
  }

  // An unsigned number of at most `digits` digits, no more than `max`.
  bool number(int digits, int max, int& out) {
    if (!is_digit(peek())) return false;
    out = 0;
    for (int i = 0; i < digits && is_digit(peek()); ++i) out = out * 10 + (s[at++] - '0');
    return out <= max;
  }

  // [+-]hh[:mm[:ss]] as seconds, hours up to max_hours.
  bool hms(int max_hours, std::int32_t& out) {
    const bool negative = eat('-');
    if (!negative) eat('+');
    int h = 0, m = 0, sec = 0;
    if (!number(3, max_hours, h)) return false;
    if (eat(':')) {
      if (!number(2, 59, m)) return false;
      if (eat(':') && !number(2, 59, sec)) return false;
    }
    out = (h * 3600 + m * 60 + sec) * (negative ? -1 : 1);
    return true;
  }
};

}  // namespace

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime utc_time(std::int64_t seconds) {
  const std::int64_t days = floor_div(seconds, kDay);
  return civil(days, seconds - days * kDay);
}

std::optional<TimeZone> TimeZone::from_tzif(std::string_view data) {
  Reader r{data};
  Header h;
  if (!read_header(r, h)) return std::nullopt;
  int time_size = 4;
  if (h.version >= '2') {
    // Version 2 and later repeat the data with 64-bit times after the version 1 block, and
    // end with a TZ string for the times after the last transition.
    r.skip(block_size(h, 4));
    if (!r.ok || !read_header(r, h)) return std::nullopt;
    time_size = 8;
  }
  if (!r.has(block_size(h, static_cast<std::uint64_t>(time_size)))) return std::nullopt;
  TimeZone z;
  z.transitions_.reserve(static_cast<std::size_t>(h.timecnt));
  for (std::uint64_t i = 0; i < h.timecnt; ++i) {
    const std::uint64_t v = r.take(time_size);
    const std::int64_t t = time_size == 8
                               ? static_cast<std::int64_t>(v)
                               : static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    if (!z.transitions_.empty() && t <= z.transitions_.back()) return std::nullopt;
    z.transitions_.push_back(t);
  }
  for (std::uint64_t i = 0; i < h.timecnt; ++i) {
    const auto type = static_cast<std::uint8_t>(r.take(1));
    if (type >= h.typecnt) return std::nullopt;
    z.type_of_.push_back(type);
  }
  for (std::uint64_t i = 0; i < h.typecnt; ++i) {
    Offset o;
    o.utc_offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.take(4)));
    o.dst = r.take(1) != 0;
    r.skip(1);  // the abbreviation's index
    // RFC 8536: -2^31 is not allowed, and no zone is a day or more away from UTC.
    if (o.utc_offset <= -kDay || o.utc_offset >= kDay) return std::nullopt;
    z.types_.push_back(o);
  }
  r.skip(h.charcnt + h.leapcnt * static_cast<std::uint64_t>(time_size + 4) + h.isstdcnt +
         h.isutcnt);
  if (!r.ok) return std::nullopt;
  if (time_size == 8 && r.take(1) == '\n') {
    const std::string_view rest = data.substr(r.at);
    const std::size_t end = rest.find('\n');
    Rule rule;
    if (end != std::string_view::npos && end > 0 && parse_rule(rest.substr(0, end), rule))
      z.rule_ = rule;
  }
  return z;
}

bool TimeZone::parse_rule(std::string_view tz, Rule& out) {
  Parser p{tz};
  std::int32_t off = 0;
  if (!p.name() || !p.hms(24, off)) return false;
  out.standard = Offset{-off, false};
  if (p.done()) {
    out.has_dst = false;
    return true;
  }
  if (!p.name()) return false;
  out.has_dst = true;
  out.daylight = Offset{out.standard.utc_offset + 3600, true};
  if (!p.done() && p.peek() != ',') {
    if (!p.hms(24, off)) return false;
    out.daylight.utc_offset = -off;
  }
  if (p.done()) {
    // No dates: the US rules, as glibc when it has no posixrules file to take them from.
    out.start = Change{'M', 3, 2, 0, 7200};
    out.end = Change{'M', 11, 1, 0, 7200};
    return true;
  }
  for (Change* c : {&out.start, &out.end}) {
    if (!p.eat(',')) return false;
    *c = Change{};
    if (p.eat('J')) {
      c->kind = 'J';
      if (!p.number(3, 365, c->a) || c->a < 1) return false;
    } else if (p.eat('M')) {
      if (!p.number(2, 12, c->a) || c->a < 1 || !p.eat('.') || !p.number(1, 5, c->b) || c->b < 1 ||
          !p.eat('.') || !p.number(1, 6, c->c))
        return false;
    } else {
      c->kind = 'D';
      if (!p.number(3, 365, c->a)) return false;
    }
    if (p.eat('/') && !p.hms(167, c->time)) return false;
  }
  return p.done();
}

std::optional<TimeZone> TimeZone::from_posix(std::string_view tz) {
  Rule rule;
  if (!parse_rule(tz, rule)) return std::nullopt;
  TimeZone z;
  z.rule_ = rule;
  return z;
}

TimeZone TimeZone::from_environment() {
  const char* tz = std::getenv("TZ");
  if (tz != nullptr && *tz == '\0') return TimeZone{};  // glibc: "Universal"
  std::string_view name = tz != nullptr ? tz : "";
  if (!name.empty() && name.front() == ':') name.remove_prefix(1);
  std::string path;
  if (name.empty()) {
    path = "/etc/localtime";
  } else if (name.front() == '/') {
    path = name;
  } else {
    const char* dir = std::getenv("TZDIR");
    path = dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
    path += '/';
    path += name;
  }
  if (auto z = read_zone_file(path)) return *z;
  if (auto z = from_posix(name)) return *z;
  return TimeZone{};
}

TimeZone::Offset TimeZone::rule_offset(std::int64_t seconds) const {
  const Rule& r = *rule_;
  if (!r.has_dst) return r.standard;
  // As glibc: the year of the rules is the UTC year of the instant.
  const std::int64_t year = utc_time(seconds).year;
  const auto change = [year](const Change& c, std::int32_t utc_offset) {
    std::int64_t day = days_from_civil(year, 1, 1);
    if (c.kind == 'J') {
      day += c.a - 1 + (is_leap(year) && c.a >= 60 ? 1 : 0);
    } else if (c.kind == 'D') {
      day += c.a;
    } else {
      const std::int64_t first = days_from_civil(year, c.a, 1);
      int d = (c.c - weekday_of(first) + 7) % 7;
      for (int week = 1; week < c.b && d + 7 < days_in_month(year, c.a); ++week) d += 7;
      day = first + d;
    }
    return day * kDay + c.time - utc_offset;
  };
  const std::int64_t start = change(r.start, r.standard.utc_offset);
  const std::int64_t end = change(r.end, r.daylight.utc_offset);
  const bool dst =
      start > end ? (seconds < end || seconds >= start) : (seconds >= start && seconds < end);
  return dst ? r.daylight : r.standard;
}

TimeZone::Offset TimeZone::offset_at(std::int64_t seconds) const {
  if (!transitions_.empty() && seconds >= transitions_.front()) {
    if (seconds >= transitions_.back() && rule_) return rule_offset(seconds);
    const auto next = std::upper_bound(transitions_.begin(), transitions_.end(), seconds);
    return types_[type_of_[static_cast<std::size_t>(next - transitions_.begin() - 1)]];
  }
  if (!types_.empty()) {
    // Before the first transition, as glibc: the first type that is not daylight time.
    const auto standard =
        std::find_if(types_.begin(), types_.end(), [](const Offset& o) { return !o.dst; });
    return standard != types_.end() ? *standard : types_.front();
  }
  if (rule_) return rule_offset(seconds);
  return Offset{};
}

CivilTime TimeZone::at(std::int64_t seconds) const {
  const Offset o = offset_at(seconds);
  const std::int64_t days = floor_div(seconds, kDay);
  CivilTime c = civil(days, seconds - days * kDay + o.utc_offset);
  c.utc_offset = o.utc_offset;
  c.dst = o.dst;
  return c;
}

CivilTime local_time(std::int64_t seconds) {
  // The zone is read again only when TZ changes, as glibc's localtime_r reads it once.
  struct Cache {
    bool loaded = false;
    bool tz_set = false;
    std::string tz;
    TimeZone zone;
  };
  thread_local Cache cache;
  const char* tz = std::getenv("TZ");
  if (!cache.loaded || cache.tz_set != (tz != nullptr) || (tz != nullptr && cache.tz != tz)) {
    cache.zone = TimeZone::from_environment();
    cache.tz_set = tz != nullptr;
    cache.tz = tz != nullptr ? tz : "";
    cache.loaded = true;
  }
  return cache.zone.at(seconds);
}

}  // namespace tornado::timeutil
