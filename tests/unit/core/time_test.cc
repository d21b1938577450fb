// SPDX-License-Identifier: Apache-2.0
//
// time_test.cc: timestamp grammar, epoch magnitude rule and calendar edges.
#include "flywheel/core/time.h"

#include <gtest/gtest.h>

namespace fw {
namespace {

int64_t Parse(std::string_view text) {
  auto result = ParseTimestamp(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
  return result.ok() ? *result : -1;
}

TEST(TimeTest, ParsesIsoForms) {
  const int64_t base = 1704067200LL * kMicrosPerSecond;  // 2024-01-01T00:00:00Z
  EXPECT_EQ(Parse("2024-01-01"), base);
  EXPECT_EQ(Parse("2024-01-01T00:00:00Z"), base);
  EXPECT_EQ(Parse("2024-01-01 00:00:00"), base);
  EXPECT_EQ(Parse("2024-01-01T00:00"), base);
  EXPECT_EQ(Parse("2024-01-01T01:30:00+01:30"), base);
  EXPECT_EQ(Parse("2024-01-01T01:30:00+0130"), base);
  EXPECT_EQ(Parse("2023-12-31T23:00:00-01"), base);
  EXPECT_EQ(Parse("2024-01-01T00:00:00.5Z"), base + 500000);
  EXPECT_EQ(Parse("2024-01-01T00:00:00.123456789Z"), base + 123456);
}

TEST(TimeTest, EpochMagnitudeRule) {
  EXPECT_EQ(Parse("1700000000"), 1700000000LL * kMicrosPerSecond);
  EXPECT_EQ(Parse("1700000000.25"), 1700000000LL * kMicrosPerSecond + 250000);
  EXPECT_EQ(Parse("1700000000000"), 1700000000LL * kMicrosPerSecond);
  EXPECT_EQ(Parse("1700000000000000"), 1700000000LL * kMicrosPerSecond);
  // Edges of the rule: 99,999,999,999 is seconds, 100,000,000,000 is milliseconds.
  EXPECT_EQ(Parse("99999999999"), 99999999999LL * kMicrosPerSecond);
  EXPECT_EQ(Parse("100000000000"), 100000000000LL * 1000);
  EXPECT_EQ(Parse("99999999999999"), 99999999999999LL * 1000);
  EXPECT_EQ(Parse("100000000000000"), 100000000000000LL);
  EXPECT_FALSE(ParseTimestamp("1700000000000000000").ok());  // nanoseconds
  EXPECT_FALSE(ParseTimestamp("1700000000000.5").ok());      // fractional ms
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-02-30", "2023-02-29",
                          "2024-01-01T25:00:00", "2024-01-01T10:61", "2024-01-01X", "2024-01-01T10",
                          "2024-01-01T10:00:00+25:00", "12ab", "1.", "2024-01-01T10:00:00ZZ"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseTimestamp("2024-02-29").ok());
}

TEST(TimeTest, CalendarRoundTrip) {
  for (int64_t day = -800000; day <= 800000; day += 37) {
    const CivilDate date = CivilFromDays(day);
    ASSERT_EQ(DaysFromCivil(date.year, date.month, date.day), day);
  }
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatTimestamp(1704067200LL * kMicrosPerSecond + 1), "2024-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TimeTest, WeeksStartOnMonday) {
  const int64_t monday = DaysFromCivil(2024, 1, 1);  // a Monday
  for (int offset = 0; offset < 7; ++offset) EXPECT_EQ(WeekStartDay(monday + offset), monday);
  EXPECT_EQ(WeekStartDay(monday - 1), monday - 7);
  EXPECT_EQ(MonthStartDay(DaysFromCivil(2024, 2, 29)), DaysFromCivil(2024, 2, 1));
  EXPECT_EQ(DayOfMicros(-1), -1);
}

}  // namespace
}  // namespace fw
