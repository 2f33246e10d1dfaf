// tests/reactor/localtime_test.cc: reactor/localtime against glibc's gmtime_r and localtime_r
// (several zones, DST edges found by scanning, years up to 2400), POSIX TZ strings with
// expected values, and TZif files built here (no tzdata needed), whole, cut short or hostile.
#include "tornado/reactor/localtime.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/async_test.h"

using tornado::timeutil::CivilTime;
using tornado::timeutil::days_from_civil;
using tornado::timeutil::TimeZone;

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t at_utc(std::int64_t y, int mo, int d, int h, int mi, int s) {
  return days_from_civil(y, mo, d) * kDay + h * 3600 + mi * 60 + s;
}

// Whether glibc's functions can take t on this target (time_t has 32 bits on armhf).
bool fits_time_t(std::int64_t t) { return static_cast<std::int64_t>(static_cast<time_t>(t)) == t; }

std::string show(const CivilTime& c) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld-%02d-%02d %02d:%02d:%02d wd%d yd%d off%d dst%d",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                c.weekday, c.yearday, static_cast<int>(c.utc_offset), c.dst ? 1 : 0);
  return buf;
}

CivilTime from_tm(const tm& t) {
  CivilTime c;
  c.year = t.tm_year + 1900LL;
  c.month = t.tm_mon + 1;
  c.day = t.tm_mday;
  c.hour = t.tm_hour;
  c.minute = t.tm_min;
  c.second = t.tm_sec;
  c.weekday = t.tm_wday;
  c.yearday = t.tm_yday;
  c.utc_offset = static_cast<std::int32_t>(t.tm_gmtoff);
  c.dst = t.tm_isdst > 0;
  return c;
}

CivilTime glibc_local(std::int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  tm out{};
  ::localtime_r(&tt, &out);
  return from_tm(out);
}

// Sets an environment variable (or unsets it) for one scope, then puts it back.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    set(value);
  }
  ~EnvGuard() { set(old_ ? old_->c_str() : nullptr); }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

  void set(const char* value) {
    if (value != nullptr)
      ::setenv(name_, value, 1);
    else
      ::unsetenv(name_);
    ::tzset();
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The instants every zone is checked at: a step of a day and seven hours through years with
// history (1901 before most zones' first transition, the wars, 1970, the US change in 2007),
// now, around 2038 and far beyond. Where glibc's offset changes between two steps, the second
// it changes at is searched for and checked with its neighbours: the DST edges.
std::vector<std::int64_t> scan_years() {
  return {1901, 1916, 1945, 1970, 1996, 2007, 2026, 2037, 2038, 2039, 2100, 2400};
}

// Returns how many offset changes it found and checked.
int compare_with_glibc(const char* tz, std::int64_t first_year = 0) {
  EnvGuard guard("TZ", tz);
  int checked = 0;
  int edges = 0;
  const auto check = [&](std::int64_t t) {
    const CivilTime mine = tornado::timeutil::local_time(t);
    const CivilTime theirs = glibc_local(t);
    INFO("TZ=" << std::string(tz) << " t=" << t);
    CHECK(show(mine) == show(theirs));
    ++checked;
  };
  for (const std::int64_t year : scan_years()) {
    const std::int64_t from = at_utc(year, 1, 1, 0, 0, 0);
    const std::int64_t to = at_utc(year + 1, 1, 1, 0, 0, 0);
    if (year < first_year || !fits_time_t(from) || !fits_time_t(to)) continue;
    std::int64_t prev = from;
    std::int32_t prev_offset = glibc_local(prev).utc_offset;
    for (std::int64_t t = from; t < to; t += kDay + 7 * 3600) {
      check(t);
      const std::int32_t offset = glibc_local(t).utc_offset;
      if (offset != prev_offset) {
        std::int64_t lo = prev, hi = t;  // glibc: lo has the old offset, hi the new one
        while (hi - lo > 1) {
          const std::int64_t mid = lo + (hi - lo) / 2;
          (glibc_local(mid).utc_offset == prev_offset ? lo : hi) = mid;
        }
        check(hi - 1);
        check(hi);
        check(hi + 1);
        ++edges;
      }
      prev = t;
      prev_offset = offset;
    }
  }
  CHECK(checked > 2000);
  return edges;
}

// TZif files, written here: big-endian fields, a header, a data block.
std::string be(std::uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

struct TzifType {
  std::int32_t offset;
  bool dst;
};

std::string tzif_header(char version, std::uint32_t timecnt, std::uint32_t typecnt,
                        std::uint32_t charcnt) {
  return "TZif" + std::string(1, version) + std::string(15, '\0') + be(0, 4) + be(0, 4) + be(0, 4) +
         be(timecnt, 4) + be(typecnt, 4) + be(charcnt, 4);
}

std::string tzif_block(const std::vector<std::int64_t>& times,
                       const std::vector<std::uint8_t>& type_of, const std::vector<TzifType>& types,
                       int time_size) {
  std::string s;
  for (const std::int64_t t : times) s += be(static_cast<std::uint64_t>(t), time_size);
  for (const std::uint8_t i : type_of) s += static_cast<char>(i);
  for (const TzifType& t : types)
    s += be(static_cast<std::uint32_t>(t.offset), 4) + std::string(1, t.dst ? '\1' : '\0') + '\0';
  s += std::string("AAA\0", 4);
  return s;
}

// Version 2: a version 1 block that says "UTC, always" (so that reading it by mistake shows),
// then the real data: +01:00 until 1e9, +02:00 DST until 1.1e9, then the footer's +03:00.
std::string v2_file(const std::string& footer = "\nZZZ-3\n") {
  const std::vector<TzifType> types = {{3600, false}, {7200, true}};
  return tzif_header('2', 0, 1, 4) + tzif_block({}, {}, {{0, false}}, 4) +
         tzif_header('2', 2, 2, 4) + tzif_block({1000000000, 1100000000}, {1, 0}, types, 8) +
         footer;
}

// A row of the tables below: an instant and how it shows (show()) in the zone under test.
struct Shown {
  std::int64_t t;
  const char* want;
};

// Checks each row of a table against `shown`, the conversion under test.
template <class Convert>
void check_table(const std::vector<Shown>& rows, Convert shown) {
  for (const Shown& row : rows) {
    INFO("t=" << row.t);
    CHECK(show(shown(row.t)) == row.want);
  }
}

// Checks a zone's UTC offset at each instant of a table: {instant, offset in seconds}.
void check_offsets(const TimeZone& zone,
                   const std::vector<std::pair<std::int64_t, std::int32_t>>& rows) {
  for (const auto& row : rows) {
    INFO("t=" << row.first);
    CHECK(zone.offset_at(row.first).utc_offset == row.second);
  }
}

}  // namespace

TEST_CASE("localtime: utc_time is gmtime_r's, and days_from_civil its inverse") {
  const std::vector<Shown> rows = {
      {0, "1970-01-01 00:00:00 wd4 yd0 off0 dst0"},
      {-1, "1969-12-31 23:59:59 wd3 yd364 off0 dst0"},
      {951782400, "2000-02-29 00:00:00 wd2 yd59 off0 dst0"},
      {2147483647, "2038-01-19 03:14:07 wd2 yd18 off0 dst0"},
      {2147483648LL, "2038-01-19 03:14:08 wd2 yd18 off0 dst0"},
      {-2147483648LL, "1901-12-13 20:45:52 wd5 yd346 off0 dst0"},
      {4102444800LL, "2100-01-01 00:00:00 wd5 yd0 off0 dst0"},
      {4107542399LL, "2100-02-28 23:59:59 wd0 yd58 off0 dst0"},
      {4107542400LL, "2100-03-01 00:00:00 wd1 yd59 off0 dst0"},
      {253402300799LL, "9999-12-31 23:59:59 wd5 yd364 off0 dst0"},
      {-62135596800LL, "1-01-01 00:00:00 wd1 yd0 off0 dst0"},
  };
  check_table(rows, tornado::timeutil::utc_time);
  for (const Shown& row : rows) {
    if (!fits_time_t(row.t)) continue;
    INFO("t=" << row.t);
    const time_t tt = static_cast<time_t>(row.t);
    tm g{};
    REQUIRE(::gmtime_r(&tt, &g) != nullptr);
    CHECK(show(tornado::timeutil::utc_time(row.t)) == show(from_tm(g)));
  }
  // Every 97th day over 4,000 years each side of the epoch comes back to itself.
  for (std::int64_t days = -1460000; days <= 1460000; days += 97) {
    const CivilTime c = tornado::timeutil::utc_time(days * kDay + 43210);
    REQUIRE(days_from_civil(c.year, c.month, c.day) == days);
    REQUIRE(c.hour * 3600 + c.minute * 60 + c.second == 43210);
  }
}

TEST_CASE("localtime: local_time is glibc's localtime_r, zone by zone") {
  if (::access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0)
    TORNADO_SKIP("no tzdata (/usr/share/zoneinfo/Europe/Berlin)");
  struct Zone {
    const char* tz;
    int changes;  // at least this many found (the scan proves nothing in a zone without any)
  };
  for (const Zone& z :
       {Zone{"Europe/Berlin", 20}, Zone{"America/New_York", 18}, Zone{"Australia/Lord_Howe", 15},
        Zone{"UTC", 0}, Zone{"Asia/Kolkata", 1}, Zone{":Europe/Berlin", 20},
        Zone{"/usr/share/zoneinfo/America/New_York", 18}}) {
    INFO("TZ=" << z.tz);
    CHECK(compare_with_glibc(z.tz) >= z.changes);
  }
}

TEST_CASE("localtime: POSIX TZ strings, as glibc reads them and as the rule says") {
  // glibc reads these as rules too (no file has these names). Before 1970 it applies a rule
  // as in 1970 (tzset.c, compute_change), which is no time zone's history: compared from 1970.
  for (const char* tz : {"CET-1CEST,M3.5.0,M10.5.0/3", "UTC0", "<+0530>-5:30",
                         "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "NZST-12NZDT,M9.5.0,M4.1.0/3",
                         "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "AAA0BBB,J60/2,J300/2",
                         "AAA0BBB-2,59/2:30,300/2:30:15"}) {
    const bool fixed = std::string(tz) == "UTC0" || std::string(tz) == "<+0530>-5:30";
    INFO("TZ=" << tz);
    CHECK(compare_with_glibc(tz, 1970) >= (fixed ? 0 : 16));
  }

  struct Rule {
    const char* tz;
    std::vector<Shown> rows;
  };
  const Rule rules[] = {
      // Central Europe: DST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
      // last Sunday of October; past 2038 too.
      {"CET-1CEST,M3.5.0,M10.5.0/3",
       {{at_utc(2026, 3, 29, 0, 59, 59), "2026-03-29 01:59:59 wd0 yd87 off3600 dst0"},
        {at_utc(2026, 3, 29, 1, 0, 0), "2026-03-29 03:00:00 wd0 yd87 off7200 dst1"},
        {at_utc(2026, 10, 25, 0, 59, 59), "2026-10-25 02:59:59 wd0 yd297 off7200 dst1"},
        {at_utc(2026, 10, 25, 1, 0, 0), "2026-10-25 02:00:00 wd0 yd297 off3600 dst0"},
        {at_utc(2040, 7, 1, 12, 0, 0), "2040-07-01 14:00:00 wd0 yd182 off7200 dst1"}}},
      // Southern hemisphere, a half-hour DST: summer across the new year.
      {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
       {{at_utc(2050, 1, 1, 0, 0, 0), "2050-01-01 11:00:00 wd6 yd0 off39600 dst1"},
        {at_utc(2050, 7, 1, 0, 0, 0), "2050-07-01 10:30:00 wd5 yd181 off37800 dst0"}}},
      {"UTC0", {{at_utc(2100, 3, 1, 0, 0, 0), "2100-03-01 00:00:00 wd1 yd59 off0 dst0"}}},
      {"<+0530>-5:30",
       {{at_utc(2039, 1, 1, 0, 0, 0), "2039-01-01 05:30:00 wd6 yd0 off19800 dst0"}}},
      // No dates: the US rules (second Sunday of March, first of November, at 02:00).
      {"AAA5BBB",
       {{at_utc(2026, 3, 8, 6, 59, 59), "2026-03-08 01:59:59 wd0 yd66 off-18000 dst0"},
        {at_utc(2026, 3, 8, 7, 0, 0), "2026-03-08 03:00:00 wd0 yd66 off-14400 dst1"}}},
      // Jn never counts February 29: J60 is March 1 in a leap year; n counts it.
      {"AAA0BBB,J60/2,J300/2",
       {{at_utc(2028, 3, 1, 1, 59, 59), "2028-03-01 01:59:59 wd3 yd60 off0 dst0"},
        {at_utc(2028, 3, 1, 2, 0, 0), "2028-03-01 03:00:00 wd3 yd60 off3600 dst1"}}},
      {"AAA0BBB,59/2,300/2",
       {{at_utc(2028, 2, 29, 2, 0, 0), "2028-02-29 03:00:00 wd2 yd59 off3600 dst1"}}},
      // Negative rule times (Greenland): DST from 23:00 the day before, local standard time.
      {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
       {{at_utc(2026, 3, 29, 0, 59, 59), "2026-03-28 22:59:59 wd6 yd86 off-7200 dst0"},
        {at_utc(2026, 3, 29, 1, 0, 0), "2026-03-29 00:00:00 wd0 yd87 off-3600 dst1"}}},
  };
  for (const Rule& rule : rules) {
    INFO(rule.tz);
    const std::optional<TimeZone> zone = TimeZone::from_posix(rule.tz);
    REQUIRE(zone.has_value());
    check_table(rule.rows, [&](std::int64_t t) { return zone->at(t); });
  }
  // Not TZ strings: a name under three letters, no offset, a month 13, words after the rule.
  for (const char* bad : {"", "AB1", "CET", "XXX-25", "CET-1CEST,M13.1.0,M10.5.0",
                          "CET-1CEST,M3.5.0", "UTC0 ", "CET-1CEST,M3.5.0,M10.5.0/3x", "<+05"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(TimeZone::from_posix(bad).has_value());
  }
}

TEST_CASE("localtime: TZif files: version 1 and 2 data, the footer, TZDIR and TZ paths") {
  const std::optional<TimeZone> v2 = TimeZone::from_tzif(v2_file());
  REQUIRE(v2.has_value());
  // Before the first transition the standard type; from the last one on, the footer.
  check_offsets(*v2, {{999999999, 3600},
                      {1000000000, 7200},
                      {1099999999, 7200},
                      {1100000000, 10800},
                      {4102444800LL, 10800}});
  CHECK(v2->offset_at(1000000000).dst);

  // Without a footer (an empty one, or version 1) the last transition's type stays.
  const std::optional<TimeZone> bare = TimeZone::from_tzif(v2_file("\n\n"));
  REQUIRE(bare.has_value());
  check_offsets(*bare, {{4102444800LL, 3600}});
  const std::vector<TzifType> types = {{3600, false}, {7200, true}};
  const std::optional<TimeZone> v1 = TimeZone::from_tzif(
      tzif_header('\0', 2, 2, 4) + tzif_block({1000000000, 1100000000}, {1, 0}, types, 4));
  REQUIRE(v1.has_value());
  check_offsets(*v1, {{1050000000, 7200}, {2100000000, 3600}});

  // Through the environment: TZ as a name under TZDIR, with a colon, and as a path.
  char dir[] = "/tmp/localtime_test_XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/Zone";
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  const std::string data = v2_file();
  CHECK(std::fwrite(data.data(), 1, data.size(), f) == data.size());
  std::fclose(f);
  {
    EnvGuard tzdir("TZDIR", dir);
    for (const std::string& tz : {std::string("Zone"), std::string(":Zone"), path}) {
      EnvGuard guard("TZ", tz.c_str());
      INFO("TZ=" << tz);
      CHECK(show(tornado::timeutil::local_time(1050000000)) ==
            "2003-04-10 20:40:00 wd4 yd99 off7200 dst1");
    }
    // TZ empty is UTC; a name that is neither a file nor a rule is UTC too.
    for (const char* tz : {"", "No/Such_Zone"}) {
      EnvGuard guard("TZ", tz);
      CHECK(tornado::timeutil::local_time(1050000000).utc_offset == 0);
    }
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST_CASE("localtime: TZif data cut short or hostile is refused, not read past its end") {
  const std::string whole = v2_file();
  const std::size_t data_end = whole.size() - std::string("\nZZZ-3\n").size();
  for (std::size_t n = 0; n < whole.size(); ++n) {
    INFO("first " << n << " bytes");
    const std::optional<TimeZone> z = TimeZone::from_tzif(std::string_view(whole).substr(0, n));
    if (n < data_end) CHECK_FALSE(z.has_value());
  }
  const std::vector<TzifType> one = {{3600, false}};
  // No type; a transition to a type that does not exist; times out of order; an offset of a
  // day; counts that promise 4 GB.
  CHECK_FALSE(TimeZone::from_tzif(tzif_header('\0', 0, 0, 4) + "AAA").has_value());
  CHECK_FALSE(
      TimeZone::from_tzif(tzif_header('\0', 1, 1, 4) + tzif_block({5}, {1}, one, 4)).has_value());
  CHECK_FALSE(TimeZone::from_tzif(tzif_header('\0', 2, 1, 4) + tzif_block({9, 5}, {0, 0}, one, 4))
                  .has_value());
  CHECK_FALSE(
      TimeZone::from_tzif(tzif_header('\0', 0, 1, 4) + tzif_block({}, {}, {{86400, false}}, 4))
          .has_value());
  CHECK_FALSE(
      TimeZone::from_tzif(tzif_header('2', 0xffffffffu, 1, 4) + std::string(64, '\0')).has_value());
  CHECK_FALSE(TimeZone::from_tzif("TZjf" + whole.substr(4)).has_value());
}
