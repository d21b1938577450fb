// SPDX-License-Identifier: Apache-2.0
//
// allocation_test.cc: the budget solver against closed-form optima of hand-made curves.
//
// With f_c(x) = a_c log(1 + x / b_c), f_c'(x) = a_c / (b_c + x), and the KKT point with every
// channel free is x_c = a_c / mu - b_c, mu = sum a / (total + sum b). Channels on a bound drop
// out of both sums (their spend is subtracted from the total).
#include "flywheel/mmm/allocation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace fw::mmm {
namespace {

AllocationProblem LogProblem(const std::vector<double>& a, const std::vector<double>& b,
                             double total) {
  AllocationProblem p;
  for (size_t c = 0; c < a.size(); ++c) {
    const double ac = a[c], bc = b[c];
    p.value.push_back([ac, bc](double x) { return ac * std::log1p(x / bc); });
    p.derivative.push_back([ac, bc](double x) { return ac / (bc + x); });
    p.lo.push_back(0.0);
    p.hi.push_back(total);
  }
  p.total = total;
  return p;
}

void ExpectRel(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-6 * std::max(1.0, std::abs(want))) << what;
}

TEST(AllocationTest, InteriorOptimumMatchesClosedForm) {
  const std::vector<double> a = {10, 6, 3}, b = {2, 1, 0.5};
  const double total = 20;
  auto r = SolveAllocation(LogProblem(a, b, total));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const double mu = (10 + 6 + 3) / (total + 3.5);
  for (size_t c = 0; c < 3; ++c) {
    ExpectRel(r->x[c], a[c] / mu - b[c], "x");
    EXPECT_EQ(r->bounds[c], BoundState::kFree);
  }
  ExpectRel(r->shadow_price, mu, "shadow price");
  EXPECT_EQ(r->method, "water-filling");
}

TEST(AllocationTest, LowerBoundBindsForAWeakChannel) {
  const std::vector<double> a = {10, 5, 0.1}, b = {1, 1, 1};
  auto r = SolveAllocation(LogProblem(a, b, 10));
  ASSERT_TRUE(r.ok());
  const double mu = 15.0 / 12.0;  // channel 3 at 0: mu = (10 + 5) / (10 + 1 + 1)
  ExpectRel(r->x[0], 10 / mu - 1, "x0");
  ExpectRel(r->x[1], 5 / mu - 1, "x1");
  EXPECT_NEAR(r->x[2], 0.0, 1e-9);
  EXPECT_EQ(r->bounds[2], BoundState::kAtMin);
  ExpectRel(r->shadow_price, mu, "shadow price");
}

TEST(AllocationTest, UpperBoundAndFixedChannel) {
  const std::vector<double> a = {10, 6, 3, 4}, b = {2, 1, 0.5, 1};
  AllocationProblem p = LogProblem(a, b, 30);
  p.hi[0] = 5.0;                // binds: the free optimum for channel 0 is far above 5
  p.lo[3] = p.hi[3] = 2.5;      // fixed
  auto r = SolveAllocation(p);
  ASSERT_TRUE(r.ok());
  const double remaining = 30 - 5.0 - 2.5;
  const double mu = (6.0 + 3.0) / (remaining + 1.5);
  ExpectRel(r->x[0], 5.0, "x0");
  ExpectRel(r->x[1], 6 / mu - 1, "x1");
  ExpectRel(r->x[2], 3 / mu - 0.5, "x2");
  ExpectRel(r->x[3], 2.5, "x3");
  EXPECT_EQ(r->bounds[0], BoundState::kAtMax);
  EXPECT_EQ(r->bounds[3], BoundState::kFixed);
  ExpectRel(r->shadow_price, mu, "shadow price");
  double sum = 0;
  for (double v : r->x) sum += v;
  ExpectRel(sum, 30, "budget");
}

TEST(AllocationTest, InfeasibleBoundsSaySo) {
  AllocationProblem p = LogProblem({1, 1}, {1, 1}, 10);
  p.lo = {6, 6};
  auto r = SolveAllocation(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("below the sum of the channel minimums"), std::string::npos);
  p.lo = {0, 0};
  p.hi = {3, 3};
  r = SolveAllocation(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exceeds the sum of the channel maximums"), std::string::npos);
}

TEST(AllocationTest, BoundsThatForceOnePointAreReported) {
  AllocationProblem p = LogProblem({1, 2}, {1, 1}, 10);
  p.lo = {4, 6};
  auto r = SolveAllocation(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->forced);
  EXPECT_EQ(r->x, (std::vector<double>{4, 6}));
  EXPECT_TRUE(std::isnan(r->shadow_price));
}

TEST(AllocationTest, SShapedCurvesMatchBruteForce) {
  // f(x) = a x^2 / (x^2 + K^2): convex then concave, so water-filling does not apply.
  const double a1 = 10, k1 = 3, a2 = 6, k2 = 1.5, total = 8;
  AllocationProblem p;
  p.value = {[=](double x) { return a1 * x * x / (x * x + k1 * k1); },
             [=](double x) { return a2 * x * x / (x * x + k2 * k2); }};
  p.derivative = {[=](double x) { return a1 * 2 * x * k1 * k1 / std::pow(x * x + k1 * k1, 2); },
                  [=](double x) { return a2 * 2 * x * k2 * k2 / std::pow(x * x + k2 * k2, 2); }};
  p.lo = {0, 0};
  p.hi = {total, total};
  p.total = total;
  p.concave = false;
  auto r = SolveAllocation(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->method, "grid-dp+slsqp");
  double best = -1, best_x = 0;
  for (int i = 0; i <= 2'000'000; ++i) {
    const double x = total * i / 2e6;
    const double v = p.value[0](x) + p.value[1](total - x);
    if (v > best) {
      best = v;
      best_x = x;
    }
  }
  ExpectRel(r->objective, best, "objective");
  EXPECT_NEAR(r->x[0], best_x, 1e-4 * total);
}

}  // namespace
}  // namespace fw::mmm
