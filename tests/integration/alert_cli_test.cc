// SPDX-License-Identifier: Apache-2.0
//
// alert_cli_test.cc: `flywheel alert add|list|remove` end to end on a temp workspace: a rule
// round-trips through the alert_rules table, bad input exits 3 (kExitInvalidData) with a
// message naming the bad value, and a missing rule exits 4.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together (the messages are on stderr)
};

CliRun Flywheel(const std::string& db, const std::string& args) {
  const std::string cmd = std::string(FW_BINARY) + " --db '" + db + "' " + args + " 2>&1";
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, got);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string TempDb(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("fw_alert_cli_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "flywheel.db").string();
}

TEST(AlertCliTest, AddListRemoveRoundTrip) {
  const std::string db = TempDb("roundtrip");
  CliRun add = Flywheel(db, "--json alert add low_purchases --metric conversion:purchase "
                            "--by channel --drop 30% --window 1h");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  const json added = json::parse(add.out, nullptr, false);
  ASSERT_TRUE(added.is_object()) << add.out;
  EXPECT_EQ(added["name"], "low_purchases");
  EXPECT_DOUBLE_EQ(added["drop"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(added["window_s"].get<double>(), 3600.0);

  ASSERT_EQ(Flywheel(db, "alert add revenue_dip --metric revenue --drop 0.5 --window 30m")
                .exit_code, 0);
  CliRun list = Flywheel(db, "--json alert list");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  const json rules = json::parse(list.out, nullptr, false);
  ASSERT_TRUE(rules.is_array()) << list.out;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["name"], "low_purchases");  // by name
  EXPECT_EQ(rules[0]["metric"], "conversion:purchase");
  EXPECT_EQ(rules[0]["by"], "channel");
  EXPECT_EQ(rules[1]["name"], "revenue_dip");
  EXPECT_TRUE(rules[1]["by"].is_null());
  EXPECT_DOUBLE_EQ(rules[1]["window_s"].get<double>(), 1800.0);
  EXPECT_NE(Flywheel(db, "alert list").out.find("low_purchases"), std::string::npos);

  // A name is unique.
  CliRun again = Flywheel(db, "alert add low_purchases --metric revenue --drop 10%");
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;

  CliRun removed = Flywheel(db, "alert remove low_purchases");
  EXPECT_EQ(removed.exit_code, 0) << removed.out;
  const json left = json::parse(Flywheel(db, "--json alert list").out, nullptr, false);
  ASSERT_TRUE(left.is_array());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["name"], "revenue_dip");
  CliRun missing = Flywheel(db, "alert remove low_purchases");
  EXPECT_EQ(missing.exit_code, 4) << missing.out;
  EXPECT_NE(missing.out.find("no such rule"), std::string::npos) << missing.out;
}

TEST(AlertCliTest, AnomalyRulesRoundTripWithTheirParameters) {
  const std::string db = TempDb("anomaly");
  CliRun add = Flywheel(db, "--json alert add purchases_chart --metric conversion:purchase "
                            "--by channel --anomaly cusum --k 0.25 --h 4 --window 1h");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  const json added = json::parse(add.out, nullptr, false);
  ASSERT_TRUE(added.is_object()) << add.out;
  EXPECT_EQ(added["kind"], "cusum");
  EXPECT_DOUBLE_EQ(added["k"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(added["h"].get<double>(), 4.0);
  EXPECT_FALSE(added.contains("drop"));
  ASSERT_EQ(Flywheel(db, "alert add revenue_ewma --metric revenue --anomaly ewma --window 30m")
                .exit_code, 0);
  const json rules = json::parse(Flywheel(db, "--json alert list").out, nullptr, false);
  ASSERT_TRUE(rules.is_array());
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]["kind"], "cusum");
  EXPECT_DOUBLE_EQ(rules[0]["k"].get<double>(), 0.25);
  EXPECT_EQ(rules[1]["kind"], "ewma");
  EXPECT_DOUBLE_EQ(rules[1]["lambda"].get<double>(), 0.2);  // the defaults
  EXPECT_DOUBLE_EQ(rules[1]["sigma"].get<double>(), 3.0);
  const std::string table = Flywheel(db, "alert list").out;
  EXPECT_NE(table.find("CUSUM chart (k 0.25 sd, h 4 sd)"), std::string::npos) << table;
  EXPECT_NE(table.find("EWMA chart (lambda 0.2, limit 3 sd)"), std::string::npos) << table;
}

TEST(AlertCliTest, BadInputExitsThreeAndNamesTheValue) {
  const std::string db = TempDb("bad");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"alert add a --metric clicks --drop 30%", "--metric 'clicks': unknown metric"},
      {"alert add a --metric conversion: --drop 30%", "unknown metric"},
      {"alert add a --metric revenue --drop 0%", "--drop '0%'"},
      {"alert add a --metric revenue --drop 130%", "(0, 100%]"},
      {"alert add a --metric revenue --drop=-5%", "--drop '-5%'"},
      {"alert add a --metric revenue --drop lots", "--drop 'lots'"},
      {"alert add a --metric revenue --drop 30% --window 0h", "--window '0h'"},
      {"alert add a --metric revenue --drop 30% --window -1h", "--window '-1h'"},
      {"alert add a --metric revenue --drop 30% --by country", "--by 'country'"},
      {"alert add 'a b' --metric revenue --drop 30%", "rule name 'a b'"},
      {"alert add a --metric revenue", "give --drop SHARE or --anomaly ewma|cusum"},
      {"alert add a --metric revenue --drop 30% --anomaly ewma", "give one, not both"},
      {"alert add a --metric revenue --anomaly zscore", "--anomaly 'zscore'"},
      {"alert add a --metric revenue --anomaly ewma --lambda 0", "--lambda '0'"},
      {"alert add a --metric revenue --anomaly ewma --lambda 1.5", "(0, 1]"},
      {"alert add a --metric revenue --anomaly ewma --sigma x", "--sigma 'x'"},
      {"alert add a --metric revenue --anomaly ewma --k 1", "CUSUM parameters"},
      {"alert add a --metric revenue --anomaly cusum --h 0", "--h '0'"},
      {"alert add a --metric revenue --anomaly cusum --k=-1", "--k '-1'"},
      {"alert add a --metric revenue --anomaly cusum --lambda 0.2", "EWMA parameters"},
      {"alert add a --metric revenue --drop 30% --sigma 3", "need --anomaly"},
  };
  for (const Case& c : cases) {
    CliRun r = Flywheel(db, c.args);
    EXPECT_EQ(r.exit_code, 3) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
  }
  // 100% is the edge of the range and allowed.
  EXPECT_EQ(Flywheel(db, "alert add all_gone --metric revenue --drop 100%").exit_code, 0);
  const json rules = json::parse(Flywheel(db, "--json alert list").out, nullptr, false);
  ASSERT_TRUE(rules.is_array());
  EXPECT_EQ(rules.size(), 1u);  // none of the bad ones was stored
}

}  // namespace
