// SPDX-License-Identifier: Apache-2.0
//
// classic_policies.cc: uniform, epsilon-greedy (with decay), UCB1 and softmax. All are
// cost-blind and their propensities have closed forms.
#include <cmath>
#include <limits>

#include "policies_internal.h"

namespace fw::bandit::internal {
namespace {

size_t CountEligible(const std::vector<uint8_t>& eligible) {
  size_t n = 0;
  for (uint8_t e : eligible) n += e ? 1 : 0;
  return n;
}

// The k-th (0-based) eligible arm.
size_t NthEligible(const std::vector<uint8_t>& eligible, size_t k) {
  for (size_t a = 0; a < eligible.size(); ++a) {
    if (eligible[a] && k-- == 0) return a;
  }
  return 0;
}

// Policies with no state beyond the base counters save nothing extra.
class StatelessBase : public Policy {
 protected:
  using Policy::Policy;
  Status Learn(size_t, double, double, const Context&) override { return OkStatus(); }
  void SaveState(PolicyState&) const override {}
  Status LoadState(const PolicyState&) override { return OkStatus(); }
};

class UniformPolicy final : public StatelessBase {
 public:
  explicit UniformPolicy(const PolicyConfig& c) : StatelessBase(c) {}

 protected:
  Result<Decision> ChooseAmong(const Context&, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    const size_t n = CountEligible(eligible);
    return Decision{NthEligible(eligible, rng.UniformInt(n)), 1.0 / static_cast<double>(n),
                    PropensityKind::kExact};
  }
};

// Epsilon-greedy: with probability epsilon_t a uniform eligible arm, otherwise a uniform arm
// among the greedy set (the untried arms if any, else the arms tied for the best mean).
// epsilon_t = epsilon / (1 + decay * t), t = pulls so far. Propensity (exact):
//   p(a) = (1 - epsilon_t) * [a in greedy] / |greedy| + epsilon_t / |eligible|.
class EpsilonGreedyPolicy final : public StatelessBase {
 public:
  explicit EpsilonGreedyPolicy(const PolicyConfig& c) : StatelessBase(c) {}

 protected:
  Result<Decision> ChooseAmong(const Context&, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    const size_t k = num_arms();
    greedy_.assign(k, 0);
    bool any_untried = false;
    for (size_t a = 0; a < k; ++a) any_untried |= eligible[a] && pulls_[a] == 0;
    double best = -std::numeric_limits<double>::infinity();
    if (!any_untried) {
      for (size_t a = 0; a < k; ++a) {
        if (eligible[a]) best = std::max(best, MeanReward(a));
      }
    }
    for (size_t a = 0; a < k; ++a) {
      if (!eligible[a]) continue;
      greedy_[a] = any_untried ? pulls_[a] == 0 : MeanReward(a) == best;
    }
    const double eps =
        config_.epsilon / (1.0 + config_.epsilon_decay * static_cast<double>(total_pulls_));
    const size_t num_eligible = CountEligible(eligible);
    const size_t num_greedy = CountEligible(greedy_);
    size_t arm;
    if (rng.Uniform() < eps) {
      arm = NthEligible(eligible, rng.UniformInt(num_eligible));
    } else {
      arm = NthEligible(greedy_, rng.UniformInt(num_greedy));
    }
    const double p = (greedy_[arm] ? (1.0 - eps) / static_cast<double>(num_greedy) : 0.0) +
                     eps / static_cast<double>(num_eligible);
    return Decision{arm, p, PropensityKind::kExact};
  }

 private:
  std::vector<uint8_t> greedy_;
};

// UCB1 (Auer, Cesa-Bianchi and Fischer 2002): each untried arm once (lowest index first), then
// argmax mean_a + sqrt(2 ln t / n_a). Deterministic given the state: propensity 1.
class Ucb1Policy final : public StatelessBase {
 public:
  explicit Ucb1Policy(const PolicyConfig& c) : StatelessBase(c) {}

 protected:
  Result<Decision> ChooseAmong(const Context&, const std::vector<uint8_t>& eligible,
                               Rng&) override {
    const size_t k = num_arms();
    for (size_t a = 0; a < k; ++a) {
      if (eligible[a] && pulls_[a] == 0) return Decision{a, 1.0, PropensityKind::kExact};
    }
    index_.resize(k);
    const double log_t = std::log(static_cast<double>(std::max<int64_t>(total_pulls_, 1)));
    for (size_t a = 0; a < k; ++a) {
      index_[a] = MeanReward(a) + std::sqrt(2.0 * log_t / static_cast<double>(pulls_[a]));
    }
    return Decision{ArgmaxEligible(index_, eligible), 1.0, PropensityKind::kExact};
  }

 private:
  std::vector<double> index_;
};

// Softmax (Boltzmann) exploration: untried arms first (uniformly among them), then
// p(a) = exp(mean_a / tau) / sum_b exp(mean_b / tau) over eligible arms. Exact propensity.
class SoftmaxPolicy final : public StatelessBase {
 public:
  explicit SoftmaxPolicy(const PolicyConfig& c) : StatelessBase(c) {}

 protected:
  Result<Decision> ChooseAmong(const Context&, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    const size_t k = num_arms();
    untried_.assign(k, 0);
    for (size_t a = 0; a < k; ++a) untried_[a] = eligible[a] && pulls_[a] == 0;
    const size_t num_untried = CountEligible(untried_);
    if (num_untried > 0) {
      return Decision{NthEligible(untried_, rng.UniformInt(num_untried)),
                      1.0 / static_cast<double>(num_untried), PropensityKind::kExact};
    }
    // Subtract the largest mean before exp() so that no term overflows.
    double best = -std::numeric_limits<double>::infinity();
    for (size_t a = 0; a < k; ++a) {
      if (eligible[a]) best = std::max(best, MeanReward(a));
    }
    weights_.assign(k, 0.0);
    double total = 0.0;
    for (size_t a = 0; a < k; ++a) {
      if (!eligible[a]) continue;
      weights_[a] = std::exp((MeanReward(a) - best) / config_.temperature);
      total += weights_[a];
    }
    double u = rng.Uniform() * total;
    size_t arm = 0;
    for (size_t a = 0; a < k; ++a) {
      if (!eligible[a]) continue;
      arm = a;
      if (u < weights_[a]) break;
      u -= weights_[a];
    }
    return Decision{arm, weights_[arm] / total, PropensityKind::kExact};
  }

 private:
  std::vector<uint8_t> untried_;
  std::vector<double> weights_;
};

}  // namespace

std::unique_ptr<Policy> MakeUniform(const PolicyConfig& c) {
  return std::make_unique<UniformPolicy>(c);
}
std::unique_ptr<Policy> MakeEpsilonGreedy(const PolicyConfig& c) {
  return std::make_unique<EpsilonGreedyPolicy>(c);
}
std::unique_ptr<Policy> MakeUcb1(const PolicyConfig& c) { return std::make_unique<Ucb1Policy>(c); }
std::unique_ptr<Policy> MakeSoftmax(const PolicyConfig& c) {
  return std::make_unique<SoftmaxPolicy>(c);
}

}  // namespace fw::bandit::internal
