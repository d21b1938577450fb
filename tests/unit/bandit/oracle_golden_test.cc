// SPDX-License-Identifier: Apache-2.0
//
// oracle_golden_test.cc: the simulator's oracle LPs (channel and per-segment, conversions and
// revenue) against scipy.optimize.linprog (HiGHS) on the ecommerce scenario and 40 seeded random
// scenarios with caps, zero conversions and binding horizons. The reference values are in
// tests/golden/bandit/oracle_lp_golden.json, made by make_oracle_golden.py there; it also
// stores each channel's spend range over the optimal face, so degenerate optima are checked
// without assuming which vertex the simplex lands on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "flywheel/bandit/simulator.h"

namespace fw::bandit {
namespace {

const std::string kGolden =
    std::string(FW_SOURCE_DIR) + "/tests/golden/bandit/oracle_lp_golden.json";

void CheckCase(const Scenario& sc, const nlohmann::json& c, const std::string& label) {
  const struct {
    const char* key;
    bool per_segment;
    bool revenue;
  } kinds[] = {{"channel", false, false},
               {"segment", true, false},
               {"channel_revenue", false, true},
               {"segment_revenue", true, true}};
  for (const auto& k : kinds) {
    SCOPED_TRACE(label + " " + k.key);
    const auto& ref = c.at(k.key);
    auto o = SolveOracle(sc, k.per_segment, k.revenue);
    ASSERT_TRUE(o.ok()) << o.status().message();
    const double want = ref.at("objective").get<double>();
    const double got = k.revenue ? o->revenue : o->conversions;
    EXPECT_NEAR(got, want, 1e-8 * std::max(1.0, std::fabs(want)));
    // The spend of each channel lies on scipy's optimal face.
    const auto lo = ref.at("spend_min").get<std::vector<double>>();
    const auto hi = ref.at("spend_max").get<std::vector<double>>();
    ASSERT_EQ(o->channel_spend.size(), lo.size());
    const double tol = 1e-6 * sc.budget;
    for (size_t ch = 0; ch < lo.size(); ++ch) {
      EXPECT_GE(o->channel_spend[ch], lo[ch] - tol) << "channel " << ch;
      EXPECT_LE(o->channel_spend[ch], hi[ch] + tol) << "channel " << ch;
    }
    EXPECT_LE(o->spend, sc.budget * (1 + 1e-12));
    EXPECT_LE(o->contacts, static_cast<double>(sc.horizon) * (1 + 1e-12));
  }
  if (c.contains("channel_greedy")) {
    auto o = SolveOracle(sc, false);
    ASSERT_TRUE(o.ok());
    EXPECT_NEAR(o->conversions, c["channel_greedy"].get<double>(), 1e-8 * o->conversions);
  }
}

TEST(OracleGoldenTest, MatchesScipyLinprog) {
  std::ifstream in(kGolden);
  ASSERT_TRUE(in.good()) << "missing " << kGolden;
  const auto doc = nlohmann::json::parse(in);
  size_t checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("scenario").at("name");
    auto sc = ParseScenario(c.at("scenario").dump(), name + ".json");
    ASSERT_TRUE(sc.ok()) << sc.status().message();
    CheckCase(*sc, c, name);
    if (name == "ecommerce") {
      // The built-in scenario is the one the golden file restates.
      CheckCase(EcommerceScenario(), c, "built-in ecommerce");
    }
    ++checked;
  }
  EXPECT_EQ(checked, 41u);
}

}  // namespace
}  // namespace fw::bandit
