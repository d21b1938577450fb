// SPDX-License-Identifier: Apache-2.0
//
// workspace_test.cc: schema migration, parameter binding, transactions and the EventFrame.
#include "flywheel/store/workspace.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fw::store {
namespace {

std::unique_ptr<Workspace> OpenMemory() {
  auto workspace = Workspace::Open(":memory:");
  EXPECT_TRUE(workspace.ok()) << workspace.status().ToString();
  return std::move(*workspace);
}

TEST(WorkspaceTest, CreatesSchemaAndReopens) {
  const auto path = std::filesystem::temp_directory_path() / ("fw_ws_test_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto workspace = Workspace::Open(path.string());
    ASSERT_TRUE(workspace.ok());
    EXPECT_EQ((*workspace)->schema_version(), Workspace::CurrentSchemaVersion());
    ASSERT_TRUE((*workspace)->Execute("INSERT INTO experiments VALUES (?, ?, NULL)",
                                      {std::string("exp"), std::string("{}")}).ok());
  }
  auto reopened = Workspace::Open(path.string(), {.read_only = true});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(*(*reopened)->QueryInt("SELECT count(*) FROM experiments"), 1);
  EXPECT_FALSE((*reopened)->Execute("DELETE FROM experiments").ok());
  EXPECT_EQ(Workspace::Open("/nonexistent/x.db", {.read_only = true}).status().code(),
            StatusCode::kNotFound);
  std::filesystem::remove(path);
}

TEST(WorkspaceTest, RejectsNonDuckDbFile) {
  const auto path = std::filesystem::temp_directory_path() / ("fw_not_duckdb_" + std::to_string(::getpid()) + ".db");
  { std::FILE* f = std::fopen(path.c_str(), "wb"); std::fputs("hello, not a database", f); std::fclose(f); }
  auto workspace = Workspace::Open(path.string());
  EXPECT_FALSE(workspace.ok());
  std::filesystem::remove(path);
}

TEST(WorkspaceTest, RollbackDiscardsAppends) {
  auto workspace = OpenMemory();
  RowBatch batch;
  batch.AddColumn("decision_id", ColumnType::kVarchar);
  batch.AddColumn("reward", ColumnType::kDouble);
  batch.AddColumn("cost", ColumnType::kDouble);
  batch.AddColumn("ts", ColumnType::kTimestamp);
  batch.columns[0].text = {"d1", "d2"};
  batch.columns[1].doubles = {1.0, 0.0};
  batch.columns[2].doubles = {0.5, 0.0};
  batch.columns[2].valid = {1, 0};
  batch.columns[3].ints = {0, 1};
  batch.num_rows = 2;
  ASSERT_TRUE(workspace->Begin().ok());
  ASSERT_TRUE(workspace->Append("rewards", batch).ok());
  EXPECT_EQ(*workspace->QueryInt("SELECT count(*) FROM rewards"), 2);
  ASSERT_TRUE(workspace->Rollback().ok());
  EXPECT_EQ(*workspace->QueryInt("SELECT count(*) FROM rewards"), 0);
  ASSERT_TRUE(workspace->Append("rewards", batch).ok());
  EXPECT_EQ(*workspace->QueryInt("SELECT count(*) FROM rewards WHERE cost IS NULL"), 1);
}

TEST(WorkspaceTest, ReaderSeesCommittedRowsOnlyAndReadsDuringAWrite) {
  auto workspace = OpenMemory();
  auto reader = workspace->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(workspace->Begin().ok());
  ASSERT_TRUE(workspace->Execute(
      "INSERT INTO rewards VALUES ('d1', 1, 0, TIMESTAMP '2026-01-01 00:00:00')").ok());
  // The writer's transaction is open: the reader's own query runs and sees the last commit.
  EXPECT_EQ(*(*reader)->QueryInt("SELECT count(*) FROM rewards"), 0);
  ASSERT_TRUE(workspace->Commit().ok());
  EXPECT_EQ(*(*reader)->QueryInt("SELECT count(*) FROM rewards"), 1);
  reader->reset();  // before the workspace, as OpenReader requires
  EXPECT_EQ(*workspace->QueryInt("SELECT count(*) FROM rewards"), 1);
}

TEST(WorkspaceTest, EventFrameGroupsUsersAndOrdersTime) {
  auto workspace = OpenMemory();
  ASSERT_TRUE(workspace->Execute(R"sql(
    INSERT INTO events (key_hi, key_lo, user_id, ts, event, channel, campaign, revenue) VALUES
      (1, 1, 'b', TIMESTAMP '2024-01-02 00:00:00', 'view', 'email', NULL, NULL),
      (2, 2, 'a', TIMESTAMP '2024-01-03 00:00:00', 'purchase', NULL, 'c1', 12.5),
      (3, 3, 'a', TIMESTAMP '2024-01-01 00:00:00', 'signup', 'social', NULL, NULL),
      (4, 4, 'b', TIMESTAMP '2024-01-01 00:00:00', 'signup', 'email', NULL, NULL))sql").ok());
  auto frame = workspace->LoadEventFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  ASSERT_EQ(frame->num_users(), 2u);
  ASSERT_EQ(frame->num_events(), 4u);
  EXPECT_EQ(frame->user_ids[0], "a");
  EXPECT_EQ(frame->user_offsets, (std::vector<uint64_t>{0, 2, 4}));
  EXPECT_EQ(frame->events.Value(frame->event[0]), "signup");
  EXPECT_EQ(frame->events.Value(frame->event[1]), "purchase");
  EXPECT_EQ(frame->revenue[1], 12.5);
  EXPECT_EQ(frame->channel[1], kNoValueCode);
  EXPECT_EQ(frame->channels.Value(frame->channel[0]), "social");
  EXPECT_EQ(frame->campaigns.Value(frame->campaign[1]), "c1");
  EXPECT_LT(frame->time_us[2], frame->time_us[3]);
  EXPECT_EQ(frame->min_time_us, 1704067200LL * 1000000);

  auto empty = OpenMemory()->LoadEventFrame();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->num_users(), 0u);
  EXPECT_EQ(empty->user_offsets.size(), 1u);
}

// The hash-coded scan and the string fallback build the same frame, NULLs and ties included.
TEST(WorkspaceTest, EventFrameHashAndStringScansAgree) {
  auto workspace = OpenMemory();
  ASSERT_TRUE(workspace->Execute(R"sql(
    INSERT INTO events (key_hi, key_lo, user_id, ts, event, channel, campaign, revenue)
    SELECT i, i, 'user' || (i * 7919 % 613), TIMESTAMP '2024-01-01' + INTERVAL (i % 997) MINUTE,
           ['view', 'purchase', 'signup'][1 + i % 3],
           CASE WHEN i % 5 = 0 THEN NULL ELSE ['email', 'social', 'search'][1 + i % 3] END,
           CASE WHEN i % 4 = 0 THEN 'c' || (i % 3) ELSE NULL END,
           CASE WHEN i % 3 = 1 THEN i * 0.5 ELSE NULL END
    FROM range(5000) t(i))sql").ok());
  auto by_hash = workspace->LoadEventFrame();
  ASSERT_TRUE(by_hash.ok()) << by_hash.status().ToString();
  setenv("FW_EVENT_FRAME_BY_STRING", "1", 1);
  auto by_string = workspace->LoadEventFrame();
  unsetenv("FW_EVENT_FRAME_BY_STRING");
  ASSERT_TRUE(by_string.ok()) << by_string.status().ToString();
  EXPECT_EQ(by_hash->num_events(), 5000u);
  EXPECT_EQ(by_hash->user_ids, by_string->user_ids);
  EXPECT_EQ(by_hash->user_offsets, by_string->user_offsets);
  EXPECT_EQ(by_hash->time_us, by_string->time_us);
  EXPECT_EQ(by_hash->event, by_string->event);
  EXPECT_EQ(by_hash->channel, by_string->channel);
  EXPECT_EQ(by_hash->campaign, by_string->campaign);
  EXPECT_EQ(by_hash->revenue, by_string->revenue);
  ASSERT_EQ(by_hash->channels.size(), by_string->channels.size());
  for (uint32_t c = 0; c < by_hash->channels.size(); ++c) {
    EXPECT_EQ(by_hash->channels.Value(c), by_string->channels.Value(c));
  }
  ASSERT_EQ(by_hash->campaigns.size(), 4u);  // "", c0, c1, c2
  EXPECT_EQ(by_hash->events.Value(0), by_string->events.Value(0));
}

}  // namespace
}  // namespace fw::store
