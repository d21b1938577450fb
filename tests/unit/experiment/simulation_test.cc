// SPDX-License-Identifier: Apache-2.0
//
// simulation_test.cc (label: slow): statistical properties under seeded simulation.
//   - A/A: the fixed-horizon false-positive rate at alpha = 0.05 lies in [0.04, 0.06] for the
//     Welch test (absolute and relative) and the pooled z-test (4,000 runs).
//   - Peeking: the sequential test, looked at every 100 users, rejects at most 5% of A/A runs,
//     while the fixed-horizon test looked at the same way does not.
//   - Coverage: the relative-lift CI covers a planted lift about 95% of the time.
#include <gtest/gtest.h>

#include <cmath>

#include "flywheel/core/rng.h"
#include "flywheel/experiment/compare.h"

namespace fw::experiment {
namespace {

void AddValue(ArmStats& arm, double y) {
  arm.n += 1;
  arm.sum += y;
  arm.sum_squares += y * y;
}

bool Rejects(const ArmStats& c, const ArmStats& t, MetricType type, const CompareOptions& o) {
  auto r = Compare(c, t, type, o);
  return r.ok() && r->p_value && *r->p_value < o.alpha;
}

TEST(SimulationTest, AaFalsePositiveRateIsNominal) {
  const int runs = 4000;
  const int n = 400;
  int welch_abs = 0, welch_rel = 0, z_pooled = 0;
  Rng rng(20261203);
  for (int run = 0; run < runs; ++run) {
    ArmStats c{.name = "c"}, t{.name = "t"}, pc{.name = "c"}, pt{.name = "t"};
    for (int i = 0; i < n; ++i) {
      // Skewed revenue-like values: lognormal.
      AddValue(c, rng.LogNormal(1.0, 0.8));
      AddValue(t, rng.LogNormal(1.0, 0.8));
      AddValue(pc, rng.Bernoulli(0.2) ? 1.0 : 0.0);
      AddValue(pt, rng.Bernoulli(0.2) ? 1.0 : 0.0);
    }
    CompareOptions abs_o;
    abs_o.relative = false;
    welch_abs += Rejects(c, t, MetricType::kMean, abs_o);
    welch_rel += Rejects(c, t, MetricType::kMean, CompareOptions{});
    CompareOptions z_o;
    z_o.test = TestKind::kZPooled;
    z_pooled += Rejects(pc, pt, MetricType::kProportion, z_o);
  }
  for (auto [name, count] :
       {std::pair{"welch absolute", welch_abs}, std::pair{"welch relative", welch_rel},
        std::pair{"z pooled", z_pooled}}) {
    const double rate = count / static_cast<double>(runs);
    EXPECT_GE(rate, 0.04) << name;
    EXPECT_LE(rate, 0.06) << name;
  }
}

TEST(SimulationTest, SequentialSurvivesPeekingEvery100Users) {
  const int runs = 2000;
  const int max_per_arm = 5000;
  int seq_rejected = 0, naive_rejected = 0;
  Rng rng(7);
  CompareOptions seq;
  seq.method = Method::kSequential;
  CompareOptions naive;
  for (int run = 0; run < runs; ++run) {
    ArmStats c{.name = "c"}, t{.name = "t"};
    bool seq_hit = false, naive_hit = false;
    for (int i = 1; i <= max_per_arm; ++i) {
      AddValue(c, rng.Normal(10, 3));
      AddValue(t, rng.Normal(10, 3));
      // A peek every 100 users in total (50 per arm).
      if (i % 50 != 0) continue;
      if (!seq_hit) seq_hit = Rejects(c, t, MetricType::kMean, seq);
      if (!naive_hit) naive_hit = Rejects(c, t, MetricType::kMean, naive);
      if (seq_hit && naive_hit) break;
    }
    seq_rejected += seq_hit;
    naive_rejected += naive_hit;
  }
  const double seq_rate = seq_rejected / static_cast<double>(runs);
  const double naive_rate = naive_rejected / static_cast<double>(runs);
  EXPECT_LE(seq_rate, 0.05);
  // Peeking breaks the fixed-horizon test; this is what the sequential test is for.
  EXPECT_GT(naive_rate, 0.15);
  std::printf("A/A with a peek every 100 users: sequential %.4f, fixed-horizon %.4f\n", seq_rate,
              naive_rate);
}

TEST(SimulationTest, RelativeLiftCiCoversThePlantedLift) {
  const int runs = 2000;
  const int n = 2000;
  const double lift = 0.05;
  int covered = 0;
  Rng rng(99);
  for (int run = 0; run < runs; ++run) {
    ArmStats c{.name = "c"}, t{.name = "t"};
    for (int i = 0; i < n; ++i) {
      AddValue(c, rng.Bernoulli(0.3) ? 1.0 : 0.0);
      AddValue(t, rng.Bernoulli(0.3 * (1 + lift)) ? 1.0 : 0.0);
    }
    auto r = Compare(c, t, MetricType::kProportion, CompareOptions{});
    ASSERT_TRUE(r.ok());
    covered += *r->ci_low <= lift && lift <= *r->ci_high;
  }
  const double rate = covered / static_cast<double>(runs);
  EXPECT_GE(rate, 0.935);
  EXPECT_LE(rate, 0.965);
}

}  // namespace
}  // namespace fw::experiment
