// SPDX-License-Identifier: Apache-2.0
//
// experiment_cli_test.cc: `flywheel experiment ...` end to end: the real data sets of
// ../shared/data (Cookie Cats, Hillstrom) against the figures in their SOURCE.txt, the
// workspace path on `flywheel generate` data against its truth.json, the --stats path, and
// error exits. Tests that need the shared data skip when it is absent.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs `flywheel <args>` with stderr discarded and returns its stdout and exit code.
CliRun Flywheel(const std::string& args, const std::string& db = "") {
  std::string cmd = std::string(FW_BINARY) + (db.empty() ? "" : " --db '" + db + "'") + " " + args +
                    " 2>/dev/null";
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

json RunJson(const std::string& args, const std::string& db = "") {
  CliRun r = Flywheel("--json " + args, db);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
  return json::parse(r.out, nullptr, false);
}

std::string Data(const std::string& rel) { return std::string(FW_SHARED_DATA_DIR) + "/" + rel; }

const json& Result(const json& doc, const std::string& metric, const std::string& variant) {
  for (const auto& m : doc["metrics"]) {
    if (m["metric"] != metric) continue;
    for (const auto& r : m["results"]) {
      if (r["variant"] == variant) return r;
    }
  }
  static const json kNull;
  ADD_FAILURE() << "no result for " << metric << " / " << variant;
  return kNull;
}

TEST(ExperimentCliTest, CookieCatsMatchesSource) {
  const std::string file = Data("cookie_cats/cookie_cats.csv");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "shared data absent: " << file;
  json doc = RunJson("experiment analyze --input '" + file +
                     "' --variant-col version --control gate_30 --metric retention_1 "
                     "--metric retention_7");
  // SOURCE.txt: gate_30 n=44,700 retention_1 44.82% retention_7 19.02%;
  //             gate_40 n=45,489 retention_1 44.23% retention_7 18.20%.
  for (const auto& m : doc["metrics"]) {
    EXPECT_EQ(m["type"], "proportion");
    EXPECT_EQ(m["control"]["n"], 44700);
  }
  EXPECT_NEAR(doc["metrics"][0]["control"]["mean"].get<double>(), 20034.0 / 44700, 1e-12);
  EXPECT_NEAR(Result(doc, "retention_1", "gate_40")["mean"].get<double>(), 20119.0 / 45489, 1e-12);
  EXPECT_NEAR(doc["metrics"][1]["control"]["mean"].get<double>(), 8502.0 / 44700, 1e-12);
  EXPECT_NEAR(Result(doc, "retention_7", "gate_40")["mean"].get<double>(), 8279.0 / 45489, 1e-12);
  EXPECT_EQ(Result(doc, "retention_7", "gate_40")["n"], 45489);
  // 7-day retention drops significantly; 1-day is not significant at 5%.
  EXPECT_LT(Result(doc, "retention_7", "gate_40")["p_value"].get<double>(), 0.01);
  EXPECT_GT(Result(doc, "retention_1", "gate_40")["p_value"].get<double>(), 0.05);
  // SRM at 50/50: p = 0.0086, above the 0.001 alarm threshold.
  EXPECT_FALSE(doc["srm"]["warning"].get<bool>());
  EXPECT_NEAR(doc["srm"]["p_value"].get<double>(), 0.0086, 0.0001);
  // Published (DataCamp bootstrap): P(gate_30 has higher retention) ~96% for 1-day and
  // 99.8-100% for 7-day.
  json bayes = RunJson("experiment analyze --input '" + file +
                       "' --variant-col version --control gate_30 --metric retention_1 "
                       "--metric retention_7 --method bayesian");
  const double p1 = 1 - Result(bayes, "retention_1", "gate_40")["chance_to_win"].get<double>();
  const double p7 = 1 - Result(bayes, "retention_7", "gate_40")["chance_to_win"].get<double>();
  EXPECT_NEAR(p1, 0.96, 0.01);
  EXPECT_GE(p7, 0.998);
  // A wrong configured split must raise the alarm.
  json skewed = RunJson("experiment analyze --input '" + file +
                        "' --variant-col version --control gate_30 --metric retention_7 "
                        "--weights gate_30:0.6,gate_40:0.4");
  EXPECT_TRUE(skewed["srm"]["warning"].get<bool>());
}

TEST(ExperimentCliTest, HillstromMatchesSource) {
  const std::string file = Data("hillstrom/hillstrom.csv");
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "shared data absent: " << file;
  json doc = RunJson("experiment analyze --input '" + file +
                     "' --variant-col segment --control 'No E-Mail' --metric visit "
                     "--metric conversion --metric spend --correction holm");
  // SOURCE.txt per-arm figures.
  EXPECT_EQ(doc["metrics"][0]["control"]["n"], 21306);
  EXPECT_NEAR(doc["metrics"][0]["control"]["mean"].get<double>(), 2262.0 / 21306, 1e-12);
  EXPECT_NEAR(Result(doc, "visit", "Mens E-Mail")["mean"].get<double>(), 3894.0 / 21307, 1e-12);
  EXPECT_NEAR(Result(doc, "visit", "Womens E-Mail")["mean"].get<double>(), 3238.0 / 21387, 1e-12);
  EXPECT_NEAR(Result(doc, "conversion", "Mens E-Mail")["mean"].get<double>(), 267.0 / 21307, 1e-12);
  EXPECT_NEAR(Result(doc, "conversion", "Womens E-Mail")["mean"].get<double>(), 189.0 / 21387,
              1e-12);
  EXPECT_NEAR(doc["metrics"][1]["control"]["mean"].get<double>(), 122.0 / 21306, 1e-12);
  EXPECT_NEAR(Result(doc, "spend", "Mens E-Mail")["mean"].get<double>(), 1.4226, 5e-5);
  EXPECT_NEAR(Result(doc, "spend", "Womens E-Mail")["mean"].get<double>(), 1.0772, 5e-5);
  EXPECT_NEAR(doc["metrics"][2]["control"]["mean"].get<double>(), 0.6528, 5e-5);
  EXPECT_EQ(doc["metrics"][1]["type"], "proportion");
  EXPECT_EQ(doc["metrics"][2]["type"], "mean");
  // Both e-mails raise every outcome, even after Holm across 6 tests.
  for (const std::string metric : {"visit", "conversion", "spend"}) {
    for (const std::string arm : {"Mens E-Mail", "Womens E-Mail"}) {
      const json& r = Result(doc, metric, arm);
      EXPECT_GT(r["lift"].get<double>(), 0) << metric << " " << arm;
      EXPECT_LT(r["adjusted_p_value"].get<double>(), 0.05) << metric << " " << arm;
    }
  }
  // One third each: no SRM.
  EXPECT_FALSE(doc["srm"]["warning"].get<bool>());
  EXPECT_GT(doc["srm"]["p_value"].get<double>(), 0.5);
}

TEST(ExperimentCliTest, WorkspaceFindsThePlantedLift) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fw_experiment_it_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "w.db").string();
  ASSERT_EQ(
      Flywheel("generate --users 20000 --seed 7 --out '" + (dir / "data").string() + "'").exit_code,
      0);
  ASSERT_EQ(Flywheel("ingest events '" + (dir / "data/events.csv").string() + "'", db).exit_code,
            0);
  ASSERT_EQ(
      Flywheel("ingest exposures '" + (dir / "data/exposures.csv").string() + "'", db).exit_code,
      0);
  // Three extra users exposed to both arms: reported and excluded.
  const std::string both = (dir / "both.csv").string();
  std::ofstream(both) << "user_id,experiment,variant,timestamp\n"
                         "zz1,checkout_v2,control,2024-02-01T00:00:00Z\n"
                         "zz1,checkout_v2,treatment,2024-02-02T00:00:00Z\n"
                         "zz2,checkout_v2,treatment,2024-02-01T00:00:00Z\n"
                         "zz2,checkout_v2,control,2024-02-03T00:00:00Z\n"
                         "zz3,checkout_v2,control,2024-02-01T00:00:00Z\n"
                         "zz3,checkout_v2,treatment,2024-02-01T00:00:00Z\n";
  ASSERT_EQ(Flywheel("ingest exposures '" + both + "'", db).exit_code, 0);
  ASSERT_EQ(
      Flywheel("experiment create checkout_v2 --variants control:0.5,treatment:0.5", db).exit_code,
      0);
  // Creating it twice is an error; so are bad weights.
  EXPECT_NE(
      Flywheel("experiment create checkout_v2 --variants control:0.5,treatment:0.5", db).exit_code,
      0);
  EXPECT_NE(Flywheel("experiment create other --variants a:0.5,b:0.4", db).exit_code, 0);
  std::ifstream truth_file(dir / "data/truth.json");
  const json truth = json::parse(truth_file);
  const double lift_purchase = truth["experiment"]["lift_purchase_conversion"].get<double>();
  const double lift_retention = truth["experiment"]["lift_retention"].get<double>();
  json doc = RunJson(
      "experiment analyze checkout_v2 --window 60d --metric conversion:purchase "
      "--metric ratio:purchase/add_to_cart --metric retention:7d --metric revenue",
      db);
  EXPECT_EQ(doc["arms"][0]["n"], truth["counts"]["exposures_control"]);
  EXPECT_EQ(doc["arms"][1]["n"], truth["counts"]["exposures_treatment"]);
  EXPECT_EQ(doc["excluded_users"], 3);
  EXPECT_FALSE(doc["srm"]["warning"].get<bool>());
  // Purchases per cart carry exactly the planted purchase lift; day-7 activity the retention
  // lift. Their 95% CIs cover the truth, and conversion is detected.
  const json& ratio = Result(doc, "ratio:purchase/add_to_cart", "treatment");
  EXPECT_LE(ratio["ci"][0].get<double>(), lift_purchase);
  EXPECT_GE(ratio["ci"][1].get<double>(), lift_purchase);
  EXPECT_LT(ratio["p_value"].get<double>(), 0.001);
  const json& ret = Result(doc, "retention:7d", "treatment");
  EXPECT_LE(ret["ci"][0].get<double>(), lift_retention);
  EXPECT_GE(ret["ci"][1].get<double>(), lift_retention);
  EXPECT_LT(Result(doc, "conversion:purchase", "treatment")["p_value"].get<double>(), 0.001);
  // The same per-user metrics computed independently in DuckDB SQL (first exposure, users in
  // two arms dropped, one LEFT JOIN) give the same arm sizes and means as the one-pass kernel.
  const std::string sql =
      "WITH x AS (SELECT user_id, arg_min(variant, ts) AS variant, min(ts) AS t0, "
      "count(DISTINCT variant) AS nv FROM exposures WHERE experiment = 'checkout_v2' "
      "GROUP BY user_id), u AS (SELECT x.user_id, x.variant, "
      "max(CASE WHEN e.event = 'purchase' AND e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 60 DAY "
      "THEN 1 ELSE 0 END) AS conv, "
      "max(CASE WHEN e.ts >= x.t0 + INTERVAL 7 DAY AND e.ts < x.t0 + INTERVAL 8 DAY "
      "THEN 1 ELSE 0 END) AS ret7, "
      "sum(CASE WHEN e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 60 DAY "
      "THEN coalesce(e.revenue, 0) ELSE 0 END) AS rev "
      "FROM x LEFT JOIN events e ON e.user_id = x.user_id WHERE x.nv = 1 "
      "GROUP BY x.user_id, x.variant) "
      "SELECT variant, count(*) AS n, avg(conv) AS conv, avg(ret7) AS ret7, avg(rev) AS rev "
      "FROM u GROUP BY variant ORDER BY variant";
  json by_sql = RunJson("sql \"" + sql + "\"", db);
  ASSERT_TRUE(by_sql.is_array());
  ASSERT_EQ(by_sql.size(), 2u);
  for (const json& row : by_sql) {
    const std::string arm = row["variant"].get<std::string>();
    auto mean_of = [&](const std::string& metric) {
      for (const auto& m : doc["metrics"]) {
        if (m["metric"] != metric) continue;
        if (m["control"]["variant"] == arm) return m["control"]["mean"].get<double>();
        return Result(doc, metric, arm)["mean"].get<double>();
      }
      return -1.0;
    };
    const int64_t n_sql = row["n"].get<int64_t>();
    EXPECT_EQ(
        arm == "control" ? doc["arms"][0]["n"].get<int64_t>() : doc["arms"][1]["n"].get<int64_t>(),
        n_sql);
    EXPECT_NEAR(mean_of("conversion:purchase"), row["conv"].get<double>(), 1e-12) << arm;
    EXPECT_NEAR(mean_of("retention:7d"), row["ret7"].get<double>(), 1e-12) << arm;
    EXPECT_NEAR(mean_of("revenue"), row["rev"].get<double>(), 1e-9) << arm;
    EXPECT_GT(row["conv"].get<double>(), 0.01) << arm;  // not vacuous
  }
  // CUPED on a pre-period covariate narrows nothing it should not: it still runs and reports theta.
  json cuped =
      RunJson("experiment analyze checkout_v2 --metric count:view --cuped pre:count:view:14", db);
  EXPECT_FALSE(cuped["metrics"][0]["results"][0]["cuped_theta"].is_null());
  // Assignment is deterministic.
  json a1 = RunJson("experiment assign --experiment checkout_v2 --user u0000042", db);
  json a2 = RunJson("experiment assign --experiment checkout_v2 --user u0000042", db);
  EXPECT_EQ(a1, a2);
  EXPECT_EQ(a1["assignments"][0]["status"], "assigned");
  std::filesystem::remove_all(dir);
}

TEST(ExperimentCliTest, StatsJsonPathAndErrors) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fw_experiment_stats_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string stats = (dir / "s.json").string();
  std::ofstream(stats) << R"({"type": "proportion", "control": "control", "variants": [
      {"name": "control", "n": 44700, "sum": 8502},
      {"name": "treatment", "n": 45489, "sum": 8279}]})";
  json doc = RunJson("experiment analyze --stats '" + stats + "' --test z-pooled --absolute");
  // statsmodels proportions_ztest([8279, 8502], [45489, 44700]) -> z = -3.1644, p = 0.001554.
  EXPECT_NEAR(doc["metrics"][0]["results"][0]["p_value"].get<double>(), 0.0015540, 2e-6);
  // Errors: unknown control, empty input, non-numeric metric.
  EXPECT_NE(Flywheel("experiment analyze --stats '" + stats + "' --control nope").exit_code, 0);
  const std::string empty = (dir / "empty.csv").string();
  std::ofstream(empty) << "variant,value\n";
  EXPECT_NE(Flywheel("experiment analyze --input '" + empty +
                     "' --variant-col variant --control a --metric value")
                .exit_code,
            0);
  const std::string text = (dir / "text.csv").string();
  std::ofstream(text) << "variant,value\na,1\nb,x\na,2\nb,3\n";
  CliRun bad = Flywheel("experiment analyze --input '" + text +
                        "' --variant-col variant --control a --metric value");
  EXPECT_NE(bad.exit_code, 0);
  json adj = RunJson("experiment adjust --method holm 0.01,0.04,0.03");
  EXPECT_NEAR(adj["adjusted"][0].get<double>(), 0.03, 1e-12);
  json power = RunJson("experiment power --baseline 0.1 --mde 0.05");
  EXPECT_EQ(power["n_per_arm"], 57760);
  std::filesystem::remove_all(dir);
}

TEST(ExperimentCliTest, UdacityLandingPageMatchesSource) {
  // ../shared/data/udacity_ab/SOURCE.txt, cleaned counts: control 17,489 / 145,274, treatment
  // 17,264 / 145,310; two-proportion z-test z = -1.311, two-sided p = 0.1899, one-sided
  // (H1: new > old) p = 0.9051. statsmodels proportions_ztest([17264, 17489], [145310, 145274])
  // gives z = -1.3109241984234394, p = 0.18988337448195103 (alternative="larger":
  // 0.9050583127590245).
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fw_experiment_udacity_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string stats = (dir / "ab.json").string();
  std::ofstream(stats) << R"({"type": "proportion", "control": "control", "metric": "converted",
      "variants": [{"name": "control", "n": 145274, "sum": 17489},
                   {"name": "treatment", "n": 145310, "sum": 17264}]})";
  json two = RunJson("experiment analyze --stats '" + stats + "' --test z-pooled --absolute");
  const json& r = two["metrics"][0]["results"][0];
  EXPECT_NEAR(r["statistic"].get<double>(), -1.3109241984234394, 1e-9);
  EXPECT_NEAR(r["p_value"].get<double>(), 0.18988337448195103, 1e-9);
  EXPECT_NEAR(r["lift"].get<double>(), 17264.0 / 145310 - 17489.0 / 145274, 1e-15);
  EXPECT_TRUE(r["chance_to_win"].is_null());
  json one = RunJson("experiment analyze --stats '" + stats +
                     "' --test z-pooled --absolute --alternative greater");
  const json& g = one["metrics"][0]["results"][0];
  EXPECT_NEAR(g["p_value"].get<double>(), 0.9050583127590245, 1e-9);
  EXPECT_TRUE(g["ci"][1].is_null());  // the open side of a one-sided interval
  EXPECT_FALSE(g["ci"][0].is_null());
  EXPECT_FALSE(two["srm"]["warning"].get<bool>());
  std::filesystem::remove_all(dir);
}

TEST(ExperimentCliTest, InputAndStatsPathsAgreeWithCuped) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fw_experiment_paths_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A small per-user table with a covariate, and the same data as summary statistics.
  const std::string table = (dir / "users.csv").string();
  std::ofstream out(table);
  out.precision(17);
  out << "arm,y,x\n";
  double sums[2][6] = {};  // n, sum y, sum y^2, sum x, sum x^2, sum xy
  for (int i = 0; i < 400; ++i) {
    const int arm = i % 2;
    const double x = (i * 37 % 101) / 10.0;
    const double y = 0.7 * x + (i * 53 % 29) / 7.0 + (arm ? 0.4 : 0.0);
    out << (arm ? "t" : "c") << "," << y << "," << x << "\n";
    double* s = sums[arm];
    s[0] += 1, s[1] += y, s[2] += y * y, s[3] += x, s[4] += x * x, s[5] += x * y;
  }
  out.close();
  const std::string stats = (dir / "stats.json").string();
  json doc = {{"type", "mean"}, {"control", "c"}, {"metric", "y"}, {"variants", json::array()}};
  for (int arm = 0; arm < 2; ++arm) {
    const double* s = sums[arm];
    doc["variants"].push_back({{"name", arm ? "t" : "c"},
                               {"n", s[0]},
                               {"sum", s[1]},
                               {"sum_squares", s[2]},
                               {"covariate_sum", s[3]},
                               {"covariate_sum_squares", s[4]},
                               {"main_covariate_sum_product", s[5]}});
  }
  std::ofstream(stats) << doc.dump();
  for (const std::string method : {"frequentist", "bayesian", "sequential"}) {
    json a = RunJson("experiment analyze --input '" + table +
                     "' --variant-col arm --control c --metric y --covariate x --method " + method);
    json b = RunJson("experiment analyze --stats '" + stats + "' --method " + method);
    const json& ra = a["metrics"][0]["results"][0];
    const json& rb = b["metrics"][0]["results"][0];
    EXPECT_FALSE(ra["cuped_theta"].is_null());
    EXPECT_NEAR(ra["lift"].get<double>(), rb["lift"].get<double>(), 1e-9) << method;
    EXPECT_NEAR(ra["ci"][0].get<double>(), rb["ci"][0].get<double>(), 1e-9) << method;
    EXPECT_NEAR(ra["cuped_theta"].get<double>(), rb["cuped_theta"].get<double>(), 1e-9);
  }
  // CUPED narrows the interval compared to the unadjusted analysis.
  json plain = RunJson("experiment analyze --input '" + table +
                       "' --variant-col arm --control c --metric y");
  json adjusted = RunJson("experiment analyze --input '" + table +
                          "' --variant-col arm --control c --metric y --covariate x");
  EXPECT_LT(adjusted["metrics"][0]["results"][0]["se"].get<double>(),
            plain["metrics"][0]["results"][0]["se"].get<double>());
  std::filesystem::remove_all(dir);
}

}  // namespace
