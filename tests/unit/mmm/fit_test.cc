// SPDX-License-Identifier: Apache-2.0
//
// fit_test.cc: the fit on simulated data, determinism, JSON round trip, and plans on a model.
#include "flywheel/mmm/fit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "flywheel/mmm/planner.h"
#include "flywheel/mmm/simulate.h"

namespace fw::mmm {
namespace {

FitOptions FastOptions(uint64_t seed) {
  FitOptions o;
  o.seed = seed;
  o.num_samples = 200;
  o.num_local_starts = 2;
  o.local_max_evals = 150;
  o.num_threads = 2;
  return o;
}

TEST(FitTest, NoiseFreeSimulationIsRecovered) {
  auto sim = Simulate({.periods = 156, .num_channels = 3, .noise_cv = 0.0, .seed = 3});
  ASSERT_TRUE(sim.ok());
  auto model = FitMmm(sim->data, FastOptions(3), "sales");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(model->metrics.r2, 0.995);
  EXPECT_GT(model->metrics.r2_holdout, 0.97);
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(model->channels[c].roas / sim->truth.channels[c].roas, 1.0, 0.15)
        << model->channels[c].name;
    EXPECT_GE(model->channels[c].beta, 0.0);
  }
  double share = 0;
  for (const auto& c : model->channels) share += c.share;
  EXPECT_NEAR(share, 1.0, 1e-9);
}

TEST(FitTest, SameSeedGivesIdenticalModelWhateverTheThreads) {
  auto sim = Simulate({.periods = 104, .num_channels = 2, .seed = 5});
  ASSERT_TRUE(sim.ok());
  FitOptions a = FastOptions(9), b = FastOptions(9);
  a.num_threads = 1;
  b.num_threads = 2;
  auto ma = FitMmm(sim->data, a, "sales");
  auto mb = FitMmm(sim->data, b, "sales");
  ASSERT_TRUE(ma.ok() && mb.ok());
  EXPECT_EQ(ModelToJson(*ma), ModelToJson(*mb));
}

TEST(FitTest, JsonRoundTripKeepsThePlan) {
  auto sim = Simulate({.periods = 104, .num_channels = 3, .seed = 2});
  ASSERT_TRUE(sim.ok());
  FitOptions o = FastOptions(2);
  o.bootstrap = 8;
  o.bootstrap_max_evals = 40;
  auto model = FitMmm(sim->data, o, "sales");
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(model->channels[0].roas_ci.present);
  EXPECT_LE(model->channels[0].roas_ci.lo, model->channels[0].roas_ci.hi);
  const std::string json = ModelToJson(*model);
  auto back = ModelFromJson(json, "model.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  PlanOptions po;
  po.budget = 13 * 30000.0;
  po.periods = 13;
  auto p1 = PlanBudget(*model, po);
  auto p2 = PlanBudget(*back, po);
  ASSERT_TRUE(p1.ok() && p2.ok());
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(p1->channels[c].allocation, p2->channels[c].allocation);
  }
  EXPECT_EQ(p1->num_draws, 8u);
  EXPECT_TRUE(p1->channels[0].allocation_ci.present);
  EXPECT_FALSE(ModelFromJson("{\"format\": \"other\"}", "x.json").ok());
  EXPECT_FALSE(ModelFromJson("not json", "x.json").ok());
}

TEST(PlannerTest, TruthPlanIsOptimalAndHonoursBounds) {
  auto sim = Simulate({.periods = 104, .num_channels = 4, .seed = 4});
  ASSERT_TRUE(sim.ok());
  const MmmModel& truth = sim->truth;
  PlanOptions po;
  po.budget = 13 * 40000.0;
  po.periods = 13;
  po.max_per_period["tv"] = 5000;
  po.fixed_per_period["social"] = 8000;
  auto plan = PlanBudget(truth, po);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->method, "water-filling");
  double total = 0;
  for (const auto& c : plan->channels) total += c.allocation;
  EXPECT_NEAR(total, 40000.0, 1e-6);
  EXPECT_NEAR(plan->channels[0].allocation, 5000.0, 1e-6);
  EXPECT_EQ(plan->channels[0].bound, BoundState::kAtMax);
  EXPECT_EQ(plan->channels[2].bound, BoundState::kFixed);
  // Free channels share one marginal ROAS, equal to the budget's shadow price.
  for (const auto& c : plan->channels) {
    if (c.bound == BoundState::kFree) {
      EXPECT_NEAR(c.marginal_roas / plan->shadow_price, 1.0, 1e-6);
    }
  }
  // Moving a little budget between two free channels cannot help (KKT, checked numerically).
  size_t free_a = 9, free_b = 9;
  for (size_t c = 0; c < 4; ++c) {
    if (plan->channels[c].bound != BoundState::kFree) continue;
    (free_a == 9 ? free_a : free_b) = c;
  }
  ASSERT_NE(free_b, 9u);
  auto outcome = [&](size_t c, double x) {
    return PlanChannelOutcome(PointDraw(truth.channels[c]), truth.channels[c].recent_spend, 13, x);
  };
  const double base = outcome(free_a, plan->channels[free_a].allocation) +
                      outcome(free_b, plan->channels[free_b].allocation);
  for (double d : {-50.0, 50.0}) {
    EXPECT_LE(outcome(free_a, plan->channels[free_a].allocation + d) +
                  outcome(free_b, plan->channels[free_b].allocation - d),
              base + 1e-9 * base);
  }
}

TEST(PlannerTest, CarryOverRaisesTheOutcome) {
  auto sim = Simulate({.periods = 104, .num_channels = 2, .seed = 6});
  ASSERT_TRUE(sim.ok());
  PlanOptions with;
  with.budget = 4 * 20000.0;
  with.periods = 4;
  PlanOptions without = with;
  without.carryover = false;
  auto a = PlanBudget(sim->truth, with);
  auto b = PlanBudget(sim->truth, without);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(a->carryover_outcome, 0.0);
  EXPECT_EQ(b->carryover_outcome, 0.0);
  EXPECT_GT(a->expected_outcome, b->expected_outcome);
}

TEST(PlannerTest, InfeasibleAndUnknownChannelErrors) {
  auto sim = Simulate({.periods = 104, .num_channels = 2, .seed = 6});
  ASSERT_TRUE(sim.ok());
  PlanOptions po;
  po.budget = 1000.0;
  po.periods = 10;
  po.min_per_period["tv"] = 80;
  po.min_per_period["search"] = 30;
  auto r = PlanBudget(sim->truth, po);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("infeasible"), std::string::npos);
  po.min_per_period = {{"radio", 1.0}};
  r = PlanBudget(sim->truth, po);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  po.min_per_period = {{"tv", 60.0}, {"search", 40.0}};
  r = PlanBudget(sim->truth, po);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->forced);
  EXPECT_NE(r->message.find("exactly one feasible allocation"), std::string::npos);
}

}  // namespace
}  // namespace fw::mmm
