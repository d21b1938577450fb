// SPDX-License-Identifier: Apache-2.0
//
// thompson_internal.h: posterior pieces shared by the Thompson-style policies.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>

#include "flywheel/bandit/policy.h"

namespace fw::bandit::internal {

// Normal-Inverse-Gamma posterior parameters of one arm's reward.
struct NigPosterior {
  double mu = 0.0;
  double kappa = 1.0;
  double alpha = 1.0;
  double beta = 1.0;
};

// The NIG posterior after n rewards with the given sum and sum of squares (prior in thompson.cc).
NigPosterior NigUpdate(double n, double sum, double sumsq);

// One posterior draw of the mean cost of `arm` after n pulls costing cost_sum in total: the
// known cost if the config has one, else a Gamma-Exponential posterior draw.
double DrawCost(const PolicyConfig& config, size_t arm, double n, double cost_sum, Rng& rng);

// The posterior mean cost used for summaries (known cost, else (prior_cost + sum) / (1 + n)).
double MeanCost(const PolicyConfig& config, size_t arm, double n, double cost_sum);

}  // namespace fw::bandit::internal
