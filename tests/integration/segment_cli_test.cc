// SPDX-License-Identifier: Apache-2.0
//
// segment_cli_test.cc: `flywheel segment` end to end: Mall Customers through --input (checked
// against the published five segments), --k auto, bad inputs and their exit codes, and the
// workspace path (generate -> ingest -> segment -> segments table).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs the CLI with `args` (shell-quoted by the caller), capturing stdout.
CliRun Flywheel(const std::string& args) {
  const std::string cmd = std::string(FW_BINARY) + " " + args + " 2>/dev/null";
  CliRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t got = 0;
  while ((got = fread(buf, 1, sizeof(buf), pipe)) > 0) run.out.append(buf, got);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Mall() {
  return std::string(FW_SHARED_DATA_DIR) + "/mall_customers/Mall_Customers.csv";
}

const char* kColumns = "--columns '\"Annual Income (k$)\",\"Spending Score (1-100)\"'";

TEST(SegmentCliTest, MallFivePublishedSegments) {
  if (!std::filesystem::exists(Mall())) GTEST_SKIP() << Mall() << " is absent";
  const std::string out = testing::TempDir() + "/mall_assign.csv";
  const CliRun run = Flywheel("segment --input " + Mall() + " " + kColumns +
                              " --id-column CustomerID --k 5 --json --assignments " + out);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["k"], 5);
  std::vector<int> sizes;
  for (const auto& s : doc["segments"]) sizes.push_back(s["size"]);
  EXPECT_EQ(sizes, (std::vector<int>{81, 39, 35, 23, 22}));  // SOURCE.txt
  EXPECT_EQ(doc["segments"][1]["label"], "high Spending Score, high Annual Income");
  EXPECT_NEAR(doc["segments"][1]["centroid"]["Annual Income (k$)"].get<double>(), 86.54, 0.01);
  std::ifstream in(out);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "CustomerID,segment");
  EXPECT_EQ(first.substr(0, 5), "0001,");
  // Same seed, same answer (fit_seconds aside).
  auto again = nlohmann::json::parse(Flywheel("segment --input " + Mall() + " " + kColumns +
                                              " --id-column CustomerID --k 5 --json")
                                         .out);
  again["fit_seconds"] = doc["fit_seconds"];
  EXPECT_EQ(again.dump(), doc.dump());
}

TEST(SegmentCliTest, AutoKPicksFiveAndPrintsTheScoreTable) {
  if (!std::filesystem::exists(Mall())) GTEST_SKIP() << Mall() << " is absent";
  const CliRun run =
      Flywheel("segment --input " + Mall() + " " + kColumns + " --k auto --k-max 8 --json");
  ASSERT_EQ(run.exit_code, 0);
  const auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["k"], 5);
  EXPECT_EQ(doc["k_scores"].size(), 7u);
  for (const auto& row : doc["k_scores"]) {
    EXPECT_TRUE(row["silhouette"].is_number());
    EXPECT_TRUE(row["calinski_harabasz"].is_number());
    EXPECT_TRUE(row["davies_bouldin"].is_number());
  }
}

TEST(SegmentCliTest, BadInputsExitThree) {
  if (!std::filesystem::exists(Mall())) GTEST_SKIP() << Mall() << " is absent";
  EXPECT_EQ(Flywheel("segment --input " + Mall() + " --columns Nope --k 3").exit_code, 3);
  EXPECT_EQ(Flywheel("segment --input " + Mall() + " --columns Genre --k 3").exit_code, 3);
  EXPECT_EQ(Flywheel("segment --input " + Mall() + " --columns Age --k 300").exit_code, 3);
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/same.csv") << "a,b\n1,2\n1,2\n1,2\n";
  EXPECT_EQ(Flywheel("segment --input " + dir + "/same.csv --k 2").exit_code, 3);
  std::ofstream(dir + "/nan.csv") << "a,b\n1,nan\n2,2\n3,1\n";
  EXPECT_EQ(Flywheel("segment --input " + dir + "/nan.csv --columns a,b --k 2").exit_code, 3);
  std::ofstream(dir + "/empty.csv") << "a,b\n";
  EXPECT_EQ(Flywheel("segment --input " + dir + "/empty.csv --k 2").exit_code, 3);
  EXPECT_EQ(Flywheel("segment --input " + Mall() + " --k zero").exit_code, 3);
}

TEST(SegmentCliTest, WorkspaceFeaturesWriteTheSegmentsTable) {
  const std::string dir = testing::TempDir() + "/segment_ws";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_EQ(Flywheel("generate --users 800 --days 30 --seed 5 --out " + dir + "/gen").exit_code, 0);
  const std::string db = " --db " + dir + "/ws.db";
  ASSERT_EQ(Flywheel("ingest events " + dir + "/gen/events.csv" + db).exit_code, 0);
  const CliRun run = Flywheel("segment --features all --k 3 --json" + db);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const auto doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["rows"], 800);
  EXPECT_EQ(doc["segments"].size(), 3u);
  const std::string run_id = doc["run_id"];
  const CliRun count = Flywheel("sql \"SELECT count(*) AS n FROM segments WHERE run_id = '" +
                                run_id + "'\" --json" + db);
  EXPECT_NE(count.out.find("800"), std::string::npos) << count.out;
  // A rerun with the same seed has the same run id and replaces, not duplicates, its rows.
  ASSERT_EQ(Flywheel("segment --features all --k 3" + db).exit_code, 0);
  const CliRun again = Flywheel("sql \"SELECT count(*) AS n FROM segments\" --json" + db);
  EXPECT_NE(again.out.find("800"), std::string::npos) << again.out;
}

}  // namespace

namespace {

// --input reads Parquet through DuckDB: the same table as the CSV gives the same segments, and
// a NULL in a chosen column or a file that is not Parquet is refused with exit 3.
TEST(SegmentCliTest, ParquetInputMatchesCsv) {
  if (!std::filesystem::exists(Mall())) GTEST_SKIP() << Mall() << " is absent";
  const std::string dir = testing::TempDir() + "/segment_parquet_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = " --db " + dir + "/scratch.db";
  const std::string parquet = dir + "/mall.parquet";
  ASSERT_EQ(Flywheel("sql --write \"COPY (SELECT * FROM read_csv('" + Mall() + "')) TO '" +
                     parquet + "' (FORMAT PARQUET)\"" + db).exit_code, 0);
  const std::string args = std::string(" ") + kColumns + " --id-column CustomerID --k 5 --json";
  const CliRun csv = Flywheel("segment --input " + Mall() + args);
  const CliRun pq = Flywheel("segment --input " + parquet + args);
  ASSERT_EQ(csv.exit_code, 0);
  ASSERT_EQ(pq.exit_code, 0) << pq.out;
  auto a = nlohmann::json::parse(csv.out);
  auto b = nlohmann::json::parse(pq.out);
  b["fit_seconds"] = a["fit_seconds"];
  EXPECT_EQ(a.dump(), b.dump());

  const std::string with_null = dir + "/null.parquet";
  ASSERT_EQ(Flywheel("sql --write \"COPY (SELECT 1.5 AS a, 2.0 AS b UNION ALL SELECT NULL, 1.0 "
                     "UNION ALL SELECT 3.0, 0.5) TO '" + with_null + "' (FORMAT PARQUET)\"" + db)
                .exit_code, 0);
  EXPECT_EQ(Flywheel("segment --input " + with_null + " --columns a,b --k 2").exit_code, 3);
  std::ofstream(dir + "/fake.parquet") << "not a parquet file\n";
  EXPECT_EQ(Flywheel("segment --input " + dir + "/fake.parquet --k 2").exit_code, 3);
  std::filesystem::remove_all(dir);
}

}  // namespace
