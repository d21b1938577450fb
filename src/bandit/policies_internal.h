// SPDX-License-Identifier: Apache-2.0
//
// policies_internal.h: the concrete policy classes behind MakePolicy, and helpers they share.
//
// Thread safety: as Policy (none).
#pragma once

#include <Eigen/Dense>

#include <memory>
#include <vector>

#include "flywheel/bandit/policy.h"

namespace fw::bandit::internal {

// Index of the largest value among eligible arms; ties go to the lowest index so that the
// deterministic policies are reproducible.
size_t ArgmaxEligible(const std::vector<double>& values, const std::vector<uint8_t>& eligible);

// Monte Carlo propensity of `chosen` for a policy that plays the argmax of one posterior draw.
// `draw` fills a vector with one draw per arm. With `n` fresh draws and c of them picking
// `chosen`, the estimate is (c + 1) / (n + 1): the decision that was actually made is itself one
// draw from the same distribution, so counting it keeps the estimate above zero (an IPS weight
// is never infinite) at a bias of at most 1 / (n + 1).
template <typename DrawFn>
double EstimateThompsonPropensity(size_t chosen, const std::vector<uint8_t>& eligible,
                                  int64_t n, Rng& rng, DrawFn&& draw) {
  std::vector<double> values;
  int64_t hits = 0;
  for (int64_t i = 0; i < n; ++i) {
    draw(values, rng);
    if (ArgmaxEligible(values, eligible) == chosen) ++hits;
  }
  return (static_cast<double>(hits) + 1.0) / (static_cast<double>(n) + 1.0);
}

// Fills the decision's propensity by Monte Carlo, or marks it not computed when samples == 0.
template <typename DrawFn>
Decision ThompsonDecision(size_t chosen, const std::vector<uint8_t>& eligible, int64_t samples,
                          Rng& rng, DrawFn&& draw) {
  if (samples <= 0) return Decision{chosen, 0.0, PropensityKind::kNotComputed};
  return Decision{chosen, EstimateThompsonPropensity(chosen, eligible, samples, rng, draw),
                  PropensityKind::kMonteCarlo};
}

// Reads `name` from `state` into `out`, which must have `expected` entries.
Status ReadArray(const PolicyState& state, const std::string& name, size_t expected,
                 std::vector<double>& out);

std::unique_ptr<Policy> MakeUniform(const PolicyConfig& config);
std::unique_ptr<Policy> MakeEpsilonGreedy(const PolicyConfig& config);
std::unique_ptr<Policy> MakeUcb1(const PolicyConfig& config);
std::unique_ptr<Policy> MakeSoftmax(const PolicyConfig& config);
std::unique_ptr<Policy> MakeBetaThompson(const PolicyConfig& config);
std::unique_ptr<Policy> MakeGaussianThompson(const PolicyConfig& config);
std::unique_ptr<Policy> MakeSegmentThompson(const PolicyConfig& config);
std::unique_ptr<Policy> MakeBudgetedThompson(const PolicyConfig& config);
std::unique_ptr<Policy> MakeBwk(const PolicyConfig& config);
std::unique_ptr<Policy> MakeLinUcb(const PolicyConfig& config);
std::unique_ptr<Policy> MakeLinThompson(const PolicyConfig& config);

}  // namespace fw::bandit::internal
