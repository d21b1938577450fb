// SPDX-License-Identifier: Apache-2.0
//
// generate_ingest_test.cc: generate -> ingest through the real CLI, every count checked against
// truth.json; determinism of the generator; exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <unistd.h>

#include "flywheel/core/file_io.h"
#include "testing/cli_runner.h"

namespace fw {
namespace {

using testing::RunFlywheel;
using nlohmann::json;

class GenerateIngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("fw_generate_ingest_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto gen = RunFlywheel("generate --users 3000 --days 60 --seed 7 --out " + (dir_ / "data").string());
    ASSERT_EQ(gen.exit_code, 0) << gen.out;
    truth_ = json::parse(*ReadFileBytes((dir_ / "data" / "truth.json").string()));
  }

  static std::string Db() { return "--db " + (dir_ / "w.db").string(); }
  static std::string Data(const char* name) { return (dir_ / "data" / name).string(); }

  static json Sql(const std::string& query) {
    auto run = RunFlywheel(Db() + " --json sql \"" + query + "\"");
    EXPECT_EQ(run.exit_code, 0) << query;
    return json::parse(run.out);
  }

  static inline std::filesystem::path dir_;
  static inline json truth_;
};

TEST_F(GenerateIngestTest, SameSeedSameBytes) {
  auto again = RunFlywheel("generate --users 3000 --days 60 --seed 7 --out " + (dir_ / "again").string());
  ASSERT_EQ(again.exit_code, 0);
  for (const char* name : {"events.csv", "spend.csv", "exposures.csv", "truth.json"}) {
    EXPECT_EQ(*ReadFileBytes(Data(name)), *ReadFileBytes((dir_ / "again" / name).string())) << name;
  }
  auto other = RunFlywheel("generate --users 3000 --days 60 --seed 8 --out " + (dir_ / "other").string());
  ASSERT_EQ(other.exit_code, 0);
  EXPECT_NE(*ReadFileBytes(Data("events.csv")), *ReadFileBytes((dir_ / "other" / "events.csv").string()));
}

TEST_F(GenerateIngestTest, CountsMatchTruth) {
  const json& counts = truth_["counts"];
  auto events = RunFlywheel(Db() + " --json ingest events " + Data("events.csv"));
  ASSERT_EQ(events.exit_code, 0) << events.out;
  const json summary = json::parse(events.out);
  EXPECT_EQ(summary["inserted"], counts["events"]);
  EXPECT_EQ(summary["rejected"], 0);
  EXPECT_EQ(summary["duplicates"], 0);

  auto spend = RunFlywheel(Db() + " --json ingest spend " + Data("spend.csv"));
  ASSERT_EQ(spend.exit_code, 0);
  EXPECT_EQ(json::parse(spend.out)["inserted"], counts["spend_rows"]);
  auto exposures = RunFlywheel(Db() + " --json ingest exposures " + Data("exposures.csv"));
  ASSERT_EQ(exposures.exit_code, 0);
  EXPECT_EQ(json::parse(exposures.out)["inserted"], counts["exposures"]);

  for (const auto& [name, n] : counts["event_counts"].items()) {
    const json rows = Sql("SELECT count(*) AS n FROM events WHERE event = '" + name + "'");
    EXPECT_EQ(rows[0]["n"], n) << name;
  }
  EXPECT_EQ(Sql("SELECT count(DISTINCT user_id) AS n FROM events")[0]["n"], truth_["users"]);
  EXPECT_NEAR(Sql("SELECT sum(revenue) AS r FROM events")[0]["r"].get<double>(),
              counts["revenue"].get<double>(), 0.005);
  EXPECT_EQ(Sql("SELECT count(*) AS n FROM exposures WHERE variant = 'treatment'")[0]["n"],
            counts["exposures_treatment"]);

  // Every acquisition through a paid channel is paid for: spend = sum of per-user CPA.
  double expected_spend = 0;
  const auto& user_segment = truth_["user_segment"];
  const json signups = Sql("SELECT user_id, channel FROM events WHERE event = 'signup' "
                           "AND channel IN ('social','search','email')");
  for (const auto& row : signups) {
    const int user_idx = std::stoi(row["user_id"].get<std::string>().substr(1)) - 1;
    const int segment = user_segment[static_cast<size_t>(user_idx)];
    expected_spend += truth_["segments"][static_cast<size_t>(segment)]["cost_per_acquisition"]
                            [row["channel"].get<std::string>()].get<double>();
  }
  EXPECT_NEAR(Sql("SELECT sum(spend) AS s FROM spend")[0]["s"].get<double>(), expected_spend, 0.01);

  auto again = RunFlywheel(Db() + " --json ingest events " + Data("events.csv"));
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_EQ(json::parse(again.out)["inserted"], 0);
  EXPECT_EQ(json::parse(again.out)["duplicates"], counts["events"]);

  auto info = RunFlywheel(Db() + " --json info");
  ASSERT_EQ(info.exit_code, 0);
  EXPECT_EQ(json::parse(info.out)["tables"]["events"], counts["events"]);
}

TEST_F(GenerateIngestTest, ParquetAndGzipInputsGiveTheSameRows) {
  const std::string parquet = (dir_ / "events.parquet").string();
  const std::string scratch = "--db " + (dir_ / "scratch.db").string();
  auto copy = RunFlywheel(scratch + " sql --write \"COPY (SELECT * FROM read_csv('" +
                          Data("events.csv") + "')) TO '" + parquet + "' (FORMAT parquet)\"");
  ASSERT_EQ(copy.exit_code, 0) << copy.out;
  const std::string db = "--db " + (dir_ / "parquet.db").string();
  auto run = RunFlywheel(db + " --json ingest events " + parquet);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(json::parse(run.out)["inserted"], truth_["counts"]["events"]);
  EXPECT_EQ(json::parse(run.out)["rejected"], 0);
  // The same events from CSV are all duplicates of the Parquet ones: identical normalisation.
  auto csv = RunFlywheel(db + " --json ingest events " + Data("events.csv"));
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(json::parse(csv.out)["inserted"], 0);
}

TEST_F(GenerateIngestTest, ExitCodes) {
  EXPECT_EQ(RunFlywheel(Db() + " ingest events /nonexistent.csv 2>/dev/null").exit_code, 4);
  EXPECT_EQ(RunFlywheel(Db() + " ingest nonsense " + Data("events.csv") + " 2>/dev/null").exit_code, 3);
  EXPECT_EQ(RunFlywheel(Db() + " ingest spend " + Data("events.csv") + " 2>/dev/null").exit_code, 3);
  EXPECT_EQ(RunFlywheel("--no-such-flag 2>/dev/null").exit_code, 2);
  EXPECT_EQ(RunFlywheel(Db() + " sql \"DELETE FROM events\" 2>/dev/null").exit_code, 3);
  EXPECT_EQ(RunFlywheel("generate --users 0 2>/dev/null").exit_code, 3);
}

}  // namespace
}  // namespace fw
