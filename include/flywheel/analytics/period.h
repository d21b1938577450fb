// SPDX-License-Identifier: Apache-2.0
//
// period.h: UTC calendar periods (day, week starting Monday, month) as dense integer indexes.
//
// A period index is a plain int64 that increases by one per period, so "cohort + w" is integer
// addition and offsets count calendar periods, not elapsed time (docs/metrics.md, common rules).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "flywheel/core/result.h"

namespace fw::analytics {

enum class Period {
  kDay,    // UTC calendar day
  kWeek,   // ISO week: Monday 00:00 UTC to the next Monday
  kMonth,  // UTC calendar month
};

// Parses "day", "week" or "month". kInvalidArgument names the bad value otherwise.
Result<Period> ParsePeriod(std::string_view text);

// "day", "week" or "month".
std::string_view PeriodName(Period period);

// The index of the period containing `time_us` (UTC microseconds). Monotone in time_us.
int64_t PeriodOfMicros(int64_t time_us, Period period);

// The index of the period containing day `days` (days since 1970-01-01).
int64_t PeriodOfDay(int64_t days, Period period);

// The first day (days since 1970-01-01) of period `index`.
int64_t PeriodStartDay(int64_t index, Period period);

// The first microsecond of period `index`; the period is [PeriodStartMicros(i),
// PeriodStartMicros(i + 1)).
int64_t PeriodStartMicros(int64_t index, Period period);

// True when period `index` has fully elapsed by `data_end_us` (inclusive): its last
// microsecond is at or before data_end_us.
bool PeriodComplete(int64_t index, Period period, int64_t data_end_us);

// Parses a duration such as "7d", "12h", "30m", "90s" or "2w" (an integer and a unit) into
// microseconds. kInvalidArgument quotes `text` when the grammar is wrong or the value is <= 0;
// `flag` names the option in the message.
Result<int64_t> ParseDurationMicros(std::string_view text, std::string_view flag);

}  // namespace fw::analytics
