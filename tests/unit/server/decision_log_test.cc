// SPDX-License-Identifier: Apache-2.0
//
// decision_log_test.cc: the decision log without HTTP: replay of hand-written segments (torn
// last line, damaged middle line, idempotence by watermark) and BanditService's in-memory
// decide/reward with rewards found in memory before the flush and in DuckDB after it.
// (The kill -9 loop over a real process is tests/integration/server_cli_test.cc.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include <nlohmann/json.hpp>

#include "bandit_service.h"
#include "bandit_state.h"
#include "decision_log.h"
#include "flywheel/bandit/serialize.h"
#include "flywheel/core/rng.h"
#include "flywheel/server/decision_replay.h"

namespace fw::server {
namespace {

using nlohmann::json;

class DecisionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fw_declog_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "flywheel.db").string();
    auto ws = store::Workspace::Open(db_);
    ASSERT_TRUE(ws.ok()) << ws.status().ToString();
    ws_ = std::move(*ws);
    // As `flywheel bandit create promo --arms email,social,search --policy ts` stores it.
    config_.kind = "ts";
    config_.num_arms = 3;
    auto policy = bandit::MakePolicy(config_);
    ASSERT_TRUE(policy.ok());
    json def = {{"arms", {"email", "social", "search"}}, {"seed", 11}, {"decisions", 0},
                {"config", json::parse(bandit::PolicyConfigToJson(config_))}};
    ASSERT_TRUE(ws_->Execute("INSERT INTO bandits VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
                             {std::string("promo"), def.dump(),
                              bandit::PolicyStateToJson((*policy)->Snapshot())}).ok());
  }
  void TearDown() override {
    ws_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string LogDir() const { return DecisionLog::DirFor(db_); }
  void WriteSegment(int64_t seq, const std::string& text) {
    std::filesystem::create_directories(LogDir());
    char name[32];
    std::snprintf(name, sizeof name, "%012lld.log", static_cast<long long>(seq));
    std::ofstream(std::filesystem::path(LogDir()) / name, std::ios::binary) << text;
  }
  int64_t Count(const std::string& sql) {
    auto n = ws_->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }
  json Stored(const std::string& column) {
    auto rows = ws_->Query("SELECT " + column + " FROM bandits WHERE name = 'promo'");
    EXPECT_TRUE(rows.ok());
    return json::parse(rows->rows[0][0].value_or("{}"));
  }
  static std::string Decision(int n, const std::string& arm) {
    DecisionRow r{"promo-" + std::to_string(n), "promo", "u" + std::to_string(n), arm, 0.25, "{}",
                  1'764'000'000'000'000 + n};
    return DecisionRecord(r, n);
  }
  static std::string Reward(int n, const std::string& arm, double reward) {
    return RewardRecord({"promo-" + std::to_string(n), reward, 0.0, 1'764'000'000'500'000 + n},
                        "promo", arm, "{}");
  }

  std::filesystem::path dir_;
  std::string db_;
  std::unique_ptr<store::Workspace> ws_;
  bandit::PolicyConfig config_;
};

TEST_F(DecisionLogTest, RecordsRoundTrip) {
  DecisionRow d{"promo-7", "promo", "u \"q\"\n", "email", 0.125, R"({"segment":"a"})", 42};
  auto parsed = ParseLogRecord(DecisionRecord(d, 7));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->is_reward);
  EXPECT_EQ(parsed->number, 7);
  EXPECT_EQ(parsed->decision.user_id, "u \"q\"\n");
  EXPECT_EQ(parsed->decision.context, R"({"segment":"a"})");
  EXPECT_EQ(parsed->decision.propensity, 0.125);
  EXPECT_EQ(parsed->decision.ts_us, 42);
  auto r = ParseLogRecord(RewardRecord({"promo-7", 0.1, 2.5, 43}, "promo", "email", "{}"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->is_reward);
  EXPECT_EQ(r->reward, 0.1);  // %.17g reads back exactly
  EXPECT_EQ(r->cost, 2.5);
  EXPECT_FALSE(ParseLogRecord(R"({"k":"d","id":"x"})").ok());
}

TEST_F(DecisionLogTest, ReplayAppliesNewSegmentsOnceAndSkipsATornLastLine) {
  // Segment 1: three decisions and a reward; segment 2: another reward, then a record whose
  // write a kill cut short (no newline).
  WriteSegment(1, Decision(1, "email") + Decision(2, "social") + Reward(2, "social", 1) +
                      Decision(3, "email"));
  const std::string torn = Decision(4, "search");
  WriteSegment(2, Reward(1, "email", 0) + torn.substr(0, torn.size() / 2));
  auto applied = ReplayDecisionLog(*ws_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 5);
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM rewards"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM decisions WHERE decision_id = 'promo-4'"), 0);
  EXPECT_EQ(Count("SELECT epoch_us(ts) FROM decisions WHERE decision_id = 'promo-2'"),
            1'764'000'000'000'002);
  EXPECT_EQ(Stored("definition")["decisions"], 3);
  auto state = bandit::PolicyStateFromJson(Stored("state").dump());
  ASSERT_TRUE(state.ok());
  auto policy = bandit::MakePolicy(config_);
  ASSERT_TRUE((*policy)->Restore(*state).ok());
  EXPECT_EQ((*policy)->total_pulls(), 2);
  EXPECT_EQ((*policy)->pulls()[1], 1);
  EXPECT_EQ((*policy)->reward_sum()[1], 1.0);
  EXPECT_EQ(Count("SELECT max(segment) FROM decision_log_state"), 2);
  auto left = DecisionLog::List(LogDir());
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "replayed segments are deleted";

  // A segment at or below the watermark is one whose flush committed before a kill left the
  // file behind: replaying it again would store everything twice.
  WriteSegment(2, Reward(1, "email", 0));
  applied = ReplayDecisionLog(*ws_);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM rewards"), 2);

  // Even without the watermark, records whose decision_id is stored are not applied again.
  ASSERT_TRUE(ws_->Execute("DELETE FROM decision_log_state").ok());
  WriteSegment(7, Decision(3, "email") + Reward(2, "social", 1) + Decision(5, "email"));
  applied = ReplayDecisionLog(*ws_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 1) << "only promo-5 is new";
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM rewards"), 2);
  EXPECT_EQ(Stored("definition")["decisions"], 5);
  auto again = bandit::PolicyStateFromJson(Stored("state").dump());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*policy)->Restore(*again).ok());
  EXPECT_EQ((*policy)->total_pulls(), 2) << "the stored reward was not applied twice";
}

TEST_F(DecisionLogTest, ReplayStopsAtTheZeroTailOfASegmentAKillLeftMapped) {
  // What a kill -9 leaves of the segment the log was writing: whole records, one cut short by
  // the kill (no newline: that byte is stored last), then the reserved, never written zeros.
  const std::string torn = Decision(3, "search");
  WriteSegment(4, Decision(1, "email") + Decision(2, "social") + torn.substr(0, 40) +
                      std::string(8192, '\0'));
  // And a segment opened just before the kill: zeros only.
  WriteSegment(5, std::string(4096, '\0'));
  auto applied = ReplayDecisionLog(*ws_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 2);
  EXPECT_EQ(Stored("definition")["decisions"], 2);
}

TEST_F(DecisionLogTest, SegmentsAreMappedCutToTheirRecordsAndRollOverWhenFull) {
  auto log = DecisionLog::Open(LogDir(), 9, DecisionLog::Fsync::kNever);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string first = Decision(1, "email") + Reward(1, "email", 1);
  ASSERT_TRUE((*log)->Append(Decision(1, "email")).ok());
  ASSERT_TRUE((*log)->Append(Reward(1, "email", 1)).ok());
  // While the segment is current the file is its reservation: the records, then zeros (what
  // another process, or a replay after a kill, reads).
  auto segments = DecisionLog::List(LogDir());
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), 1u);
  std::string live = read((*segments)[0].path);
  EXPECT_EQ(live.size(), DecisionLog::kSegmentBytes);
  EXPECT_EQ(live.substr(0, first.size()), first);
  EXPECT_EQ(live.find_first_not_of('\0', first.size()), std::string::npos);
  // Sealing cuts the file to exactly its records.
  auto sealed = (*log)->Seal();
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*sealed, 9);
  EXPECT_EQ(read((*segments)[0].path), first);
  // A full segment continues in the next one; no record is split between two.
  const std::string record = Decision(2, "social");
  const size_t per_segment = DecisionLog::kSegmentBytes / record.size();
  for (size_t i = 0; i < per_segment + 10; ++i) ASSERT_TRUE((*log)->Append(record).ok());
  EXPECT_EQ((*log)->current_seq(), 11);
  (*log)->Close();
  segments = DecisionLog::List(LogDir());
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), 3u);
  EXPECT_EQ(read((*segments)[1].path).size(), per_segment * record.size());
  EXPECT_EQ(read((*segments)[2].path), [&] {
    std::string rest;
    for (int i = 0; i < 10; ++i) rest += record;
    return rest;
  }());
  // An empty current segment is removed by Close, and Append fails afterwards.
  auto again = DecisionLog::Open(LogDir(), 12, DecisionLog::Fsync::kEveryRecord);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append(record).ok());  // the msync path
  ASSERT_TRUE((*again)->Seal().ok());
  (*again)->Close();
  EXPECT_FALSE((*again)->Append(record).ok());
  segments = DecisionLog::List(LogDir());
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), 4u) << "segment 13 was empty";
  EXPECT_EQ(read((*segments)[3].path), record);
  // A segment number that already has records is never appended to.
  EXPECT_FALSE(DecisionLog::Open(LogDir(), 12, DecisionLog::Fsync::kNever).ok());
}

TEST_F(DecisionLogTest, ADamagedMiddleLineIsDataLossNamingFileAndLine) {
  WriteSegment(3, Decision(1, "email") + "{not json}\n" + Decision(2, "email"));
  auto applied = ReplayDecisionLog(*ws_);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(applied.status().message().find("000000000003.log:2"), std::string::npos)
      << applied.status().message();
  EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 0) << "nothing of a failed replay is stored";
  WriteSegment(3, Decision(1, "nope"));
  applied = ReplayDecisionLog(*ws_);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find("no arm 'nope'"), std::string::npos);
}

TEST_F(DecisionLogTest, ServiceDecidesInMemoryAndRewardsBeforeAndAfterTheFlush) {
  std::mutex ws_mu;
  BanditService::Options o;
  o.flush_interval_ms = 60'000;  // only explicit flushes in this test
  auto s = BanditService::Start(*ws_, ws_mu, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto& svc = **s;
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto d = svc.Decide("promo", "u" + std::to_string(i), json());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ids.push_back((*d)["decision_id"]);
    // The CLI's protocol: decision N is drawn from Rng(seed).Fork(N - 1).
    auto reference = bandit::MakePolicy(config_);
    Rng rng = Rng(11).Fork(static_cast<uint64_t>(i));
    auto expected = (*reference)->Choose({}, rng);
    ASSERT_TRUE(expected.ok());
    const std::vector<std::string> arms = {"email", "social", "search"};
    EXPECT_EQ((*d)["arm"], arms[expected->arm]) << "decision " << i + 1;
    EXPECT_EQ((*d)["propensity_kind"], "monte-carlo");
    EXPECT_GT((*d)["propensity"].get<double>(), 0.0);
    EXPECT_LT((*d)["propensity"].get<double>(), 1.0);
  }
  EXPECT_EQ(ids.front(), "promo-1");
  EXPECT_EQ(ids.back(), "promo-6");
  // Nothing is in DuckDB yet: the records are in the log.
  {
    std::lock_guard<std::mutex> lock(ws_mu);
    EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 0);
  }
  std::string bandit, arm;
  auto r = svc.Reward(ids[0], 1.0, -1, &bandit, &arm);  // found in memory
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(bandit, "promo");
  EXPECT_EQ(svc.Reward(ids[0], 1.0, -1, &bandit, &arm).status().code(), StatusCode::kAlreadyExists);
  auto show = svc.Show("promo");
  ASSERT_TRUE(show.ok());
  EXPECT_EQ((*show)["decisions"], 6);
  EXPECT_EQ((*show)["pending_rewards"], 5);
  ASSERT_TRUE(svc.Flush().ok());
  {
    std::lock_guard<std::mutex> lock(ws_mu);
    EXPECT_EQ(Count("SELECT count(*) FROM decisions"), 6);
    EXPECT_EQ(Count("SELECT count(*) FROM rewards"), 1);
    EXPECT_EQ(Stored("definition")["decisions"], 6);
  }
  r = svc.Reward(ids[1], 0.0, -1, &bandit, &arm);  // found in DuckDB
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(svc.Reward(ids[1], 1.0, -1, &bandit, &arm).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(svc.Reward(ids[0], 1.0, -1, &bandit, &arm).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(svc.Reward("promo-99", 1.0, -1, &bandit, &arm).status().code(), StatusCode::kNotFound);
  show = svc.Show("promo");
  ASSERT_TRUE(show.ok());
  EXPECT_EQ((*show)["pending_rewards"], 4);
  EXPECT_EQ((*show)["pulls"], 2);
  EXPECT_EQ(svc.Decide("nope", "u", json()).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(svc.Stop().ok());
  {
    std::lock_guard<std::mutex> lock(ws_mu);
    EXPECT_EQ(Count("SELECT count(*) FROM rewards"), 2);
  }
  auto left = DecisionLog::List(LogDir());
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "a clean stop leaves no segment";
}

}  // namespace
}  // namespace fw::server
