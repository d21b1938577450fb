// SPDX-License-Identifier: Apache-2.0
//
// simulator.h: scores bandit policies on a simulated market before real money is spent.
//
// Each step one user arrives (segment drawn by share), the policy picks a channel for the
// contact, the contact costs the channel's cost (random around its mean) and converts with the
// segment's probability on that channel. A run stops when the budget cannot pay the next
// contact, when no arm is playable, or at the horizon. Policies see the arriving user's segment
// (Context::segment, and a one-hot feature vector); the cost-blind and budgeted policies ignore
// it, the contextual ones (segment-ts, linucb, lints) use it.
//
// Common random numbers: the outcome of contact t on channel c in run r (its segment, whether it
// converts, its cost and revenue) is a hash of (seed, r, t, c), so every policy faces the same
// users and the same luck, and differences between policies are not noise from the environment.
//
// The oracle is the best fixed allocation under the budget given the true parameters: the LP
// relaxation of the knapsack (channel oracle: each contact reaches a random user, so a channel
// converts at its share-weighted rate; segment oracle: a channel per segment, users arriving in
// proportion to the shares). Regret at a checkpoint is the oracle LP's value for the money and
// contacts the policy had used by then, minus the policy's expected conversions (pseudo-regret).
//
// Thread safety: Simulate is a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/bandit/policy.h"
#include "flywheel/bandit/scenario.h"

namespace fw::bandit {

struct SimulationOptions {
  // Policy kinds (see PolicyKinds()) plus "oracle", which plays the channel oracle's LP mixture
  // (or the segment oracle's with `contextual`).
  std::vector<std::string> policies = {"uniform", "ts", "budgeted-ts", "bwk", "oracle"};
  int runs = 10;             // independent runs per policy; CIs are over runs
  uint64_t seed = 1;         // everything is derived from it
  bool contextual = false;   // ratios against the per-segment oracle instead of the channel one
  bool known_costs = false;  // policies know each channel's mean cost (else they learn it)
  int num_checkpoints = 24;  // log-spaced regret checkpoints
  // Reward = the contact's revenue (0 without a conversion) instead of the conversion; the
  // oracle, ratios and regret are then in revenue. Bernoulli kinds are refused.
  bool revenue_reward = false;
  PolicyConfig base;         // tuning fields (epsilon, temperature, priors...) for every policy

  Status Validate() const;
};

struct OracleSummary {
  double conversions = 0.0;            // expected conversions of the LP optimum
  double revenue = 0.0;                // expected revenue of that allocation (the LP objective
                                       // with revenue_reward)
  double spend = 0.0;
  double contacts = 0.0;
  std::vector<double> channel_spend;   // per channel
  std::vector<double> channel_value;   // conversions per unit cost, per channel (channel oracle)
};

struct PolicyResult {
  std::string name;
  // Means over runs.
  double conversions = 0.0;
  // Sum of the true probabilities of the contacts made (expected revenue with revenue_reward).
  double expected_conversions = 0.0;
  double revenue = 0.0;
  double spend = 0.0;
  double contacts = 0.0;
  double max_spend = 0.0;              // largest spend of any run (never above the budget)
  // Conversions / oracle conversions (revenue / oracle revenue with revenue_reward): mean and a
  // 95% t interval over runs (has_ci: runs >= 2).
  double ratio = 0.0;
  double ratio_lo = 0.0;
  double ratio_hi = 0.0;
  bool has_ci = false;
  std::vector<double> run_conversions;           // per run
  std::vector<double> spend_share;               // per channel, of the total spend
  std::vector<double> regret;                    // mean over runs, per checkpoint
  std::vector<std::vector<double>> share_curve;  // [checkpoint][channel] cumulative spend share
  // Least-squares slope of log(regret) on log(t) over the second half of the checkpoints (in
  // log t) that every run reached; 1 = linear regret. has_slope false when fewer than 3 points.
  double regret_slope = 0.0;
  bool has_slope = false;
};

struct SimulationReport {
  Scenario scenario;
  SimulationOptions options;
  OracleSummary oracle;          // channel oracle
  OracleSummary segment_oracle;  // per-segment oracle
  std::vector<int64_t> checkpoints;
  std::vector<PolicyResult> policies;
};

// The channel oracle (per_segment false) or the per-segment oracle, for `budget` and `horizon`
// (defaults: the scenario's).
// With `revenue` the LP maximises expected revenue instead of conversions.
Result<OracleSummary> SolveOracle(const Scenario& scenario, bool per_segment, bool revenue = false);
Result<double> OracleValue(const Scenario& scenario, bool per_segment, double budget,
                           double horizon, bool revenue = false);

// Runs every policy `runs` times on the scenario.
Result<SimulationReport> Simulate(const Scenario& scenario, const SimulationOptions& options);

}  // namespace fw::bandit
