// SPDX-License-Identifier: Apache-2.0
//
// event_metrics_test.cc: the one-pass kernel against hand-computed per-user values, and against
// a brute-force reference written straight from the definitions in event_metrics.h.
#include "flywheel/experiment/event_metrics.h"

#include <algorithm>
#include <random>

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

// The definitions of event_metrics.h, evaluated the slow way: one scan of the user's events per
// metric and per window, no plan, no early exit. Used as the reference for the kernel.
double Reference(const EventColumns& cols, size_t u, int64_t t0, const MetricSpec& spec,
                 uint32_t code, uint32_t den_code, int64_t lo, int64_t hi, double* den) {
  double num = 0;
  *den = 0;
  for (size_t row = cols.user_offsets[u]; row < cols.user_offsets[u + 1]; ++row) {
    const int64_t t = cols.time_us[row];
    if (t < t0 + lo || t >= t0 + hi) continue;
    const uint32_t ev = cols.event[row];
    switch (spec.kind) {
      case MetricKind::kConversion:
        if (ev == code) num = 1;
        break;
      case MetricKind::kCount:
        if (ev == code) num += 1;
        break;
      case MetricKind::kRevenue:
        num += cols.revenue[row];
        break;
      case MetricKind::kRetention:
        num = 1;
        break;
      case MetricKind::kRatio:
        if (ev == code) num += 1;
        if (ev == den_code) *den += 1;
        break;
    }
  }
  return num;
}

TEST(EventMetricsTest, KernelMatchesBruteForceOnRandomLogs) {
  // 30,000 users (so the kernel splits them over threads), 0-40 events each over 60 days,
  // four event codes (3 never queried), some users without events, exposures anywhere.
  std::mt19937_64 rng(20261203);
  const size_t num_users = 30000;
  std::vector<uint64_t> offsets = {0};
  std::vector<int64_t> time;
  std::vector<uint32_t> event;
  std::vector<double> revenue;
  for (size_t u = 0; u < num_users; ++u) {
    const size_t k = rng() % 41;
    std::vector<int64_t> ts(k);
    for (auto& t : ts) t = static_cast<int64_t>(rng() % static_cast<uint64_t>(60 * kDay));
    std::sort(ts.begin(), ts.end());
    for (int64_t t : ts) {
      time.push_back(t);
      const uint32_t ev = static_cast<uint32_t>(rng() % 4);
      event.push_back(ev);
      revenue.push_back(ev == 1 ? static_cast<double>(rng() % 10000) / 100.0 : 0.0);
    }
    offsets.push_back(time.size());
  }
  EventColumns cols{.user_offsets = offsets, .time_us = time, .event = event, .revenue = revenue};
  // Exposed users: most users once, in shuffled order, plus users with no events (-1).
  std::vector<int64_t> frame_user, exposure;
  for (size_t u = 0; u < num_users; u += 1 + rng() % 2) {
    frame_user.push_back(static_cast<int64_t>(u));
    exposure.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(60 * kDay)));
  }
  for (int i = 0; i < 50; ++i) {
    frame_user.push_back(-1);
    exposure.push_back(kDay);
  }
  struct Def {
    const char* spec;
    uint32_t code, den_code;
    int64_t pre_days;  // 0 = no covariate
    const char* cuped;
    uint32_t cuped_code;
  };
  const std::vector<Def> defs = {
      {"conversion:purchase", 1, kAbsentEvent, 14, nullptr, 0},
      {"count:view", 0, kAbsentEvent, 7, "count:view", 0},
      {"revenue", kAbsentEvent, kAbsentEvent, 21, "count:purchase", 1},
      {"retention:7d", kAbsentEvent, kAbsentEvent, 3, nullptr, 0},
      {"retention:0d", kAbsentEvent, kAbsentEvent, 0, nullptr, 0},
      {"ratio:purchase/view", 1, 0, 0, nullptr, 0},
      {"count:never", kAbsentEvent, kAbsentEvent, 5, nullptr, 0},
      {"conversion:cart", 2, kAbsentEvent, 10, "revenue", kAbsentEvent},
  };
  std::vector<ResolvedMetric> metrics;
  for (const Def& d : defs) {
    ResolvedMetric rm;
    rm.spec = ParseMetricSpec(d.spec).value();
    rm.event_code = d.code;
    rm.denominator_code = d.den_code;
    if (d.pre_days > 0) {
      rm.cuped_pre_days = d.pre_days;
      if (d.cuped) {
        rm.cuped_spec = ParseMetricSpec(d.cuped).value();
        rm.cuped_event_code = d.cuped_code;
      }
    }
    metrics.push_back(rm);
  }
  const int64_t window = 9 * kDay + 5 * kHour;
  for (size_t threads : {size_t{1}, size_t{3}}) {
    SCOPED_TRACE(threads);
    auto got = ComputeExposureMetrics(cols, frame_user, exposure, metrics, window, threads);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    size_t nonzero = 0;
    for (size_t m = 0; m < metrics.size(); ++m) {
      const ResolvedMetric& rm = metrics[m];
      const bool retention = rm.spec.kind == MetricKind::kRetention;
      const int64_t lo = retention ? rm.spec.retention_day * kDay : 0;
      const int64_t hi = retention ? lo + kDay : window;
      for (size_t i = 0; i < frame_user.size(); ++i) {
        double den = 0, pre_den = 0, want = 0, want_pre = 0;
        if (frame_user[i] >= 0) {
          const size_t u = static_cast<size_t>(frame_user[i]);
          want = Reference(cols, u, exposure[i], rm.spec, rm.event_code, rm.denominator_code, lo,
                           hi, &den);
          if (rm.cuped_pre_days) {
            const MetricSpec& pre_spec = rm.cuped_spec ? *rm.cuped_spec : rm.spec;
            const uint32_t pre_code = rm.cuped_spec ? rm.cuped_event_code : rm.event_code;
            want_pre = Reference(cols, u, exposure[i], pre_spec, pre_code, kAbsentEvent,
                                 -*rm.cuped_pre_days * kDay, 0, &pre_den);
          }
        }
        ASSERT_DOUBLE_EQ(got->values[m][i], want) << rm.spec.text << " user #" << i;
        if (want != 0) ++nonzero;
        if (rm.spec.kind == MetricKind::kRatio) {
          ASSERT_EQ(got->denominators[m][i], den) << rm.spec.text << " user #" << i;
        }
        if (rm.cuped_pre_days) {
          ASSERT_DOUBLE_EQ(got->covariates[m][i], want_pre) << rm.spec.text << " user #" << i;
        } else {
          ASSERT_TRUE(got->covariates[m].empty());
        }
      }
    }
    // The comparison must not be vacuous: most metrics are non-zero for many users.
    EXPECT_GT(nonzero, frame_user.size() * 2);
  }
}

}  // namespace
}  // namespace fw::experiment
