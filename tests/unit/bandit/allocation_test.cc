// SPDX-License-Identifier: Apache-2.0
//
// allocation_test.cc: Thompson probability matching of a budget over channels, the exploration
// floor, min/max water-filling and infeasible constraints.
#include "flywheel/bandit/allocation.h"

#include <gtest/gtest.h>

namespace fw::bandit {
namespace {

double Sum(const Allocation& a) {
  double s = 0;
  for (const auto& l : a.lines) s += l.amount;
  return s;
}

TEST(AllocationTest, BestRateGetsMostAndFloorKeepsExploring) {
  // email: 300 conversions for 1,000 spend (0.3 per unit); social 0.1; search 0.05.
  std::vector<AllocationCell> cells = {{"email", 1000, 300}, {"social", 2000, 200}, {"search", 4000, 200}};
  auto a = Allocate(cells, {.budget = 10000, .floor = 0.05});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(Sum(*a), 10000, 1e-6);
  EXPECT_GT(a->lines[0].prob_best, 0.99);
  EXPECT_NEAR(a->lines[1].share, 0.05 / 1.1, 1e-3);
  EXPECT_EQ(a->lines[1].binding, "floor");
  EXPECT_NEAR(a->lines[0].rate, 301.0 / (1000 + 7000.0 / 700), 1e-9);
  EXPECT_LT(a->lines[0].expected_lo, a->lines[0].expected);
  EXPECT_GT(a->lines[0].expected_hi, a->lines[0].expected);
  EXPECT_LT(a->expected_lo, a->expected);
}

TEST(AllocationTest, MinAndMaxBindAndTheRestIsResplit) {
  std::vector<AllocationCell> cells = {{"email", 1000, 300, 0, 2000},
                                       {"social", 2000, 200, 3000},
                                       {"search", 4000, 200}};
  auto a = Allocate(cells, {.budget = 10000, .floor = 0.05});
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NEAR(Sum(*a), 10000, 1e-6);
  EXPECT_NEAR(a->lines[0].amount, 2000, 1e-9);
  EXPECT_EQ(a->lines[0].binding, "max");
  EXPECT_GE(a->lines[1].amount, 3000 - 1e-9);
}

TEST(AllocationTest, InfeasibleConstraintsAreExplained) {
  std::vector<AllocationCell> cells = {{"email", 1000, 300, 6000}, {"social", 2000, 200, 5000}};
  auto a = Allocate(cells, {.budget = 10000});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("minimums add up to 11000"), std::string::npos);
  cells = {{"email", 1000, 300, 0, 100}, {"social", 2000, 200, 0, 100}};
  a = Allocate(cells, {.budget = 10000});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("maximums add up to 200"), std::string::npos);
  EXPECT_FALSE(Allocate({{"a", -1, 0}}, {.budget = 10}).ok());
  EXPECT_FALSE(Allocate({{"a", 1, 0}, {"b", 1, 0}}, {.budget = 10, .floor = 0.6}).ok());
  EXPECT_FALSE(Allocate({}, {.budget = 10}).ok());
}

}  // namespace
}  // namespace fw::bandit
