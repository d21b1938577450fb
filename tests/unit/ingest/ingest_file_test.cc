// SPDX-License-Identifier: Apache-2.0
//
// ingest_file_test.cc: whole-file behaviours: fatal problems leave the workspace unchanged;
// BOM, CRLF, quoted newlines, JSON Lines and .gz work; re-ingesting inserts nothing.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "flywheel/core/time.h"
#include "flywheel/ingest/ingest.h"

namespace fw::ingest {
namespace {

constexpr int64_t kNow = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
const char kHeader[] = "event_id,user_id,timestamp,event,channel,campaign,revenue,properties\n";

class IngestFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fw_ingest_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto workspace = store::Workspace::Open(":memory:");
    ASSERT_TRUE(workspace.ok());
    workspace_ = std::move(*workspace);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& contents) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  Result<IngestSummary> Ingest(const std::string& path, TableKind kind = TableKind::kEvents) {
    return IngestFile(*workspace_, path, {.kind = kind, .now_us = kNow});
  }

  int64_t Count(const std::string& table) {
    auto n = workspace_->QueryInt("SELECT count(*) FROM " + table);
    return n.ok() ? *n : -1;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Workspace> workspace_;
};

TEST_F(IngestFileTest, ReingestInsertsNothing) {
  const auto path = Write("a.csv", std::string(kHeader) +
                                       "e1,u1,2024-01-01,view,email,,,\n"
                                       "e2,u1,2024-01-02,view,email,,,\n");
  ASSERT_EQ(Ingest(path)->inserted, 2);
  auto again = Ingest(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->duplicates, 2);
  EXPECT_EQ(Count("events"), 2);
}

TEST_F(IngestFileTest, DedupsByWholeRowWithoutEventId) {
  const auto path = Write("noid.csv", "user_id,timestamp,event\n"
                                      "u1,2024-01-01T00:00:00Z,view\n"
                                      "u1,2024-01-01 00:00:00,view\n"  // same instant
                                      "u1,2024-01-01T00:00:01Z,view\n");
  auto summary = Ingest(path);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->inserted, 2);
  EXPECT_EQ(summary->duplicates, 1);
}

TEST_F(IngestFileTest, FatalProblemsLeaveWorkspaceUnchanged) {
  ASSERT_EQ(Ingest(Write("good.csv", std::string(kHeader) + "e1,u1,2024-01-01,view,,,,\n"))->inserted, 1);
  std::string garbage(4096, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919) % 256);
  auto binary = Ingest(Write("garbage.csv", garbage));
  EXPECT_EQ(binary.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(binary.status().message().find("binary"), std::string::npos);

  auto empty = Ingest(Write("empty.csv", ""));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);

  auto missing = Ingest(Write("missing.csv", "event_id,user_id,event\ne9,u1,view\n"));
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("required column 'timestamp'"), std::string::npos);

  auto semicolons = Ingest(Write("semi.csv", "user_id;timestamp;event\nu1;2024-01-01;view\n"));
  EXPECT_EQ(semicolons.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(semicolons.status().message().find("delimiter"), std::string::npos)
      << semicolons.status().message();

  EXPECT_EQ(Ingest((dir_ / "nope.csv").string()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("events"), 1);
  EXPECT_EQ(Count("rejects"), 0);
}

TEST_F(IngestFileTest, HeaderOnlyIsAnEmptyLoad) {
  auto summary = Ingest(Write("header.csv", kHeader));
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->rows_read, 0);
  EXPECT_EQ(summary->inserted, 0);
}

TEST_F(IngestFileTest, BomCrlfAndQuotedNewlines) {
  const std::string csv = "\xEF\xBB\xBF" "event_id,user_id,timestamp,event,campaign\r\n"
                          "e1,u1,2024-01-01,view,\"spring\r\nsale\"\r\n"
                          "e2,u2,2024-01-01,view,plain\r\n";
  auto summary = Ingest(Write("bom.csv", csv));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->inserted, 2);
  EXPECT_EQ(summary->rejected, 0);
  auto rows = workspace_->Query("SELECT event_id, campaign FROM events ORDER BY event_id");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows->rows[0][1], "spring\r\nsale");
  EXPECT_EQ(*rows->rows[1][1], "plain");
}

TEST_F(IngestFileTest, TsvJsonLinesAndGzip) {
  auto tsv = Ingest(Write("a.tsv", "user_id\ttimestamp\tevent\nu1\t2024-01-01\tview\n"));
  ASSERT_TRUE(tsv.ok()) << tsv.status().ToString();
  EXPECT_EQ(tsv->inserted, 1);

  const std::string jsonl =
      "{\"event_id\":\"j1\",\"user_id\":\"u1\",\"timestamp\":1700000000,\"event\":\"view\","
      "\"properties\":{\"a\":[1,2]},\"plan\":\"pro\"}\n"
      "not json\n"
      "{\"event_id\":\"j2\",\"user_id\":\"u2\",\"timestamp\":\"2024-01-01\",\"event\":\"buy\","
      "\"revenue\":9.5}\n"
      "{\"event_id\":\"j3\",\"user_id\":{\"x\":1},\"timestamp\":\"2024-01-01\",\"event\":\"x\"}\n";
  auto json = Ingest(Write("a.jsonl", jsonl));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->inserted, 2);
  EXPECT_EQ(json->rejected, 2);
  auto props = workspace_->Query("SELECT properties FROM events WHERE event_id = 'j1'");
  ASSERT_TRUE(props.ok());
  EXPECT_EQ(*props->rows[0][0], "{\"a\":[1,2],\"plan\":\"pro\"}");
  auto line = workspace_->QueryInt("SELECT line FROM rejects WHERE reason = 'bad_json_line' "
                                   "ORDER BY line LIMIT 1");
  EXPECT_EQ(*line, 2);

  const auto gz_path = dir_ / "b.csv.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  const std::string body = std::string(kHeader) + "g1,u9,2024-01-01,view,,,,\n";
  gzwrite(gz, body.data(), static_cast<unsigned>(body.size()));
  gzclose(gz);
  auto gzip = Ingest(gz_path.string());
  ASSERT_TRUE(gzip.ok()) << gzip.status().ToString();
  EXPECT_EQ(gzip->inserted, 1);
}

}  // namespace
}  // namespace fw::ingest
