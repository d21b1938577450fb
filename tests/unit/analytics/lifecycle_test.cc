// SPDX-License-Identifier: Apache-2.0
//
// lifecycle_test.cc: lifecycle and stickiness against brute-force loops on random logs, and a
// hand-built case.
#include "flywheel/analytics/lifecycle.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "flywheel/core/time.h"
#include "frame_builder.h"

// Tests build definitions and rows with designated initializers that leave defaults out.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fw::analytics {
namespace {

using testing::BuildFrame;
using testing::Row;

std::vector<Row> RandomRows(std::mt19937_64& rng) {
  const int64_t base = ParseTimestamp("2024-01-27").value();
  std::vector<Row> rows;
  const int num_users = 1 + static_cast<int>(rng() % 8);
  for (int u = 0; u < num_users; ++u) {
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < n; ++e) {
      rows.push_back({"u" + std::to_string(u),
                      base + static_cast<int64_t>(rng() % (80 * 24)) * kMicrosPerHour,
                      rng() % 3 ? "open" : "buy"});
    }
  }
  return rows;
}

TEST(LifecycleTest, MatchesBruteForceOnRandomLogs) {
  std::mt19937_64 rng(5);
  ThreadPool pool(2);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<Row> rows = RandomRows(rng);
    store::EventFrame frame = BuildFrame(rows);
    LifecycleDefinition def{.period = static_cast<Period>(rng() % 3)};
    if (rng() % 2 && frame.events.Find("buy")) def.event = "buy";
    auto result = ComputeLifecycle(frame, def, {}, trial % 2 ? &pool : nullptr);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    std::map<std::string, std::set<int64_t>> active;
    for (const Row& row : rows) {
      if (def.event.empty() || row.event == def.event) {
        active[row.user].insert(PeriodOfMicros(row.time_us, def.period));
      }
    }
    for (const LifecyclePeriod& got : result->at(0).periods) {
      const int64_t p = got.period_index;
      uint64_t want[4] = {0, 0, 0, 0};
      for (const auto& [user, periods] : active) {
        const bool now = periods.count(p) > 0;
        const bool before = periods.count(p - 1) > 0;
        const bool earlier = !periods.empty() && *periods.begin() < p - 1;
        if (now && *periods.begin() == p) ++want[0];
        if (now && before) ++want[1];
        if (now && !before && earlier) ++want[2];
        if (!now && before) ++want[3];
      }
      EXPECT_EQ(got.new_users, want[0]) << "trial " << trial;
      EXPECT_EQ(got.returning, want[1]) << "trial " << trial;
      EXPECT_EQ(got.resurrecting, want[2]) << "trial " << trial;
      EXPECT_EQ(got.dormant, want[3]) << "trial " << trial;
    }
  }
}

TEST(StickinessTest, MatchesBruteForceOnRandomLogs) {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<Row> rows = RandomRows(rng);
    store::EventFrame frame = BuildFrame(rows);
    // Every other log counts only "buy" as activity (skipped when no buy occurs).
    const bool buys_only = trial % 2 == 1 && frame.events.Find("buy").has_value();
    auto result = ComputeStickiness(frame, buys_only ? "buy" : "");
    ASSERT_TRUE(result.ok());
    std::map<std::string, std::set<int64_t>> days;
    for (const Row& row : rows) {
      if (!buys_only || row.event == "buy") days[row.user].insert(DayOfMicros(row.time_us));
    }
    for (const StickinessDay& got : *result) {
      uint64_t want[3] = {0, 0, 0};
      const int64_t widths[3] = {1, 7, 30};
      for (const auto& [user, active] : days) {
        for (int w = 0; w < 3; ++w) {
          auto it = active.lower_bound(got.day - widths[w] + 1);
          if (it != active.end() && *it <= got.day) ++want[w];
        }
      }
      EXPECT_EQ(got.dau, want[0]) << "trial " << trial;
      EXPECT_EQ(got.wau, want[1]) << "trial " << trial;
      EXPECT_EQ(got.mau, want[2]) << "trial " << trial;
      ASSERT_TRUE(got.dau_over_mau.has_value() || got.mau == 0);
      // Only a day that ends after the last event (plus 1 us) is incomplete.
      EXPECT_EQ(got.incomplete, (got.day + 1) * kMicrosPerDay > frame.max_time_us + 1);
    }
  }
}

TEST(StickinessTest, LastDayIsIncompleteUnlessItsLastMicrosecondIsCovered) {
  auto us = [](const char* t) { return ParseTimestamp(t).value(); };
  std::vector<Row> rows = {{"u1", us("2024-01-01T10:00:00Z"), "open"},
                           {"u2", us("2024-01-02T00:15:00Z"), "open"}};
  auto partial = ComputeStickiness(BuildFrame(rows), "");
  ASSERT_TRUE(partial.ok());
  ASSERT_EQ(partial->size(), 2u);
  EXPECT_FALSE((*partial)[0].incomplete);
  EXPECT_TRUE((*partial)[1].incomplete);  // 15 minutes of 2024-01-02
  rows[1].time_us = us("2024-01-02T23:59:59Z") + 999999;  // the day's last microsecond
  auto full = ComputeStickiness(BuildFrame(rows), "");
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->back().incomplete);
}

TEST(LifecycleTest, HandBuiltWeeks) {
  auto us = [](const char* t) { return ParseTimestamp(t).value(); };
  // u1: weeks 0, 1, 3 -> new, returning, dormant (week 2), resurrecting. u2: week 1 only.
  std::vector<Row> rows = {{"u1", us("2024-01-01T10:00:00Z"), "open"},
                           {"u1", us("2024-01-14T23:59:59Z"), "open"},
                           {"u1", us("2024-01-22T00:00:00Z"), "open"},
                           {"u2", us("2024-01-10T00:00:00Z"), "open"}};
  auto result = ComputeLifecycle(BuildFrame(rows), {.period = Period::kWeek});
  ASSERT_TRUE(result.ok());
  const auto& periods = result->at(0).periods;
  ASSERT_EQ(periods.size(), 4u);
  EXPECT_EQ(periods[0].new_users, 1u);
  EXPECT_EQ(periods[1].new_users, 1u);
  EXPECT_EQ(periods[1].returning, 1u);
  EXPECT_EQ(periods[2].dormant, 2u);
  EXPECT_EQ(periods[3].resurrecting, 1u);
  EXPECT_TRUE(periods[3].incomplete);
  EXPECT_FALSE(periods[2].incomplete);
  EXPECT_EQ(ComputeLifecycle(BuildFrame(rows), {.event = "nope"}).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace fw::analytics
