// SPDX-License-Identifier: Apache-2.0
//
// bandit_service.cc: in-memory decide/reward with a decision log and a batch flusher (see
// bandit_service.h).
#include "bandit_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "flywheel/bandit/serialize.h"
#include "flywheel/core/rng.h"
#include "flywheel/core/time.h"
#include "flywheel/server/decision_replay.h"

namespace fw::server {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

// NaN and infinities become null, as the CLI's JsonNumber.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The propensity estimates draw from their own stream, apart from the decisions' Fork(N).
constexpr uint64_t kPropensityStream = 0x70726f70656e7369ULL;  // "propensi"

const char* KindName(bd::PropensityKind kind) {
  return kind == bd::PropensityKind::kExact ? "exact" : "monte-carlo";
}

}  // namespace

Result<std::unique_ptr<BanditService>> BanditService::Start(store::Workspace& workspace,
                                                            std::mutex& workspace_mu,
                                                            Options options) {
  std::unique_ptr<BanditService> s(new BanditService(workspace, workspace_mu, options));
  {
    std::lock_guard<std::mutex> lock(workspace_mu);
    FW_RETURN_IF_ERROR(ReplayDecisionLog(workspace).status());
    FW_ASSIGN_OR_RETURN(auto loaded, LoadAllBandits(workspace));
    for (auto& b : loaded) {
      const std::string name = b->name;
      s->bandits_[name].state = std::move(b);
    }
    const std::string dir = DecisionLog::DirFor(workspace.path());
    if (!dir.empty()) {
      // Numbers keep growing across runs: a new segment must sort after the watermark, or a
      // replay would take its records for already flushed ones.
      FW_ASSIGN_OR_RETURN(int64_t next, LastFlushedSegment(workspace));
      FW_ASSIGN_OR_RETURN(auto left, DecisionLog::List(dir));
      if (!left.empty()) next = std::max(next, left.back().seq);
      FW_ASSIGN_OR_RETURN(s->log_, DecisionLog::Open(dir, next + 1, options.fsync));
    }
  }
  s->thread_ = std::thread([raw = s.get()] { raw->Loop(); });
  return s;
}

BanditService::~BanditService() { Stop().IgnoreError(); }

BanditService::Bandit* BanditService::Find(const std::string& name) {
  auto it = bandits_.find(name);
  return it == bandits_.end() ? nullptr : &it->second;
}

double BanditService::ThompsonPropensity(Bandit& b, const bd::Context& ctx, size_t arm) {
  // P(the policy picks `arm`) depends only on the posterior (and the segment), which changes
  // only when a reward is applied. So one Monte Carlo estimate of every arm's probability,
  // (hits + 1) / (n + 1) as the bandit module's own estimator, serves every decision until the
  // next reward, instead of n posterior draws per decision.
  Bandit::Propensities& cache = b.propensities[ctx.segment];
  if (cache.version != b.updates) {
    LoadedBandit& s = *b.state;
    const int64_t n = s.policy->config().propensity_samples;
    std::vector<int64_t> hits(s.arms.size(), 0);
    Rng rng = Rng(s.seed ^ kPropensityStream).Fork(static_cast<uint64_t>(b.updates));
    for (int64_t i = 0; i < n; ++i) {
      auto d = s.sampler->Choose(ctx, rng);
      if (!d.ok()) break;  // cannot happen: the decision itself just chose with this state
      ++hits[d->arm];
    }
    cache.p.resize(hits.size());
    for (size_t a = 0; a < hits.size(); ++a) {
      cache.p[a] = (static_cast<double>(hits[a]) + 1.0) / (static_cast<double>(n) + 1.0);
    }
    cache.version = b.updates;
  }
  return cache.p[arm];
}

Result<std::string> BanditService::DecideJsonText(const std::string& name,
                                                  const std::string& user_id,
                                                  const json& context, std::string* arm_out) {
  if (name.empty()) return InvalidArgument("bandit: missing; expected the name of a bandit");
  if (user_id.empty()) return InvalidArgument("user_id: missing or empty");
  Bandit* b = Find(name);
  if (!b) {
    return NotFound("bandit '" + name + "' does not exist; create it with `flywheel bandit create`");
  }
  FW_ASSIGN_OR_RETURN(auto kv, ContextItems(context));
  std::vector<double> features;
  // Segments and feature names are fixed after Start: no lock needed to build the context.
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeBanditContext(*b->state, kv, features));
  DecisionRow row;
  row.bandit = name;
  row.user_id = user_id;
  // The stored context text: the object of kv (sorted keys, as nlohmann would dump it).
  row.context += '{';
  for (const auto& [k, v] : kv) {
    if (row.context.size() > 1) row.context += ',';
    AppendJsonString(row.context, k);
    row.context += ':';
    AppendJsonString(row.context, v);
  }
  row.context += '}';
  row.ts_us = NowMicros();
  bd::Decision d;
  {
    std::lock_guard<std::mutex> lock(mu_);
    LoadedBandit& s = *b->state;
    Rng rng = Rng(s.seed).Fork(static_cast<uint64_t>(s.decisions));
    if (!s.features.empty()) {
      // Linear bandits: the propensity depends on the feature vector; estimate it per decision.
      FW_ASSIGN_OR_RETURN(d, s.policy->Choose(pctx, rng));
    } else {
      // The same first draw as policy->Choose, so the same arm as the CLI would pick.
      FW_ASSIGN_OR_RETURN(d, s.sampler->Choose(pctx, rng));
      if (d.kind == bd::PropensityKind::kNotComputed && s.policy->config().propensity_samples > 0) {
        d.propensity = ThompsonPropensity(*b, pctx, d.arm);
        d.kind = bd::PropensityKind::kMonteCarlo;
      }
    }
    const int64_t number = s.decisions + 1;
    row.id = name;
    row.id += '-';
    row.id += std::to_string(number);
    row.arm = s.arms[d.arm];
    row.propensity = d.propensity;
    if (log_) FW_RETURN_IF_ERROR(log_->Append(DecisionRecord(row, number)));
    s.decisions = number;
    b->dirty = true;
    unflushed_decisions_.insert_or_assign(row.id, Unflushed{b, d.arm, row.context});
    pending_decisions_.push_back(row);
    if (pending_decisions_.size() + pending_rewards_.size() >= options_.flush_records) {
      cv_.notify_one();
    }
  }
  // The answer's text is written directly: building an nlohmann object only to dump it cost
  // more than the decision itself. Keys in the order nlohmann would dump them (sorted).
  std::string out;
  out.reserve(160 + row.context.size());
  out += "{\"arm\":";
  AppendJsonString(out, row.arm);
  out += ",\"bandit\":";
  AppendJsonString(out, name);
  out += ",\"context\":";
  out += row.context;
  out += ",\"decision_id\":";
  AppendJsonString(out, row.id);
  out += ",\"propensity\":";
  AppendJsonNumber(out, d.propensity);
  out += ",\"propensity_kind\":\"";
  out += KindName(d.kind);
  out += "\",\"user_id\":";
  AppendJsonString(out, user_id);
  out += '}';
  if (arm_out) *arm_out = row.arm;
  return out;
}

Result<json> BanditService::Decide(const std::string& name, const std::string& user_id,
                                   const json& context) {
  FW_ASSIGN_OR_RETURN(std::string text, DecideJsonText(name, user_id, context, nullptr));
  return json::parse(text);
}

Status BanditService::ApplyReward(Bandit& b, const std::string& decision_id, size_t arm,
                                  const std::string& context, double reward, double* cost,
                                  json* out) {
  LoadedBandit& s = *b.state;
  if (*cost < 0) {
    *cost = s.policy->config().known_costs.empty() ? 0.0 : s.policy->config().known_costs[arm];
  }
  std::vector<double> features;
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeBanditContext(s, StoredContextItems(context), features));
  // Learn first (it validates), log second; if the log write fails, put the state back so
  // memory never holds what the log does not.
  const bd::PolicyState before = s.policy->Snapshot();
  FW_RETURN_IF_ERROR(s.Update(arm, reward, *cost, pctx).WithContext("reward/cost"));
  RewardRow row{decision_id, reward, *cost, NowMicros()};
  if (log_) {
    Status st = log_->Append(RewardRecord(row, s.name, s.arms[arm], context));
    if (!st.ok()) {
      s.policy->Restore(before).IgnoreError();
      s.sampler->Restore(before).IgnoreError();
      return st;
    }
  }
  ++b.updates;
  b.dirty = true;
  unflushed_rewards_[decision_id] = &b;
  pending_rewards_.push_back(std::move(row));
  *out = json{{"decision_id", decision_id}, {"arm", s.arms[arm]}, {"reward", reward},
              {"cost", *cost}, {"total_spend", Number(s.policy->total_spend())},
              {"remaining_budget", Number(s.policy->remaining_budget())}};
  return OkStatus();
}

Result<json> BanditService::Reward(const std::string& decision_id, double reward, double cost,
                                   std::string* bandit_out, std::string* arm_out) {
  if (decision_id.empty()) return InvalidArgument("decision_id: missing or empty");
  if (!std::isfinite(reward)) return InvalidArgument("reward: expected a finite number");
  json out;
  {
    // A decision still in the log (not yet flushed) is found in memory.
    std::lock_guard<std::mutex> lock(mu_);
    if (unflushed_rewards_.count(decision_id)) {
      return AlreadyExists("decision_id '" + decision_id + "' already has a reward");
    }
    if (const Unflushed* found = FindUnflushed(decision_id)) {
      const Unflushed u = *found;
      FW_RETURN_IF_ERROR(ApplyReward(*u.bandit, decision_id, u.arm, u.context, reward, &cost, &out));
      *bandit_out = u.bandit->state->name;
      *arm_out = u.bandit->state->arms[u.arm];
      return out;
    }
  }
  // Else it is in DuckDB, or nowhere. Holding workspace_mu_ keeps the flusher from committing
  // in between, so "not in memory, not in the table" cannot miss a reward moving between them.
  std::lock_guard<std::mutex> ws_lock(workspace_mu_);
  FW_ASSIGN_OR_RETURN(auto rows, workspace_.Query(
      "SELECT bandit, arm, context FROM decisions WHERE decision_id = ?", {decision_id}));
  if (rows.rows.empty()) return NotFound("decision_id '" + decision_id + "': no such decision");
  FW_ASSIGN_OR_RETURN(int64_t done, workspace_.QueryInt(
      "SELECT count(*) FROM rewards WHERE decision_id = ?", {decision_id}));
  if (done) return AlreadyExists("decision_id '" + decision_id + "' already has a reward");
  const std::string name = rows.rows[0][0].value_or("");
  const std::string arm_name = rows.rows[0][1].value_or("");
  Bandit* b = Find(name);
  if (!b) return DataLoss("decision '" + decision_id + "' names unknown bandit '" + name + "'");
  const auto& arms = b->state->arms;
  auto it = std::find(arms.begin(), arms.end(), arm_name);
  if (it == arms.end()) return DataLoss("decision arm '" + arm_name + "' unknown");
  std::lock_guard<std::mutex> lock(mu_);
  if (unflushed_rewards_.count(decision_id)) {
    return AlreadyExists("decision_id '" + decision_id + "' already has a reward");
  }
  FW_RETURN_IF_ERROR(ApplyReward(*b, decision_id, static_cast<size_t>(it - arms.begin()),
                                 rows.rows[0][2].value_or("{}"), reward, &cost, &out));
  *bandit_out = name;
  *arm_out = arm_name;
  return out;
}

Result<json> BanditService::Show(const std::string& name) {
  Bandit* b = Find(name);
  if (!b) {
    return NotFound("bandit '" + name + "' does not exist; create it with `flywheel bandit create`");
  }
  int64_t pending = 0;
  std::unique_ptr<bd::Policy> copy;
  int64_t decisions = 0;
  {
    std::lock_guard<std::mutex> ws_lock(workspace_mu_);
    FW_ASSIGN_OR_RETURN(pending, workspace_.QueryInt(
        "SELECT count(*) FROM decisions d WHERE bandit = ? AND NOT EXISTS "
        "(SELECT 1 FROM rewards r WHERE r.decision_id = d.decision_id)", {name}));
    std::lock_guard<std::mutex> lock(mu_);
    // Rows still in the log: their decisions add to the pending count, their rewards of
    // decisions already in the table take from it.
    auto count_pending = [&](const std::unordered_map<std::string, Unflushed>& generation) {
      for (const auto& [id, u] : generation) {
        if (u.bandit == b && !unflushed_rewards_.count(id)) ++pending;
      }
    };
    count_pending(unflushed_decisions_);
    for (const auto& generation : sealed_decisions_) count_pending(generation);
    for (const auto& [id, owner] : unflushed_rewards_) {
      if (owner == b && !FindUnflushed(id)) --pending;
    }
    // Summaries take thousands of draws: work on a copy, outside the lock decisions need.
    FW_ASSIGN_OR_RETURN(copy, bd::MakePolicy(b->state->policy->config()));
    FW_RETURN_IF_ERROR(copy->Restore(b->state->policy->Snapshot()));
    decisions = b->state->decisions;
  }
  bd::Context pctx;
  if (!b->state->segments.empty()) pctx.segment = 0;
  Rng rng(b->state->seed);
  const auto summary = copy->Summarize(pctx, rng, 4000);
  const auto& p = *copy;
  json arms = json::array();
  for (size_t i = 0; i < b->state->arms.size(); ++i) {
    arms.push_back({{"arm", b->state->arms[i]}, {"pulls", p.pulls()[i]},
                    {"spend", Number(p.arm_spend()[i])}, {"mean", Number(summary[i].mean)},
                    {"interval", json::array({Number(summary[i].lo), Number(summary[i].hi)})},
                    {"prob_best", Number(summary[i].prob_best)}});
  }
  return json{{"name", name}, {"policy", p.config().kind}, {"pulls", p.total_pulls()},
              {"decisions", decisions}, {"pending_rewards", pending},
              {"spend", Number(p.total_spend())}, {"budget", Number(p.config().budget)},
              {"remaining_budget", Number(p.remaining_budget())}, {"context", json::object()},
              {"arms", arms}};
}

json BanditService::List() {
  json out = json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, b] : bandits_) {
    const auto& p = *b.state->policy;
    out.push_back({{"name", name}, {"policy", p.config().kind}, {"pulls", p.total_pulls()},
                   {"spend", Number(p.total_spend())}, {"budget", Number(p.config().budget)},
                   {"remaining_budget", Number(p.remaining_budget())}});
  }
  return out;
}

void BanditService::SealInto(Sealed& sealed) {
  bool dirty = false;
  for (const auto& [name, b] : bandits_) dirty = dirty || b.dirty;
  if (!dirty && pending_decisions_.empty() && pending_rewards_.empty()) return;
  if (log_) {
    // If the next segment cannot be opened, nothing is sealed: the records stay pending and
    // the log keeps appending to the current segment.
    auto seq = log_->Seal(&sealed.retired);
    if (!seq.ok()) return;
    sealed.segment = *seq;
  }
  sealed.decisions.insert(sealed.decisions.end(),
                          std::make_move_iterator(pending_decisions_.begin()),
                          std::make_move_iterator(pending_decisions_.end()));
  pending_decisions_.clear();
  sealed_decisions_.push_back(std::move(unflushed_decisions_));
  unflushed_decisions_ = {};
  sealed.rewards.insert(sealed.rewards.end(), std::make_move_iterator(pending_rewards_.begin()),
                        std::make_move_iterator(pending_rewards_.end()));
  pending_rewards_.clear();
  // The snapshots are taken in the same critical section as the seal, so they hold exactly
  // the effect of the records up to the sealed segment.
  for (auto& [name, b] : bandits_) {
    if (!b.dirty) continue;
    sealed.snapshots[name] = {b.state->DefinitionText(),
                              bd::PolicyStateToJson(b.state->policy->Snapshot())};
    b.dirty = false;
  }
}

const BanditService::Unflushed* BanditService::FindUnflushed(const std::string& id) const {
  if (auto it = unflushed_decisions_.find(id); it != unflushed_decisions_.end()) return &it->second;
  for (const auto& generation : sealed_decisions_) {
    if (auto it = generation.find(id); it != generation.end()) return &it->second;
  }
  return nullptr;
}

Status BanditService::FlushSealed(Sealed& sealed) {
  std::lock_guard<std::mutex> ws_lock(workspace_mu_);
  Status st = workspace_.Begin();
  if (st.ok()) st = AppendDecisionRows(workspace_, sealed.decisions);
  if (st.ok()) st = AppendRewardRows(workspace_, sealed.rewards);
  for (const auto& [name, snapshot] : sealed.snapshots) {
    if (!st.ok()) break;
    st = workspace_.Execute(
        "UPDATE bandits SET definition = ?, state = ?, updated_at = current_timestamp::TIMESTAMP "
        "WHERE name = ?",
        {snapshot.first, snapshot.second, name});
  }
  if (st.ok() && log_) st = SetLastFlushedSegment(workspace_, sealed.segment);
  if (st.ok()) st = workspace_.Commit();
  if (!st.ok()) {
    workspace_.Rollback().IgnoreError();
    return st;
  }
  // Still under workspace_mu_: a reward or Show never sees a row both in the table and in memory.
  // Every map sealed so far holds exactly the decisions of `sealed` (Flush seals and flushes
  // under flush_mu_, and a failed flush keeps both): drop them whole, and free them after the
  // lock.
  std::vector<std::unordered_map<std::string, Unflushed>> flushed;
  std::lock_guard<std::mutex> lock(mu_);
  flushed.swap(sealed_decisions_);
  for (const RewardRow& r : sealed.rewards) unflushed_rewards_.erase(r.id);
  return OkStatus();
}

Status BanditService::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    SealInto(retry_);
  }
  // Unmapping and cutting the sealed segment took milliseconds; every decide waits for mu_,
  // so it happens here, after the lock (docs/server.md, "Benchmark").
  DecisionLog::Finish(retry_.retired);
  if (retry_.decisions.empty() && retry_.rewards.empty() && retry_.snapshots.empty()) {
    return OkStatus();
  }
  Status st = FlushSealed(retry_);
  if (!st.ok()) {
    // The segments stay on disk and the rows in retry_; the next round sends them again with
    // whatever was sealed since (a newer snapshot of a bandit replaces the older one).
    ++flush_failures_;
    return st;
  }
  // Segments at or below the stored watermark are never replayed; deleting them needs no lock.
  if (log_) log_->RemoveUpTo(retry_.segment);
  retry_ = Sealed();
  return OkStatus();
}

void BanditService::Loop() {
  // A worker-thread entry point: no exception may escape (STYLE B2.4).
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms), [this] {
        return stopping_ ||
               pending_decisions_.size() + pending_rewards_.size() >= options_.flush_records;
      });
      if (stopping_) return;
    }
    try {
      Flush().IgnoreError();  // counted in flush_failures_; retried next round
    } catch (const std::exception&) {
      ++flush_failures_;
    }
  }
}

Status BanditService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Status st = Flush();
  std::lock_guard<std::mutex> lock(mu_);
  if (st.ok() && log_) log_->Close();
  return st;
}

}  // namespace fw::server
