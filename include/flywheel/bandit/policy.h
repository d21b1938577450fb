// SPDX-License-Identifier: Apache-2.0
//
// policy.h: the one interface every bandit policy sits behind, and the factory that builds one.
//
// A policy picks an arm for a context (Choose), learns from the reward and cost of a pull
// (Update), and saves and restores its whole state (Snapshot / Restore) as named arrays of
// numbers, so the workspace and the server persist exactly the same state and a restart
// continues where it stopped.
//
// The base class does the bookkeeping every policy shares: pulls and spend per arm, the budget,
// per-arm caps (a maximum spend or number of contacts) and known costs. An arm that its cap or
// the remaining budget cannot pay for is not eligible, and when no arm is eligible Choose returns
// kResourceExhausted: play stops when the budget is spent.
//
// Every decision carries the probability that the policy picks the chosen arm, given its state
// and the context. It is exact where there is a closed form (uniform, epsilon-greedy, softmax,
// and 1 for the deterministic UCB1, LinUCB and BwK). For the Thompson family it is a Monte Carlo
// estimate over `propensity_samples` fresh posterior draws (default 1000; see
// EstimateThompsonPropensity in policy.cc for the estimator).
//
// Thread safety: a Policy is not thread-safe; use one per thread or guard it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/core/rng.h"

namespace fw::bandit {

inline constexpr double kUnlimited = std::numeric_limits<double>::infinity();

// What the policy knows about the user it is choosing for.
struct Context {
  int32_t segment = -1;               // segment index for per-segment policies; -1 = none
  std::span<const double> features = {};  // feature vector for LinUCB / linear Thompson
};

// How a decision's propensity was obtained.
enum class PropensityKind { kExact, kMonteCarlo, kNotComputed };

// One decision: the arm and the probability that the policy picks it.
struct Decision {
  size_t arm = 0;
  double propensity = 1.0;  // in (0, 1]; 0 only when kind == kNotComputed
  PropensityKind kind = PropensityKind::kExact;
};

// A policy's whole state as named arrays of numbers (JSON-able: an object of number arrays).
struct PolicyState {
  std::string kind;                                     // policy kind, e.g. "budgeted-ts"
  std::map<std::string, std::vector<double>> values;    // e.g. "pulls" -> one entry per arm
};

// The posterior (or estimate) of one arm's mean reward, for `bandit show`.
struct ArmSummary {
  double mean = 0.0;        // posterior mean (Bayesian policies) or sample mean
  double lo = 0.0;          // 95% interval: posterior quantiles or a normal interval
  double hi = 0.0;
  double prob_best = 0.0;   // P(this arm has the highest value), Monte Carlo
};

// Everything that configures a policy. One struct for all kinds keeps the stored definition of
// a named bandit simple; each kind reads the fields it needs (listed per field).
struct PolicyConfig {
  // "uniform", "eps", "ucb1", "ts", "ts-gaussian", "softmax", "budgeted-ts", "bwk",
  // "segment-ts", "linucb", "lints".
  std::string kind = "ts";
  size_t num_arms = 0;
  // Total budget in cost units; kUnlimited = none. Required (finite) for "bwk".
  double budget = kUnlimited;
  // Known mean cost per arm; empty = costs are learned from Update. Budgeted kinds use it.
  std::vector<double> known_costs = {};
  // Maximum spend per arm (kUnlimited = none); empty = no spend caps.
  std::vector<double> spend_caps = {};
  // Maximum number of pulls per arm (-1 = none); empty = no pull caps.
  std::vector<int64_t> pull_caps = {};
  // Expected number of pulls; "bwk" uses it as the time resource (0 = budget only).
  int64_t horizon = 0;
  // "segment-ts": number of segments (Context::segment in [0, num_segments)).
  size_t num_segments = 1;
  // "segment-ts": true = pick the best reward per expected cost (budgeted), false = best reward.
  bool segment_cost_aware = true;
  // "linucb", "lints": context feature dimension.
  size_t num_features = 0;
  double epsilon = 0.1;        // "eps": exploration probability at t = 0
  double epsilon_decay = 0.0;  // "eps": epsilon_t = epsilon / (1 + decay * t); 0 = constant
  double temperature = 0.05;   // "softmax": p(a) ~ exp(mean_a / temperature), reward units
  double ucb_alpha = 1.0;      // "linucb": width of the confidence bonus
  double ridge = 1.0;          // "linucb", "lints": ridge prior A = ridge * I
  double lints_scale = 0.25;   // "lints": posterior scale v (Agrawal and Goyal 2013)
  double prior_alpha = 1.0;    // Beta prior successes (Bernoulli Thompson kinds)
  double prior_beta = 1.0;     // Beta prior failures
  double prior_cost = 1.0;     // learned costs: prior mean cost (one pseudo-observation)
  // Monte Carlo draws per Thompson propensity; 0 = do not estimate (the simulator's fast path).
  int64_t propensity_samples = 1000;

  // kInvalidArgument naming the field: zero arms, unknown kind, a negative cost, a budget
  // <= 0, caps of the wrong length, a non-positive temperature, and so on.
  Status Validate() const;
};

class Policy {
 public:
  virtual ~Policy() = default;
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  const PolicyConfig& config() const { return config_; }
  size_t num_arms() const { return config_.num_arms; }

  // Picks an arm for `context`. kResourceExhausted when no arm is eligible (budget spent or
  // every arm capped); kInvalidArgument for a context the kind needs but did not get.
  Result<Decision> Choose(const Context& context, Rng& rng);

  // Learns from one pull of `arm` that earned `reward` and cost `cost` (>= 0). Bernoulli kinds
  // require reward in [0, 1]. Errors leave the state unchanged.
  Status Update(size_t arm, double reward, double cost, const Context& context = {});

  // The whole state; Restore(Snapshot()) on a policy of the same config is the identity.
  PolicyState Snapshot() const;
  // Replaces the state. kInvalidArgument (state unchanged) on a wrong kind or array length.
  Status Restore(const PolicyState& state);

  // Per-arm posterior summaries for `context`, from `num_draws` Monte Carlo draws.
  std::vector<ArmSummary> Summarize(const Context& context, Rng& rng,
                                    int num_draws = 2000) const;

  // Bookkeeping shared by every kind.
  int64_t total_pulls() const { return total_pulls_; }
  double total_spend() const { return total_spend_; }
  double remaining_budget() const;
  const std::vector<int64_t>& pulls() const { return pulls_; }
  const std::vector<double>& arm_spend() const { return arm_spend_; }
  const std::vector<double>& reward_sum() const { return reward_sum_; }
  // Mean reward of `arm` so far (0 before any pull).
  double MeanReward(size_t arm) const;
  // Known cost of `arm`, else the mean observed cost, else prior_cost.
  double ExpectedCost(size_t arm) const;

 protected:
  explicit Policy(PolicyConfig config);

  // Picks among arms with eligible[a] != 0 (at least one). Context already validated.
  virtual Result<Decision> ChooseAmong(const Context& context,
                                       const std::vector<uint8_t>& eligible, Rng& rng) = 0;
  // Kind-specific learning; the base has validated the arguments and updates its counters
  // after this returns OK.
  virtual Status Learn(size_t arm, double reward, double cost, const Context& context) = 0;
  // Kind-specific state, stored beside the base counters.
  virtual void SaveState(PolicyState& state) const = 0;
  virtual Status LoadState(const PolicyState& state) = 0;
  // One draw of each arm's value for P(best) and intervals. Default: normal approximation of
  // the sample mean. Thompson kinds draw from their posteriors.
  virtual void DrawValues(const Context& context, Rng& rng, std::vector<double>& out) const;
  // Posterior mean of each arm's value. Default: the sample mean.
  virtual void MeanValues(const Context& context, std::vector<double>& out) const;
  // True for kinds whose reward must lie in [0, 1].
  virtual bool BernoulliRewards() const { return false; }

  PolicyConfig config_;
  std::vector<int64_t> pulls_;
  std::vector<double> arm_spend_;
  std::vector<double> reward_sum_;
  std::vector<double> reward_sumsq_;
  int64_t total_pulls_ = 0;
  double total_spend_ = 0.0;

 private:
  std::vector<uint8_t> eligible_;  // scratch for Choose, reused to avoid an allocation per call
};

// Builds the policy `config.kind` after validating `config`.
Result<std::unique_ptr<Policy>> MakePolicy(const PolicyConfig& config);

// The kinds MakePolicy knows, for help texts and errors.
const std::vector<std::string>& PolicyKinds();

}  // namespace fw::bandit
