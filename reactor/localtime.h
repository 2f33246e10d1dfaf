// reactor/localtime.h: calendar time, UTC and local, without the C library's time zone code.
//
// Mirrors:  what Python's time.localtime and time.gmtime give Tornado (the log's time stamp,
//           httputil.format_timestamp), written out instead of calling localtime_r and gmtime_r.
// Role:     both of those reach glibc's tzset, which parses TZ with sscanf and so links the
//           whole scanf family and every strto* into a static program (about 94 KB). This file
//           reads the zone itself, as glibc does: TZ names a TZif file (RFC 8536) under TZDIR
//           or /usr/share/zoneinfo, or is a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3");
//           unset, /etc/localtime; empty or unreadable, UTC. Times past a file's last
//           transition follow the file's TZ string footer, as in glibc.
//
//   const tornado::timeutil::CivilTime now = tornado::timeutil::local_time(::time(nullptr));
//   std::printf("%02d:%02d\n", now.hour, now.minute);
//
// Rules:    like glibc's localtime_r, local_time reads the zone once and again only when TZ
//           changes, not when /etc/localtime is replaced. Leap second records ("right/" zones)
//           are not applied. Hostile or truncated zone files give UTC, never a crash.
// Owns:     each thread's copy of the zone it last read (a few KB).
// Thread:   any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tornado::timeutil {

// A moment as a calendar shows it. Times are 64-bit on every target (32-bit time_t ends in 2038).
struct CivilTime {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int weekday = 4;              // 0 is Sunday
  int yearday = 0;              // 0 is January 1
  std::int32_t utc_offset = 0;  // seconds east of UTC
  bool dst = false;
};

// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (negative before).
std::int64_t days_from_civil(std::int64_t year, int month, int day);

// gmtime: seconds since the epoch as UTC.
CivilTime utc_time(std::int64_t seconds);

// localtime: seconds since the epoch in the zone TZ names (see above).
CivilTime local_time(std::int64_t seconds);

// A time zone: a TZif file's transitions and types, and/or a POSIX TZ rule.
class TimeZone {
 public:
  struct Offset {
    std::int32_t utc_offset = 0;  // seconds east of UTC
    bool dst = false;
  };

  TimeZone() = default;  // UTC
  // The contents of a TZif file (version 1 to 4); nullopt when they are not one.
  static std::optional<TimeZone> from_tzif(std::string_view data);
  // A POSIX TZ string: "UTC0", "<+0530>-5:30", "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT" (the
  // US rules then), with Jn, n and Mm.w.d dates and rule times from -167 to 167 hours.
  static std::optional<TimeZone> from_posix(std::string_view tz);
  // What TZ, TZDIR and /etc/localtime name now, as glibc's tzset reads them.
  static TimeZone from_environment();

  Offset offset_at(std::int64_t seconds) const;
  CivilTime at(std::int64_t seconds) const;

 private:
  // A POSIX rule's change date: kind 'J' (day 1..365, February 29 never counted), 'D' (day
  // 0..365) or 'M' (month, week 1..5 where 5 is the last, weekday 0..6), then the time.
  struct Change {
    char kind = 'M';
    int a = 0, b = 0, c = 0;
    std::int32_t time = 7200;
  };
  struct Rule {
    Offset standard;
    Offset daylight;
    bool has_dst = false;
    Change start, end;
  };

  static bool parse_rule(std::string_view tz, Rule& out);
  Offset rule_offset(std::int64_t seconds) const;

  std::vector<std::int64_t> transitions_;
  std::vector<std::uint8_t> type_of_;  // per transition, an index into types_
  std::vector<Offset> types_;
  std::optional<Rule> rule_;
};

}  // namespace tornado::timeutil
