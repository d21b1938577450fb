// SPDX-License-Identifier: Apache-2.0
//
// analytics_cli_test.cc: the analytics commands end to end on a `flywheel generate` workspace
// (acquisition shares against truth.json, exact attribution totals, every command's --json
// shape, bad input exits) and `flywheel clv --summary` on CDNOW against the published fit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

CliRun Flywheel(const std::string& args, const std::string& db = "") {
  std::string cmd = std::string(FW_BINARY) + (db.empty() ? "" : " --db '" + db + "'") + " " +
                    args + " 2>/dev/null";
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

json RunJson(const std::string& args, const std::string& db) {
  CliRun r = Flywheel("--json " + args, db);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
  return json::parse(r.out, nullptr, false);
}

class AnalyticsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("fw_analytics_cli_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "w.db").string();
    const std::string data = (dir_ / "data").string();
    ASSERT_EQ(Flywheel("generate --users 20000 --seed 3 --out '" + data + "'").exit_code, 0);
    for (const char* table : {"events", "spend", "exposures"}) {
      ASSERT_EQ(Flywheel(std::string("ingest ") + table + " '" + data + "/" + table + ".csv'", db_)
                    .exit_code,
                0);
    }
    std::ifstream in(data + "/truth.json");
    truth_ = json::parse(in);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  static std::filesystem::path dir_;
  static std::string db_;
  static json truth_;
};
std::filesystem::path AnalyticsCliTest::dir_;
std::string AnalyticsCliTest::db_;
json AnalyticsCliTest::truth_;

TEST_F(AnalyticsCliTest, AcquisitionSharesMatchTruthAndCreditsSumExactly) {
  for (const char* model : {"first", "last", "linear", "time-decay:3", "position"}) {
    json doc = RunJson(std::string("acquisition --attribution ") + model, db_);
    const json& totals = doc["totals"];
    EXPECT_EQ(totals["attributed_conversions"].get<double>(), totals["conversions"].get<double>());
    EXPECT_NEAR(totals["attributed_revenue"].get<double>(), totals["revenue"].get<double>(), 1e-6);
    if (std::string(model) != "first") continue;
    // Expected first-touch share per channel: sum over segments of share x acquisition mix.
    std::map<std::string, double> expected;
    for (const auto& seg : truth_["segments"]) {
      for (const auto& [channel, p] : seg["acquisition_mix"].items()) {
        expected[channel] += seg["share"].get<double>() * p.get<double>();
      }
    }
    const double n = 20000;
    for (const auto& ch : doc["channels"]) {
      const std::string name = ch["channel"];
      ASSERT_TRUE(expected.count(name)) << name;
      const double p = expected[name];
      const double share = ch["new_users"].get<double>() / n;
      EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / n)) << name;
      if (ch["spend"].is_null()) {
        EXPECT_TRUE(ch["cac"].is_null());
        EXPECT_EQ(ch["cac_null_reason"], "no spend rows");
      }
    }
  }
}

// Days from 1970-01-01 of a "YYYY-MM-DD..." date (Howard Hinnant's days_from_civil).
int64_t DaysOf(const std::string& iso) {
  int64_t y = std::stoll(iso.substr(0, 4));
  const int64_t m = std::stoll(iso.substr(5, 2)), d = std::stoll(iso.substr(8, 2));
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

// P(a user of `seg` acquired through a channel with per-session purchase rate q purchases within
// `window_days` of signup), from the generator's model as truth.json documents it
// (docs/generate.md): a session on the signup day, then one on day d with probability
// peak*exp(-d/tau) + floor; a session purchases with probability q. Averaged over the uniform
// signup day and the 50/50 experiment arm, whose treatment (from the first session on or after
// the experiment start) multiplies q by 1 + lift_purchase and later activity by
// 1 + lift_retention. A purchase on day `window_days` counts only if it falls before the signup
// time of day (uniform over the first 20 hours): probability 10/24 / 1 day ~ 5/12.
double ExpectedConversion(const json& truth, const json& seg, double q, int window_days) {
  const int days = truth["days"].get<int>();
  const int64_t start_day =
      DaysOf(truth["experiment"]["start"].get<std::string>()) - DaysOf(truth["start"].get<std::string>());
  const double lift_q = 1 + truth["experiment"]["lift_purchase_conversion"].get<double>();
  const double lift_a = 1 + truth["experiment"]["lift_retention"].get<double>();
  const double peak = seg["daily_active"]["peak"].get<double>();
  const double tau = seg["daily_active"]["tau_days"].get<double>();
  const double floor = seg["daily_active"]["floor"].get<double>();
  double total = 0;
  for (int signup = 0; signup < days; ++signup) {
    for (int treat = 0; treat < 2; ++treat) {
      double mass[2] = {1, 0};  // P(no purchase yet), by exposed-to-the-experiment
      for (int day = signup; day < days && day <= signup + window_days; ++day) {
        const int offset = day - signup;
        const double counts = offset == window_days ? 5.0 / 12.0 : 1.0;
        double next[2] = {0, 0};
        for (int exposed = 0; exposed < 2; ++exposed) {
          double active = offset == 0 ? 1.0 : peak * std::exp(-offset / tau) + floor;
          if (exposed && treat) active = std::min(1.0, active * lift_a);
          const int now_exposed = exposed || day >= start_day;
          const double p = q * (now_exposed && treat ? lift_q : 1.0) * counts;
          next[now_exposed] += mass[exposed] * active * (1 - p);
          next[exposed] += mass[exposed] * (1 - active);
        }
        mass[0] = next[0];
        mass[1] = next[1];
      }
      total += 1 - mass[0] - mass[1];
    }
  }
  return total / (2.0 * days);
}

TEST_F(AnalyticsCliTest, ConversionRatesAndCostPerNewUserMatchTruth) {
  // The generator draws each user's segment, then the acquisition channel from that segment's
  // mix; the expected conversion rate and cost per new user of a channel are the mix-weighted
  // means over segments. Tolerance: 4 binomial (resp. sampling) standard errors.
  json doc = RunJson("acquisition --conversion-window 30d", db_);
  int checked = 0;
  for (const auto& ch : doc["channels"]) {
    const std::string name = ch["channel"];
    double weight = 0, conv = 0, cpa = 0, cpa2 = 0;
    for (const auto& seg : truth_["segments"]) {
      const double w = seg["share"].get<double>() * seg["acquisition_mix"][name].get<double>();
      const double q = seg["purchase_rate_per_session"][name].get<double>();
      const double c = seg["cost_per_acquisition"][name].get<double>();
      weight += w;
      conv += w * ExpectedConversion(truth_, seg, q, 30);
      cpa += w * c;
      cpa2 += w * c * c;
    }
    conv /= weight;
    cpa /= weight;
    const double n = ch["new_users"].get<double>();
    const double rate = ch["conversion_rate"].get<double>();
    EXPECT_NEAR(rate, conv, 4 * std::sqrt(conv * (1 - conv) / n)) << name;
    EXPECT_NEAR(rate, ch["customers"].get<double>() / n, 1e-12) << name;
    if (!ch["spend"].is_null()) {
      const double sd = std::sqrt(std::max(0.0, cpa2 / weight - cpa * cpa));
      EXPECT_NEAR(ch["spend"].get<double>() / n, cpa, 4 * sd / std::sqrt(n) + 1e-9) << name;
      EXPECT_NEAR(ch["cac"].get<double>(), ch["spend"].get<double>() / ch["customers"].get<double>(),
                  1e-9)
          << name;
      EXPECT_NEAR(ch["roas"].get<double>(), ch["revenue"].get<double>() / ch["spend"].get<double>(),
                  1e-9)
          << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST_F(AnalyticsCliTest, EveryCommandPrintsItsJsonShape) {
  json r = RunJson("retention --period week --periods 6", db_);
  ASSERT_FALSE(r["cohorts"].empty());
  for (const char* key : {"start", "size", "retained", "rates", "incomplete"}) {
    EXPECT_TRUE(r["cohorts"][0].contains(key)) << key;
  }
  EXPECT_EQ(r["average"].size(), 6u);
  EXPECT_EQ(r["cohorts"][0]["retained"][0], r["cohorts"][0]["size"]);
  json f = RunJson("funnel signup view purchase --window 7d", db_);
  ASSERT_EQ(f["steps"].size(), 3u);
  EXPECT_EQ(f["steps"][0]["users"], 20000);
  EXPECT_TRUE(f.contains("in_progress"));
  json by = RunJson("funnel signup purchase --by variant --experiment checkout_v2", db_);
  EXPECT_EQ(by["groups"].size(), 3u);  // (not exposed), control, treatment
  json l = RunJson("lifecycle --period month", db_);
  EXPECT_EQ(l["periods"].size(), 3u);
  json s = RunJson("stickiness", db_);
  EXPECT_FALSE(s["days"].empty());
  json c = RunJson("clv --by first_channel", db_);
  EXPECT_GT(c["bgnbd"]["r"].get<double>(), 0);
  EXPECT_EQ(c["groups"].size(), 5u);
}

TEST_F(AnalyticsCliTest, BadInputExitsWithAClearCode) {
  EXPECT_NE(Flywheel("funnel signup", db_).exit_code, 0);
  EXPECT_EQ(Flywheel("funnel signup nope", db_).exit_code, 4);
  EXPECT_NE(Flywheel("funnel signup view --window 0d", db_).exit_code, 0);
  EXPECT_NE(Flywheel("retention --period year", db_).exit_code, 0);
  const std::string empty = (dir_ / "empty.db").string();
  ASSERT_EQ(Flywheel("info", empty).exit_code, 0);  // creates an empty workspace
  const CliRun r = Flywheel("retention", empty);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 1);  // not an internal error
}

TEST(AnalyticsClvCliTest, CdnowSummaryGivesThePublishedFit) {
  const std::string file =
      std::string(FW_SHARED_DATA_DIR) + "/cdnow/cdnow_customers_summary_with_transactions.csv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "shared data absent: " << file;
  json doc = RunJson("clv --summary '" + file + "'", "");
  // SOURCE.txt: r=0.242593, alpha=4.413532, a=0.792886, b=2.425752; p=6.25, q=3.74, v=15.45.
  EXPECT_NEAR(doc["bgnbd"]["r"].get<double>(), 0.242593, 1e-4);
  EXPECT_NEAR(doc["bgnbd"]["alpha"].get<double>(), 4.413532, 2e-3);
  EXPECT_NEAR(doc["bgnbd"]["a"].get<double>(), 0.792886, 5e-4);
  EXPECT_NEAR(doc["bgnbd"]["b"].get<double>(), 2.425752, 2e-3);
  EXPECT_NEAR(doc["gamma_gamma"]["p"].get<double>(), 6.25, 0.01);
  EXPECT_NEAR(doc["gamma_gamma"]["q"].get<double>(), 3.74, 0.01);
  EXPECT_NEAR(doc["gamma_gamma"]["v"].get<double>(), 15.45, 0.02);
}

TEST(AnalyticsClvCliTest, CdnowSampleTransactionsReproduceTheSummaryFit) {
  // The published summary was built from CDNOW_sample.txt with a 39-week calibration ending
  // 1997-09-30: the same fit from raw transactions checks the RFM summary conventions.
  const std::string raw = std::string(FW_SHARED_DATA_DIR) + "/cdnow/CDNOW_sample.txt";
  if (!std::filesystem::exists(raw)) GTEST_SKIP() << "shared data absent: " << raw;
  const auto csv = std::filesystem::temp_directory_path() /
                   ("fw_cdnow_tx_" + std::to_string(getpid()) + ".csv");
  {
    std::ifstream in(raw);
    std::ofstream out(csv);
    out << "customer,date,value\n";
    std::string master, customer, date, cds, value;
    while (in >> master >> customer >> date >> cds >> value) {
      out << customer << ',' << date.substr(0, 4) << '-' << date.substr(4, 2) << '-'
          << date.substr(6, 2) << ',' << value << '\n';
    }
  }
  json doc = RunJson("clv --transactions '" + csv.string() + "' --calibration-end 1997-09-30", "");
  std::filesystem::remove(csv);
  EXPECT_EQ(doc["customers"], 2357);
  EXPECT_NEAR(doc["bgnbd"]["r"].get<double>(), 0.242593, 2e-4);
  EXPECT_NEAR(doc["bgnbd"]["alpha"].get<double>(), 4.413532, 5e-3);
  EXPECT_NEAR(doc["bgnbd"]["a"].get<double>(), 0.792886, 1e-3);
  EXPECT_NEAR(doc["bgnbd"]["b"].get<double>(), 2.425752, 5e-3);
  EXPECT_NEAR(doc["gamma_gamma"]["p"].get<double>(), 6.25, 0.01);
  EXPECT_EQ(doc["holdout"]["holdout_length"].get<double>(), 39.0);
}

}  // namespace

namespace {

// The EventFrame snapshot (src/store/frame_cache.h) gives the same answers as the events table,
// and `sql --write` drops it, since an UPDATE keeps the row count and keys it is keyed by.
TEST_F(AnalyticsCliTest, FrameSnapshotGivesTheSameAnswersAndSqlWriteDropsIt) {
  const std::string db = (dir_ / "snapshot.db").string();
  std::filesystem::copy_file(db_, db, std::filesystem::copy_options::overwrite_existing);
  if (std::filesystem::exists(db_ + ".wal")) {
    std::filesystem::copy_file(db_ + ".wal", db + ".wal",
                               std::filesystem::copy_options::overwrite_existing);
  }
  const std::string query = "retention --period week --periods 4 --by channel";
  setenv("FW_FRAME_CACHE", "off", 1);
  const json from_table = RunJson(query, db);
  setenv("FW_FRAME_CACHE", "always", 1);
  const json building = RunJson(query, db);
  ASSERT_TRUE(std::filesystem::exists(db + ".frame"));
  const json from_snapshot = RunJson(query, db);
  EXPECT_EQ(from_table, building);
  EXPECT_EQ(from_table, from_snapshot);

  ASSERT_EQ(Flywheel("sql --write \"UPDATE events SET channel = 'renamed' WHERE channel = 'email'\"",
                     db).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(db + ".frame"));
  const std::string dumped = RunJson(query, db).dump();
  unsetenv("FW_FRAME_CACHE");
  EXPECT_NE(dumped.find("\"renamed\""), std::string::npos);
  EXPECT_EQ(dumped.find("\"email\""), std::string::npos);
}

}  // namespace
