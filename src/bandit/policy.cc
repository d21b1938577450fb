// SPDX-License-Identifier: Apache-2.0
//
// policy.cc: the shared bookkeeping of every policy (budget, caps, counters, state), the
// configuration checks, and the factory.
#include "flywheel/bandit/policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "policies_internal.h"

namespace fw::bandit {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

bool NeedsBernoulliPrior(const std::string& kind) {
  return kind == "ts" || kind == "budgeted-ts" || kind == "segment-ts";
}

}  // namespace

const std::vector<std::string>& PolicyKinds() {
  static const std::vector<std::string> kinds = {
      "uniform", "eps", "ucb1", "ts", "ts-gaussian", "softmax", "budgeted-ts", "bwk",
      "segment-ts", "linucb", "lints"};
  return kinds;
}

Status PolicyConfig::Validate() const {
  const auto& kinds = PolicyKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    return InvalidArgument("policy: unknown kind '" + kind + "', expected one of " + list);
  }
  if (num_arms == 0) return InvalidArgument("policy: num_arms is 0, expected at least 1 arm");
  if (!(budget > 0.0)) return InvalidArgument("policy: budget is " + Num(budget) + ", expected > 0");
  if (!known_costs.empty()) {
    if (known_costs.size() != num_arms) {
      return InvalidArgument("policy: known_costs has " + std::to_string(known_costs.size()) +
                             " entries, expected " + std::to_string(num_arms));
    }
    for (size_t a = 0; a < num_arms; ++a) {
      if (!std::isfinite(known_costs[a]) || known_costs[a] < 0.0) {
        return InvalidArgument("policy: known_costs[" + std::to_string(a) + "] is " +
                               Num(known_costs[a]) + ", expected a finite cost >= 0");
      }
    }
  }
  if (!spend_caps.empty()) {
    if (spend_caps.size() != num_arms) {
      return InvalidArgument("policy: spend_caps has " + std::to_string(spend_caps.size()) +
                             " entries, expected " + std::to_string(num_arms));
    }
    for (size_t a = 0; a < num_arms; ++a) {
      if (!(spend_caps[a] >= 0.0)) {
        return InvalidArgument("policy: spend_caps[" + std::to_string(a) + "] is " +
                               Num(spend_caps[a]) + ", expected >= 0");
      }
    }
  }
  if (!pull_caps.empty() && pull_caps.size() != num_arms) {
    return InvalidArgument("policy: pull_caps has " + std::to_string(pull_caps.size()) +
                           " entries, expected " + std::to_string(num_arms));
  }
  if (horizon < 0) return InvalidArgument("policy: horizon is negative");
  if (kind == "bwk" && !std::isfinite(budget)) {
    return InvalidArgument("policy: kind 'bwk' needs a finite budget");
  }
  if (kind == "segment-ts" && num_segments == 0) {
    return InvalidArgument("policy: num_segments is 0, expected at least 1");
  }
  if ((kind == "linucb" || kind == "lints") && num_features == 0) {
    return InvalidArgument("policy: kind '" + kind + "' needs num_features >= 1");
  }
  if (!(epsilon >= 0.0 && epsilon <= 1.0)) {
    return InvalidArgument("policy: epsilon is " + Num(epsilon) + ", expected in [0, 1]");
  }
  if (!(epsilon_decay >= 0.0)) return InvalidArgument("policy: epsilon_decay must be >= 0");
  if (!(temperature > 0.0)) {
    return InvalidArgument("policy: temperature is " + Num(temperature) + ", expected > 0");
  }
  if (!(ucb_alpha >= 0.0)) return InvalidArgument("policy: ucb_alpha must be >= 0");
  if (!(ridge > 0.0)) return InvalidArgument("policy: ridge must be > 0");
  if (!(lints_scale > 0.0)) return InvalidArgument("policy: lints_scale must be > 0");
  if (NeedsBernoulliPrior(kind) && !(prior_alpha > 0.0 && prior_beta > 0.0)) {
    return InvalidArgument("policy: prior_alpha and prior_beta must be > 0");
  }
  if (!(prior_cost > 0.0)) return InvalidArgument("policy: prior_cost must be > 0");
  if (propensity_samples < 0) return InvalidArgument("policy: propensity_samples must be >= 0");
  return OkStatus();
}

Policy::Policy(PolicyConfig config)
    : config_(std::move(config)),
      pulls_(config_.num_arms, 0),
      arm_spend_(config_.num_arms, 0.0),
      reward_sum_(config_.num_arms, 0.0),
      reward_sumsq_(config_.num_arms, 0.0),
      eligible_(config_.num_arms, 1) {}

double Policy::remaining_budget() const {
  return std::max(0.0, config_.budget - total_spend_);
}

double Policy::MeanReward(size_t arm) const {
  return pulls_[arm] > 0 ? reward_sum_[arm] / static_cast<double>(pulls_[arm]) : 0.0;
}

double Policy::ExpectedCost(size_t arm) const {
  if (!config_.known_costs.empty()) return config_.known_costs[arm];
  if (pulls_[arm] > 0) return arm_spend_[arm] / static_cast<double>(pulls_[arm]);
  return config_.prior_cost;
}

Result<Decision> Policy::Choose(const Context& context, Rng& rng) {
  const double remaining = remaining_budget();
  size_t num_eligible = 0;
  for (size_t a = 0; a < config_.num_arms; ++a) {
    // An arm is playable if its cap and the budget can pay its expected cost. With learned
    // costs and no pull yet, only a spent budget rules it out.
    const double cost = config_.known_costs.empty() && pulls_[a] == 0 ? 0.0 : ExpectedCost(a);
    bool ok = remaining > 0.0 && cost <= remaining;
    if (ok && !config_.spend_caps.empty()) {
      ok = arm_spend_[a] + cost <= config_.spend_caps[a] && arm_spend_[a] < config_.spend_caps[a];
    }
    if (ok && !config_.pull_caps.empty() && config_.pull_caps[a] >= 0) {
      ok = pulls_[a] < config_.pull_caps[a];
    }
    eligible_[a] = ok ? 1 : 0;
    num_eligible += ok ? 1 : 0;
  }
  if (num_eligible == 0) {
    return Status(StatusCode::kResourceExhausted,
                  "no arm is playable: remaining budget " +
                      (std::isfinite(remaining) ? Num(remaining) : std::string("unlimited")) +
                      "; every arm it could pay for is at its cap");
  }
  return ChooseAmong(context, eligible_, rng);
}

Status Policy::Update(size_t arm, double reward, double cost, const Context& context) {
  if (arm >= config_.num_arms) {
    return InvalidArgument("update: arm " + std::to_string(arm) + " out of range, the bandit has " +
                           std::to_string(config_.num_arms) + " arms");
  }
  if (!std::isfinite(reward)) return InvalidArgument("update: reward is not a finite number");
  if (!std::isfinite(cost) || cost < 0.0) {
    return InvalidArgument("update: cost is " + Num(cost) + ", expected a finite cost >= 0");
  }
  if (BernoulliRewards() && (reward < 0.0 || reward > 1.0)) {
    return InvalidArgument("update: reward is " + Num(reward) + ", policy '" + config_.kind +
                           "' expects a reward in [0, 1]");
  }
  FW_RETURN_IF_ERROR(Learn(arm, reward, cost, context));
  ++pulls_[arm];
  ++total_pulls_;
  arm_spend_[arm] += cost;
  total_spend_ += cost;
  reward_sum_[arm] += reward;
  reward_sumsq_[arm] += reward * reward;
  return OkStatus();
}

PolicyState Policy::Snapshot() const {
  PolicyState state;
  state.kind = config_.kind;
  state.values["pulls"].assign(pulls_.begin(), pulls_.end());
  state.values["arm_spend"] = arm_spend_;
  state.values["reward_sum"] = reward_sum_;
  state.values["reward_sumsq"] = reward_sumsq_;
  SaveState(state);
  return state;
}

Status Policy::Restore(const PolicyState& state) {
  if (state.kind != config_.kind) {
    return InvalidArgument("restore: state is for policy '" + state.kind + "', this bandit is '" +
                           config_.kind + "'");
  }
  const size_t k = config_.num_arms;
  std::vector<double> pulls, spend, sum, sumsq;
  FW_RETURN_IF_ERROR(internal::ReadArray(state, "pulls", k, pulls));
  FW_RETURN_IF_ERROR(internal::ReadArray(state, "arm_spend", k, spend));
  FW_RETURN_IF_ERROR(internal::ReadArray(state, "reward_sum", k, sum));
  FW_RETURN_IF_ERROR(internal::ReadArray(state, "reward_sumsq", k, sumsq));
  for (size_t a = 0; a < k; ++a) {
    if (!(pulls[a] >= 0.0) || pulls[a] != std::floor(pulls[a])) {
      return InvalidArgument("restore: pulls[" + std::to_string(a) + "] is " + Num(pulls[a]) +
                             ", expected a whole number >= 0");
    }
  }
  FW_RETURN_IF_ERROR(LoadState(state));  // validates before it changes anything
  total_pulls_ = 0;
  total_spend_ = 0.0;
  for (size_t a = 0; a < k; ++a) {
    pulls_[a] = static_cast<int64_t>(pulls[a]);
    total_pulls_ += pulls_[a];
    total_spend_ += spend[a];
  }
  arm_spend_ = spend;
  reward_sum_ = sum;
  reward_sumsq_ = sumsq;
  return OkStatus();
}

void Policy::MeanValues(const Context& /*context*/, std::vector<double>& out) const {
  out.resize(config_.num_arms);
  for (size_t a = 0; a < config_.num_arms; ++a) out[a] = MeanReward(a);
}

void Policy::DrawValues(const Context& context, Rng& rng, std::vector<double>& out) const {
  // Normal approximation of the sample mean; an arm never pulled gets a wide N(0, 1) spread.
  MeanValues(context, out);
  for (size_t a = 0; a < config_.num_arms; ++a) {
    const double n = static_cast<double>(pulls_[a]);
    double sd = 1.0;
    if (n >= 2.0) {
      const double var = std::max(0.0, (reward_sumsq_[a] - n * out[a] * out[a]) / (n - 1.0));
      sd = std::sqrt(var / n);
    }
    out[a] += sd * rng.Normal();
  }
}

std::vector<ArmSummary> Policy::Summarize(const Context& context, Rng& rng, int num_draws) const {
  const size_t k = config_.num_arms;
  std::vector<ArmSummary> out(k);
  std::vector<double> means;
  MeanValues(context, means);
  std::vector<std::vector<double>> draws(k);
  std::vector<double> values;
  std::vector<uint8_t> all(k, 1);
  for (int i = 0; i < num_draws; ++i) {
    DrawValues(context, rng, values);
    for (size_t a = 0; a < k; ++a) draws[a].push_back(values[a]);
    out[internal::ArgmaxEligible(values, all)].prob_best += 1.0 / num_draws;
  }
  for (size_t a = 0; a < k; ++a) {
    auto& d = draws[a];
    std::sort(d.begin(), d.end());
    out[a].mean = means[a];
    if (!d.empty()) {
      out[a].lo = d[static_cast<size_t>(0.025 * static_cast<double>(d.size() - 1))];
      out[a].hi = d[static_cast<size_t>(0.975 * static_cast<double>(d.size() - 1))];
    }
  }
  return out;
}

namespace internal {

size_t ArgmaxEligible(const std::vector<double>& values, const std::vector<uint8_t>& eligible) {
  size_t best = values.size();
  for (size_t a = 0; a < values.size(); ++a) {
    if (!eligible[a]) continue;
    if (best == values.size() || values[a] > values[best]) best = a;
  }
  return best == values.size() ? 0 : best;
}

Status ReadArray(const PolicyState& state, const std::string& name, size_t expected,
                 std::vector<double>& out) {
  auto it = state.values.find(name);
  if (it == state.values.end()) {
    return InvalidArgument("restore: state has no '" + name + "' array");
  }
  if (it->second.size() != expected) {
    return InvalidArgument("restore: '" + name + "' has " + std::to_string(it->second.size()) +
                           " entries, expected " + std::to_string(expected));
  }
  for (double v : it->second) {
    if (!std::isfinite(v)) return InvalidArgument("restore: '" + name + "' holds a non-finite value");
  }
  out = it->second;
  return OkStatus();
}

}  // namespace internal

Result<std::unique_ptr<Policy>> MakePolicy(const PolicyConfig& config) {
  FW_RETURN_IF_ERROR(config.Validate());
  const std::string& k = config.kind;
  if (k == "uniform") return internal::MakeUniform(config);
  if (k == "eps") return internal::MakeEpsilonGreedy(config);
  if (k == "ucb1") return internal::MakeUcb1(config);
  if (k == "softmax") return internal::MakeSoftmax(config);
  if (k == "ts") return internal::MakeBetaThompson(config);
  if (k == "ts-gaussian") return internal::MakeGaussianThompson(config);
  if (k == "segment-ts") return internal::MakeSegmentThompson(config);
  if (k == "budgeted-ts") return internal::MakeBudgetedThompson(config);
  if (k == "bwk") return internal::MakeBwk(config);
  if (k == "linucb") return internal::MakeLinUcb(config);
  return internal::MakeLinThompson(config);
}

}  // namespace fw::bandit
