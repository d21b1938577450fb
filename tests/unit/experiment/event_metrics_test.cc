// SPDX-License-Identifier: Apache-2.0
//
// event_metrics_test.cc: the one-pass kernel against hand-computed per-user values.
#include "flywheel/experiment/event_metrics.h"

#include <gtest/gtest.h>

namespace fw::experiment {
namespace {

constexpr int64_t kDay = kMicrosPerDay;
constexpr int64_t kHour = kDay / 24;

TEST(EventMetricsTest, ParsesSpecs) {
  EXPECT_EQ(ParseMetricSpec("conversion:purchase")->kind, MetricKind::kConversion);
  EXPECT_EQ(ParseMetricSpec("retention:7d")->retention_day, 7);
  EXPECT_EQ(ParseMetricSpec("ratio:a/b")->denominator, "b");
  EXPECT_EQ(ParseMetricSpec("revenue")->type(), MetricType::kMean);
  EXPECT_FALSE(ParseMetricSpec("retention:7").ok());
  EXPECT_FALSE(ParseMetricSpec("ratio:a").ok());
  EXPECT_FALSE(ParseMetricSpec("median:x").ok());
  EXPECT_FALSE(ParseMetricSpec("conversion:").ok());
  auto cuped = ParseCupedSpec("pre:count:view:14");
  ASSERT_TRUE(cuped.ok());
  EXPECT_EQ(cuped->second, 14);
  EXPECT_EQ(cuped->first.event, "view");
  EXPECT_FALSE(ParseCupedSpec("pre:count:view:0").ok());
  EXPECT_FALSE(ParseCupedSpec("count:view:3").ok());
}

TEST(EventMetricsTest, ComputesWindowsPerUser) {
  // Codes: 0 view, 1 purchase. User 0 exposed at t0 = 10 days; user 1 has no events.
  const int64_t t0 = 10 * kDay;
  std::vector<uint64_t> offsets = {0, 7, 7};
  std::vector<int64_t> time = {t0 - 20 * kDay, t0 - 3 * kDay,         t0 - kHour,    t0,
                               t0 + 2 * kHour, t0 + 7 * kDay + kHour, t0 + 30 * kDay};
  std::vector<uint32_t> event = {0, 0, 0, 0, 1, 1, 1};
  std::vector<double> revenue = {0, 0, 0, 0, 5, 7, 11};
  EventColumns cols{.user_offsets = offsets, .time_us = time, .event = event, .revenue = revenue};
  std::vector<ResolvedMetric> metrics(5);
  const char* specs[] = {"conversion:purchase", "count:purchase", "revenue", "retention:7d",
                         "ratio:purchase/view"};
  for (size_t m = 0; m < 5; ++m) {
    metrics[m].spec = ParseMetricSpec(specs[m]).value();
    metrics[m].event_code = metrics[m].spec.kind == MetricKind::kRevenue ? kAbsentEvent : 1;
    metrics[m].denominator_code = 0;
  }
  metrics[1].cuped_pre_days = 7;  // count:purchase with its own pre-period: 0 purchases
  metrics[2].cuped_pre_days = 7;
  metrics[2].cuped_spec = ParseMetricSpec("count:view").value();
  metrics[2].cuped_event_code = 0;  // views in [t0 - 7d, t0): 2
  std::vector<int64_t> frame_user = {0, -1};
  std::vector<int64_t> exposure = {t0, t0};
  auto r = ComputeExposureMetrics(cols, frame_user, exposure, metrics, 14 * kDay);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->values[0][0], 1);        // a purchase within 14 days
  EXPECT_EQ(r->values[1][0], 2);        // two purchases within 14 days (the day-30 one is outside)
  EXPECT_EQ(r->values[2][0], 12);       // 5 + 7
  EXPECT_EQ(r->values[3][0], 1);        // an event on day 7 after exposure
  EXPECT_EQ(r->values[4][0], 2);        // purchases in the window ...
  EXPECT_EQ(r->denominators[4][0], 1);  // ... over views in the window (the one at t0)
  EXPECT_EQ(r->covariates[1][0], 0);
  EXPECT_EQ(r->covariates[2][0], 2);
  for (size_t m = 0; m < 5; ++m) EXPECT_EQ(r->values[m][1], 0);  // no events: zeros
  // Bad inputs.
  std::vector<int64_t> out_of_range = {5, 0};
  EXPECT_FALSE(ComputeExposureMetrics(cols, out_of_range, exposure, metrics, kDay).ok());
  EXPECT_FALSE(ComputeExposureMetrics(cols, frame_user, exposure, metrics, 0).ok());
}

}  // namespace
}  // namespace fw::experiment
