// SPDX-License-Identifier: Apache-2.0
//
// transforms_test.cc: adstock and saturation against tests/golden/mmm/transforms.json (scipy).
#include "flywheel/mmm/transforms.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace fw::mmm {
namespace {

nlohmann::json LoadGolden(const std::string& name) {
  std::ifstream in(std::string(FW_SOURCE_DIR) + "/tests/golden/mmm/" + name);
  EXPECT_TRUE(in.good()) << name;
  return nlohmann::json::parse(in);
}

void ExpectNear(const std::vector<double>& got, const nlohmann::json& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const double w = want[i].get<double>();
    EXPECT_NEAR(got[i], w, 1e-10 * (1.0 + std::abs(w))) << what << " index " << i;
  }
}

TEST(TransformsTest, AdstockMatchesScipy) {
  const nlohmann::json golden = LoadGolden("transforms.json");
  const auto spend = golden["spend"].get<std::vector<double>>();
  const auto history = golden["history"].get<std::vector<double>>();
  ASSERT_GE(golden["adstock"].size(), 10u);
  for (const auto& c : golden["adstock"]) {
    AdstockParams p;
    p.kind = ParseAdstockKind(c["kind"].get<std::string>()).value();
    p.max_lag = c["max_lag"].get<size_t>();
    if (p.kind == AdstockKind::kGeometric) {
      p.theta = c["theta"].get<double>();
    } else {
      p.shape = c["shape"].get<double>();
      p.scale = c["scale"].get<double>();
    }
    ASSERT_TRUE(p.Validate().ok());
    const std::string what = c.dump().substr(0, 80);
    const std::vector<double> w = AdstockWeights(p);
    ExpectNear(w, c["weights"], what + " weights");
    ExpectNear(ApplyAdstock(spend, w), c["adstocked"], what);
    ExpectNear(ApplyAdstock(spend, w, history), c["adstocked_history"], what + " history");
  }
}

TEST(TransformsTest, SaturationMatchesNumpy) {
  const nlohmann::json golden = LoadGolden("transforms.json");
  for (const auto& c : golden["saturation"]) {
    SaturationParams p;
    p.kind = ParseSaturationKind(c["kind"].get<std::string>()).value();
    if (p.kind == SaturationKind::kHill) {
      p.half_sat = c["half_sat"].get<double>();
      p.slope = c["slope"].get<double>();
    } else {
      p.lambda = c["lambda"].get<double>();
    }
    const auto a = c["a"].get<std::vector<double>>();
    for (size_t i = 0; i < a.size(); ++i) {
      const double v = c["value"][i].get<double>();
      EXPECT_NEAR(Saturate(a[i], p), v, 1e-12 * (1 + v)) << c["kind"] << " a=" << a[i];
      if (!c["derivative"][i].is_null()) {
        const double d = c["derivative"][i].get<double>();
        EXPECT_NEAR(SaturateDerivative(a[i], p), d, 1e-10 * (1 + std::abs(d)))
            << c["kind"] << " a=" << a[i];
      }
    }
  }
}

TEST(TransformsTest, RejectsBadParameters) {
  AdstockParams a{.kind = AdstockKind::kGeometric, .theta = 1.0};
  EXPECT_FALSE(a.Validate().ok());
  a = {.kind = AdstockKind::kWeibullCdf, .shape = -1.0};
  EXPECT_FALSE(a.Validate().ok());
  a = {.max_lag = 0};
  EXPECT_FALSE(a.Validate().ok());
  SaturationParams s{.kind = SaturationKind::kHill, .half_sat = 0.0};
  EXPECT_FALSE(s.Validate().ok());
  s = {.kind = SaturationKind::kLogistic, .lambda = -2.0};
  EXPECT_FALSE(s.Validate().ok());
  EXPECT_FALSE(ParseAdstockKind("delayed").ok());
  EXPECT_FALSE(ParseSaturationKind("tanh").ok());
}

TEST(TransformsTest, ConcavityFlag) {
  EXPECT_TRUE(IsConcave({.kind = SaturationKind::kHill, .slope = 1.0}));
  EXPECT_FALSE(IsConcave({.kind = SaturationKind::kHill, .slope = 1.5}));
  EXPECT_TRUE(IsConcave({.kind = SaturationKind::kLogistic}));
}

}  // namespace
}  // namespace fw::mmm
