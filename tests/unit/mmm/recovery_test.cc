// SPDX-License-Identifier: Apache-2.0
//
// recovery_test.cc (slow): parameter recovery on simulated data with known truth, 10 seeds.
//
// For each seed: 156 weeks, 4 channels, noise 2% of mean sales (simulate.h; what `flywheel
// generate mmm --weeks 156 --seed S` writes), the default fit. Asserted, as the bar:
//   - every channel's fitted ROAS is within 15% of the true ROAS, on every seed;
//   - the plan made on the fitted model, evaluated under the true model, reaches >= 98% of the
//     true optimum's outcome on every seed.
// The simulator's design is identifiable at its noise level (full-model standard errors of ROAS
// about 3-5%, bench/mmm_recovery.py), so a miss here is an estimator regression, not bad luck.
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

TEST(RecoveryTest, TenSeedsEveryChannelRoasWithin15PercentAndPlanWithin2Percent) {
  std::vector<double> errors;
  double worst_plan = 1.0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    auto sim = Simulate({.periods = 156, .num_channels = 4, .seed = seed});
    ASSERT_TRUE(sim.ok());
    FitOptions options;
    options.seed = seed;
    auto model = FitMmm(sim->data, options, "sales");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    std::printf("seed %2llu r2 %.3f holdout %.3f | ROAS fitted/true:", static_cast<unsigned long long>(seed),
                model->metrics.r2, model->metrics.r2_holdout);
    for (size_t c = 0; c < model->channels.size(); ++c) {
      const double want = sim->truth.channels[c].roas, got = model->channels[c].roas;
      const double error = std::abs(got / want - 1.0);
      errors.push_back(error);
      std::printf(" %s %.3f/%.3f", model->channels[c].name.c_str(), got, want);
      EXPECT_LE(error, 0.15) << "seed " << seed << " channel " << model->channels[c].name
                             << ": fitted ROAS " << got << ", true " << want;
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
    worst_plan = std::min(worst_plan, ratio);
    std::printf(" | plan %.4f of the true optimum\n", ratio);
    EXPECT_GE(ratio, 0.98) << "seed " << seed;
  }
  std::vector<double> sorted = errors;
  std::sort(sorted.begin(), sorted.end());
  const double median = 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  std::printf("ROAS |error| over %zu channel-seeds: median %.3f, max %.3f; worst plan %.4f\n",
              errors.size(), median, sorted.back(), worst_plan);
}

}  // namespace
}  // namespace fw::mmm
