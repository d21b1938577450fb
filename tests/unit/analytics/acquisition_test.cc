// SPDX-License-Identifier: Apache-2.0
//
// acquisition_test.cc: acquisition and attribution against brute-force loops on random logs,
// the exact-sum invariant for every model, and CAC/ROAS null rules.
#include "flywheel/analytics/acquisition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "flywheel/core/time.h"
#include "frame_builder.h"

// Tests build definitions and rows with designated initializers that leave defaults out.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fw::analytics {
namespace {

using testing::BuildFrame;
using testing::Row;

constexpr int64_t kDay = kMicrosPerDay;

// Brute-force credit per channel for one model (docs/metrics.md), in doubles.
std::map<std::string, std::pair<double, double>> ReferenceCredit(const std::vector<Row>& rows,
                                                                 const AcquisitionDefinition& def) {
  std::map<std::string, std::vector<Row>> by_user;
  for (const Row& r : rows) by_user[r.user].push_back(r);
  std::map<std::string, std::pair<double, double>> credit;
  for (auto& [user, events] : by_user) {
    for (const Row& p : events) {
      if (p.event != def.purchase_event) continue;
      std::vector<std::pair<int64_t, std::string>> touches;
      for (const Row& e : events) {
        if (!e.channel.empty() && e.time_us <= p.time_us && e.time_us >= p.time_us - def.lookback_us) {
          touches.emplace_back(e.time_us, e.channel);
        }
      }
      std::sort(touches.begin(), touches.end());
      const size_t n = touches.size();
      if (n == 0) {
        credit["(none)"].first += 1;
        credit["(none)"].second += p.revenue;
        continue;
      }
      std::vector<double> w(n, 0);
      const AttributionSpec& s = def.attribution;
      switch (s.model) {
        case AttributionModel::kFirst: w[0] = 1; break;
        case AttributionModel::kLast: w[n - 1] = 1; break;
        case AttributionModel::kLinear: w.assign(n, 1); break;
        case AttributionModel::kTimeDecay:
          for (size_t i = 0; i < n; ++i) {
            w[i] = std::pow(0.5, static_cast<double>(p.time_us - touches[i].first) /
                                     (s.half_life_days * static_cast<double>(kDay)));
          }
          break;
        case AttributionModel::kPosition:
          if (n == 1) w[0] = 1;
          else if (n == 2) { w[0] = s.first_share; w[1] = s.last_share; }
          else {
            w[0] = s.first_share;
            w[n - 1] = s.last_share;
            for (size_t i = 1; i + 1 < n; ++i) w[i] = s.middle_share / static_cast<double>(n - 2);
          }
      }
      double sum = 0;
      for (double x : w) sum += x;
      for (size_t i = 0; i < n; ++i) {
        credit[touches[i].second].first += w[i] / sum;
        credit[touches[i].second].second += p.revenue * w[i] / sum;
      }
    }
  }
  return credit;
}

TEST(AcquisitionTest, MatchesBruteForceAndSumsExactly) {
  std::mt19937_64 rng(11);
  const char* channels[] = {"", "", "ads", "email", "seo"};
  const char* models[] = {"first", "last", "linear", "time-decay:3", "position", "position:30/40/30"};
  ThreadPool pool(2);
  for (int trial = 0; trial < 1200; ++trial) {
    std::vector<Row> rows;
    const int num_users = 1 + static_cast<int>(rng() % 6);
    for (int u = 0; u < num_users; ++u) {
      const int n = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < n; ++e) {
        const bool buy = rng() % 3 == 0;
        rows.push_back({"u" + std::to_string(u), static_cast<int64_t>(rng() % 40) * kDay / 2,
                        buy ? "purchase" : "visit", channels[rng() % 5],
                        buy ? static_cast<double>(rng() % 10000) / 100 : 0});
      }
    }
    AcquisitionDefinition def;
    def.attribution = ParseAttribution(models[trial % 6]).value();
    def.lookback_us = (1 + static_cast<int64_t>(rng() % 10)) * kDay;
    def.conversion_window_us = (1 + static_cast<int64_t>(rng() % 10)) * kDay;
    store::EventFrame frame = BuildFrame(rows);
    auto result = ComputeAcquisition(frame, {}, def, trial % 2 ? &pool : nullptr);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    // Exact sums: conversions and revenue credited equal the totals, to the unit.
    int64_t conv_units = 0, rev_units = 0, total_rev_units = 0;
    uint64_t purchases = 0;
    for (const Row& r : rows) {
      if (r.event == "purchase") {
        ++purchases;
        total_rev_units += std::llround(r.revenue * 1e6);
      }
    }
    for (const auto& ch : result->channels) {
      conv_units += std::llround(ch.attributed_conversions * 1e9);
      rev_units += std::llround(ch.attributed_revenue * 1e6);
    }
    EXPECT_EQ(result->total_conversions, purchases);
    EXPECT_EQ(conv_units, static_cast<int64_t>(purchases) * 1'000'000'000);
    EXPECT_EQ(rev_units, total_rev_units);
    // Credit per channel matches the reference.
    auto reference = ReferenceCredit(rows, def);
    for (const auto& ch : result->channels) {
      EXPECT_NEAR(ch.attributed_conversions, reference[ch.channel].first, 1e-6) << ch.channel;
      EXPECT_NEAR(ch.attributed_revenue, reference[ch.channel].second, 1e-4) << ch.channel;
    }
    // New users and customers by first touch.
    std::map<std::string, std::vector<Row>> by_user;
    for (const Row& r : rows) by_user[r.user].push_back(r);
    std::map<std::string, std::pair<uint64_t, uint64_t>> want;
    for (auto& [user, events] : by_user) {
      std::sort(events.begin(), events.end(), [](const Row& x, const Row& y) {
        return x.time_us != y.time_us ? x.time_us < y.time_us : x.channel < y.channel;
      });
      std::string first = "(none)";
      for (const Row& e : events) {
        if (!e.channel.empty()) { first = e.channel; break; }
      }
      const int64_t t0 = events[0].time_us;
      bool customer = false;
      for (const Row& e : events) {
        customer |= e.event == "purchase" && e.time_us <= t0 + def.conversion_window_us;
      }
      ++want[first].first;
      want[first].second += customer;
    }
    for (const auto& ch : result->channels) {
      EXPECT_EQ(ch.new_users, want[ch.channel].first) << ch.channel;
      EXPECT_EQ(ch.customers, want[ch.channel].second) << ch.channel;
    }
  }
}

TEST(AcquisitionTest, CacAndRoasNullRules) {
  std::vector<Row> rows = {{"u1", 0, "visit", "ads"}, {"u1", kDay, "purchase", "", 50},
                           {"u2", 0, "visit", "seo"}};
  std::vector<SpendRow> spend = {{0, "ads", 100}, {0, "tv", 30}, {1, "ads", 0}};
  auto result = ComputeAcquisition(BuildFrame(rows), spend, {});
  ASSERT_TRUE(result.ok());
  std::map<std::string, ChannelAcquisition> by;
  for (const auto& ch : result->channels) by[ch.channel] = ch;
  EXPECT_DOUBLE_EQ(*by["ads"].cac, 100);
  EXPECT_DOUBLE_EQ(*by["ads"].roas, 0.5);
  EXPECT_FALSE(by["seo"].cac.has_value());
  EXPECT_EQ(by["seo"].cac_null_reason, "no spend rows");
  EXPECT_FALSE(by["tv"].cac.has_value());  // spend without any users
  EXPECT_EQ(by["tv"].cac_null_reason, "no customers");
  EXPECT_FALSE(by["tv"].conversion_rate.has_value());
  EXPECT_DOUBLE_EQ(by["ads"].attributed_conversions, 1);  // last touch within 30 days
}

TEST(AcquisitionTest, ParsesAttributionSpecs) {
  EXPECT_EQ(ParseAttribution("time-decay:14d")->half_life_days, 14);
  EXPECT_DOUBLE_EQ(ParseAttribution("position:30/40/30")->middle_share, 0.4);
  EXPECT_FALSE(ParseAttribution("position:50/50/50").ok());
  EXPECT_FALSE(ParseAttribution("time-decay:-1").ok());
  EXPECT_FALSE(ParseAttribution("markov").ok());
  std::vector<int64_t> units;
  DistributeUnits({1, 1, 1}, 10, units);
  EXPECT_EQ(units, (std::vector<int64_t>{4, 3, 3}));
}

}  // namespace
}  // namespace fw::analytics
