// SPDX-License-Identifier: Apache-2.0
//
// ope.h: off-policy evaluation. Estimates what a target policy would have earned from a log of
// decisions made by another (logging) policy that recorded its propensities.
//
// Estimators, for n logged rows (x_i, a_i, r_i, p_i) and a target policy pi(a | x):
//   IPS   = 1/n sum w_i r_i,                       w_i = pi(a_i | x_i) / p_i
//   SNIPS = sum w_i r_i / sum w_i                  (self-normalised: bounded by the rewards)
//   DM    = 1/n sum_i sum_a pi(a | x_i) q(x_i, a)  (direct method with reward model q)
//   DR    = DM + 1/n sum w_i (r_i - q(x_i, a_i))   (doubly robust, Dudik et al. 2011)
// Confidence intervals are bootstrap percentiles over rows (the reward model stays fitted on the
// whole log; its own uncertainty is not resampled).
//
// Contexts are discrete: the values of the context columns joined form a context key. The
// reward model q is the mean reward per (context, action), shrunk towards the action's mean
// with one pseudo-observation, which is shrunk towards the global mean the same way, so cells
// never seen still get a sensible value.
//
// Thread safety: pure functions over immutable inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::bandit {

// Which columns of a log file hold what (defaults: the Open Bandit Dataset's names).
struct LogColumns {
  std::string action = "item_id";
  std::string reward = "click";
  std::string propensity = "propensity_score";
  std::vector<std::string> context;  // empty = one context for every row
};

struct LoggedBandit {
  std::string source;                      // file name, for messages
  std::vector<std::string> action_names;   // distinct actions (numeric order if all numeric)
  std::vector<std::string> context_columns;
  std::vector<std::string> context_keys;   // distinct context keys, values joined by '|'
  std::vector<uint32_t> action;            // per row: index into action_names
  std::vector<uint32_t> context;           // per row: index into context_keys
  std::vector<double> reward;              // per row
  std::vector<double> propensity;          // per row, in (0, 1]
  std::vector<size_t> lines;               // per row: 1-based line in the file

  size_t size() const { return action.size(); }
};

// Reads a CSV/TSV log (optionally .gz). Errors name file, line, column and value: a missing
// column, a non-numeric reward, a propensity <= 0 or > 1, an empty log.
Result<LoggedBandit> ReadLoggedBandit(const std::string& path, const LogColumns& columns);

// Builds a log from in-memory rows (actions and context keys as text), with the same checks.
Result<LoggedBandit> MakeLoggedBandit(const std::vector<std::string>& actions,
                                      const std::vector<std::string>& contexts,
                                      const std::vector<double>& rewards,
                                      const std::vector<double>& propensities);

// q(x, a) per context key and action.
struct RewardModel {
  std::vector<std::vector<double>> q;  // [context][action]
};
RewardModel FitRewardModel(const LoggedBandit& log);

// pi(a | x) per context key and action; each row sums to 1.
struct TargetPolicy {
  std::string spec;
  std::vector<std::vector<double>> probs;  // [context][action]
};

// Parses a policy spec against the log's actions and contexts:
//   uniform        every logged action equally
//   fixed:ACTION   always ACTION (must appear in the log)
//   greedy-dm      the action with the best reward-model value in each context
//   epsilon:EPS    greedy-dm with probability 1 - EPS, uniform otherwise
//   file:PATH      a CSV with columns action, probability and (optionally) the log's context
//                  columns; missing actions get 0; each context's probabilities must sum to 1.
Result<TargetPolicy> ParseTargetPolicy(const std::string& spec, const LoggedBandit& log,
                                       const RewardModel& model);

struct OpeOptions {
  int bootstrap = 1000;     // bootstrap resamples for the intervals (0 = no intervals)
  uint64_t seed = 1;        // bootstrap seed
  double clip = 0.0;        // propensities below this are raised to it (0 = no clipping)
  double confidence = 0.95; // interval level

  Status Validate() const;
};

struct Estimate {
  double value = 0.0;
  double lo = 0.0;   // bootstrap percentile interval
  double hi = 0.0;
  double se = 0.0;   // bootstrap standard deviation
};

struct OpeResult {
  size_t n = 0;
  size_t num_actions = 0;
  size_t num_contexts = 0;
  size_t num_clipped = 0;        // rows whose propensity was raised to `clip`
  double logged_reward = 0.0;    // mean reward of the logging policy (on-policy value)
  double max_weight = 0.0;       // largest importance weight
  double effective_n = 0.0;      // (sum w)^2 / sum w^2, Kish's effective sample size
  bool has_ci = false;
  Estimate ips, snips, dm, dr;
};

// Evaluates `target` on `log`. kFailedPrecondition if every weight is 0 (the target never takes
// a logged action, so SNIPS is undefined).
Result<OpeResult> EvaluatePolicy(const LoggedBandit& log, const TargetPolicy& target,
                                 const RewardModel& model, const OpeOptions& options);

}  // namespace fw::bandit
