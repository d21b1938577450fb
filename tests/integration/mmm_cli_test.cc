// SPDX-License-Identifier: Apache-2.0
//
// mmm_cli_test.cc: `flywheel mmm fit|plan|curves|simulate` end to end: the Robyn and PyMC
// example data sets of ../shared/data (held-out R2, and for PyMC the published generating
// parameters in tests/golden/mmm/pymc_truth.json), the workspace save/load path, and the error
// exits for bad inputs. Tests that need the shared data skip when it is absent.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

CliRun Flywheel(const std::string& args) {
  const std::string cmd = std::string(FW_BINARY) + " " + args + " 2>&1";
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, got);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

json RunJson(const std::string& args) {
  CliRun r = Flywheel("--json " + args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
  return json::parse(r.out, nullptr, false);
}

std::string Data(const std::string& rel) { return std::string(FW_SHARED_DATA_DIR) + "/" + rel; }

std::string TempPath(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("fw_mmm_cli_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(MmmCliTest, RobynExampleFitsPlansAndExportsCurves) {
  const std::string csv = Data("mmm_robyn_simulated/dt_simulated_weekly.csv");
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << "../shared/data is absent: " << csv;
  const std::string model = TempPath("robyn.json");
  json fit = RunJson("mmm fit --input " + csv +
                     " --date-col DATE --target revenue --channels tv_S,ooh_S,print_S,facebook_S,"
                     "search_S --controls competitor_sales_B,newsletter,events --model-out " + model);
  ASSERT_TRUE(fit.is_object());
  EXPECT_GE(fit["r2"].get<double>(), 0.8);
  EXPECT_GE(fit["r2_holdout"].get<double>(), 0.8);
  ASSERT_EQ(fit["channels"].size(), 5u);
  for (const auto& [name, ch] : fit["channels"].items()) {
    for (const char* key : {"roas", "mroas", "share", "adstock", "saturation", "beta"}) {
      EXPECT_TRUE(ch.contains(key)) << name << " " << key;
    }
    EXPECT_GE(ch["beta"].get<double>(), 0.0);
  }
  json plan = RunJson("mmm plan --model " + model +
                      " --budget 2600000 --periods 13 --max search_S:30000 --fix print_S:10000");
  ASSERT_TRUE(plan.is_object());
  double total = 0;
  for (const auto& [name, v] : plan["allocation"].items()) total += v.get<double>();
  EXPECT_NEAR(total, 200000.0, 1e-3);
  EXPECT_NEAR(plan["allocation"]["search_S"].get<double>(), 30000.0, 1e-6);
  EXPECT_NEAR(plan["allocation"]["print_S"].get<double>(), 10000.0, 1e-9);
  EXPECT_EQ(plan["bounds"]["search_S"], "max");
  EXPECT_EQ(plan["bounds"]["print_S"], "fixed");
  EXPECT_TRUE(plan["shadow_price"].is_number());
  for (const char* key : {"expected_outcome", "current_outcome", "marginal_roas", "binding"}) {
    EXPECT_TRUE(plan.contains(key)) << key;
  }
  CliRun curves = Flywheel("mmm curves --model " + model + " --points 5");
  ASSERT_EQ(curves.exit_code, 0) << curves.out;
  EXPECT_EQ(std::count(curves.out.begin(), curves.out.end(), '\n'), 1 + 5 * 5);
  // Infeasible: the minimums exceed the budget.
  CliRun bad = Flywheel("mmm plan --model " + model + " --budget 100 --periods 13 --min tv_S:50");
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.out.find("infeasible"), std::string::npos) << bad.out;
}

TEST(MmmCliTest, PymcExampleRecoversPublishedParameters) {
  const std::string csv = Data("mmm_pymc_example/mmm_example.csv");
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << "../shared/data is absent: " << csv;
  std::ifstream in(std::string(FW_SOURCE_DIR) + "/tests/golden/mmm/pymc_truth.json");
  ASSERT_TRUE(in.good());
  const json truth = json::parse(in);
  json fit = RunJson("mmm fit --input " + csv +
                     " --date-col date_week --target y --channels x1,x2 --controls event_1,event_2"
                     " --saturation logistic --max-lag 8");
  ASSERT_TRUE(fit.is_object());
  EXPECT_GE(fit["r2"].get<double>(), 0.8);
  EXPECT_GE(fit["r2_holdout"].get<double>(), 0.8);
  for (const char* ch : {"x1", "x2"}) {
    const double want = truth["channels"][ch]["roas"].get<double>();
    const double got = fit["channels"][ch]["roas"].get<double>();
    EXPECT_NEAR(got / want, 1.0, 0.15) << ch << " roas " << got << " vs published-process " << want;
  }
}

TEST(MmmCliTest, SimulateFitSaveInWorkspaceThenPlanByName) {
  const std::string data = TempPath("sim.csv"), truth = TempPath("truth.json");
  const std::string db = TempPath("ws.db");
  std::filesystem::remove(db);
  CliRun sim = Flywheel("mmm simulate --weeks 104 --channels 3 --seed 4 --out " + data +
                        " --truth " + truth);
  ASSERT_EQ(sim.exit_code, 0) << sim.out;
  json fit = RunJson("--db " + db + " mmm fit --input " + data +
                     " --target sales --channels tv,search,social --controls promo --samples 200"
                     " --bootstrap 10 --save-as q3");
  ASSERT_TRUE(fit.is_object());
  EXPECT_EQ(fit["saved_as"], "q3");
  EXPECT_TRUE(fit["channels"]["tv"]["roas_ci"].is_array());
  json plan = RunJson("--db " + db + " mmm plan --name q3 --budget 520000 --periods 13");
  ASSERT_TRUE(plan.is_object());
  EXPECT_EQ(plan["bootstrap_draws"], 10);
  EXPECT_TRUE(plan["allocation_ci"]["tv"].is_array());
  // The true model plans too (same JSON format), and a missing name is a not-found exit.
  EXPECT_TRUE(RunJson("mmm plan --model " + truth + " --budget 520000").is_object());
  EXPECT_EQ(Flywheel("--db " + db + " mmm plan --name nope --budget 1").exit_code, 4);
}

// The recovery command end to end on one seed (the 10-seed sweep is the slow unit test
// recovery_test.cc): generate mmm, then the fit command it prints, then ROAS against truth.
TEST(MmmCliTest, GenerateMmmThenFitRecoversTrueRoas) {
  const std::string dir = TempPath("gen_mmm");
  std::filesystem::remove_all(dir);
  json gen = RunJson("generate mmm --weeks 156 --seed 2 --out " + dir);
  ASSERT_TRUE(gen.is_object());
  ASSERT_TRUE(std::filesystem::exists(dir + "/truth.json"));
  const std::string fit_command = gen["fit_command"].get<std::string>();
  ASSERT_EQ(fit_command.rfind("flywheel ", 0), 0u) << fit_command;
  json fit = RunJson(fit_command.substr(std::string("flywheel ").size()));
  ASSERT_TRUE(fit.is_object());
  ASSERT_EQ(gen["true_roas"].size(), 4u);
  for (auto& [ch, want] : gen["true_roas"].items()) {
    const double got = fit["channels"][ch]["roas"].get<double>();
    EXPECT_NEAR(got / want.get<double>(), 1.0, 0.15) << ch << " fitted " << got << " true " << want;
  }
}

TEST(MmmCliTest, FitsFromWorkspaceSpendAndEvents) {
  const std::string dir = TempPath("gen"), db = TempPath("gen.db");
  std::filesystem::remove_all(dir);
  std::filesystem::remove(db);
  ASSERT_EQ(Flywheel("generate --users 3000 --days 200 --seed 3 --out " + dir).exit_code, 0);
  ASSERT_EQ(Flywheel("--db " + db + " ingest events " + dir + "/events.csv").exit_code, 0);
  ASSERT_EQ(Flywheel("--db " + db + " ingest spend " + dir + "/spend.csv").exit_code, 0);
  json fit = RunJson("--db " + db + " mmm fit --samples 100 --starts 1 --local-evals 50");
  ASSERT_TRUE(fit.is_object());
  EXPECT_EQ(fit["target"], "revenue");
  EXPECT_EQ(fit["saved_as"], "default");
  EXPECT_GE(fit["channels"].size(), 2u);
  json plan = RunJson("--db " + db + " mmm plan --budget 10000 --periods 4");
  ASSERT_TRUE(plan.is_object());
  double total = 0;
  for (const auto& [name, v] : plan["allocation"].items()) total += v.get<double>();
  EXPECT_NEAR(total, 2500.0, 1e-6);
}

TEST(MmmCliTest, BadInputsExitWithClearErrors) {
  const std::string good = TempPath("good.csv");
  CliRun sim = Flywheel("mmm simulate --weeks 60 --channels 2 --out " + good);
  ASSERT_EQ(sim.exit_code, 0);
  std::ifstream in(good);
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  auto write = [&](const std::string& name, std::vector<std::string> body) {
    std::ofstream out(TempPath(name));
    out << header << "\n";
    for (const auto& r : body) out << r << "\n";
    return TempPath(name);
  };
  const std::string args = " --target sales --channels tv,search";
  // A missing week.
  auto gap = rows;
  gap.erase(gap.begin() + 20);
  CliRun r = Flywheel("mmm fit --input " + write("gap.csv", gap) + args);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("missing period"), std::string::npos) << r.out;
  // Negative spend: "date,sales,tv,..." -> set tv on line 10 to -1.
  auto neg = rows;
  const size_t c1 = neg[8].find(','), c2 = neg[8].find(',', c1 + 1), c3 = neg[8].find(',', c2 + 1);
  neg[8] = neg[8].substr(0, c2 + 1) + "-1" + neg[8].substr(c3);
  r = Flywheel("mmm fit --input " + write("neg.csv", neg) + args);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("negative spend"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":10:"), std::string::npos) << r.out;
  // A non-numeric cell.
  auto text = rows;
  text[5] = text[5].substr(0, text[5].find(',') + 1) + "n/a" +
            text[5].substr(text[5].find(',', text[5].find(',') + 1));
  r = Flywheel("mmm fit --input " + write("text.csv", text) + args);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("n/a"), std::string::npos) << r.out;
  // A constant target.
  auto flat = rows;
  for (auto& row : flat) {
    const size_t a = row.find(','), b = row.find(',', a + 1);
    row = row.substr(0, a + 1) + "100" + row.substr(b);
  }
  r = Flywheel("mmm fit --input " + write("flat.csv", flat) + args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("constant"), std::string::npos) << r.out;
}

}  // namespace
