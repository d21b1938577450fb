// SPDX-License-Identifier: Apache-2.0
//
// frame_cache_test.cc: the EventFrame snapshot beside a file workspace is reused only while the
// events table is unchanged, and a damaged snapshot is rebuilt rather than trusted.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "expect_same_frame.h"
#include "flywheel/store/workspace.h"

namespace fw::store {
namespace {

namespace fs = std::filesystem;

// Rows `first`..`last` - 1 of a deterministic event log with NULLs, ties and several users.
std::string InsertRows(int first, int last) {
  return "INSERT INTO events (key_hi, key_lo, user_id, ts, event, channel, campaign, revenue) "
         "SELECT i, i * 31, 'user' || (i * 7919 % 211), "
         "TIMESTAMP '2024-01-01' + INTERVAL (i % 997) MINUTE, "
         "['view', 'purchase', 'signup'][1 + i % 3], "
         "CASE WHEN i % 5 = 0 THEN NULL ELSE ['email', 'social', 'search'][1 + i % 3] END, "
         "CASE WHEN i % 4 = 0 THEN 'c' || (i % 3) ELSE NULL END, "
         "CASE WHEN i % 3 = 1 THEN i * 0.5 ELSE NULL END FROM range(" +
         std::to_string(first) + ", " + std::to_string(last) + ") t(i)";
}

class FrameCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fw_frame_cache_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "ws.db").string();
    setenv("FW_FRAME_CACHE", "always", 1);
  }
  void TearDown() override {
    unsetenv("FW_FRAME_CACHE");
    fs::remove_all(dir_);
  }
  std::unique_ptr<Workspace> Open() {
    auto ws = Workspace::Open(db_);
    EXPECT_TRUE(ws.ok()) << ws.status().ToString();
    return std::move(*ws);
  }
  // The frame as the events table gives it, bypassing the snapshot.
  EventFrame Rebuilt(Workspace& ws) {
    setenv("FW_FRAME_CACHE", "off", 1);
    auto frame = ws.LoadEventFrame();
    setenv("FW_FRAME_CACHE", "always", 1);
    EXPECT_TRUE(frame.ok()) << frame.status().ToString();
    return std::move(*frame);
  }
  std::string CachePath() const { return db_ + ".frame"; }

  fs::path dir_;
  std::string db_;
};

TEST_F(FrameCacheTest, SecondLoadReadsTheSnapshotAndMatches) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 3000)).ok());
  auto first = ws->LoadEventFrame();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(ws->last_frame_from_cache());
  ASSERT_TRUE(fs::exists(CachePath()));
  ws.reset();

  auto reopened = Open();
  auto second = reopened->LoadEventFrame();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(reopened->last_frame_from_cache());
  ExpectSameFrame(*first, *second);
  ExpectSameFrame(Rebuilt(*reopened), *second);
}

TEST_F(FrameCacheTest, NewEventsInvalidateTheSnapshot) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 2000)).ok());
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  ASSERT_TRUE(ws->Execute(InsertRows(2000, 2001)).ok());  // one more row
  auto after = ws->LoadEventFrame();
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(ws->last_frame_from_cache());
  EXPECT_EQ(after->num_events(), 2001u);
  ExpectSameFrame(Rebuilt(*ws), *after);
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  EXPECT_TRUE(ws->last_frame_from_cache());  // the new snapshot replaced the old one
}

TEST_F(FrameCacheTest, DeletingARowInvalidatesTheSnapshot) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 2000)).ok());
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  ASSERT_TRUE(ws->Execute("DELETE FROM events WHERE key_hi = 17").ok());
  auto after = ws->LoadEventFrame();
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(ws->last_frame_from_cache());
  EXPECT_EQ(after->num_events(), 1999u);
}

TEST_F(FrameCacheTest, DropFrameCacheRemovesTheFile) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 100)).ok());
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  ASSERT_TRUE(fs::exists(CachePath()));
  ws->DropFrameCache();
  EXPECT_FALSE(fs::exists(CachePath()));
  ws->DropFrameCache();  // already gone: no error
}

// Every kind of damage is a miss: the frame comes from the table and equals a rebuild.
TEST_F(FrameCacheTest, DamagedSnapshotIsRebuilt) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 3000)).ok());
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  const EventFrame expected = Rebuilt(*ws);
  const auto size = fs::file_size(CachePath());
  std::string original;
  {
    std::ifstream in(CachePath(), std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto write = [&](const std::string& bytes) {
    std::ofstream out(CachePath(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  struct Damage { const char* what; std::string bytes; };
  std::vector<Damage> damages;
  damages.push_back({"truncated", original.substr(0, size / 2)});
  damages.push_back({"empty", ""});
  damages.push_back({"extra byte", original + "x"});
  std::string bad_magic = original;
  bad_magic[0] = 'X';
  damages.push_back({"bad magic", bad_magic});
  // The file ends with the campaign codes, the revenue column and four string lists: put an
  // out-of-range code in the last campaign cell.
  const size_t n = expected.num_events();
  size_t tail_bytes = n * sizeof(double);
  for (const auto* list : {&expected.user_ids, &expected.events.values(),
                           &expected.channels.values(), &expected.campaigns.values()}) {
    tail_bytes += 8 + 4 * list->size();
    for (const auto& s : *list) tail_bytes += s.size();
  }
  const size_t last_campaign = original.size() - tail_bytes - sizeof(uint32_t);
  ASSERT_LT(last_campaign + 1, original.size());
  std::string bad_code = original;
  bad_code[last_campaign] = static_cast<char>(0xff);
  bad_code[last_campaign + 1] = static_cast<char>(0xff);
  damages.push_back({"campaign code out of range", bad_code});

  for (const auto& damage : damages) {
    SCOPED_TRACE(damage.what);
    write(damage.bytes);
    auto frame = ws->LoadEventFrame();
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_FALSE(ws->last_frame_from_cache());
    ExpectSameFrame(expected, *frame);
  }
}

TEST_F(FrameCacheTest, OffAndSmallTablesWriteNoSnapshot) {
  auto ws = Open();
  ASSERT_TRUE(ws->Execute(InsertRows(0, 100)).ok());
  setenv("FW_FRAME_CACHE", "off", 1);
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  EXPECT_FALSE(fs::exists(CachePath()));
  unsetenv("FW_FRAME_CACHE");  // the default: below kMinCachedEvents, no snapshot
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  EXPECT_FALSE(fs::exists(CachePath()));
  EXPECT_FALSE(ws->last_frame_from_cache());
}

TEST_F(FrameCacheTest, EmptyTableRoundTrips) {
  auto ws = Open();
  ASSERT_TRUE(ws->LoadEventFrame().ok());
  auto again = ws->LoadEventFrame();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(ws->last_frame_from_cache());
  EXPECT_EQ(again->num_events(), 0u);
  EXPECT_EQ(again->user_offsets.size(), 1u);
  EXPECT_EQ(again->channels.size(), 1u);
}

}  // namespace
}  // namespace fw::store
