// SPDX-License-Identifier: Apache-2.0
//
// simulator_slow_test.cc: statistical sweeps of the policies as decision makers (label slow).
// In the built-in scenario and in 20 seeded random scenarios with unequal costs, budgeted
// Thompson sampling must reach 90% of the oracle, beat cost-blind Thompson and uniform, keep
// its regret sublinear (log-log slope < 0.8 over the second half), and never overspend.
#include <gtest/gtest.h>

#include <cstdio>

#include "flywheel/bandit/simulator.h"

namespace fw::bandit {
namespace {

const PolicyResult& Find(const SimulationReport& r, const std::string& name) {
  for (const auto& p : r.policies) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no policy " << name;
  return r.policies.front();
}

void Print(const SimulationReport& r) {
  std::printf("%-12s %10s %8s %8s %8s %8s\n", "policy", "conv", "spend", "ratio", "slope", "maxsp");
  for (const auto& p : r.policies) {
    std::printf("%-12s %10.1f %8.1f %8.3f %8.3f %8.1f\n", p.name.c_str(), p.conversions, p.spend,
                p.ratio, p.regret_slope, p.max_spend);
  }
}

void CheckBudgetedThompson(const SimulationReport& r) {
  const auto& bts = Find(r, "budgeted-ts");
  EXPECT_GE(bts.ratio, 0.90) << r.scenario.name;
  EXPECT_GT(bts.conversions, Find(r, "ts").conversions) << r.scenario.name;
  EXPECT_GT(bts.conversions, Find(r, "uniform").conversions) << r.scenario.name;
  ASSERT_TRUE(bts.has_slope);
  EXPECT_LT(bts.regret_slope, 0.8) << r.scenario.name;
  for (const auto& p : r.policies) EXPECT_LE(p.max_spend, r.scenario.budget + 1e-9) << p.name;
}

TEST(SimulatorSlowTest, EcommerceBudgetedThompsonNearOracle) {
  SimulationOptions opt;
  opt.policies = {"uniform", "eps", "ucb1", "ts", "softmax", "budgeted-ts", "bwk", "oracle"};
  opt.runs = 10;
  opt.seed = 7;
  auto r = Simulate(EcommerceScenario(), opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Print(*r);
  CheckBudgetedThompson(*r);
  // The BwK policy also has to beat cost-blind play.
  EXPECT_GT(Find(*r, "bwk").conversions, Find(*r, "ts").conversions);
}

TEST(SimulatorSlowTest, ContextualPoliciesUseTheSegments) {
  SimulationOptions opt;
  opt.policies = {"budgeted-ts", "segment-ts", "oracle"};
  opt.runs = 5;
  opt.seed = 8;
  opt.contextual = true;
  auto r = Simulate(EcommerceScenario(), opt);
  ASSERT_TRUE(r.ok());
  Print(*r);
  EXPECT_GT(Find(*r, "segment-ts").conversions, Find(*r, "budgeted-ts").conversions);
  EXPECT_GE(Find(*r, "segment-ts").ratio, 0.85);
}

TEST(SimulatorSlowTest, RandomScenariosWithUnequalCosts) {
  Rng rng(2015);
  for (int i = 0; i < 20; ++i) {
    Scenario sc = RandomScenario(rng, 3 + i % 3, 1 + i % 3);
    sc.name = "random-" + std::to_string(i);
    SimulationOptions opt;
    opt.policies = {"uniform", "ts", "budgeted-ts"};
    opt.runs = 8;
    opt.seed = 100 + i;
    auto r = Simulate(sc, opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::printf("%s\n", sc.name.c_str());
    Print(*r);
    CheckBudgetedThompson(*r);
  }
}

}  // namespace
}  // namespace fw::bandit
