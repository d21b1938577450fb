// SPDX-License-Identifier: Apache-2.0
//
// event_frame_merge_test.cc: MergeEvents(base, delta) must equal the frame the loader builds
// from the union of the rows, column by column and dictionary by dictionary, on random logs
// with same-instant ties, new users sorting before/between/after existing ones, and new event
// names, channels and campaigns (some sorting before existing ones, so codes are renumbered).
#include "flywheel/store/event_frame_merge.h"

#include <gtest/gtest.h>

#include <random>

#include "expect_same_frame.h"
#include "flywheel/store/workspace.h"

namespace fw::store {
namespace {

// The frame the real loader builds from `rows` (an in-memory workspace; "" stored as NULL).
EventFrame Load(const std::vector<NewEvent>& rows) {
  auto ws = Workspace::Open(":memory:");
  EXPECT_TRUE(ws.ok()) << ws.status().ToString();
  RowBatch b;
  b.AddColumn("key_hi", ColumnType::kUbigint);
  b.AddColumn("key_lo", ColumnType::kUbigint);
  b.AddColumn("event_id", ColumnType::kVarchar);
  b.AddColumn("user_id", ColumnType::kVarchar);
  b.AddColumn("ts", ColumnType::kTimestamp);
  b.AddColumn("event", ColumnType::kVarchar);
  b.AddColumn("channel", ColumnType::kVarchar);
  b.AddColumn("campaign", ColumnType::kVarchar);
  b.AddColumn("revenue", ColumnType::kDouble);
  b.AddColumn("properties", ColumnType::kVarchar);
  auto text = [&](size_t col, const std::string& v, bool null_if_empty) {
    b.columns[col].text.push_back(v);
    b.columns[col].valid.push_back(null_if_empty && v.empty() ? 0 : 1);
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const NewEvent& e = rows[i];
    b.columns[0].uints.push_back(i);
    b.columns[0].valid.push_back(1);
    b.columns[1].uints.push_back(i * 7);
    b.columns[1].valid.push_back(1);
    text(2, "", true);
    text(3, e.user_id, false);
    b.columns[4].ints.push_back(e.time_us);
    b.columns[4].valid.push_back(1);
    text(5, e.event, false);
    text(6, e.channel, true);
    text(7, e.campaign, true);
    b.columns[8].doubles.push_back(e.revenue);
    b.columns[8].valid.push_back(e.revenue == 0 ? 0 : 1);  // NULL and 0 both read as 0
    text(9, "", true);
  }
  b.num_rows = rows.size();
  if (!rows.empty()) EXPECT_TRUE((*ws)->Append("events", b).ok());
  auto frame = (*ws)->LoadEventFrame(Workspace::FrameCache::kBypass);
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  return std::move(*frame);
}

// Random rows over small pools so that ties (same user, instant, name) are common.
std::vector<NewEvent> RandomRows(std::mt19937_64& rng, size_t n, int round) {
  static const std::vector<std::string> kUsers = {"a", "u1", "u10", "u2", "u20", "u3", "z9", "m"};
  static const std::vector<std::string> kEvents = {"view", "purchase", "signup", "Zed", "add"};
  static const std::vector<std::string> kChannels = {"", "email", "social", "ads", "zz"};
  static const std::vector<std::string> kCampaigns = {"", "c1", "c0", "b", "x"};
  auto pick = [&](const std::vector<std::string>& pool) { return pool[rng() % pool.size()]; };
  std::vector<NewEvent> rows;
  for (size_t i = 0; i < n; ++i) {
    NewEvent e;
    // Some users and names appear only in later rounds (so a delta brings new ones).
    e.user_id = pick(kUsers) + (rng() % 3 == 0 ? std::to_string(rng() % (4 + 3 * round)) : "");
    e.time_us = 1'700'000'000'000'000LL + static_cast<int64_t>(rng() % 5) * 60'000'000LL;
    e.event = rng() % 6 == 0 ? "n" + std::to_string(rng() % (1 + round)) : pick(kEvents);
    e.channel = rng() % 7 == 0 ? "ch" + std::to_string(round) : pick(kChannels);
    e.campaign = pick(kCampaigns);
    e.revenue = (rng() % 3 == 0) ? static_cast<double>(rng() % 3) * 2.5 : 0.0;
    rows.push_back(std::move(e));
  }
  return rows;
}

TEST(EventFrameMergeTest, EqualsAFullLoadOfTheUnion) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::vector<NewEvent> all = RandomRows(rng, rng() % 60, 0);
    EventFrame frame = Load(all);
    // Several deltas in a row: each merge's output is the next merge's base.
    for (int round = 1; round <= 3; ++round) {
      std::vector<NewEvent> delta = RandomRows(rng, rng() % 25, round);
      frame = MergeEvents(frame, delta);
      all.insert(all.end(), delta.begin(), delta.end());
      ExpectSameFrame(frame, Load(all));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(EventFrameMergeTest, IntoAnEmptyFrame) {
  std::mt19937_64 rng(99);
  const std::vector<NewEvent> delta = RandomRows(rng, 30, 2);
  EventFrame empty;  // what the server starts from before the first load: no "" interned yet
  empty.user_offsets = {0};
  ExpectSameFrame(MergeEvents(empty, delta), Load(delta));
  ExpectSameFrame(MergeEvents(EventFrame(), delta), Load(delta));
  // And an empty delta changes nothing.
  const EventFrame base = Load(delta);
  ExpectSameFrame(MergeEvents(base, {}), base);
}

TEST(EventFrameMergeTest, NewNamesRenumberOldCodes) {
  const EventFrame base = Load({{"u5", 10, "view", "social", "", 0}});
  // "add" sorts before "view" and "email" before "social": the base row's codes must move.
  const std::vector<NewEvent> delta = {{"u1", 5, "add", "email", "c", 1.5},
                                       {"u9", 20, "view", "", "", 0}};
  const EventFrame merged = MergeEvents(base, delta);
  ASSERT_EQ(merged.user_ids, (std::vector<std::string>{"u1", "u5", "u9"}));
  EXPECT_EQ(merged.events.Value(merged.event[1]), "view");
  EXPECT_EQ(merged.channels.Value(merged.channel[1]), "social");
  EXPECT_EQ(merged.channels.Value(merged.channel[0]), "email");
  EXPECT_EQ(merged.channel[2], kNoValueCode);
  EXPECT_EQ(merged.min_time_us, 5);
  EXPECT_EQ(merged.max_time_us, 20);
}

}  // namespace
}  // namespace fw::store
