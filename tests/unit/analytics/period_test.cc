// SPDX-License-Identifier: Apache-2.0
#include "flywheel/analytics/period.h"

#include <gtest/gtest.h>

#include "flywheel/core/time.h"

namespace fw::analytics {
namespace {

int64_t Us(const char* text) { return ParseTimestamp(text).value(); }

TEST(PeriodTest, WeeksStartOnMondayUtc) {
  // 2024-01-07 is a Sunday, 2024-01-08 a Monday.
  const int64_t sunday_last = Us("2024-01-07T23:59:59.999999Z");
  const int64_t monday = Us("2024-01-08T00:00:00Z");
  EXPECT_EQ(PeriodOfMicros(monday, Period::kWeek), PeriodOfMicros(sunday_last, Period::kWeek) + 1);
  EXPECT_EQ(FormatDate(PeriodStartDay(PeriodOfMicros(sunday_last, Period::kWeek), Period::kWeek)),
            "2024-01-01");
  EXPECT_EQ(PeriodStartMicros(PeriodOfMicros(monday, Period::kWeek), Period::kWeek), monday);
  // Before 1970 the floor division still lands on Monday.
  EXPECT_EQ(FormatDate(PeriodStartDay(PeriodOfMicros(Us("1969-12-31"), Period::kWeek),
                                      Period::kWeek)),
            "1969-12-29");
}

TEST(PeriodTest, MonthsAndLeapDay) {
  const int64_t leap = Us("2024-02-29T12:00:00Z");
  const int64_t march = Us("2024-03-01T00:00:00Z");
  EXPECT_EQ(PeriodOfMicros(march, Period::kMonth), PeriodOfMicros(leap, Period::kMonth) + 1);
  EXPECT_EQ(FormatDate(PeriodStartDay(PeriodOfMicros(leap, Period::kMonth), Period::kMonth)),
            "2024-02-01");
  EXPECT_EQ(PeriodStartMicros(PeriodOfMicros(leap, Period::kMonth) + 1, Period::kMonth), march);
  EXPECT_EQ(FormatDate(PeriodStartDay(PeriodOfMicros(Us("2023-12-31"), Period::kMonth) + 1,
                                      Period::kMonth)),
            "2024-01-01");
  EXPECT_EQ(PeriodOfMicros(Us("2024-02-29T23:59:59Z"), Period::kDay) + 1,
            PeriodOfMicros(march, Period::kDay));
}

TEST(PeriodTest, CompleteMeansTheLastMicrosecondIsCovered) {
  const int64_t day = PeriodOfMicros(Us("2024-01-01"), Period::kDay);
  EXPECT_FALSE(PeriodComplete(day, Period::kDay, Us("2024-01-01T23:59:59.999998Z")));
  EXPECT_TRUE(PeriodComplete(day, Period::kDay, Us("2024-01-01T23:59:59.999999Z")));
}

TEST(PeriodTest, ParsesDurationsAndRejectsBadOnes) {
  EXPECT_EQ(ParseDurationMicros("7d", "--window").value(), 7 * kMicrosPerDay);
  EXPECT_EQ(ParseDurationMicros("90s", "--window").value(), 90 * kMicrosPerSecond);
  EXPECT_EQ(ParseDurationMicros("2w", "--window").value(), 14 * kMicrosPerDay);
  EXPECT_FALSE(ParseDurationMicros("0d", "--window").ok());
  EXPECT_FALSE(ParseDurationMicros("-1d", "--window").ok());
  EXPECT_FALSE(ParseDurationMicros("7", "--window").ok());
  EXPECT_FALSE(ParseDurationMicros("d", "--window").ok());
  // Large values are refused before the multiplication can overflow.
  EXPECT_FALSE(ParseDurationMicros("1000000000w", "--window").ok());
  EXPECT_FALSE(ParseDurationMicros("99999999999999999999s", "--window").ok());
  EXPECT_EQ(ParseDurationMicros("52000w", "--window").value(), 52000 * 7 * kMicrosPerDay);
  EXPECT_FALSE(ParsePeriod("year").ok());
}

}  // namespace
}  // namespace fw::analytics
