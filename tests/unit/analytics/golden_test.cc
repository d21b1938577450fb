// SPDX-License-Identifier: Apache-2.0
//
// golden_test.cc: retention, funnel, lifecycle, stickiness and acquisition (first touch,
// CAC/ROAS, every attribution model) against tests/golden/analytics/golden.json, computed by
// make_golden.py with pandas from the same events.csv (see that script for versions).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
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
  const auto channels = table->StringColumn("channel").value();
  const auto revenue = table->NumericColumn("revenue").value();
  std::vector<testing::Row> rows;
  for (size_t i = 0; i < users.size(); ++i) {
    rows.push_back({users[i], std::stoll(times[i]), events[i], channels[i], revenue[i]});
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

TEST(GoldenTest, LifecycleAndStickinessMatchPandas) {
  const store::EventFrame frame = LoadEvents();
  const nlohmann::json golden = LoadGolden();
  int cases = 0;
  for (const auto& c : golden["cases"]) {
    if (c["kind"] == "lifecycle") {
      LifecycleDefinition def;
      def.period = ParsePeriod(c["period"].get<std::string>()).value();
      def.event = c["event"].get<std::string>();
      const std::string what = "lifecycle " + c["period"].get<std::string>() + " " + def.event;
      auto result = ComputeLifecycle(frame, def);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      const auto& periods = (*result)[0].periods;
      ASSERT_EQ(periods.size(), c["periods"].size()) << what;
      for (size_t i = 0; i < periods.size(); ++i) {
        const auto& want = c["periods"][i];
        const std::string at = what + " period " + std::to_string(i);
        EXPECT_EQ(FormatDate(periods[i].start_day), want["start"].get<std::string>()) << at;
        EXPECT_EQ(periods[i].new_users, want["new"].get<uint64_t>()) << at;
        EXPECT_EQ(periods[i].returning, want["returning"].get<uint64_t>()) << at;
        EXPECT_EQ(periods[i].resurrecting, want["resurrecting"].get<uint64_t>()) << at;
        EXPECT_EQ(periods[i].dormant, want["dormant"].get<uint64_t>()) << at;
        EXPECT_EQ(periods[i].incomplete, want["incomplete"].get<bool>()) << at;
      }
      ++cases;
    } else if (c["kind"] == "stickiness") {
      const std::string event = c["event"].get<std::string>();
      auto result = ComputeStickiness(frame, event);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      ASSERT_EQ(result->size(), c["days"].size()) << event;
      for (size_t i = 0; i < result->size(); ++i) {
        const auto& got = (*result)[i];
        const auto& want = c["days"][i];
        const std::string at = "stickiness " + event + " day " + std::to_string(i);
        EXPECT_EQ(FormatDate(got.day), want["date"].get<std::string>()) << at;
        EXPECT_EQ(got.dau, want["dau"].get<uint64_t>()) << at;
        EXPECT_EQ(got.wau, want["wau"].get<uint64_t>()) << at;
        EXPECT_EQ(got.mau, want["mau"].get<uint64_t>()) << at;
        EXPECT_EQ(got.wau_partial, want["wau_partial"].get<bool>()) << at;
        EXPECT_EQ(got.mau_partial, want["mau_partial"].get<bool>()) << at;
      }
      ++cases;
    }
  }
  EXPECT_EQ(cases, 5);
}

TEST(GoldenTest, AcquisitionAndAttributionMatchPandas) {
  const store::EventFrame frame = LoadEvents();
  const nlohmann::json golden = LoadGolden();
  int cases = 0;
  for (const auto& c : golden["cases"]) {
    if (c["kind"] != "acquisition") continue;
    AcquisitionDefinition def;
    def.period = ParsePeriod(c["period"].get<std::string>()).value();
    def.conversion_window_us = c["conversion_window_seconds"].get<int64_t>() * kMicrosPerSecond;
    def.lookback_us = c["lookback_seconds"].get<int64_t>() * kMicrosPerSecond;
    def.attribution = ParseAttribution(c["attribution"].get<std::string>()).value();
    std::vector<SpendRow> spend;
    for (const auto& row : c["spend"]) {
      spend.push_back({ParseDate(row["date"].get<std::string>()).value(),
                       row["channel"].get<std::string>(), row["spend"].get<double>()});
    }
    const std::string what = c["attribution"].get<std::string>();
    auto result = ComputeAcquisition(frame, spend, def);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->total_conversions, c["conversions"].get<uint64_t>()) << what;
    EXPECT_NEAR(result->total_revenue, c["revenue"].get<double>(), 1e-6) << what;
    ASSERT_EQ(result->channels.size(), c["channels"].size()) << what;
    for (size_t i = 0; i < result->channels.size(); ++i) {
      const ChannelAcquisition& got = result->channels[i];
      const auto& want = c["channels"][i];
      const std::string at = what + " " + got.channel;
      EXPECT_EQ(got.channel, want["channel"].get<std::string>()) << what;
      EXPECT_EQ(got.new_users, want["new_users"].get<uint64_t>()) << at;
      EXPECT_EQ(got.customers, want["customers"].get<uint64_t>()) << at;
      EXPECT_NEAR(got.revenue, want["revenue"].get<double>(), 1e-6) << at;
      EXPECT_EQ(got.has_spend_rows, !want["spend"].is_null()) << at;
      if (got.has_spend_rows) {
        EXPECT_NEAR(got.spend, want["spend"].get<double>(), 1e-9) << at;
      }
      ExpectNear(got.conversion_rate, want["conversion_rate"], at + " conversion_rate");
      ExpectNear(got.cac, want["cac"], at + " cac");
      ExpectNear(got.roas, want["roas"], at + " roas");
      // Credits are whole 1e-9 purchases and 1e-6 currency units, so they match to that grain.
      EXPECT_NEAR(got.attributed_conversions, want["attributed_conversions"].get<double>(), 1e-6)
          << at;
      EXPECT_NEAR(got.attributed_revenue, want["attributed_revenue"].get<double>(), 1e-4) << at;
    }
    // Cells with new users (the others only carry spend).
    std::vector<AcquisitionCell> cells;
    for (const auto& cell : result->cells) {
      if (cell.new_users > 0) cells.push_back(cell);
    }
    ASSERT_EQ(cells.size(), c["cells"].size()) << what;
    for (size_t i = 0; i < cells.size(); ++i) {
      const auto& want = c["cells"][i];
      EXPECT_EQ(FormatDate(cells[i].start_day), want["start"].get<std::string>()) << what;
      EXPECT_EQ(cells[i].channel, want["channel"].get<std::string>()) << what;
      EXPECT_EQ(cells[i].new_users, want["new_users"].get<uint64_t>()) << what;
    }
    ++cases;
  }
  EXPECT_EQ(cases, 6);
}

}  // namespace
}  // namespace fw::analytics
