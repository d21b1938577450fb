// SPDX-License-Identifier: Apache-2.0
//
// bandit_service.h: POST /v1/decide, POST /v1/reward and GET /v1/bandits/NAME over the named
// bandits that `flywheel bandit create` stores in the workspace (protocol: bandit_state.h).
//
// Decisions and rewards do not open a DuckDB transaction each. The bandits are loaded once at
// start (after the decision log is replayed: decision_replay.h) and live in memory under this
// service's own mutex `mu_`, not the workspace mutex. A decision or reward is applied in memory
// and its record appended to the decision log (a copy into a mapped segment, decision_log.h)
// under `mu_`, so the log's order is the order the in-memory state saw; the request is answered
// after the copy. A flusher thread seals the current log segment every `flush_interval_ms`
// (or sooner when `flush_records` are pending) together with a snapshot of the touched bandits
// taken at that instant, appends the segment's rows to `decisions` and `rewards` and stores the
// snapshots and the segment number in one transaction, then deletes the segment. A kill -9 at
// any point leaves either the committed watermark (replay skips the segment) or the segment
// (replay applies it): nothing acknowledged is lost or stored twice.
//
// A reward looks its decision up in memory while the decision is not yet in DuckDB, else in the
// `decisions` table. The bandit set is fixed for the run (the CLI cannot create one while the
// server holds the workspace).
//
// Lock order: workspace_mu before mu_; the flusher never holds mu_ while it waits for
// workspace_mu.
// Thread safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "bandit_state.h"
#include "decision_log.h"
#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

class BanditService {
 public:
  struct Options {
    DecisionLog::Fsync fsync = DecisionLog::Fsync::kNever;
    int64_t flush_interval_ms = 200;  // move log records into DuckDB at least this often...
    size_t flush_records = 20000;     // ...or as soon as this many are pending
  };

  // Replays the decision log, loads every bandit and starts the flusher. `workspace` and
  // `workspace_mu` (which guards it) must outlive the service.
  static Result<std::unique_ptr<BanditService>> Start(store::Workspace& workspace,
                                                      std::mutex& workspace_mu, Options options);
  ~BanditService();

  // {decision_id, bandit, user_id, arm, propensity, propensity_kind, context}, as
  // `flywheel bandit decide --json`. `context` is a JSON object of key -> string or number.
  Result<nlohmann::json> Decide(const std::string& bandit, const std::string& user_id,
                                const nlohmann::json& context);
  // The same answer as JSON text (what POST /v1/decide sends), without building a JSON
  // document; `arm_out` (may be null) receives the arm.
  Result<std::string> DecideJsonText(const std::string& bandit, const std::string& user_id,
                                     const nlohmann::json& context, std::string* arm_out);

  // {decision_id, arm, reward, cost, total_spend, remaining_budget}, as `bandit reward --json`.
  // `cost` < 0 means the arm's known cost (else 0). Errors: kNotFound for an unknown decision,
  // kAlreadyExists if it already has a reward. `bandit_out`/`arm_out` name what was rewarded.
  Result<nlohmann::json> Reward(const std::string& decision_id, double reward, double cost,
                                std::string* bandit_out, std::string* arm_out);

  // As `flywheel bandit show NAME --json`.
  Result<nlohmann::json> Show(const std::string& bandit);

  // Names of all bandits, and for each: spend, budget (null = unlimited), remaining.
  nlohmann::json List();

  // Moves everything logged so far into DuckDB now (tests, shutdown).
  Status Flush();

  // Final flush and stop of the flusher. Idempotent.
  Status Stop();

  int64_t flush_failures() const { return flush_failures_.load(); }

 private:
  struct Bandit {
    std::unique_ptr<LoadedBandit> state;
    int64_t updates = 0;  // rewards applied this run: the posterior's version
    bool dirty = false;   // changed since the last seal
    // Thompson propensities per segment, valid while `version == updates` (see Decide).
    struct Propensities {
      int64_t version = -1;
      std::vector<double> p;
    };
    std::map<int32_t, Propensities> propensities;
  };
  // A decision not yet in DuckDB, for rewards that arrive before the flush.
  struct Unflushed {
    Bandit* bandit = nullptr;
    size_t arm = 0;
    std::string context;
  };
  // What one seal hands to the flusher.
  struct Sealed {
    int64_t segment = 0;
    std::vector<DecisionRow> decisions;
    std::vector<RewardRow> rewards;
    std::map<std::string, std::pair<std::string, std::string>> snapshots;  // name -> def, state
    DecisionLog::Retired retired;  // the sealed segment, finished outside mu_
  };

  BanditService(store::Workspace& workspace, std::mutex& workspace_mu, Options options)
      : workspace_(workspace), workspace_mu_(workspace_mu), options_(options) {}
  Bandit* Find(const std::string& name);  // fixed after Start; no lock needed
  double ThompsonPropensity(Bandit& b, const bandit::Context& ctx, size_t arm);  // under mu_
  Status ApplyReward(Bandit& b, const std::string& decision_id, size_t arm,
                     const std::string& context, double reward, double* cost,
                     nlohmann::json* out);  // under mu_
  void SealInto(Sealed& sealed);             // under mu_
  Status FlushSealed(Sealed& sealed);        // takes workspace_mu_, then mu_
  void Loop();

  store::Workspace& workspace_;
  std::mutex& workspace_mu_;
  const Options options_;
  std::map<std::string, Bandit> bandits_;  // the set is fixed after Start

  std::mutex mu_;  // guards everything below and the Bandit values
  std::unique_ptr<DecisionLog> log_;  // null for ":memory:" workspaces
  std::vector<DecisionRow> pending_decisions_;
  std::vector<RewardRow> pending_rewards_;
  // Decisions not yet in DuckDB, by id: those since the last seal, and one map per seal not yet
  // flushed (a failed flush keeps its map until a later one succeeds). A successful flush drops
  // whole maps instead of erasing its ids one by one under mu_ (which took 3 ms for 10k
  // decisions, a stall of every decide).
  std::unordered_map<std::string, Unflushed> unflushed_decisions_;
  std::vector<std::unordered_map<std::string, Unflushed>> sealed_decisions_;
  const Unflushed* FindUnflushed(const std::string& id) const;  // under mu_
  std::unordered_map<std::string, Bandit*> unflushed_rewards_;  // decision id -> its bandit
  std::condition_variable cv_;
  bool stopping_ = false;

  std::mutex flush_mu_;  // one flush at a time (the loop, Flush(), Stop())
  Sealed retry_;         // under flush_mu_: rows of a failed flush, retried with the next
  std::thread thread_;
  std::atomic<int64_t> flush_failures_{0};
};

}  // namespace fw::server
