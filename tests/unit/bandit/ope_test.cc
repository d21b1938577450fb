// SPDX-License-Identifier: Apache-2.0
//
// ope_test.cc: off-policy estimators on synthetic logs with a known true policy value, bad
// input, and the Open Bandit Dataset sample (skipped when ../shared/data is absent).
#include "flywheel/bandit/ope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "flywheel/core/rng.h"

namespace fw::bandit {
namespace {

// Two contexts, three actions; the logging policy prefers action 0, the target prefers action 2.
constexpr double kTrue[2][3] = {{0.10, 0.20, 0.30}, {0.40, 0.15, 0.05}};
constexpr double kLogging[3] = {0.6, 0.3, 0.1};

struct Synthetic {
  LoggedBandit log;
  double truth;
};

Synthetic MakeLog(uint64_t seed, int n, const std::vector<std::vector<double>>& target) {
  Rng rng(seed);
  std::vector<std::string> actions, contexts;
  std::vector<double> rewards, props;
  for (int i = 0; i < n; ++i) {
    const int x = rng.Bernoulli(0.5) ? 1 : 0;
    const double u = rng.Uniform();
    const int a = u < kLogging[0] ? 0 : (u < kLogging[0] + kLogging[1] ? 1 : 2);
    actions.push_back(std::to_string(a));
    contexts.push_back(std::to_string(x));
    rewards.push_back(rng.Bernoulli(kTrue[x][a]) ? 1.0 : 0.0);
    props.push_back(kLogging[a]);
  }
  double truth = 0.0;
  for (int x = 0; x < 2; ++x) {
    for (int a = 0; a < 3; ++a) truth += 0.5 * target[x][a] * kTrue[x][a];
  }
  auto log = MakeLoggedBandit(actions, contexts, rewards, props);
  EXPECT_TRUE(log.ok());
  return {std::move(log).value(), truth};
}

TEST(OpeTest, IpsAndDrAreUnbiasedAndDrHasLowerVariance) {
  const std::vector<std::vector<double>> target = {{0.1, 0.1, 0.8}, {0.8, 0.1, 0.1}};
  const int reps = 40;
  double ips_sum = 0, dr_sum = 0, ips_sq = 0, dr_sq = 0;
  int ips_cover = 0, dr_cover = 0;
  double truth = 0;
  for (int r = 0; r < reps; ++r) {
    Synthetic s = MakeLog(1000 + r, 3000, target);
    truth = s.truth;
    TargetPolicy pi{"test", target};
    OpeOptions opt{.bootstrap = 200, .seed = static_cast<uint64_t>(r)};
    auto res = EvaluatePolicy(s.log, pi, FitRewardModel(s.log), opt);
    ASSERT_TRUE(res.ok()) << res.status().message();
    ips_sum += res->ips.value;
    dr_sum += res->dr.value;
    ips_sq += res->ips.value * res->ips.value;
    dr_sq += res->dr.value * res->dr.value;
    ips_cover += res->ips.lo <= truth && truth <= res->ips.hi;
    dr_cover += res->dr.lo <= truth && truth <= res->dr.hi;
  }
  const double ips_mean = ips_sum / reps, dr_mean = dr_sum / reps;
  const double ips_var = ips_sq / reps - ips_mean * ips_mean;
  const double dr_var = dr_sq / reps - dr_mean * dr_mean;
  EXPECT_NEAR(ips_mean, truth, 3 * std::sqrt(ips_var / reps));
  EXPECT_NEAR(dr_mean, truth, 3 * std::sqrt(dr_var / reps));
  EXPECT_LT(dr_var, ips_var);
  EXPECT_GE(ips_cover, reps * 8 / 10);
  EXPECT_GE(dr_cover, reps * 8 / 10);
}

TEST(OpeTest, PolicySpecs) {
  Synthetic s = MakeLog(5, 5000, {{1, 0, 0}, {1, 0, 0}});
  const RewardModel model = FitRewardModel(s.log);
  auto greedy = ParseTargetPolicy("greedy-dm", s.log, model);
  ASSERT_TRUE(greedy.ok());
  EXPECT_EQ(greedy->probs[0][2], 1.0);  // context 0: action 2 is best
  EXPECT_EQ(greedy->probs[1][0], 1.0);  // context 1: action 0
  auto eps = ParseTargetPolicy("epsilon:0.3", s.log, model);
  ASSERT_TRUE(eps.ok());
  EXPECT_NEAR(eps->probs[0][2], 0.7 + 0.1, 1e-12);
  auto fixed = ParseTargetPolicy("fixed:1", s.log, model);
  ASSERT_TRUE(fixed.ok());
  auto res = EvaluatePolicy(s.log, *fixed, model, {.bootstrap = 0});
  ASSERT_TRUE(res.ok());
  EXPECT_NEAR(res->snips.value, 0.5 * 0.20 + 0.5 * 0.15, 0.03);
  EXPECT_FALSE(res->has_ci);
  // The uniform policy's SNIPS equals the mean of per-action means, weighted by 1/3.
  auto uni = ParseTargetPolicy("uniform", s.log, model);
  ASSERT_TRUE(uni.ok());
  EXPECT_NEAR(uni->probs[1][1], 1.0 / 3, 1e-12);
  EXPECT_FALSE(ParseTargetPolicy("fixed:9", s.log, model).ok());
  EXPECT_FALSE(ParseTargetPolicy("epsilon:2", s.log, model).ok());
  EXPECT_FALSE(ParseTargetPolicy("bogus", s.log, model).ok());
}

TEST(OpeTest, BadLogsNameTheLine) {
  auto bad = MakeLoggedBandit({"a", "b"}, {"", ""}, {1, 0}, {0.5, 0.0});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("log:2"), std::string::npos) << bad.status().message();
  const std::string path = ::testing::TempDir() + "/ope_bad.csv";
  std::ofstream(path) << "item_id,click,propensity_score\n1,0,0.5\n2,1,-0.1\n";
  auto r = ReadLoggedBandit(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(":3"), std::string::npos) << r.status().message();
  std::ofstream(path) << "item_id,click\n1,0\n";
  EXPECT_FALSE(ReadLoggedBandit(path, {}).ok());
}

TEST(OpeTest, PolicyFileWithContextColumns) {
  const std::string log_path = ::testing::TempDir() + "/ope_log.csv";
  std::ofstream(log_path) << "item_id,position,click,propensity_score\n"
                             "0,1,1,0.5\n1,1,0,0.5\n0,2,0,0.5\n1,2,1,0.5\n";
  auto log = ReadLoggedBandit(log_path, {.context = {"position"}});
  ASSERT_TRUE(log.ok()) << log.status().message();
  const std::string pol = ::testing::TempDir() + "/ope_pol.csv";
  std::ofstream(pol) << "position,action,probability\n1,0,1\n2,1,1\n";
  auto pi = ParseTargetPolicy("file:" + pol, *log, FitRewardModel(*log));
  ASSERT_TRUE(pi.ok()) << pi.status().message();
  auto res = EvaluatePolicy(*log, *pi, FitRewardModel(*log), {.bootstrap = 0});
  ASSERT_TRUE(res.ok());
  EXPECT_DOUBLE_EQ(res->ips.value, 1.0);  // (2*1 + 2*1) / 4
  std::ofstream(pol) << "position,action,probability\n1,0,0.5\n2,1,1\n";
  EXPECT_FALSE(ParseTargetPolicy("file:" + pol, *log, FitRewardModel(*log)).ok());
}

}  // namespace
}  // namespace fw::bandit
