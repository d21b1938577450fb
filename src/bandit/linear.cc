// SPDX-License-Identifier: Apache-2.0
//
// linear.cc: contextual policies with a linear reward model per arm (disjoint model).
//
//  - LinUCB (Li, Chu, Langford and Schapire, WWW 2010, Algorithm 1): theta_a = A_a^-1 b_a,
//    play argmax theta_a . x + alpha sqrt(x' A_a^-1 x). Deterministic: propensity 1.
//  - Linear Thompson sampling (Agrawal and Goyal, ICML 2013): draw theta_a ~ N(A_a^-1 b_a,
//    v^2 A_a^-1) and play argmax theta_a . x. Monte Carlo propensity.
//
// A_a = ridge * I + sum x x', b_a = sum r x. A_a^-1 is kept up to date with the Sherman-Morrison
// rank-one formula, O(d^2) per update instead of an O(d^3) inverse.
#include <cmath>

#include "policies_internal.h"

namespace fw::bandit::internal {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

class LinearBase : public Policy {
 public:
  explicit LinearBase(const PolicyConfig& c) : Policy(c), d_(c.num_features) {
    for (size_t a = 0; a < c.num_arms; ++a) {
      a_inv_.push_back(MatrixXd::Identity(d_, d_) / c.ridge);
      b_.push_back(VectorXd::Zero(d_));
    }
  }

 protected:
  Status CheckFeatures(const Context& context) const {
    if (context.features.size() != d_) {
      return InvalidArgument("context: " + std::to_string(context.features.size()) +
                             " features given, policy '" + config_.kind + "' expects " +
                             std::to_string(d_));
    }
    for (double v : context.features) {
      if (!std::isfinite(v)) return InvalidArgument("context: a feature is not a finite number");
    }
    return OkStatus();
  }
  VectorXd X(const Context& context) const {
    return Eigen::Map<const VectorXd>(context.features.data(), static_cast<Eigen::Index>(d_));
  }
  Status Learn(size_t arm, double reward, double, const Context& context) override {
    FW_RETURN_IF_ERROR(CheckFeatures(context));
    const VectorXd x = X(context);
    const VectorXd ax = a_inv_[arm] * x;
    a_inv_[arm] -= (ax * ax.transpose()) / (1.0 + x.dot(ax));
    b_[arm] += reward * x;
    return OkStatus();
  }
  void SaveState(PolicyState& state) const override {
    auto& ai = state.values["a_inv"];
    auto& b = state.values["b"];
    for (size_t a = 0; a < num_arms(); ++a) {
      ai.insert(ai.end(), a_inv_[a].data(), a_inv_[a].data() + d_ * d_);
      b.insert(b.end(), b_[a].data(), b_[a].data() + d_);
    }
  }
  Status LoadState(const PolicyState& state) override {
    std::vector<double> ai, b;
    FW_RETURN_IF_ERROR(ReadArray(state, "a_inv", num_arms() * d_ * d_, ai));
    FW_RETURN_IF_ERROR(ReadArray(state, "b", num_arms() * d_, b));
    for (size_t a = 0; a < num_arms(); ++a) {
      a_inv_[a] = Eigen::Map<const MatrixXd>(ai.data() + a * d_ * d_, d_, d_);
      b_[a] = Eigen::Map<const VectorXd>(b.data() + a * d_, d_);
    }
    return OkStatus();
  }
  void MeanValues(const Context& context, std::vector<double>& out) const override {
    out.assign(num_arms(), 0.0);
    if (context.features.size() != d_) return;
    const VectorXd x = X(context);
    for (size_t a = 0; a < num_arms(); ++a) out[a] = (a_inv_[a] * b_[a]).dot(x);
  }
  void DrawValues(const Context& context, Rng& rng, std::vector<double>& out) const override {
    // The predicted reward theta . x is normal with variance v^2 x' A^-1 x: draw it directly.
    MeanValues(context, out);
    if (context.features.size() != d_) return;
    const VectorXd x = X(context);
    for (size_t a = 0; a < num_arms(); ++a) {
      out[a] += config_.lints_scale * std::sqrt(std::max(0.0, x.dot(a_inv_[a] * x))) * rng.Normal();
    }
  }

  size_t d_;
  std::vector<MatrixXd> a_inv_;
  std::vector<VectorXd> b_;
  std::vector<double> values_;
};

class LinUcbPolicy final : public LinearBase {
 public:
  using LinearBase::LinearBase;

 protected:
  Result<Decision> ChooseAmong(const Context& context, const std::vector<uint8_t>& eligible,
                               Rng&) override {
    FW_RETURN_IF_ERROR(CheckFeatures(context));
    const VectorXd x = X(context);
    values_.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const VectorXd ax = a_inv_[a] * x;
      values_[a] = b_[a].dot(ax) + config_.ucb_alpha * std::sqrt(std::max(0.0, x.dot(ax)));
    }
    return Decision{ArgmaxEligible(values_, eligible), 1.0, PropensityKind::kExact};
  }
};

class LinThompsonPolicy final : public LinearBase {
 public:
  using LinearBase::LinearBase;

 protected:
  Result<Decision> ChooseAmong(const Context& context, const std::vector<uint8_t>& eligible,
                               Rng& rng) override {
    FW_RETURN_IF_ERROR(CheckFeatures(context));
    // For a fixed x only theta . x matters, and it is N(mu_a . x, v^2 x' A_a^-1 x): one scalar
    // normal per arm gives exactly the argmax distribution of a full theta draw, at O(1) per
    // Monte Carlo sample after an O(K d^2) setup.
    const VectorXd x = X(context);
    mean_.resize(num_arms());
    sd_.resize(num_arms());
    for (size_t a = 0; a < num_arms(); ++a) {
      const VectorXd ax = a_inv_[a] * x;
      mean_[a] = b_[a].dot(ax);
      sd_[a] = config_.lints_scale * std::sqrt(std::max(0.0, x.dot(ax)));
    }
    auto draw = [&](std::vector<double>& v, Rng& r) {
      v.resize(num_arms());
      for (size_t a = 0; a < num_arms(); ++a) v[a] = mean_[a] + sd_[a] * r.Normal();
    };
    draw(values_, rng);
    const size_t arm = ArgmaxEligible(values_, eligible);
    return ThompsonDecision(arm, eligible, config_.propensity_samples, rng, draw);
  }

 private:
  std::vector<double> mean_, sd_;
};

}  // namespace

std::unique_ptr<Policy> MakeLinUcb(const PolicyConfig& c) {
  return std::make_unique<LinUcbPolicy>(c);
}
std::unique_ptr<Policy> MakeLinThompson(const PolicyConfig& c) {
  return std::make_unique<LinThompsonPolicy>(c);
}

}  // namespace fw::bandit::internal
