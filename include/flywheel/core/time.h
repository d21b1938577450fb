// SPDX-License-Identifier: Apache-2.0
//
// time.h: timestamps as UTC microseconds since the Unix epoch, and their text forms.
//
// Accepted timestamp text (ParseTimestamp):
//   - ISO-8601 date-time: YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM|±HH]. Without an
//     offset the time is taken as UTC. Fractions past 6 digits are truncated to microseconds.
//   - ISO-8601 date only: YYYY-MM-DD, meaning 00:00:00 UTC that day.
//   - Epoch numbers, told apart by magnitude of the integer part v:
//       |v| < 1e11  seconds       (1e11 s is the year 5138)
//       |v| < 1e14  milliseconds  (1e11 ms is 1973-03-03, so ms dates from 1973 on are safe)
//       |v| < 1e17  microseconds  (1e14 us is 1973-03-03)
//       otherwise rejected (nanoseconds are not accepted; say so in the data).
//     Seconds may carry a decimal fraction ("1700000000.25"). ms and us must be integers.
// Range rules (e.g. "not before 1990") belong to the caller; parsing only checks the grammar and
// the calendar (month 1-12, the day exists in that month, hour < 24, minute and second < 60).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "flywheel/core/result.h"

namespace fw {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// Parses a timestamp as documented above into UTC microseconds. Returns kInvalidArgument with a
// message that quotes the text and says what was expected.
Result<int64_t> ParseTimestamp(std::string_view text);

// Parses a YYYY-MM-DD date (or any timestamp, truncated to its UTC day) into days since
// 1970-01-01.
Result<int64_t> ParseDate(std::string_view text);

// Days since 1970-01-01 for a proleptic Gregorian date (Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

struct CivilDate {
  int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};
// The calendar date of `days` since 1970-01-01.
CivilDate CivilFromDays(int64_t days);

// floor(us / kMicrosPerDay), correct for negative values.
int64_t DayOfMicros(int64_t us);

// The Monday on or before `days` (days since 1970-01-01, a Thursday).
int64_t WeekStartDay(int64_t days);

// The first day of the month containing `days`.
int64_t MonthStartDay(int64_t days);

// "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" before the Z when the microseconds are not zero.
std::string FormatTimestamp(int64_t us);

// "YYYY-MM-DD".
std::string FormatDate(int64_t days);

// The wall-clock time now, in UTC microseconds.
int64_t NowMicros();

}  // namespace fw
