// SPDX-License-Identifier: Apache-2.0
//
// budgeted.cc: policies for pulls that cost money, played until the budget is spent.
//
//  - Budgeted Thompson sampling (Xia, Li, Qin, Yu and Liu, IJCAI 2015, Algorithm 1): draw each
//    arm's reward rate and cost from their posteriors and play the best ratio. Reward: Beta
//    posterior. Cost: known, or a Gamma-Exponential posterior (Xia et al. use a Beta posterior
//    for costs in [0, 1]; money costs are not bounded by 1, so we use the conjugate pair for a
//    positive scale instead).
//  - PrimalDualBwK (Badanidiyuru, Kleinberg and Slivkins, FOCS 2013, Algorithm 2; see also
//    Agrawal and Devanur, EC 2014): multiplicative weights over the resources (money and, when a
//    horizon is given, time) price each arm; play argmax UCB(reward) / (LCB(consumption) . v).
#include <algorithm>
#include <cmath>

#include "policies_internal.h"
#include "thompson_internal.h"

namespace fw::bandit::internal {
namespace {

class BudgetedThompsonPolicy final : public Policy {
 public:
  explicit BudgetedThompsonPolicy(const PolicyConfig& c) : Policy(c) {}

 protected:
  bool BernoulliRewards() const override { return true; }

  Result<Decision> ChooseAmong(const Context& context, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    DrawValues(context, rng, values_);
    const size_t arm = ArgmaxEligible(values_, eligible);
    return ThompsonDecision(arm, eligible, config_.propensity_samples, rng,
                            [&](std::vector<double>& v, Rng& r) { DrawValues(context, r, v); });
  }
  Status Learn(size_t, double, double, const Context&) override { return OkStatus(); }
  void SaveState(PolicyState&) const override {}
  Status LoadState(const PolicyState&) override { return OkStatus(); }

  // One draw of reward per unit cost for each arm.
  void DrawValues(const Context&, Rng& rng, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = static_cast<double>(pulls_[a]);
      const double rate = rng.Beta(config_.prior_alpha + reward_sum_[a],
                                   config_.prior_beta + n - reward_sum_[a]);
      out[a] = rate / DrawCost(config_, a, n, arm_spend_[a], rng);
    }
  }
  void MeanValues(const Context&, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = static_cast<double>(pulls_[a]);
      out[a] = (config_.prior_alpha + reward_sum_[a]) /
               (config_.prior_alpha + config_.prior_beta + n) /
               MeanCost(config_, a, n, arm_spend_[a]);
    }
  }

 private:
  std::vector<double> values_;
};

class BwkPolicy final : public Policy {
 public:
  explicit BwkPolicy(const PolicyConfig& c) : Policy(c) {
    cost_scale_ = c.prior_cost;
    for (double k : c.known_costs) cost_scale_ = std::max(cost_scale_, k);
  }

 protected:
  bool BernoulliRewards() const override { return true; }

  Result<Decision> ChooseAmong(const Context&, const std::vector<uint8_t>& eligible,
                               Rng&) override {
    const size_t k = num_arms();
    for (size_t a = 0; a < k; ++a) {
      if (eligible[a] && pulls_[a] == 0) return Decision{a, 1.0, PropensityKind::kExact};
    }
    const Scales s = ResourceScales();
    // Normalised dual weights of the two resources (log-space, so no overflow).
    const double m = std::max(log_weight_money_, log_weight_time_);
    double v_money = std::exp(log_weight_money_ - m);
    double v_time = s.has_time ? std::exp(log_weight_time_ - m) : 0.0;
    const double total = v_money + v_time;
    v_money /= total;
    v_time /= total;
    // Confidence radius rad(nu, N) = sqrt(C nu / N) + C / N (Badanidiyuru et al., Sec. 4.2),
    // with C = ln(1 + t) in place of the paper's worst-case log(d T m) constant: it keeps the
    // same order of exploration with less up-front waste on short budgets.
    const double c_rad = std::log(1.0 + static_cast<double>(total_pulls_));
    index_.assign(k, 0.0);
    for (size_t a = 0; a < k; ++a) {
      const double n = static_cast<double>(pulls_[a]);
      const double r = MeanReward(a);
      const double ucb = std::min(1.0, r + std::sqrt(c_rad * r / n) + c_rad / n);
      double cost = ExpectedCost(a);
      if (config_.known_costs.empty()) {
        const double nu = cost / cost_scale_;  // in [0, 1] units for the radius
        cost = std::max(0.0, nu - std::sqrt(c_rad * nu / n) - c_rad / n) * cost_scale_;
      }
      const double price = v_money * cost * s.money + v_time * s.time;
      index_[a] = price > 0.0 ? ucb / price : std::numeric_limits<double>::infinity();
    }
    return Decision{ArgmaxEligible(index_, eligible), 1.0, PropensityKind::kExact};
  }

  Status Learn(size_t, double, double cost, const Context&) override {
    if (config_.known_costs.empty()) cost_scale_ = std::max(cost_scale_, cost);
    const Scales s = ResourceScales();
    // v_j <- v_j (1 + eps)^{consumption_j}, eps = sqrt(ln d / B) (Algorithm 2, step 5).
    const double d = s.has_time ? 2.0 : 1.0;
    const double eps = std::sqrt(std::log(d) / std::max(s.common_budget, 1.0));
    log_weight_money_ += cost * s.money * std::log1p(eps);
    if (s.has_time) log_weight_time_ += s.time * std::log1p(eps);
    return OkStatus();
  }
  void SaveState(PolicyState& state) const override {
    state.values["bwk"] = {log_weight_money_, log_weight_time_, cost_scale_};
  }
  Status LoadState(const PolicyState& state) override {
    std::vector<double> v;
    FW_RETURN_IF_ERROR(ReadArray(state, "bwk", 3, v));
    if (!(v[2] > 0.0)) return InvalidArgument("restore: bwk cost scale must be > 0");
    log_weight_money_ = v[0];
    log_weight_time_ = v[1];
    cost_scale_ = v[2];
    return OkStatus();
  }

 private:
  // Both resources rescaled to the common budget B = min(budget / cost_scale, horizon), so that
  // one pull consumes at most 1 of each (the paper's normalisation).
  struct Scales {
    double common_budget;
    double money;  // consumption per unit of cost
    double time;   // consumption per pull
    bool has_time;
  };
  Scales ResourceScales() const {
    Scales s{};
    s.has_time = config_.horizon > 0;
    const double money_budget = config_.budget / cost_scale_;
    s.common_budget = s.has_time ? std::min(money_budget, static_cast<double>(config_.horizon))
                                 : money_budget;
    s.money = s.common_budget / config_.budget;
    s.time = s.has_time ? s.common_budget / static_cast<double>(config_.horizon) : 0.0;
    return s;
  }

  double log_weight_money_ = 0.0;
  double log_weight_time_ = 0.0;
  double cost_scale_ = 1.0;  // largest cost per pull seen or known
  std::vector<double> index_;
};

}  // namespace

std::unique_ptr<Policy> MakeBudgetedThompson(const PolicyConfig& c) {
  return std::make_unique<BudgetedThompsonPolicy>(c);
}
std::unique_ptr<Policy> MakeBwk(const PolicyConfig& c) { return std::make_unique<BwkPolicy>(c); }

}  // namespace fw::bandit::internal
