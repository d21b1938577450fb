// SPDX-License-Identifier: Apache-2.0
//
// corrections.h: multiple-comparison corrections of p-values, across variants and metrics.
//
// Holm-Bonferroni (family-wise error) and Benjamini-Hochberg (false discovery rate), with the
// same step-down / step-up monotonicity and capping at 1 as statsmodels multipletests
// ('holm', 'fdr_bh').
//
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::experiment {

enum class Correction { kNone, kHolm, kBenjaminiHochberg };

// Parses "none", "holm" or "bh".
Result<Correction> ParseCorrection(const std::string& text);
const char* CorrectionName(Correction correction);

// Adjusted p-values in input order. Errors: kInvalidArgument for a value outside [0, 1] or not
// finite (naming its position). An empty input gives an empty output.
Result<std::vector<double>> AdjustPValues(std::span<const double> p_values, Correction correction);

}  // namespace fw::experiment
