// SPDX-License-Identifier: Apache-2.0
//
// stream_ingest_test.cc: fw::ingest::StreamIngester (the server's door into ingest): same
// reasons as IngestFile, dedup across batches and against rows stored by IngestFile, and the
// caller-owned transaction.
#include "flywheel/ingest/stream_ingest.h"

#include <gtest/gtest.h>

#include "flywheel/core/time.h"

namespace fw::ingest {
namespace {

constexpr int64_t kNow = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

class StreamIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto workspace = store::Workspace::Open(":memory:");
    ASSERT_TRUE(workspace.ok()) << workspace.status().ToString();
    workspace_ = std::move(*workspace);
    auto ingester = StreamIngester::Open(*workspace_, TableKind::kEvents);
    ASSERT_TRUE(ingester.ok()) << ingester.status().ToString();
    ingester_ = std::move(*ingester);
  }
  int64_t Count(const std::string& sql) { auto n = workspace_->QueryInt(sql); return n.ok() ? *n : -1; }

  std::unique_ptr<store::Workspace> workspace_;
  std::unique_ptr<StreamIngester> ingester_;
};

TEST_F(StreamIngestTest, AcceptsRejectsAndDedups) {
  const std::string body =
      R"({"event_id":"e1","user_id":"u1","timestamp":"2025-06-01T10:00:00Z","event":"view"})" "\n"
      R"({"event_id":"e2","user_id":"u1","timestamp":"not a time","event":"view"})" "\n"
      R"({"event_id":"e1","user_id":"u1","timestamp":"2025-06-01T10:00:00Z","event":"view"})" "\n"
      R"({"user_id":"u2","timestamp":1748772000,"event":"purchase","revenue":9.5,"channel":"EMAIL"})" "\n"
      "[1,2]\n";
  ASSERT_TRUE(workspace_->Begin().ok());
  auto r = ingester_->AppendJsonLines(body, "test", kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(workspace_->Commit().ok());
  EXPECT_EQ(r->rows_read, 5);
  EXPECT_EQ(r->inserted, 2);
  EXPECT_EQ(r->duplicates, 1);
  ASSERT_EQ(r->rejects.size(), 2u);
  EXPECT_EQ(r->rejects[0].line, 2u);
  EXPECT_EQ(r->rejects[0].reason, "bad_timestamp");
  EXPECT_EQ(r->rejects[0].column, "timestamp");
  EXPECT_EQ(r->rejects[1].line, 5u);
  EXPECT_EQ(r->rejects[1].reason, "bad_json_line");
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE channel = 'email'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM rejects WHERE source = 'test'"), 2);

  // A retry of the same batch stores nothing new.
  ASSERT_TRUE(workspace_->Begin().ok());
  auto again = ingester_->AppendJsonLines(body, "test", kNow);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(workspace_->Commit().ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->duplicates, 3);
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 2);
}

TEST_F(StreamIngestTest, RollbackThenReloadForgetsUnstoredKeys) {
  const std::string body =
      R"({"event_id":"x1","user_id":"u1","timestamp":"2025-06-01T10:00:00Z","event":"view"})";
  ASSERT_TRUE(workspace_->Begin().ok());
  ASSERT_EQ(ingester_->AppendJsonLines(body, "test", kNow)->inserted, 1);
  ASSERT_TRUE(workspace_->Rollback().ok());
  ASSERT_TRUE(ingester_->ReloadKeys().ok());
  EXPECT_EQ(ingester_->num_keys(), 0u);
  ASSERT_TRUE(workspace_->Begin().ok());
  EXPECT_EQ(ingester_->AppendJsonLines(body, "test", kNow)->inserted, 1);
  ASSERT_TRUE(workspace_->Commit().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM events"), 1);
}

TEST_F(StreamIngestTest, EmptyBodyIsInvalid) {
  EXPECT_EQ(ingester_->AppendJsonLines("  \n", "test", kNow).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fw::ingest
