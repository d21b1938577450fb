// SPDX-License-Identifier: Apache-2.0
//
// simulator_test.cc: the oracle LP, scenario parsing and validation, and the simulation loop's
// invariants (determinism, budget never exceeded, caps respected).
#include "flywheel/bandit/simulator.h"

#include <gtest/gtest.h>

#include "flywheel/bandit/lp.h"

namespace fw::bandit {
namespace {

TEST(LpTest, SolvesATextbookProblem) {
  // max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18: optimum 36 at (2, 6).
  auto sol = SolveLp({3, 5}, {1, 0, 0, 2, 3, 2}, {4, 12, 18});
  ASSERT_TRUE(sol.ok());
  EXPECT_NEAR(sol->objective, 36.0, 1e-9);
  EXPECT_NEAR(sol->x[0], 2.0, 1e-9);
  EXPECT_NEAR(sol->x[1], 6.0, 1e-9);
  EXPECT_FALSE(SolveLp({1, 1}, {1, -1}, {1}).ok());  // unbounded
  EXPECT_FALSE(SolveLp({1}, {1, 2}, {1}).ok());      // shape
}

TEST(OracleTest, EcommerceOracleSpendsEverythingOnEmail) {
  const Scenario sc = EcommerceScenario();
  auto o = SolveOracle(sc, false);
  ASSERT_TRUE(o.ok());
  // E-mail converts at 0.5*0.016 + 0.3*0.004 + 0.2*0.006 = 0.0104 per contact at cost 0.2.
  EXPECT_NEAR(o->conversions, 10000.0 / 0.2 * 0.0104, 1e-6);
  EXPECT_NEAR(o->channel_spend[2], 10000.0, 1e-6);
  EXPECT_GT(o->channel_value[2], o->channel_value[0]);
  EXPECT_GT(o->channel_value[2], o->channel_value[1]);
  auto seg = SolveOracle(sc, true);
  ASSERT_TRUE(seg.ok());
  EXPECT_GT(seg->conversions, o->conversions);
}

TEST(OracleTest, HorizonAndCapsBind) {
  Scenario sc = EcommerceScenario();
  sc.horizon = 10000;  // 10k contacts cannot spend 10,000 on e-mail alone
  auto o = SolveOracle(sc, false);
  ASSERT_TRUE(o.ok());
  EXPECT_NEAR(o->contacts, 10000.0, 1e-6);
  sc = EcommerceScenario();
  sc.channels[2].cap = 1000.0;
  o = SolveOracle(sc, false);
  ASSERT_TRUE(o.ok());
  EXPECT_NEAR(o->channel_spend[2], 1000.0, 1e-6);
  EXPECT_NEAR(o->spend, 10000.0, 1e-6);
}

TEST(ScenarioTest, ParsesTheDocumentedShape) {
  auto sc = ParseScenario(R"({"budget": 100, "horizon": 5000,
      "channels": [{"name": "email", "cost": 0.2, "cost_sd": 0.05, "cap": null},
                   {"name": "social", "cost": 1.0}],
      "segments": [{"name": "bargain", "share": 0.5, "conversion": {"email": 0.03},
                    "revenue": {"mean": 40, "sd": 20}},
                   {"name": "rest", "share": 0.5, "conversion": {"social": 0.1}}],
      "drift": null, "delay": null})", "s.json");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->channels.size(), 2u);
  EXPECT_EQ(sc->segments[0].conversion[1], 0.0);
  EXPECT_EQ(sc->segments[0].revenue_mean, 40.0);
}

TEST(ScenarioTest, BadScenariosNameTheField) {
  struct Case { const char* json; const char* expect; };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {R"({"budget": 0, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"a": 0.1}}]})", "budget"},
      {R"({"budget": 10, "horizon": 10, "channels": [],
           "segments": [{"share": 1, "conversion": {}}]})", "channels"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": -1}],
           "segments": [{"share": 1, "conversion": {"a": 0.1}}]})", "channels[0].cost"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}, {"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"a": 0.1}}]})", "duplicate"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"a": 1.5}}]})", "conversion.a"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"b": 0.5}}]})", "conversion.b"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 0.7, "conversion": {"a": 0.5}}]})", "shares sum"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": "x"}],
           "segments": [{"share": 1, "conversion": {"a": 0.5}}]})", "channels[0].cost"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"a": 0.5}}], "drift": {"step": 3}})", "drift"},
      {R"({"budget": 10, "horizon": 10, "channels": [{"name": "a", "cost": 1}],
           "segments": [{"share": 1, "conversion": {"a": 0.5}}], "delay": -2})", "delay"},
  };
  for (const auto& c : cases) {
    auto sc = ParseScenario(c.json, "bad.json");
    ASSERT_FALSE(sc.ok()) << c.json;
    EXPECT_NE(sc.status().message().find(c.expect), std::string::npos) << sc.status().message();
  }
  EXPECT_EQ(LoadScenario("/nonexistent.json").status().code(), StatusCode::kNotFound);
}

TEST(SimulatorTest, DelayedFeedbackStillLearns) {
  auto sc = ParseScenario(R"({"budget": 2000, "horizon": 100000,
      "channels": [{"name": "a", "cost": 1}, {"name": "b", "cost": 1}],
      "segments": [{"share": 1, "conversion": {"a": 0.05, "b": 0.15}}], "delay": {"contacts": 200}})",
                          "delay.json");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->delay, 200);
  SimulationOptions opt;
  opt.policies = {"ts"};
  opt.runs = 2;
  auto r = Simulate(*sc, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->policies[0].spend_share[1], 0.7);
  EXPECT_GT(r->policies[0].ratio, 0.75);
}

TEST(SimulatorTest, DriftChangesTheMarket) {
  const std::string base = R"({"budget": 3000, "horizon": 100000,
      "channels": [{"name": "a", "cost": 1}, {"name": "b", "cost": 1}],
      "segments": [{"share": 1, "conversion": {"a": 0.05, "b": 0.15}}], "drift": )";
  auto none = ParseScenario(base + "null}", "d0.json");
  auto step = ParseScenario(base + R"({"type": "step", "at": 1000, "conversion_multiplier": {"b": 0.1}}})", "d1.json");
  auto walk = ParseScenario(base + R"({"type": "random_walk", "sd": 0.2, "every": 100}})", "d2.json");
  ASSERT_TRUE(none.ok() && step.ok() && walk.ok()) << step.status().message() << walk.status().message();
  EXPECT_EQ(step->drift.multiplier[1], 0.1);
  EXPECT_EQ(walk->drift.every, 100);
  SimulationOptions opt;
  opt.policies = {"uniform", "ts"};
  opt.runs = 2;
  auto r0 = Simulate(*none, opt);
  auto r1 = Simulate(*step, opt);
  auto r2 = Simulate(*walk, opt);
  auto r2b = Simulate(*walk, opt);
  ASSERT_TRUE(r0.ok() && r1.ok() && r2.ok() && r2b.ok());
  // After the step, b converts at 0.015 < a's 0.05. Stationary Thompson sampling is slow to
  // unlearn 1,000 contacts of history, so both policies lose conversions.
  EXPECT_LT(r1->policies[0].conversions, r0->policies[0].conversions);
  EXPECT_LT(r1->policies[1].conversions, r0->policies[1].conversions);
  EXPECT_EQ(r2->policies[1].run_conversions, r2b->policies[1].run_conversions);
  EXPECT_NE(r2->policies[0].run_conversions, r0->policies[0].run_conversions);
  EXPECT_FALSE(ParseScenario(base + R"({"type": "step", "at": 5, "conversion_multiplier": {"z": 1}}})", "d3.json").ok());
}

TEST(SimulatorTest, RevenueRewardsUseTheRevenueOracle) {
  const Scenario sc = EcommerceScenario();
  auto rev = SolveOracle(sc, false, true);
  ASSERT_TRUE(rev.ok());
  // Revenue per unit cost: e-mail 0.2 -> 0.5*0.016*30 + 0.3*0.004*90 + 0.2*0.006*45 = 0.402 per
  // contact, 2.01 per unit; search 1.5 -> 0.375 + 2.43 + 0.18 = 2.985 per contact, 1.99 per unit.
  EXPECT_NEAR(rev->revenue, 10000.0 / 0.2 * 0.402, 1e-6);
  SimulationOptions opt;
  opt.policies = {"ts-gaussian", "uniform", "oracle"};
  opt.runs = 2;
  opt.revenue_reward = true;
  auto r = Simulate(sc, opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->policies[2].ratio, 1.0, 0.1);
  EXPECT_GT(r->policies[0].revenue, 0.0);
  opt.policies = {"budgeted-ts"};
  EXPECT_FALSE(Simulate(sc, opt).ok());
}

TEST(SimulatorTest, DeterministicAndWithinBudget) {
  Scenario sc = EcommerceScenario();
  sc.budget = 500.0;
  sc.channels[1].cap = 100.0;
  SimulationOptions opt;
  opt.policies = {"uniform", "eps", "ucb1", "ts", "softmax", "budgeted-ts", "bwk", "segment-ts",
                  "linucb", "lints", "ts-gaussian", "oracle"};
  opt.runs = 3;
  opt.seed = 42;
  auto a = Simulate(sc, opt);
  auto b = Simulate(sc, opt);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  for (size_t i = 0; i < a->policies.size(); ++i) {
    const auto& p = a->policies[i];
    EXPECT_EQ(p.run_conversions, b->policies[i].run_conversions) << p.name;
    EXPECT_LE(p.max_spend, sc.budget + 1e-9) << p.name;
    EXPECT_GT(p.spend, sc.budget - 2.5) << p.name;  // stops only when the next contact is unaffordable
    EXPECT_LE(p.spend_share[1] * p.spend, 100.0 + 1e-6) << p.name;
    EXPECT_TRUE(p.has_ci);
    EXPECT_LE(p.ratio_lo, p.ratio);
  }
  opt.policies = {"nope"};
  EXPECT_FALSE(Simulate(sc, opt).ok());
}

}  // namespace
}  // namespace fw::bandit
