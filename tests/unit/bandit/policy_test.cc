// SPDX-License-Identifier: Apache-2.0
//
// policy_test.cc: the policy interface: validation, posteriors against closed forms,
// propensities against empirical choice frequencies, budget and caps, snapshot/restore.
#include "flywheel/bandit/policy.h"
#include "flywheel/bandit/serialize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace fw::bandit {
namespace {

std::unique_ptr<Policy> Make(PolicyConfig config) {
  auto p = MakePolicy(config);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(p).value();
}

// Feeds `arm` n pulls of which `successes` convert, each costing `cost`.
void Feed(Policy& p, size_t arm, int n, int successes, double cost = 0.0, Context ctx = {}) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(p.Update(arm, i < successes ? 1.0 : 0.0, cost, ctx).ok());
  }
}

TEST(PolicyConfigTest, RejectsBadConfigsNamingTheField) {
  PolicyConfig c{.kind = "ts", .num_arms = 0};
  EXPECT_NE(c.Validate().message().find("num_arms"), std::string::npos);
  c = {.kind = "nope", .num_arms = 2};
  EXPECT_NE(c.Validate().message().find("unknown kind 'nope'"), std::string::npos);
  c = {.kind = "budgeted-ts", .num_arms = 2, .budget = 0.0};
  EXPECT_NE(c.Validate().message().find("budget"), std::string::npos);
  c = {.kind = "budgeted-ts", .num_arms = 2, .known_costs = {1.0, -0.5}};
  EXPECT_NE(c.Validate().message().find("known_costs[1]"), std::string::npos);
  c = {.kind = "bwk", .num_arms = 2};
  EXPECT_NE(c.Validate().message().find("finite budget"), std::string::npos);
  c = {.kind = "linucb", .num_arms = 2};
  EXPECT_NE(c.Validate().message().find("num_features"), std::string::npos);
  c = {.kind = "eps", .num_arms = 2, .epsilon = 1.5};
  EXPECT_NE(c.Validate().message().find("epsilon"), std::string::npos);
  for (const auto& kind : PolicyKinds()) {
    PolicyConfig ok{.kind = kind, .num_arms = 3, .budget = 100.0, .num_features = 2};
    EXPECT_TRUE(ok.Validate().ok()) << kind << ": " << ok.Validate().message();
  }
}

TEST(PolicyTest, BetaPosteriorMatchesClosedForm) {
  auto p = Make({.kind = "ts", .num_arms = 2, .prior_alpha = 2.0, .prior_beta = 3.0});
  Feed(*p, 0, 40, 10);
  Feed(*p, 1, 10, 7);
  Rng rng(1);
  auto s = p->Summarize({}, rng, 4000);
  EXPECT_DOUBLE_EQ(s[0].mean, (2.0 + 10) / (2.0 + 3.0 + 40));
  EXPECT_DOUBLE_EQ(s[1].mean, (2.0 + 7) / (2.0 + 3.0 + 10));
  // Beta(12, 33) has sd 0.0657; the 95% interval spans about 4 sd.
  EXPECT_NEAR(s[0].hi - s[0].lo, 4 * 0.0657, 0.03);
  EXPECT_NEAR(s[0].prob_best + s[1].prob_best, 1.0, 1e-9);
  EXPECT_GT(s[1].prob_best, 0.9);
}

TEST(PolicyTest, RejectsBernoulliRewardOutsideUnitIntervalAndKeepsState) {
  auto p = Make({.kind = "ts", .num_arms = 2});
  EXPECT_FALSE(p->Update(0, 1.5, 0.0).ok());
  EXPECT_FALSE(p->Update(2, 1.0, 0.0).ok());
  EXPECT_FALSE(p->Update(0, 1.0, -1.0).ok());
  EXPECT_EQ(p->total_pulls(), 0);
}

TEST(PolicyTest, GaussianPosteriorMeanMatchesNormalInverseGamma) {
  auto p = Make({.kind = "ts-gaussian", .num_arms = 1});
  const double xs[] = {10.0, 12.0, 8.0, 11.0};
  for (double x : xs) ASSERT_TRUE(p->Update(0, x, 0.0).ok());
  Rng rng(2);
  auto s = p->Summarize({}, rng, 4000);
  // mu_n = (kappa0 * 0 + sum) / (kappa0 + n) with kappa0 = 1e-3.
  EXPECT_NEAR(s[0].mean, 41.0 / 4.001, 1e-12);
  EXPECT_LT(s[0].lo, 10.25);
  EXPECT_GT(s[0].hi, 10.25);
}

// Draws 100k decisions from a frozen state and checks every arm's reported propensity against
// its empirical frequency within 3 standard errors (plus the Monte Carlo error of the estimate).
// For Monte Carlo kinds, `p` draws the decisions with propensity_samples = 0 (fast) and the
// propensity of each arm comes from a restored copy with `mc_samples` draws.
void CheckPropensities(Policy& p, const Context& ctx, double mc_samples) {
  const int n = 100000;
  const size_t k = p.num_arms();
  std::vector<double> count(k, 0.0), reported(k, -1.0);
  Rng rng(7);
  for (int i = 0; i < n; ++i) {
    auto d = p.Choose(ctx, rng);
    ASSERT_TRUE(d.ok());
    count[d->arm] += 1.0;
    if (reported[d->arm] < 0 && mc_samples == 0) reported[d->arm] = d->propensity;
  }
  if (mc_samples > 0) {
    PolicyConfig c = p.config();
    c.propensity_samples = static_cast<int64_t>(mc_samples);
    auto q = MakePolicy(c);
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE((*q)->Restore(p.Snapshot()).ok());
    for (int i = 0; i < 200; ++i) {
      auto d = (*q)->Choose(ctx, rng);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->kind, PropensityKind::kMonteCarlo);
      if (reported[d->arm] < 0) reported[d->arm] = d->propensity;
      if (std::all_of(reported.begin(), reported.end(), [](double r) { return r >= 0; })) break;
    }
  }
  for (size_t a = 0; a < k; ++a) {
    const double freq = count[a] / n;
    if (reported[a] < 0) {
      EXPECT_LT(freq, 1e-4) << "arm " << a;
      continue;
    }
    double var = freq * (1 - freq) / n;
    if (mc_samples > 0) var += freq * (1 - freq) / mc_samples + 1.0 / (mc_samples * mc_samples);
    EXPECT_NEAR(reported[a], freq, 3 * std::sqrt(var) + 1e-9) << p.config().kind << " arm " << a;
  }
}

TEST(PolicyTest, ExactPropensitiesMatchFrequencies) {
  for (const char* kind : {"eps", "softmax", "uniform"}) {
    auto p = Make({.kind = kind, .num_arms = 3, .epsilon = 0.3, .temperature = 0.05});
    Feed(*p, 0, 100, 10);
    Feed(*p, 1, 100, 14);
    Feed(*p, 2, 100, 12);
    CheckPropensities(*p, {}, 0);
  }
}

TEST(PolicyTest, MonteCarloPropensitiesMatchFrequencies) {
  auto ts = Make({.kind = "ts", .num_arms = 3, .propensity_samples = 0});
  Feed(*ts, 0, 100, 10);
  Feed(*ts, 1, 100, 13);
  Feed(*ts, 2, 50, 5);
  CheckPropensities(*ts, {}, 20000);

  auto bts = Make({.kind = "budgeted-ts", .num_arms = 3, .known_costs = {1.0, 2.0, 0.5},
                   .propensity_samples = 0});
  Feed(*bts, 0, 100, 10, 1.0);
  Feed(*bts, 1, 100, 22, 2.0);
  Feed(*bts, 2, 100, 5, 0.5);
  CheckPropensities(*bts, {}, 20000);
}

TEST(PolicyTest, DeterministicPoliciesReportPropensityOne) {
  auto p = Make({.kind = "ucb1", .num_arms = 2});
  Rng rng(3);
  for (int i = 0; i < 50; ++i) {
    auto d = p->Choose({}, rng);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->propensity, 1.0);
    ASSERT_TRUE(p->Update(d->arm, d->arm == 1 ? 1.0 : 0.0, 0.0).ok());
  }
  EXPECT_GT(p->pulls()[1], p->pulls()[0]);
}

TEST(PolicyTest, BudgetIsNeverExceededAndPlayStops) {
  auto p = Make({.kind = "budgeted-ts", .num_arms = 2, .budget = 10.0, .known_costs = {0.3, 0.7}});
  Rng rng(4);
  int steps = 0;
  while (true) {
    auto d = p->Choose({}, rng);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kResourceExhausted);
      break;
    }
    ASSERT_TRUE(p->Update(d->arm, rng.Bernoulli(0.1) ? 1.0 : 0.0, p->config().known_costs[d->arm]).ok());
    ASSERT_LE(p->total_spend(), 10.0 + 1e-9);
    ASSERT_LT(++steps, 1000);
  }
  EXPECT_GT(p->total_spend(), 10.0 - 0.7);
}

TEST(PolicyTest, PerArmCapsAreRespected) {
  auto p = Make({.kind = "uniform", .num_arms = 2, .spend_caps = {2.0, kUnlimited},
                 .pull_caps = {-1, 5}});
  Rng rng(5);
  for (int i = 0; i < 200; ++i) {
    auto d = p->Choose({}, rng);
    if (!d.ok()) break;
    ASSERT_TRUE(p->Update(d->arm, 0.0, 0.5).ok());
  }
  EXPECT_LE(p->arm_spend()[0], 2.0);
  EXPECT_EQ(p->pulls()[1], 5);
  EXPECT_EQ(p->pulls()[0], 4);
}

TEST(PolicyTest, SnapshotRestoreContinuesExactly) {
  std::vector<double> x = {1.0, 0.5};
  for (const auto& kind : PolicyKinds()) {
    PolicyConfig c{.kind = kind, .num_arms = 3, .budget = 1000.0, .horizon = 500,
                   .num_segments = 2, .num_features = 2, .propensity_samples = 50};
    auto a = Make(c);
    auto b = Make(c);
    Context ctx{.segment = 1, .features = x};
    Rng rng(11);
    for (int i = 0; i < 30; ++i) {
      auto d = a->Choose(ctx, rng);
      ASSERT_TRUE(d.ok()) << kind;
      ASSERT_TRUE(a->Update(d->arm, rng.Bernoulli(0.3) ? 1.0 : 0.0, 0.5 + 0.1 * d->arm, ctx).ok());
    }
    ASSERT_TRUE(b->Restore(a->Snapshot()).ok()) << kind;
    Rng r1(99), r2(99);
    for (int i = 0; i < 20; ++i) {
      auto d1 = a->Choose(ctx, r1);
      auto d2 = b->Choose(ctx, r2);
      ASSERT_TRUE(d1.ok() && d2.ok());
      EXPECT_EQ(d1->arm, d2->arm) << kind;
      EXPECT_EQ(d1->propensity, d2->propensity) << kind;
      ASSERT_TRUE(a->Update(d1->arm, 1.0, 0.5, ctx).ok());
      ASSERT_TRUE(b->Update(d2->arm, 1.0, 0.5, ctx).ok());
    }
    EXPECT_NEAR(a->total_spend(), b->total_spend(), 1e-9);
  }
}

TEST(PolicyTest, RestoreRejectsMismatchedState) {
  auto a = Make({.kind = "ts", .num_arms = 2});
  auto b = Make({.kind = "ucb1", .num_arms = 2});
  EXPECT_FALSE(b->Restore(a->Snapshot()).ok());
  auto c = Make({.kind = "ts", .num_arms = 3});
  Status s = c->Restore(a->Snapshot());
  EXPECT_NE(s.message().find("expected 3"), std::string::npos) << s.message();
}

TEST(PolicyTest, SegmentThompsonNeedsAValidSegment) {
  auto p = Make({.kind = "segment-ts", .num_arms = 2, .num_segments = 3});
  Rng rng(6);
  EXPECT_FALSE(p->Choose({}, rng).ok());
  EXPECT_FALSE(p->Update(0, 1.0, 0.1, Context{.segment = 3}).ok());
  EXPECT_TRUE(p->Choose(Context{.segment = 2}, rng).ok());
}

TEST(PolicyTest, LinearPoliciesLearnWhichArmSuitsWhichContext) {
  for (const char* kind : {"linucb", "lints"}) {
    auto p = Make({.kind = kind, .num_arms = 2, .num_features = 2, .propensity_samples = 100});
    Rng rng(8);
    std::vector<double> x0 = {1.0, 0.0}, x1 = {0.0, 1.0};
    for (int i = 0; i < 2000; ++i) {
      const bool first = rng.Bernoulli(0.5);
      Context ctx{.features = first ? x0 : x1};
      auto d = p->Choose(ctx, rng);
      ASSERT_TRUE(d.ok());
      const double rate = (first == (d->arm == 0)) ? 0.6 : 0.2;
      ASSERT_TRUE(p->Update(d->arm, rng.Bernoulli(rate) ? 1.0 : 0.0, 0.0, ctx).ok());
    }
    int right = 0;
    for (int i = 0; i < 200; ++i) {
      auto d0 = p->Choose(Context{.features = x0}, rng);
      auto d1 = p->Choose(Context{.features = x1}, rng);
      right += (d0->arm == 0) + (d1->arm == 1);
    }
    EXPECT_GT(right, 360) << kind;
    std::vector<double> bad = {1.0};
    EXPECT_FALSE(p->Choose(Context{.features = bad}, rng).ok());
  }
}

TEST(SerializeTest, ConfigAndStateRoundTripExactly) {
  PolicyConfig c{.kind = "budgeted-ts", .num_arms = 2, .budget = 100.0,
                 .known_costs = {0.1, 0.7}, .spend_caps = {kUnlimited, 30.0}, .pull_caps = {5, -1}};
  auto back = PolicyConfigFromJson(PolicyConfigToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->known_costs, c.known_costs);
  EXPECT_EQ(back->spend_caps, c.spend_caps);
  EXPECT_EQ(back->pull_caps, c.pull_caps);
  EXPECT_EQ(PolicyConfigToJson(*back), PolicyConfigToJson(c));
  auto p = Make(c);
  ASSERT_TRUE(p->Update(0, 1.0, 0.1).ok());
  ASSERT_TRUE(p->Update(1, 0.0, 1.0 / 3.0).ok());
  auto st = PolicyStateFromJson(PolicyStateToJson(p->Snapshot()));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->values, p->Snapshot().values);
  EXPECT_FALSE(PolicyConfigFromJson("{\"kind\": \"ts\"}").ok());
  EXPECT_FALSE(PolicyStateFromJson("[1]").ok());
}

}  // namespace
}  // namespace fw::bandit
