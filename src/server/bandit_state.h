// SPDX-License-Identifier: Apache-2.0
//
// bandit_state.h: the workspace's bandit storage protocol as the server uses it, shared by the
// live BanditService and the start-up replay of the decision log.
//
// The format is the CLI's (src/cli/commands/bandit_workspace.cc): `bandits.definition` holds
// {"arms", "segments", "features", "seed", "decisions", "config"} and `state` the PolicyState;
// decision N draws from Rng(seed).Fork(N - 1) and its id is "<bandit>-<N>". Those helpers are
// private to the CLI command file, so this is the server's copy of that small protocol, kept
// identical so the CLI and the server can take turns on one workspace.
//
// The decision-log record format (one JSON object per line) lives here too, so writer and
// replay cannot drift apart:
//   {"k":"d","id":"promo-17","b":"promo","n":17,"u":"user","a":"email","p":0.33,"c":"{}","t":US}
//   {"k":"r","id":"promo-17","b":"promo","a":"email","r":1,"x":0.5,"c":"{}","t":US}
// "c" is the decision's stored context (a JSON object as text), "x" the reward's cost, "t" UTC
// microseconds.
//
// Thread safety: plain functions and values; a LoadedBandit is guarded by its owner.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "flywheel/bandit/policy.h"
#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

struct LoadedBandit {
  std::string name;
  nlohmann::json def;  // as stored; "decisions" is kept in `decisions` while loaded
  std::vector<std::string> arms, segments, features;
  uint64_t seed = 1;
  int64_t decisions = 0;                    // decisions made so far (the id counter)
  std::unique_ptr<bandit::Policy> policy;   // as configured (propensities as configured)
  // The same policy with propensity_samples = 0: it picks the same arm from the same Rng but
  // skips the per-decision Monte Carlo propensity (see BanditService::Decide). Updated in step
  // with `policy`.
  std::unique_ptr<bandit::Policy> sampler;

  // The definition text to store: `def` with the current decision counter.
  std::string DefinitionText() const;
  // Applies one reward to both policies (the same deterministic update).
  Status Update(size_t arm, double reward, double cost, const bandit::Context& context);
};

// Loads every bandit of the workspace.
Result<std::vector<std::unique_ptr<LoadedBandit>>> LoadAllBandits(store::Workspace& ws);

// Stores the definition and state of `b` (inside the caller's transaction).
Status SaveBandit(store::Workspace& ws, const LoadedBandit& b);

// Context values from a JSON object of key -> string or number; the stored form is text.
Result<std::map<std::string, std::string>> ContextItems(const nlohmann::json& context);
// The same from a stored context text (strings only, as stored).
std::map<std::string, std::string> StoredContextItems(std::string_view stored);

// The policy context for `kv`: segment=NAME for per-segment bandits, one number per feature for
// linear ones. `features` receives the vector the context points into.
Result<bandit::Context> MakeBanditContext(const LoadedBandit& b,
                                          const std::map<std::string, std::string>& kv,
                                          std::vector<double>& features);

// One row of `decisions` / `rewards`, as buffered between the log and the table.
struct DecisionRow {
  std::string id, bandit, user_id, arm;
  double propensity = 0;
  std::string context;  // JSON object text
  int64_t ts_us = 0;
};
struct RewardRow {
  std::string id;
  double reward = 0, cost = 0;
  int64_t ts_us = 0;
};

// Appends the rows to their tables (inside the caller's transaction).
Status AppendDecisionRows(store::Workspace& ws, const std::vector<DecisionRow>& rows);
Status AppendRewardRows(store::Workspace& ws, const std::vector<RewardRow>& rows);

// JSON text pieces for the log records and the decide answer. Strings: request bodies were
// checked to be valid UTF-8, so only quotes, backslashes and control characters are escaped.
// Numbers: the shortest text that reads back as the same double; non-finite ones as null.
void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonNumber(std::string& out, double v);

// Log records (format above), each ending in '\n'.
std::string DecisionRecord(const DecisionRow& row, int64_t number);
std::string RewardRecord(const RewardRow& row, const std::string& bandit, const std::string& arm,
                         const std::string& context);

// A parsed log record.
struct LogRecord {
  bool is_reward = false;
  DecisionRow decision;  // for both kinds: id, bandit, arm, context, ts_us (+ user, propensity)
  int64_t number = 0;    // decision number (decisions only)
  double reward = 0, cost = 0;
};
Result<LogRecord> ParseLogRecord(std::string_view line);

// The last decision-log segment whose records are in the tables (0 = none); the table
// `decision_log_state` is created when missing.
Result<int64_t> LastFlushedSegment(store::Workspace& ws);
Status SetLastFlushedSegment(store::Workspace& ws, int64_t segment);

}  // namespace fw::server
