// SPDX-License-Identifier: Apache-2.0
//
// power.h: sample size and minimum detectable effect for a conversion-rate experiment.
//
// Normal approximation for two independent proportions with unpooled variances:
//   n per arm = (z_{1-alpha/2} + z_{power})^2 (p1 (1 - p1) + p2 (1 - p2)) / (p2 - p1)^2,
// p2 = p1 (1 + mde), rounded up; z_{1-alpha} for a one-sided test. The MDE for a given n per arm
// inverts that by bisection. No correction for several treatments is applied: with k
// treatments, pass alpha / k for Bonferroni.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "flywheel/core/result.h"

namespace fw::experiment {

struct PowerOptions {
  double alpha = 0.05;    // false-positive rate, in (0, 0.5]
  double power = 0.8;     // 1 - false-negative rate, in (0, 1)
  int num_variants = 2;   // arms including control (total n = per arm * num_variants)
  bool two_sided = true;  // two-sided test (default) or one-sided

  Status Validate() const;
};

struct PowerResult {
  double baseline = 0;  // control conversion rate
  double mde = 0;       // relative lift detected (0.05 = +5%)
  int64_t n_per_arm = 0;
  int64_t n_total = 0;
};

// Units per arm to detect a relative lift `mde` on a baseline rate. Errors: kInvalidArgument
// for baseline outside (0, 1), mde == 0, or p2 = baseline (1 + mde) outside (0, 1).
Result<PowerResult> SampleSizeForProportion(double baseline, double mde,
                                            const PowerOptions& options);

// The smallest positive relative lift detectable with `n_per_arm` units per arm.
// Errors: kInvalidArgument for baseline outside (0, 1) or n_per_arm < 2; kOutOfRange when even
// p2 -> 1 is not detectable.
Result<PowerResult> MdeForProportion(double baseline, int64_t n_per_arm,
                                     const PowerOptions& options);

}  // namespace fw::experiment
