// SPDX-License-Identifier: Apache-2.0
//
// ope_golden_test.cc: IPS / SNIPS / DM / DR on the Open Bandit Dataset samples against the
// pandas reference in tests/golden/bandit/obd_ope_golden.json (made by make_golden.py there).
// Skips when ../shared/data/obd is absent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "flywheel/bandit/ope.h"

namespace fw::bandit {
namespace {

const std::string kGoldenDir = std::string(FW_SOURCE_DIR) + "/tests/golden/bandit/";
const std::string kObdDir = std::string(FW_SHARED_DATA_DIR) + "/obd/";

TEST(OpeGoldenTest, ObdMatchesPandas) {
  if (!std::filesystem::exists(kObdDir)) {
    GTEST_SKIP() << "no Open Bandit Dataset at " << kObdDir << " (../shared/data is absent)";
  }
  std::ifstream in(kGoldenDir + "obd_ope_golden.json");
  ASSERT_TRUE(in.good());
  const auto doc = nlohmann::json::parse(in);
  LogColumns cols;
  cols.context = doc["context_columns"].get<std::vector<std::string>>();
  std::map<std::string, LoggedBandit> logs;
  int checked = 0;
  for (const auto& c : doc["cases"]) {
    const std::string log_name = c["log"];
    if (!logs.count(log_name)) {
      auto log = ReadLoggedBandit(kObdDir + log_name, cols);
      ASSERT_TRUE(log.ok()) << log.status().message();
      logs.emplace(log_name, std::move(log).value());
    }
    const LoggedBandit& log = logs.at(log_name);
    ASSERT_EQ(log.size(), c["n"].get<size_t>());
    std::string spec = c["policy"];
    if (spec == "on-policy") {
      double mean = 0;
      for (double r : log.reward) mean += r / static_cast<double>(log.size());
      EXPECT_NEAR(mean, c["logged_reward"].get<double>(), 1e-12);
      continue;
    }
    if (spec.rfind("file:", 0) == 0) spec = "file:" + kGoldenDir + spec.substr(5);
    const RewardModel model = FitRewardModel(log);
    auto pi = ParseTargetPolicy(spec, log, model);
    ASSERT_TRUE(pi.ok()) << pi.status().message();
    auto res = EvaluatePolicy(log, *pi, model, {.bootstrap = 0});
    ASSERT_TRUE(res.ok()) << res.status().message();
    const std::string what = log_name + " " + spec;
    EXPECT_NEAR(res->ips.value, c["ips"].get<double>(), 1e-12) << what;
    EXPECT_NEAR(res->snips.value, c["snips"].get<double>(), 1e-12) << what;
    EXPECT_NEAR(res->dm.value, c["dm"].get<double>(), 1e-12) << what;
    EXPECT_NEAR(res->dr.value, c["dr"].get<double>(), 1e-12) << what;
    EXPECT_NEAR(res->logged_reward, c["logged_reward"].get<double>(), 1e-12) << what;
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

}  // namespace
}  // namespace fw::bandit
