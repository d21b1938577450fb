// SPDX-License-Identifier: Apache-2.0
//
// rng_test.cc: determinism and the moments of each distribution.
#include "flywheel/core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace fw {
namespace {

void ExpectMoments(const std::function<double(Rng&)>& draw, double mean, double variance) {
  Rng rng(42);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw(rng);
    sum += x;
    sum_sq += x * x;
  }
  const double m = sum / n;
  const double v = sum_sq / n - m * m;
  EXPECT_NEAR(m, mean, 5 * std::sqrt(variance / n) + 1e-12);
  EXPECT_NEAR(v, variance, 0.03 * variance + 1e-12);
}

TEST(RngTest, SameSeedSameSequence) {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU64(), b.NextU64());
  EXPECT_NE(Rng(7).NextU64(), c.NextU64());
  EXPECT_EQ(a.Fork(3).NextU64(), b.Fork(3).NextU64());
  EXPECT_NE(a.Fork(3).NextU64(), a.Fork(4).NextU64());
}

TEST(RngTest, DistributionMoments) {
  ExpectMoments([](Rng& r) { return r.Uniform(); }, 0.5, 1.0 / 12);
  ExpectMoments([](Rng& r) { return r.Normal(); }, 0.0, 1.0);
  ExpectMoments([](Rng& r) { return r.Exponential(2.0); }, 0.5, 0.25);
  ExpectMoments([](Rng& r) { return r.Gamma(0.5); }, 0.5, 0.5);
  ExpectMoments([](Rng& r) { return r.Gamma(3.0); }, 3.0, 3.0);
  ExpectMoments([](Rng& r) { return r.Beta(2.0, 5.0); }, 2.0 / 7, 10.0 / (49 * 8));
  ExpectMoments([](Rng& r) { return static_cast<double>(r.Poisson(4.0)); }, 4.0, 4.0);
  ExpectMoments([](Rng& r) { return static_cast<double>(r.Poisson(100.0)); }, 100.0, 100.0);
  ExpectMoments([](Rng& r) { return static_cast<double>(r.UniformInt(10)); }, 4.5, 8.25);
}

}  // namespace
}  // namespace fw
