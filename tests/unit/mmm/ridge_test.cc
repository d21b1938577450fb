// SPDX-License-Identifier: Apache-2.0
//
// ridge_test.cc: the sign-constrained ridge against scipy lsq_linear / nnls (ridge.json).
#include "flywheel/mmm/ridge.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace fw::mmm {
namespace {

TEST(RidgeTest, MatchesScipyOnGoldenDesigns) {
  std::ifstream in(std::string(FW_SOURCE_DIR) + "/tests/golden/mmm/ridge.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_GE(golden["cases"].size(), 6u);
  for (const auto& c : golden["cases"]) {
    const auto cols = c["x"].get<std::vector<std::vector<double>>>();
    const auto y = c["y"].get<std::vector<double>>();
    Design x{.rows = y.size(), .cols = cols.size(), .data = {}};
    for (const auto& col : cols) x.data.insert(x.data.end(), col.begin(), col.end());
    const auto penalty = c["penalty"].get<std::vector<double>>();
    const auto nonneg = c["nonneg"].get<std::vector<bool>>();
    const auto want = c["coef"].get<std::vector<double>>();
    Result<std::vector<double>> got = NonNegativeRidge(x, y, penalty, nonneg, 0, y.size());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (size_t j = 0; j < want.size(); ++j) {
      EXPECT_NEAR((*got)[j], want[j], 1e-7 * (1.0 + std::abs(want[j])))
          << c["name"] << " coef " << j;
      if (nonneg[j]) {
        EXPECT_GE((*got)[j], 0.0);
      }
    }
  }
}

TEST(RidgeTest, RowRangeUsesOnlyThoseRows) {
  // y = 2 x on rows 0..4, garbage after: fitting rows [0, 5) must give exactly 2.
  Design x{.rows = 8, .cols = 1, .data = {1, 2, 3, 4, 5, 6, 7, 8}};
  std::vector<double> y = {2, 4, 6, 8, 10, -100, 50, 0};
  auto got = NonNegativeRidge(x, y, std::vector<double>{0.0}, {true}, 0, 5);
  ASSERT_TRUE(got.ok());
  EXPECT_NEAR((*got)[0], 2.0, 1e-12);
}

TEST(RidgeTest, CollinearFreeColumnsWithoutPenaltyFail) {
  Design x{.rows = 4, .cols = 2, .data = {1, 1, 1, 1, 2, 2, 2, 2}};
  std::vector<double> y = {1, 2, 3, 4};
  auto got = NonNegativeRidge(x, y, std::vector<double>{0.0, 0.0}, {false, false}, 0, 4);
  EXPECT_FALSE(got.ok());
  EXPECT_FALSE(NonNegativeRidge(x, y, std::vector<double>{0.0}, {false}, 0, 4).ok());
}

}  // namespace
}  // namespace fw::mmm
