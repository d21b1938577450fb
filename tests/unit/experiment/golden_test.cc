// SPDX-License-Identifier: Apache-2.0
//
// golden_test.cc: runs every row of tests/golden/experiment/*.csv (made by make_golden.py with
// scipy/statsmodels) through the engine and checks the reference values within each row's
// tolerance. Adding a case means editing the script and regenerating, not C++.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flywheel/experiment/analysis.h"
#include "flywheel/experiment/compare.h"
#include "flywheel/experiment/corrections.h"
#include "flywheel/experiment/power.h"
#include "flywheel/experiment/srm.h"

namespace fw::experiment {
namespace {

using Row = std::map<std::string, std::string>;

std::vector<std::string> Split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

// Reads a golden CSV: '#' lines are comments, the first other line is the header.
std::vector<Row> ReadGolden(const std::string& name) {
  const std::string path = std::string(FW_SOURCE_DIR) + "/tests/golden/experiment/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing golden file " << path;
  std::vector<Row> rows;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto cells = Split(line, ',');
    if (header.empty()) {
      header = cells;
      continue;
    }
    EXPECT_EQ(cells.size(), header.size()) << name << ": " << line;
    Row row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

double D(const Row& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() || it->second.empty() ? 0.0 : std::stod(it->second);
}
bool Has(const Row& r, const std::string& key) {
  auto it = r.find(key);
  return it != r.end() && !it->second.empty();
}

void ExpectNear(const std::string& what, const std::optional<double>& got, const Row& r,
                const std::string& key) {
  const std::string& c = r.at("case");
  if (!Has(r, key)) {
    EXPECT_FALSE(got.has_value()) << c << " " << what << ": expected null, got " << *got;
    return;
  }
  ASSERT_TRUE(got.has_value()) << c << " " << what << ": expected " << r.at(key) << ", got null";
  const double want = D(r, key);
  const double tol = D(r, "tol") * std::max(1.0, std::fabs(want));
  EXPECT_NEAR(*got, want, tol) << c << " " << what;
}

ArmStats Arm(const Row& r, const std::string& s, const std::string& name) {
  ArmStats a;
  a.name = name;
  a.n = static_cast<int64_t>(D(r, "n_" + s));
  a.sum = D(r, "sum_" + s);
  a.sum_squares = D(r, "ss_" + s);
  a.denominator_sum = D(r, "dsum_" + s);
  a.denominator_sum_squares = D(r, "dss_" + s);
  a.main_denominator_sum_product = D(r, "mdp_" + s);
  if (Has(r, "xsum_" + s)) {
    a.has_covariate = true;
    a.covariate_sum = D(r, "xsum_" + s);
    a.covariate_sum_squares = D(r, "xss_" + s);
    a.main_covariate_sum_product = D(r, "mxp_" + s);
  }
  return a;
}

MetricType Type(const std::string& t) {
  if (t == "proportion") return MetricType::kProportion;
  if (t == "ratio") return MetricType::kRatio;
  return MetricType::kMean;
}

TEST(GoldenTest, CompareCasesMatchScipyAndStatsmodels) {
  auto rows = ReadGolden("compare_cases.csv");
  ASSERT_GE(rows.size(), 40u);
  for (const Row& r : rows) {
    SCOPED_TRACE(r.at("case"));
    CompareOptions o;
    o.method = ParseMethod(r.at("method")).value();
    o.test = ParseTestKind(r.at("test")).value();
    o.relative = r.at("relative") == "1";
    o.alternative = ParseAlternative(r.at("alternative")).value();
    o.alpha = D(r, "alpha");
    o.sequential_tuning = D(r, "tuning");
    if (Has(r, "prior_variance")) {
      o.prior_mean = D(r, "prior_mean");
      o.prior_variance = D(r, "prior_variance");
    }
    auto result = Compare(Arm(r, "c", "control"), Arm(r, "t", "treatment"), Type(r.at("type")), o);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const Comparison& c = *result;
    if (Has(r, "null")) {
      EXPECT_FALSE(c.lift.has_value());
      EXPECT_NE(c.null_reason.find(r.at("null")), std::string::npos) << c.null_reason;
      continue;
    }
    EXPECT_TRUE(c.null_reason.empty()) << c.null_reason;
    ExpectNear("lift", c.lift, r, "lift");
    ExpectNear("se", c.se, r, "se");
    ExpectNear("ci_low", c.ci_low, r, "ci_low");
    ExpectNear("ci_high", c.ci_high, r, "ci_high");
    ExpectNear("p_value", c.p_value, r, "p_value");
    if (o.method == Method::kFrequentist && o.test == TestKind::kWelch) {
      ExpectNear("df", c.df, r, "df");
    }
    ExpectNear("chance_to_win", c.chance_to_win, r, "chance_to_win");
    ExpectNear("risk_control", c.risk_control, r, "risk_c");
    ExpectNear("risk_treatment", c.risk_treatment, r, "risk_t");
    EXPECT_NEAR(c.theta, D(r, "theta"), 1e-9 * std::max(1.0, std::fabs(D(r, "theta"))));
  }
}

std::vector<double> Doubles(const std::string& text) {
  std::vector<double> out;
  for (const auto& s : Split(text, ';')) out.push_back(std::stod(s));
  return out;
}

TEST(GoldenTest, SrmMatchesScipyChisquare) {
  for (const Row& r : ReadGolden("srm_cases.csv")) {
    SCOPED_TRACE(r.at("case"));
    std::vector<int64_t> counts;
    for (double c : Doubles(r.at("counts"))) counts.push_back(static_cast<int64_t>(c));
    auto res = CheckSampleRatio(counts, Doubles(r.at("weights")));
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    const double tol = D(r, "tol");
    EXPECT_NEAR(res->chi_square, D(r, "chi_square"), tol * std::max(1.0, D(r, "chi_square")));
    EXPECT_NEAR(res->p_value, D(r, "p_value"), tol);
    EXPECT_EQ(res->warning, D(r, "p_value") < kSrmWarningP);
  }
}

TEST(GoldenTest, CorrectionsMatchStatsmodelsMultipletests) {
  for (const Row& r : ReadGolden("correction_cases.csv")) {
    SCOPED_TRACE(r.at("case"));
    auto adj = AdjustPValues(Doubles(r.at("p_values")), ParseCorrection(r.at("method")).value());
    ASSERT_TRUE(adj.ok());
    auto want = Doubles(r.at("adjusted"));
    ASSERT_EQ(adj->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*adj)[i], want[i], D(r, "tol")) << i;
  }
}

TEST(GoldenTest, PowerMatchesNormalApproximationAndStatsmodels) {
  for (const Row& r : ReadGolden("power_cases.csv")) {
    PowerOptions o{
        .alpha = D(r, "alpha"), .power = D(r, "power"), .two_sided = D(r, "two_sided") == 1};
    auto res = SampleSizeForProportion(D(r, "baseline"), D(r, "mde"), o);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->n_per_arm, static_cast<int64_t>(D(r, "n_per_arm")));
    EXPECT_EQ(res->n_per_arm, static_cast<int64_t>(D(r, "sm_n_per_arm")));  // statsmodels
    // The MDE for that n: scipy brentq on the same formula; at most the planned lift.
    auto mde = MdeForProportion(D(r, "baseline"), res->n_per_arm, o);
    if (Has(r, "mde_for_n")) {
      ASSERT_TRUE(mde.ok()) << mde.status().ToString();
      EXPECT_NEAR(mde->mde, D(r, "mde_for_n"), 1e-9);
      EXPECT_LE(mde->mde, D(r, "mde") + 1e-12);
    }
  }
}

TEST(GoldenTest, ThreeArmsWithCorrectionsMatchScipyAndStatsmodels) {
  for (const Row& r : ReadGolden("multi_arm_cases.csv")) {
    SCOPED_TRACE(r.at("case"));
    MetricInput m;
    m.name = "value";
    for (const auto& [suffix, name] : std::vector<std::pair<std::string, std::string>>{
             {"c", "control"}, {"1", "b"}, {"2", "c"}}) {
      m.arms.push_back(ArmStats{.name = name,
                                .n = static_cast<int64_t>(D(r, "n_" + suffix)),
                                .sum = D(r, "sum_" + suffix),
                                .sum_squares = D(r, "ss_" + suffix)});
    }
    for (const auto& [corr, prefix] : std::vector<std::pair<Correction, std::string>>{
             {Correction::kHolm, "holm_"}, {Correction::kBenjaminiHochberg, "bh_"}}) {
      AnalysisOptions o;
      o.control = "control";
      o.correction = corr;
      o.compare.relative = false;
      auto rep = Analyze(std::span<const MetricInput>(&m, 1), o);
      ASSERT_TRUE(rep.ok()) << rep.status().ToString();
      const auto& res = rep->metrics[0].results;
      ASSERT_EQ(res.size(), 2u);
      for (int i = 0; i < 2; ++i) {
        EXPECT_NEAR(*res[static_cast<size_t>(i)].p_value, D(r, "p_" + std::to_string(i + 1)), 1e-9);
        EXPECT_NEAR(*res[static_cast<size_t>(i)].adjusted_p_value,
                    D(r, prefix + std::to_string(i + 1)), D(r, "tol"));
      }
    }
  }
}

// GrowthBook's own published expectations (tests/golden/experiment/growthbook_cases.csv: the
// header says where each row comes from). Empty cells are not published and not checked;
// "inf"/"-inf" are the open side of a one-sided interval, which must be null here.
void ExpectPublished(const std::string& what, const std::optional<double>& got, const Row& r,
                     const std::string& key, double tol) {
  const std::string& c = r.at("case");
  if (!Has(r, key)) return;
  const std::string& cell = r.at(key);
  if (cell == "inf" || cell == "-inf") {
    EXPECT_FALSE(got.has_value()) << c << " " << what << ": expected null (open side)";
    return;
  }
  ASSERT_TRUE(got.has_value()) << c << " " << what << ": expected " << cell << ", got null";
  const double want = D(r, key);
  EXPECT_NEAR(*got, want, tol * std::max(1.0, std::fabs(want))) << c << " " << what;
}

TEST(GoldenTest, CompareCasesMatchGrowthBookPublishedValues) {
  auto rows = ReadGolden("growthbook_cases.csv");
  ASSERT_GE(rows.size(), 18u);
  for (const Row& r : rows) {
    SCOPED_TRACE(r.at("case"));
    CompareOptions o;
    o.method = ParseMethod(r.at("method")).value();
    o.relative = r.at("relative") == "1";
    o.alternative = ParseAlternative(r.at("alternative")).value();
    o.sequential_tuning = D(r, "tuning");
    if (Has(r, "prior_variance")) {
      o.prior_mean = D(r, "prior_mean");
      o.prior_variance = D(r, "prior_variance");
    }
    auto result = Compare(Arm(r, "c", "control"), Arm(r, "t", "treatment"), Type(r.at("type")), o);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const Comparison& c = *result;
    if (Has(r, "null")) {
      EXPECT_FALSE(c.lift.has_value());
      EXPECT_NE(c.null_reason.find(r.at("null")), std::string::npos) << c.null_reason;
      continue;
    }
    ASSERT_TRUE(c.null_reason.empty()) << c.null_reason;
    const double tol = D(r, "tol");
    ExpectPublished("lift", c.lift, r, "lift", tol);
    ExpectPublished("se", c.se, r, "se", tol);
    ExpectPublished("ci_low", c.ci_low, r, "ci_low", tol);
    ExpectPublished("ci_high", c.ci_high, r, "ci_high", tol);
    ExpectPublished("p_value", c.p_value, r, "p_value", Has(r, "p_tol") ? D(r, "p_tol") : tol);
    if (Has(r, "p_at_least")) {
      ASSERT_TRUE(c.p_value.has_value());
      EXPECT_GE(*c.p_value, D(r, "p_at_least"));
      EXPECT_LE(*c.p_value, 1.0);
    }
    ExpectPublished("chance_to_win", c.chance_to_win, r, "chance_to_win", tol);
    ExpectPublished("risk_control", c.risk_control, r, "risk_c", tol);
    ExpectPublished("risk_treatment", c.risk_treatment, r, "risk_t", tol);
    if (o.method == Method::kBayesian) {
      EXPECT_FALSE(c.p_value.has_value());
    } else {
      EXPECT_FALSE(c.chance_to_win.has_value());
    }
  }
}

TEST(GoldenTest, SrmMatchesGrowthBookPublishedValue) {
  for (const Row& r : ReadGolden("growthbook_srm.csv")) {
    SCOPED_TRACE(r.at("case"));
    std::vector<int64_t> counts;
    for (double c : Doubles(r.at("counts"))) counts.push_back(static_cast<int64_t>(c));
    auto res = CheckSampleRatio(counts, Doubles(r.at("weights")));
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_NEAR(res->p_value, D(r, "p_value"), D(r, "tol"));
    EXPECT_TRUE(res->warning);  // p = 2e-5 < 0.001
  }
}

}  // namespace
}  // namespace fw::experiment
