// SPDX-License-Identifier: Apache-2.0
//
// decision_replay.cc: start-up replay of the decision log (see decision_replay.h).
#include "flywheel/server/decision_replay.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "bandit_state.h"
#include "decision_log.h"

namespace fw::server {
namespace {

struct Located {
  LogRecord record;
  std::string where;  // file:line, for errors
};

// The complete records of one segment, in order.
Status ReadSegment(const std::string& path, const std::string& file, std::vector<Located>* out) {
  // A segment the log was still writing when the process died ends in its reserved, never
  // written zero bytes (decision_log.h); the records end before them.
  const size_t last = file.find_last_not_of('\0');
  const std::string_view text(file.data(), last == std::string::npos ? 0 : last + 1);
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t end = text.find('\n', pos);
    const std::string where = path + ":" + std::to_string(line_no);
    if (end == std::string::npos) break;  // torn last record: its write never completed
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    auto parsed = ParseLogRecord(line);
    if (!parsed.ok()) {
      // A write interrupted by an error leaves a torn record as the last line of its segment
      // (DecisionLog starts a new segment after it); anywhere else the file is damaged.
      if (pos >= text.size()) break;
      return DataLoss(where + ": unreadable decision-log record (" + parsed.status().message() + ")");
    }
    out->push_back({std::move(*parsed), where});
  }
  return OkStatus();
}

// The ids among `ids` that `table` already holds: the second guard, after the watermark, that
// a replay never stores a decision or applies a reward twice.
Result<std::set<std::string>> Existing(store::Workspace& ws, const std::string& table,
                                       const std::set<std::string>& ids) {
  std::set<std::string> found;
  std::string list;
  auto run = [&]() -> Status {
    if (list.empty()) return OkStatus();
    FW_ASSIGN_OR_RETURN(auto rows, ws.Query("SELECT DISTINCT decision_id FROM " + table +
                                            " WHERE decision_id IN (" + list + ")"));
    for (const auto& row : rows.rows) found.insert(row[0].value_or(""));
    list.clear();
    return OkStatus();
  };
  size_t n = 0;
  for (const std::string& id : ids) {
    std::string quoted = "'";
    for (char c : id) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    list += (list.empty() ? "" : ",") + quoted + "'";
    if (++n % 1000 == 0) FW_RETURN_IF_ERROR(run());
  }
  FW_RETURN_IF_ERROR(run());
  return found;
}

// Applies `records` to `bandits` and the row buffers, skipping what the tables already hold.
Status Apply(const std::vector<Located>& records, const std::set<std::string>& stored_decisions,
             const std::set<std::string>& stored_rewards,
             std::map<std::string, LoadedBandit*>& bandits, std::map<std::string, bool>& dirty,
             std::vector<DecisionRow>& decisions, std::vector<RewardRow>& rewards,
             int64_t* applied) {
  for (const Located& located : records) {
    const LogRecord& r = located.record;
    const std::string& where = located.where;
    auto it = bandits.find(r.decision.bandit);
    if (it == bandits.end()) {
      return DataLoss(where + ": bandit '" + r.decision.bandit + "' is not in the workspace");
    }
    LoadedBandit& b = *it->second;
    auto arm = std::find(b.arms.begin(), b.arms.end(), r.decision.arm);
    if (arm == b.arms.end()) {
      return DataLoss(where + ": bandit '" + b.name + "' has no arm '" + r.decision.arm + "'");
    }
    if (r.is_reward) {
      if (stored_rewards.count(r.decision.id)) continue;
      std::vector<double> features;
      auto ctx = MakeBanditContext(b, StoredContextItems(r.decision.context), features);
      if (!ctx.ok()) return DataLoss(where + ": " + ctx.status().message());
      Status st = b.Update(static_cast<size_t>(arm - b.arms.begin()), r.reward, r.cost, *ctx);
      if (!st.ok()) return DataLoss(where + ": the reward does not apply (" + st.message() + ")");
      rewards.push_back({r.decision.id, r.reward, r.cost, r.decision.ts_us});
    } else {
      b.decisions = std::max(b.decisions, r.number);
      if (stored_decisions.count(r.decision.id)) continue;
      decisions.push_back(r.decision);
    }
    dirty[b.name] = true;
    ++*applied;
  }
  return OkStatus();
}

}  // namespace

Result<int64_t> ReplayDecisionLog(store::Workspace& ws) {
  const std::string dir = DecisionLog::DirFor(ws.path());
  FW_ASSIGN_OR_RETURN(auto segments, DecisionLog::List(dir));
  if (segments.empty()) return int64_t{0};
  FW_ASSIGN_OR_RETURN(const int64_t watermark, LastFlushedSegment(ws));
  FW_ASSIGN_OR_RETURN(auto loaded, LoadAllBandits(ws));
  std::map<std::string, LoadedBandit*> bandits;
  for (auto& b : loaded) bandits[b->name] = b.get();
  std::map<std::string, bool> dirty;
  std::vector<DecisionRow> decisions;
  std::vector<RewardRow> rewards;
  std::vector<Located> records;
  const int64_t last = segments.back().seq;
  for (const auto& s : segments) {
    if (s.seq <= watermark) continue;  // its flush committed before the server stopped
    std::ifstream in(s.path, std::ios::binary);
    if (!in) return Unavailable("cannot read " + s.path);
    std::ostringstream text;
    text << in.rdbuf();
    FW_RETURN_IF_ERROR(ReadSegment(s.path, text.str(), &records));
  }
  std::set<std::string> decision_ids, reward_ids;
  for (const Located& l : records) {
    (l.record.is_reward ? reward_ids : decision_ids).insert(l.record.decision.id);
  }
  FW_ASSIGN_OR_RETURN(const auto stored_decisions, Existing(ws, "decisions", decision_ids));
  FW_ASSIGN_OR_RETURN(const auto stored_rewards, Existing(ws, "rewards", reward_ids));
  int64_t applied = 0;
  FW_RETURN_IF_ERROR(Apply(records, stored_decisions, stored_rewards, bandits, dirty, decisions,
                           rewards, &applied));
  FW_RETURN_IF_ERROR(ws.Begin());
  Status st = AppendDecisionRows(ws, decisions);
  if (st.ok()) st = AppendRewardRows(ws, rewards);
  for (const auto& [name, unused] : dirty) {
    if (st.ok()) st = SaveBandit(ws, *bandits[name]);
  }
  if (st.ok()) st = SetLastFlushedSegment(ws, std::max(watermark, last));
  if (st.ok()) st = ws.Commit();
  if (!st.ok()) {
    ws.Rollback().IgnoreError();
    return st.WithContext("replaying the decision log " + dir);
  }
  for (const auto& s : segments) std::remove(s.path.c_str());
  return applied;
}

}  // namespace fw::server
