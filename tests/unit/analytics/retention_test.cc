// SPDX-License-Identifier: Apache-2.0
//
// retention_test.cc: the retention kernel against hand-built cases and against a brute-force
// reference (plain loops over rows) on 1,500 random event logs.
#include "flywheel/analytics/retention.h"

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

int64_t Us(const char* text) { return ParseTimestamp(text).value(); }

// Brute force, straight from docs/metrics.md: cohort -> (size, retained per offset).
std::map<int64_t, std::pair<uint64_t, std::vector<uint64_t>>> ReferenceRetention(
    const std::vector<Row>& rows, const RetentionDefinition& def) {
  std::map<std::string, std::vector<Row>> by_user;
  for (const Row& row : rows) by_user[row.user].push_back(row);
  std::map<int64_t, std::pair<uint64_t, std::vector<uint64_t>>> out;
  for (auto& [user, events] : by_user) {
    int64_t start = INT64_MAX;
    for (const Row& e : events) {
      if (def.start_event.empty() || e.event == def.start_event) start = std::min(start, e.time_us);
    }
    if (start == INT64_MAX) continue;
    const int64_t cohort = PeriodOfMicros(start, def.period);
    std::map<int64_t, int> per_offset;
    for (const Row& e : events) {
      if (e.time_us < start) continue;
      if (!def.return_event.empty() && e.event != def.return_event) continue;
      ++per_offset[PeriodOfMicros(e.time_us, def.period) - cohort];
    }
    std::set<int64_t> qualifying;
    for (auto [offset, count] : per_offset) {
      if (count >= def.min_occurrences) qualifying.insert(offset);
    }
    auto& cell = out[cohort];
    cell.second.resize(static_cast<size_t>(def.num_periods), 0);
    ++cell.first;
    for (int64_t w = 0; w < def.num_periods; ++w) {
      bool retained = false;
      switch (def.mode) {
        case RetentionMode::kRecurring: retained = qualifying.count(w) > 0; break;
        case RetentionMode::kFirstTime:
          retained = !qualifying.empty() && *qualifying.begin() == w;
          break;
        case RetentionMode::kUnbounded:
          retained = !qualifying.empty() && *qualifying.rbegin() >= w;
          break;
      }
      if (retained) ++cell.second[static_cast<size_t>(w)];
    }
  }
  return out;
}

TEST(RetentionTest, MatchesBruteForceOnRandomLogs) {
  std::mt19937_64 rng(20261203);
  const char* names[] = {"a", "b", "c"};
  ThreadPool pool(2);
  for (int trial = 0; trial < 1500; ++trial) {
    const int64_t base = Us("2024-01-25") + static_cast<int64_t>(rng() % 20) * kMicrosPerDay;
    // A few distinct instants per log, so same-instant events are common.
    std::vector<int64_t> instants;
    for (int i = 0; i < 12; ++i) {
      instants.push_back(base + static_cast<int64_t>(rng() % (70 * 24)) * kMicrosPerHour);
    }
    std::vector<Row> rows;
    const int num_users = 1 + static_cast<int>(rng() % 6);
    for (int u = 0; u < num_users; ++u) {
      const int num_events = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < num_events; ++e) {
        rows.push_back({"u" + std::to_string(u), instants[rng() % instants.size()],
                        names[rng() % 3], "", 0});
      }
    }
    RetentionDefinition def;
    def.period = static_cast<Period>(rng() % 3);
    def.num_periods = 1 + static_cast<int>(rng() % 6);
    def.mode = static_cast<RetentionMode>(rng() % 3);
    def.min_occurrences = 1 + static_cast<int>(rng() % 3);
    if (rng() % 2) def.start_event = "a";
    if (rng() % 2) def.return_event = "b";
    store::EventFrame frame = BuildFrame(rows);
    if (!frame.events.Find("a") && !def.start_event.empty()) def.start_event.clear();
    if (!frame.events.Find("b") && !def.return_event.empty()) def.return_event.clear();
    auto result = ComputeRetention(frame, def, {}, trial % 2 ? &pool : nullptr);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    auto expected = ReferenceRetention(rows, def);
    const RetentionTable& table = result->groups.at(0);
    ASSERT_EQ(table.cohorts.size(), expected.size()) << "trial " << trial;
    for (const RetentionCohort& cohort : table.cohorts) {
      auto it = expected.find(cohort.period_index);
      ASSERT_NE(it, expected.end()) << "trial " << trial;
      EXPECT_EQ(cohort.size, it->second.first) << "trial " << trial;
      EXPECT_EQ(cohort.retained, it->second.second) << "trial " << trial;
      for (int w = 0; w < def.num_periods; ++w) {
        const int64_t last_us = PeriodStartMicros(cohort.period_index + w + 1, def.period) - 1;
        EXPECT_EQ(cohort.incomplete[static_cast<size_t>(w)], last_us > frame.max_time_us);
      }
    }
  }
}

TEST(RetentionTest, WeeklyCohortsModesAndIncompleteCells) {
  // Week of 2024-01-01 (Mon). u1 starts Sunday 23:59 in week 0 and returns Monday 00:00 (week 1:
  // calendar offsets, not elapsed time). u2 starts week 0 and returns in week 2 only. u3 starts
  // week 1, single event. Data ends Wednesday of week 2, so weeks 2 and later are incomplete.
  std::vector<Row> rows = {
      {"u1", Us("2024-01-07T23:59:00Z"), "open"}, {"u1", Us("2024-01-08T00:00:00Z"), "open"},
      {"u2", Us("2024-01-02T10:00:00Z"), "open"}, {"u2", Us("2024-01-17T10:00:00Z"), "open"},
      {"u3", Us("2024-01-09T10:00:00Z"), "open"},
  };
  store::EventFrame frame = BuildFrame(rows);
  RetentionDefinition def{.period = Period::kWeek, .num_periods = 3};
  auto result = ComputeRetention(frame, def);
  ASSERT_TRUE(result.ok());
  const auto& cohorts = result->groups[0].cohorts;
  ASSERT_EQ(cohorts.size(), 2u);
  EXPECT_EQ(FormatDate(cohorts[0].start_day), "2024-01-01");
  EXPECT_EQ(cohorts[0].size, 2u);
  EXPECT_EQ(cohorts[0].retained, (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_EQ(cohorts[0].incomplete, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(FormatDate(cohorts[1].start_day), "2024-01-08");
  EXPECT_EQ(cohorts[1].retained, (std::vector<uint64_t>{1, 0, 0}));
  EXPECT_EQ(cohorts[1].incomplete, (std::vector<bool>{false, true, true}));
  // Average: offset 1 over cohort 0 only (cohort 1's next week is incomplete); offset 2 has no
  // complete cell, so null rather than a fake drop.
  const auto& avg = result->groups[0].average;
  EXPECT_DOUBLE_EQ(*avg[0], 1.0);
  EXPECT_DOUBLE_EQ(*avg[1], 0.5);
  EXPECT_FALSE(avg[2].has_value());

  def.mode = RetentionMode::kUnbounded;
  result = ComputeRetention(frame, def);
  EXPECT_EQ(result->groups[0].cohorts[0].retained, (std::vector<uint64_t>{2, 2, 1}));
  def.mode = RetentionMode::kFirstTime;
  def.start_event = "open";
  result = ComputeRetention(frame, def);
  // With any return event the start itself is the first occurrence: everyone at offset 0.
  EXPECT_EQ(result->groups[0].cohorts[0].retained, (std::vector<uint64_t>{2, 0, 0}));
}

TEST(RetentionTest, MonthlyAcrossLeapDayWithSameInstantStart) {
  // The purchase at the same instant as the signup counts (no order within an instant), even
  // though it sorts before "signup" by name.
  std::vector<Row> rows = {
      {"u1", Us("2024-02-29T23:00:00Z"), "signup"}, {"u1", Us("2024-02-29T23:00:00Z"), "purchase"},
      {"u1", Us("2024-03-01T00:00:00Z"), "purchase"}, {"u1", Us("2024-03-31T00:00:00Z"), "purchase"},
      {"u2", Us("2024-02-01T00:00:00Z"), "purchase"}, {"u2", Us("2024-02-10T00:00:00Z"), "signup"},
  };
  store::EventFrame frame = BuildFrame(rows);
  RetentionDefinition def{.period = Period::kMonth, .num_periods = 2, .start_event = "signup",
                          .return_event = "purchase"};
  auto result = ComputeRetention(frame, def);
  ASSERT_TRUE(result.ok());
  const auto& cohort = result->groups[0].cohorts.at(0);
  EXPECT_EQ(FormatDate(cohort.start_day), "2024-02-01");
  EXPECT_EQ(cohort.size, 2u);
  // u2's purchase was before its signup: never counted.
  EXPECT_EQ(cohort.retained, (std::vector<uint64_t>{1, 1}));
  def.min_occurrences = 2;
  result = ComputeRetention(frame, def);
  EXPECT_EQ(result->groups[0].cohorts[0].retained, (std::vector<uint64_t>{0, 1}));
}

TEST(RetentionTest, BreakdownSplitsCohorts) {
  std::vector<Row> rows = {
      {"u1", Us("2024-01-01T00:00:00Z"), "open", "email"},
      {"u1", Us("2024-01-02T00:00:00Z"), "open", ""},
      {"u2", Us("2024-01-01T05:00:00Z"), "open", ""},
      {"u2", Us("2024-01-01T06:00:00Z"), "open", "ads"},
  };
  store::EventFrame frame = BuildFrame(rows);
  UserGroups groups = GroupByFirstChannel(frame);
  ASSERT_EQ(groups.names, (std::vector<std::string>{"ads", "email"}));
  auto result = ComputeRetention(frame, {.period = Period::kDay, .num_periods = 2}, groups);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->groups.size(), 2u);
  EXPECT_EQ(result->groups[0].group, "ads");
  EXPECT_EQ(result->groups[0].cohorts[0].retained, (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(result->groups[1].cohorts[0].retained, (std::vector<uint64_t>{1, 1}));
  UserGroups entry = GroupByEntryChannel(frame, std::nullopt);
  EXPECT_EQ(entry.names, (std::vector<std::string>{"(none)", "email"}));
}

TEST(RetentionTest, BadInputGivesClearErrors) {
  store::EventFrame empty = BuildFrame({});
  EXPECT_EQ(ComputeRetention(empty, {}).status().code(), StatusCode::kFailedPrecondition);
  store::EventFrame frame = BuildFrame({{"u", 0, "open"}});
  auto unknown = ComputeRetention(frame, {.start_event = "nope"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("'nope'"), std::string::npos);
  EXPECT_EQ(ComputeRetention(frame, {.num_periods = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeRetention(frame, {.min_occurrences = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fw::analytics
