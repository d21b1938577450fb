// SPDX-License-Identifier: Apache-2.0
//
// thompson.cc: Thompson sampling (Thompson 1933; Chapelle and Li 2011): Beta-Bernoulli for
// conversions, Normal-Inverse-Gamma for real-valued rewards such as revenue, and the disjoint
// per-segment variant. Propensities are Monte Carlo (policies_internal.h).
#include <cmath>

#include "policies_internal.h"
#include "thompson_internal.h"

namespace fw::bandit::internal {
namespace {

// Beta-Bernoulli: the posterior of arm a is Beta(alpha0 + S_a, beta0 + n_a - S_a), with S_a the
// sum of rewards in [0, 1] (fractional rewards update both counts, as a Bernoulli trial of
// probability r would in expectation). Everything follows from the base counters.
class BetaThompsonPolicy final : public Policy {
 public:
  explicit BetaThompsonPolicy(const PolicyConfig& c) : Policy(c) {}

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

  void DrawValues(const Context&, Rng& rng, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = static_cast<double>(pulls_[a]);
      out[a] = rng.Beta(config_.prior_alpha + reward_sum_[a],
                        config_.prior_beta + n - reward_sum_[a]);
    }
  }
  void MeanValues(const Context&, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = static_cast<double>(pulls_[a]);
      out[a] = (config_.prior_alpha + reward_sum_[a]) / (config_.prior_alpha + config_.prior_beta + n);
    }
  }

 private:
  std::vector<double> values_;
};

// Normal-Inverse-Gamma prior NIG(mu0 = 0, kappa0, alpha0 = 1, beta0 = 1) on each arm's mean and
// variance; conjugate updates from the base sums (Murphy 2007, "Conjugate Bayesian analysis of
// the Gaussian distribution", eqs. 85-89). kappa0 is small so that the data dominate quickly.
// Arms never pulled are played first (uniformly, exact propensity), since a prior centred on 0
// would otherwise hide arms whose rewards (revenue) are all positive.
class GaussianThompsonPolicy final : public Policy {
 public:
  explicit GaussianThompsonPolicy(const PolicyConfig& c) : Policy(c) {}

 protected:
  Result<Decision> ChooseAmong(const Context& context, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    size_t num_untried = 0;
    for (size_t a = 0; a < num_arms(); ++a) num_untried += eligible[a] && pulls_[a] == 0;
    if (num_untried > 0) {
      size_t k = rng.UniformInt(num_untried);
      for (size_t a = 0; a < num_arms(); ++a) {
        if (eligible[a] && pulls_[a] == 0 && k-- == 0) {
          return Decision{a, 1.0 / static_cast<double>(num_untried), PropensityKind::kExact};
        }
      }
    }
    DrawValues(context, rng, values_);
    const size_t arm = ArgmaxEligible(values_, eligible);
    return ThompsonDecision(arm, eligible, config_.propensity_samples, rng,
                            [&](std::vector<double>& v, Rng& r) { DrawValues(context, r, v); });
  }
  Status Learn(size_t, double, double, const Context&) override { return OkStatus(); }
  void SaveState(PolicyState&) const override {}
  Status LoadState(const PolicyState&) override { return OkStatus(); }

  void DrawValues(const Context&, Rng& rng, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const NigPosterior p = Posterior(a);
      const double variance = p.beta / rng.Gamma(p.alpha);  // InvGamma(alpha, beta)
      out[a] = p.mu + std::sqrt(variance / p.kappa) * rng.Normal();
    }
  }
  void MeanValues(const Context&, std::vector<double>& out) const override {
    out.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) out[a] = Posterior(a).mu;
  }

 private:
  NigPosterior Posterior(size_t a) const {
    return NigUpdate(static_cast<double>(pulls_[a]), reward_sum_[a], reward_sumsq_[a]);
  }
  std::vector<double> values_;
};

// Disjoint per-segment Thompson sampling: one Beta posterior per (segment, arm), and with
// segment_cost_aware the value is the sampled rate per sampled cost, as in budgeted Thompson.
// Context::segment must be in [0, num_segments).
class SegmentThompsonPolicy final : public Policy {
 public:
  explicit SegmentThompsonPolicy(const PolicyConfig& c)
      : Policy(c),
        seg_pulls_(c.num_segments * c.num_arms, 0.0),
        seg_reward_(c.num_segments * c.num_arms, 0.0),
        seg_cost_(c.num_segments * c.num_arms, 0.0) {}

 protected:
  bool BernoulliRewards() const override { return true; }

  Result<Decision> ChooseAmong(const Context& context, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    FW_RETURN_IF_ERROR(CheckSegment(context));
    DrawValues(context, rng, values_);
    const size_t arm = ArgmaxEligible(values_, eligible);
    return ThompsonDecision(arm, eligible, config_.propensity_samples, rng,
                            [&](std::vector<double>& v, Rng& r) { DrawValues(context, r, v); });
  }
  Status Learn(size_t arm, double reward, double cost, const Context& context) override {
    FW_RETURN_IF_ERROR(CheckSegment(context));
    const size_t i = static_cast<size_t>(context.segment) * num_arms() + arm;
    seg_pulls_[i] += 1.0;
    seg_reward_[i] += reward;
    seg_cost_[i] += cost;
    return OkStatus();
  }
  void SaveState(PolicyState& state) const override {
    state.values["segment_pulls"] = seg_pulls_;
    state.values["segment_reward"] = seg_reward_;
    state.values["segment_cost"] = seg_cost_;
  }
  Status LoadState(const PolicyState& state) override {
    const size_t n = seg_pulls_.size();
    std::vector<double> p, r, c;
    FW_RETURN_IF_ERROR(ReadArray(state, "segment_pulls", n, p));
    FW_RETURN_IF_ERROR(ReadArray(state, "segment_reward", n, r));
    FW_RETURN_IF_ERROR(ReadArray(state, "segment_cost", n, c));
    seg_pulls_ = std::move(p);
    seg_reward_ = std::move(r);
    seg_cost_ = std::move(c);
    return OkStatus();
  }
  void DrawValues(const Context& context, Rng& rng, std::vector<double>& out) const override {
    out.resize(num_arms());
    const size_t base = static_cast<size_t>(std::max(context.segment, 0)) * num_arms();
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = seg_pulls_[base + a];
      const double s = seg_reward_[base + a];
      double v = rng.Beta(config_.prior_alpha + s, config_.prior_beta + n - s);
      if (config_.segment_cost_aware) {
        v /= DrawCost(config_, a, n, seg_cost_[base + a], rng);
      }
      out[a] = v;
    }
  }
  void MeanValues(const Context& context, std::vector<double>& out) const override {
    out.resize(num_arms());
    const size_t base = static_cast<size_t>(std::max(context.segment, 0)) * num_arms();
    for (size_t a = 0; a < num_arms(); ++a) {
      const double n = seg_pulls_[base + a];
      out[a] = (config_.prior_alpha + seg_reward_[base + a]) /
               (config_.prior_alpha + config_.prior_beta + n);
      if (config_.segment_cost_aware) out[a] /= MeanCost(config_, a, n, seg_cost_[base + a]);
    }
  }

 private:
  Status CheckSegment(const Context& context) const {
    if (context.segment < 0 || static_cast<size_t>(context.segment) >= config_.num_segments) {
      return InvalidArgument("context: segment " + std::to_string(context.segment) +
                             " out of range, expected 0.." +
                             std::to_string(config_.num_segments - 1));
    }
    return OkStatus();
  }
  std::vector<double> seg_pulls_, seg_reward_, seg_cost_;
  std::vector<double> values_;
};

}  // namespace

NigPosterior NigUpdate(double n, double sum, double sumsq) {
  constexpr double kMu0 = 0.0, kKappa0 = 1e-3, kAlpha0 = 1.0, kBeta0 = 1.0;
  NigPosterior p;
  p.kappa = kKappa0 + n;
  const double mean = n > 0 ? sum / n : 0.0;
  const double ss = n > 0 ? std::max(0.0, sumsq - n * mean * mean) : 0.0;
  p.mu = (kKappa0 * kMu0 + sum) / p.kappa;
  p.alpha = kAlpha0 + n / 2.0;
  p.beta = kBeta0 + ss / 2.0 + kKappa0 * n * (mean - kMu0) * (mean - kMu0) / (2.0 * p.kappa);
  return p;
}

double DrawCost(const PolicyConfig& config, size_t arm, double n, double cost_sum, Rng& rng) {
  if (!config.known_costs.empty()) return config.known_costs[arm];
  // Gamma-Exponential: the cost rate lambda has the Gamma(1 + n, prior_cost + sum) posterior
  // (one prior pseudo-observation of cost prior_cost); the sampled mean cost is 1 / lambda.
  return (config.prior_cost + cost_sum) / rng.Gamma(1.0 + n);
}

double MeanCost(const PolicyConfig& config, size_t arm, double n, double cost_sum) {
  if (!config.known_costs.empty()) return config.known_costs[arm];
  return (config.prior_cost + cost_sum) / (1.0 + n);
}

std::unique_ptr<Policy> MakeBetaThompson(const PolicyConfig& c) {
  return std::make_unique<BetaThompsonPolicy>(c);
}
std::unique_ptr<Policy> MakeGaussianThompson(const PolicyConfig& c) {
  return std::make_unique<GaussianThompsonPolicy>(c);
}
std::unique_ptr<Policy> MakeSegmentThompson(const PolicyConfig& c) {
  return std::make_unique<SegmentThompsonPolicy>(c);
}

}  // namespace fw::bandit::internal
