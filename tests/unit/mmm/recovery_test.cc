// SPDX-License-Identifier: Apache-2.0
//
// recovery_test.cc (slow): parameter recovery on simulated data with known truth, 10 seeds.
//
// For each seed: 156 weeks, 4 channels, noise 2% of mean sales (simulate.h), the default fit.
// Asserted: the plan made on the fitted model, evaluated under the true model, reaches >= 98% of
// the true optimum's outcome on every seed (the bar). ROAS recovery is reported per
// channel and asserted on its median error (<= 15%) and on 70% of channel-seeds within 30%:
// the smallest channel (display, ~6k sales/week against 4k noise sd) is not identified to 15% on
// every seed, and this test states that instead of hiding it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "flywheel/mmm/fit.h"
#include "flywheel/mmm/planner.h"
#include "flywheel/mmm/simulate.h"

namespace fw::mmm {
namespace {

TEST(RecoveryTest, TenSeedsRoasAndPlanQuality) {
  std::vector<double> errors;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    auto sim = Simulate({.periods = 156, .num_channels = 4, .seed = seed});
    ASSERT_TRUE(sim.ok());
    FitOptions options;
    options.seed = seed;
    auto model = FitMmm(sim->data, options, "sales");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::printf("seed %2llu r2 %.3f holdout %.3f |", static_cast<unsigned long long>(seed),
                model->metrics.r2, model->metrics.r2_holdout);
    for (size_t c = 0; c < model->channels.size(); ++c) {
      const double want = sim->truth.channels[c].roas, got = model->channels[c].roas;
      errors.push_back(std::abs(got / want - 1.0));
      std::printf(" %s %.2f/%.2f", model->channels[c].name.c_str(), got, want);
    }
    PlanOptions po;
    po.budget = 13 * 40000.0;
    po.periods = 13;
    auto fitted = PlanBudget(*model, po);
    auto best = PlanBudget(sim->truth, po);
    ASSERT_TRUE(fitted.ok() && best.ok());
    double achieved = 0.0;
    for (size_t c = 0; c < model->channels.size(); ++c) {
      const ChannelModel& t = sim->truth.channels[c];
      achieved += PlanChannelOutcome(PointDraw(t), t.recent_spend, po.periods,
                                     fitted->channels[c].allocation);
    }
    const double ratio = achieved / best->expected_outcome;
    std::printf(" | plan %.4f of the true optimum\n", ratio);
    EXPECT_GE(ratio, 0.98) << "seed " << seed;
  }
  std::vector<double> sorted = errors;
  std::sort(sorted.begin(), sorted.end());
  const double median = 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  const double within30 =
      static_cast<double>(std::count_if(errors.begin(), errors.end(), [](double e) { return e <= 0.3; })) /
      static_cast<double>(errors.size());
  const double within15 =
      static_cast<double>(std::count_if(errors.begin(), errors.end(), [](double e) { return e <= 0.15; })) /
      static_cast<double>(errors.size());
  std::printf("ROAS error: median %.3f, within 15%%: %.0f%%, within 30%%: %.0f%%\n", median,
              100 * within15, 100 * within30);
  EXPECT_LE(median, 0.15);
  EXPECT_GE(within30, 0.7);
}

}  // namespace
}  // namespace fw::mmm
