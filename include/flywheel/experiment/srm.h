// SPDX-License-Identifier: Apache-2.0
//
// srm.h: the sample-ratio-mismatch check, run on every analysis.
//
// A broken assignment or exposure log shows up as arm sizes that do not match the configured
// weights. Pearson's chi-square goodness of fit of the observed counts against n_total *
// weight (as scipy.stats.chisquare) with k - 1 degrees of freedom flags it; below p = 0.001 the
// result is untrustworthy and the CLI prints a loud warning.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "flywheel/core/result.h"

namespace fw::experiment {

// p below which SRM is reported as a warning.
inline constexpr double kSrmWarningP = 0.001;

struct SrmResult {
  double chi_square = 0;
  double p_value = 1;
  bool warning = false;  // p_value < kSrmWarningP
  std::string message;   // empty, or the warning in words with observed vs expected shares
};

// Tests `counts` (units per arm) against `weights` (expected shares, normalised here).
// Errors: kInvalidArgument if sizes differ, fewer than 2 arms, a negative count, a weight that
// is not positive, or a total of 0 units. `names` (same size, may be empty) label the message.
Result<SrmResult> CheckSampleRatio(std::span<const int64_t> counts, std::span<const double> weights,
                                   std::span<const std::string> names = {});

}  // namespace fw::experiment
