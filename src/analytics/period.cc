// SPDX-License-Identifier: Apache-2.0
//
// period.cc: calendar period arithmetic over core/time.h's civil-date helpers.
#include "flywheel/analytics/period.h"

#include "flywheel/core/time.h"

namespace fw::analytics {
namespace {

// Floor division, correct for negative numerators (times before 1970).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// 1970-01-01 is a Thursday, so Monday 1969-12-29 (day -3) starts week 0.
constexpr int64_t kWeekZeroStartDay = -3;

}  // namespace

Result<Period> ParsePeriod(std::string_view text) {
  if (text == "day") return Period::kDay;
  if (text == "week") return Period::kWeek;
  if (text == "month") return Period::kMonth;
  return InvalidArgument("--period '" + std::string(text) + "' is not one of day, week, month");
}

std::string_view PeriodName(Period period) {
  switch (period) {
    case Period::kDay: return "day";
    case Period::kWeek: return "week";
    case Period::kMonth: return "month";
  }
  return "day";
}

int64_t PeriodOfDay(int64_t days, Period period) {
  switch (period) {
    case Period::kDay: return days;
    case Period::kWeek: return FloorDiv(days - kWeekZeroStartDay, 7);
    case Period::kMonth: {
      CivilDate date = CivilFromDays(days);
      return date.year * 12 + static_cast<int64_t>(date.month) - 1;
    }
  }
  return days;
}

int64_t PeriodOfMicros(int64_t time_us, Period period) {
  return PeriodOfDay(DayOfMicros(time_us), period);
}

int64_t PeriodStartDay(int64_t index, Period period) {
  switch (period) {
    case Period::kDay: return index;
    case Period::kWeek: return index * 7 + kWeekZeroStartDay;
    case Period::kMonth: {
      int64_t year = FloorDiv(index, 12);
      auto month = static_cast<unsigned>(index - year * 12 + 1);
      return DaysFromCivil(year, month, 1);
    }
  }
  return index;
}

int64_t PeriodStartMicros(int64_t index, Period period) {
  return PeriodStartDay(index, period) * kMicrosPerDay;
}

bool PeriodComplete(int64_t index, Period period, int64_t data_end_us) {
  return PeriodStartMicros(index + 1, period) - 1 <= data_end_us;
}

Result<int64_t> ParseDurationMicros(std::string_view text, std::string_view flag) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(std::string(flag) + " '" + std::string(text) + "' " + std::string(why) +
                           " (expected e.g. 7d, 12h, 30m, 90s, 2w)");
  };
  if (text.size() < 2) return bad("is not a duration");
  int64_t unit_us = 0;
  switch (text.back()) {
    case 's': unit_us = kMicrosPerSecond; break;
    case 'm': unit_us = kMicrosPerMinute; break;
    case 'h': unit_us = kMicrosPerHour; break;
    case 'd': unit_us = kMicrosPerDay; break;
    case 'w': unit_us = 7 * kMicrosPerDay; break;
    default: return bad("has no unit s, m, h, d or w");
  }
  // At most 1,000 years: windows are added to timestamps (t1 + W), which must stay far from
  // int64 overflow, and no product question needs a longer one.
  constexpr int64_t kMaxDurationUs = 1000 * 366 * kMicrosPerDay;
  int64_t value = 0;
  for (char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') return bad("is not a positive whole number with a unit");
    value = value * 10 + (ch - '0');
    if (value > kMaxDurationUs / unit_us) return bad("is too long (at most 1000 years)");
  }
  if (value <= 0) return bad("must be greater than 0");
  return value * unit_us;
}

}  // namespace fw::analytics
