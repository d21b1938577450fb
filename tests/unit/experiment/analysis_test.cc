// SPDX-License-Identifier: Apache-2.0
//
// analysis_test.cc: bad input and edge cases of the analysis, summaries and the JSON reader.
#include "flywheel/experiment/analysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "flywheel/experiment/stats_json.h"
#include "flywheel/experiment/user_summary.h"

namespace fw::experiment {
namespace {

MetricInput TwoArms() {
  MetricInput m;
  m.name = "revenue";
  m.arms = {ArmStats{.name = "control", .n = 100, .sum = 500, .sum_squares = 3000},
            ArmStats{.name = "treatment", .n = 110, .sum = 600, .sum_squares = 3900}};
  return m;
}

TEST(AnalysisTest, MissingControlIsNotFoundAndListsArms) {
  MetricInput m = TwoArms();
  AnalysisOptions o;
  o.control = "ctrl";
  auto r = Analyze(std::span<const MetricInput>(&m, 1), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("control, treatment"), std::string::npos);
}

TEST(AnalysisTest, EmptyInputsAreErrors) {
  AnalysisOptions o;
  o.control = "control";
  EXPECT_FALSE(Analyze({}, o).ok());
  MetricInput m = TwoArms();
  m.arms[0].n = 0;
  m.arms[1].n = 0;
  m.arms[0].sum = m.arms[1].sum = 0;
  EXPECT_EQ(Analyze(std::span<const MetricInput>(&m, 1), o).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AnalysisTest, WeightsOfWrongSizeAreRejected) {
  MetricInput m = TwoArms();
  AnalysisOptions o;
  o.control = "control";
  o.weights = {0.5, 0.3, 0.2};
  EXPECT_FALSE(Analyze(std::span<const MetricInput>(&m, 1), o).ok());
}

TEST(AnalysisTest, JsonHasNullsNotNaN) {
  MetricInput m = TwoArms();
  m.arms[1].n = 1;
  m.arms[1].sum = 5;
  m.arms[1].sum_squares = 25;
  AnalysisOptions o;
  o.control = "control";
  auto r = Analyze(std::span<const MetricInput>(&m, 1), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string text = ReportToJson(*r).dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  auto doc = ReportToJson(*r);
  const auto& res = doc["metrics"][0]["results"][0];
  EXPECT_TRUE(res["p_value"].is_null());
  EXPECT_TRUE(res["ci"][0].is_null());
  EXPECT_NE(res["null_reason"].get<std::string>().find("at least 2 units"), std::string::npos);
}

TEST(AnalysisTest, SrmWarningFiresBelowThreshold) {
  MetricInput m = TwoArms();
  m.arms[0].n = 5300;
  m.arms[1].n = 4700;
  AnalysisOptions o;
  o.control = "control";
  auto r = Analyze(std::span<const MetricInput>(&m, 1), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->srm.warning);
  EXPECT_NE(r->srm.message.find("SAMPLE RATIO MISMATCH"), std::string::npos);
}

TEST(AnalysisTest, BayesianVerdictInWords) {
  MetricInput m = TwoArms();
  AnalysisOptions o;
  o.control = "control";
  o.compare.method = Method::kBayesian;
  auto r = Analyze(std::span<const MetricInput>(&m, 1), o);
  ASSERT_TRUE(r.ok());
  const std::string v = Verdict(r->metrics[0].results[0], o);
  EXPECT_NE(v.find("treatment is"), std::string::npos) << v;
  EXPECT_NE(v.find("% probability"), std::string::npos) << v;
}

TEST(CompareTest, OptionsAreValidated) {
  ArmStats a{.name = "a", .n = 10, .sum = 5, .sum_squares = 5};
  ArmStats b{.name = "b", .n = 10, .sum = 6, .sum_squares = 6};
  CompareOptions o;
  o.alpha = 0.7;
  EXPECT_FALSE(Compare(a, b, MetricType::kProportion, o).ok());
  o = {};
  o.prior_variance = -1;
  EXPECT_FALSE(Compare(a, b, MetricType::kProportion, o).ok());
  o = {};
  o.test = TestKind::kZPooled;
  EXPECT_FALSE(Compare(a, b, MetricType::kMean, o).ok());
  EXPECT_TRUE(Compare(a, b, MetricType::kProportion, o).ok());
  EXPECT_FALSE(ParseMethod("freq").ok());
  EXPECT_FALSE(ParseAlternative("both").ok());
}

TEST(CorrectionTest, RejectsOutOfRangePValues) {
  std::vector<double> p = {0.1, 1.5};
  EXPECT_FALSE(AdjustPValues(p, Correction::kHolm).ok());
  p = {0.1, std::nan("")};
  EXPECT_FALSE(AdjustPValues(p, Correction::kBenjaminiHochberg).ok());
  EXPECT_FALSE(ParseCorrection("bonferroni").ok());
}

TEST(UserSummaryTest, SumsPerArmAndSkipsExcludedUsers) {
  std::vector<double> values = {1, 0, 1, 1, 0};
  std::vector<uint32_t> arms = {0, 1, kNoArm, 1, 0};
  std::vector<std::string> names = {"control", "treatment"};
  auto r = SummarizeByArm({.name = "conv", .type = MetricType::kProportion, .values = values}, arms,
                          names);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->arms[0].n, 2);
  EXPECT_EQ(r->arms[0].sum, 1);
  EXPECT_EQ(r->arms[1].n, 2);
  EXPECT_EQ(r->arms[1].sum, 1);
}

TEST(UserSummaryTest, ProportionMustBeBinaryAndSizesMustMatch) {
  std::vector<double> values = {1, 0.5};
  std::vector<uint32_t> arms = {0, 1};
  std::vector<std::string> names = {"a", "b"};
  EXPECT_FALSE(
      SummarizeByArm({.name = "x", .type = MetricType::kProportion, .values = values}, arms, names)
          .ok());
  std::vector<uint32_t> short_arms = {0};
  EXPECT_FALSE(SummarizeByArm({.name = "x", .values = values}, short_arms, names).ok());
  std::vector<uint32_t> bad_arm = {0, 7};
  EXPECT_FALSE(SummarizeByArm({.name = "x", .values = values}, bad_arm, names).ok());
}

TEST(UserSummaryTest, WinsorizeCapsAtTheQuantile) {
  std::vector<double> values = {1, 2, 3, 4, 1000};
  std::vector<uint32_t> arms = {0, 0, 1, 1, 1};
  std::vector<std::string> names = {"a", "b"};
  auto r = SummarizeByArm({.name = "x", .values = values}, arms, names, 0.75);
  ASSERT_TRUE(r.ok());
  // numpy.quantile([1,2,3,4,1000], 0.75) == 4.
  EXPECT_DOUBLE_EQ(r->arms[1].sum, 3 + 4 + 4);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
}

TEST(StatsJsonTest, ParsesProportionsAndCuped) {
  const std::string doc = R"({"type": "mean", "control": "c", "variants": [
      {"name": "c", "n": 100, "sum": 50, "sum_squares": 80, "covariate_sum": 40,
       "covariate_sum_squares": 60, "main_covariate_sum_product": 55, "weight": 0.5},
      {"name": "t", "n": 100, "sum": 60, "sum_squares": 90, "covariate_sum": 41,
       "covariate_sum_squares": 61, "main_covariate_sum_product": 58, "weight": 0.5}]})";
  auto r = ParseStatsJson(doc, "s.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->control, "c");
  ASSERT_EQ(r->metrics.size(), 1u);
  EXPECT_TRUE(r->metrics[0].arms[1].has_covariate);
  EXPECT_EQ(r->weights.size(), 2u);
  auto p = ParseStatsJson(
      R"({"type":"proportion","control":"a","variants":[{"name":"a","n":10,"sum":3},{"name":"b","n":10,"sum":4}]})",
      "p.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->metrics[0].arms[0].sum_squares, 3);
}

TEST(StatsJsonTest, ErrorsNameTheField) {
  auto bad_n = ParseStatsJson(
      R"({"type":"mean","control":"a","variants":[{"name":"a","n":-1,"sum":3,"sum_squares":9}]})",
      "x.json");
  ASSERT_FALSE(bad_n.ok());
  EXPECT_NE(bad_n.status().message().find("x.json.variants[0].n"), std::string::npos);
  auto not_json = ParseStatsJson("{", "y.json");
  EXPECT_NE(not_json.status().message().find("y.json: not valid JSON"), std::string::npos);
  auto text_sum = ParseStatsJson(
      R"({"type":"mean","control":"a","variants":[{"name":"a","n":3,"sum":"x","sum_squares":9}]})",
      "z.json");
  EXPECT_NE(text_sum.status().message().find("sum: expected a number"), std::string::npos);
  auto partial = ParseStatsJson(
      R"({"type":"mean","control":"a","variants":[{"name":"a","n":3,"sum":1,"sum_squares":9,"covariate_sum":1}]})",
      "w.json");
  EXPECT_FALSE(partial.ok());
  auto bad_type = ParseStatsJson(R"({"type":"median","control":"a","variants":[{}]})", "t.json");
  EXPECT_FALSE(bad_type.ok());
}

}  // namespace
}  // namespace fw::experiment
