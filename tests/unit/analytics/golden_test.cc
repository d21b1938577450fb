// SPDX-License-Identifier: Apache-2.0
//
// golden_test.cc: retention and funnel against tests/golden/analytics/golden.json, computed by
// make_golden.py with pandas from the same events.csv (see that script for versions).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"
#include "frame_builder.h"

namespace fw::analytics {
namespace {

const std::string kDir = std::string(FW_SOURCE_DIR) + "/tests/golden/analytics/";

store::EventFrame LoadEvents() {
  auto table = ReadTextTable(kDir + "events.csv");
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  const auto users = table->StringColumn("user_id").value();
  const auto times = table->StringColumn("time_us").value();
  const auto events = table->StringColumn("event").value();
  std::vector<testing::Row> rows;
  for (size_t i = 0; i < users.size(); ++i) {
    rows.push_back({users[i], std::stoll(times[i]), events[i], "", 0});
  }
  return testing::BuildFrame(rows);
}

nlohmann::json LoadGolden() {
  std::ifstream in(kDir + "golden.json");
  return nlohmann::json::parse(in);
}

void ExpectNear(const std::optional<double>& got, const nlohmann::json& want, const std::string& what) {
  if (want.is_null()) {
    EXPECT_FALSE(got.has_value()) << what;
  } else {
    ASSERT_TRUE(got.has_value()) << what;
    EXPECT_NEAR(*got, want.get<double>(), 1e-9 * (1 + std::abs(want.get<double>()))) << what;
  }
}

TEST(GoldenTest, RetentionMatchesPandas) {
  const store::EventFrame frame = LoadEvents();
  const nlohmann::json golden = LoadGolden();
  ASSERT_EQ(golden["data_end_us"].get<int64_t>(), frame.max_time_us);
  int cases = 0;
  for (const auto& c : golden["cases"]) {
    if (c["kind"] != "retention") continue;
    RetentionDefinition def;
    def.period = ParsePeriod(c["period"].get<std::string>()).value();
    def.num_periods = c["num_periods"].get<int>();
    def.mode = ParseRetentionMode(c["mode"].get<std::string>()).value();
    def.start_event = c["start_event"].get<std::string>();
    def.return_event = c["return_event"].get<std::string>();
    def.min_occurrences = c["min_occurrences"].get<int>();
    const std::string what = c["period"].get<std::string>() + "/" + c["mode"].get<std::string>();
    auto result = ComputeRetention(frame, def);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const auto& cohorts = result->groups[0].cohorts;
    ASSERT_EQ(cohorts.size(), c["cohorts"].size()) << what;
    for (size_t i = 0; i < cohorts.size(); ++i) {
      const auto& want = c["cohorts"][i];
      EXPECT_EQ(FormatDate(cohorts[i].start_day), want["start"].get<std::string>()) << what;
      EXPECT_EQ(cohorts[i].size, want["size"].get<uint64_t>()) << what;
      EXPECT_EQ(cohorts[i].retained, want["retained"].get<std::vector<uint64_t>>()) << what;
      EXPECT_EQ(cohorts[i].incomplete, want["incomplete"].get<std::vector<bool>>()) << what;
    }
    for (size_t w = 0; w < result->groups[0].average.size(); ++w) {
      ExpectNear(result->groups[0].average[w], c["average"][w], what + " average");
    }
    ++cases;
  }
  EXPECT_EQ(cases, 6);
}

TEST(GoldenTest, FunnelMatchesPandas) {
  const store::EventFrame frame = LoadEvents();
  const nlohmann::json golden = LoadGolden();
  int cases = 0;
  for (const auto& c : golden["cases"]) {
    if (c["kind"] != "funnel") continue;
    FunnelDefinition def;
    def.steps = c["steps"].get<std::vector<std::string>>();
    def.window_us = c["window_seconds"].get<int64_t>() * kMicrosPerSecond;
    def.order = ParseFunnelOrder(c["order"].get<std::string>()).value();
    const std::string what = c["order"].get<std::string>() + " " + def.steps[0];
    auto result = ComputeFunnel(frame, def);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const FunnelTable& table = result->groups[0];
    EXPECT_EQ(table.in_progress, c["in_progress"].get<uint64_t>()) << what;
    for (size_t j = 0; j < def.steps.size(); ++j) {
      EXPECT_EQ(table.steps[j].users, c["users"][j].get<uint64_t>()) << what << " step " << j;
      ExpectNear(table.steps[j].median_seconds, c["median_seconds"][j], what + " median");
      ExpectNear(table.steps[j].p90_seconds, c["p90_seconds"][j], what + " p90");
    }
    ++cases;
  }
  EXPECT_EQ(cases, 6);
}

}  // namespace
}  // namespace fw::analytics
