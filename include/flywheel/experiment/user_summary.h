// SPDX-License-Identifier: Apache-2.0
//
// user_summary.h: reduces per-user metric values to per-arm sufficient statistics.
//
// The per-user table path (--input) and the workspace path (exposures + EventFrame) both
// produce one value per user (plus a denominator for ratio metrics and a pre-exposure
// covariate for CUPED) and an arm index per user; this turns them into a MetricInput in one
// pass. Winsorisation caps values above the P-th quantile of all users' values (numpy's
// default linear interpolation), as GrowthBook's percentile capping does, before summing.
//
// Thread safety: pure functions. Cost: O(users), plus O(users) for the quantile when capping.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/experiment/analysis.h"

namespace fw::experiment {

// Arm index of a user that is in no arm (excluded, e.g. seen in two arms).
inline constexpr uint32_t kNoArm = std::numeric_limits<uint32_t>::max();

struct UserValues {
  std::string name;  // metric name
  MetricType type = MetricType::kMean;
  std::span<const double> values = {};        // one per user
  std::span<const double> denominators = {};  // ratio metrics: one per user; else empty
  std::span<const double> covariates = {};    // CUPED covariate: one per user; empty = off
};

// Sums `metric` per arm. `arm_of_user` has one entry per user (kNoArm to skip); `arm_names`
// gives the arms in output order. `winsorize` in (0, 1) caps values (and denominators) above
// that quantile; 0 turns capping off. Errors: kInvalidArgument for mismatched sizes, an arm
// index out of range, a non-finite value, a proportion value other than 0/1, or winsorize
// outside [0, 1).
Result<MetricInput> SummarizeByArm(const UserValues& metric, std::span<const uint32_t> arm_of_user,
                                   std::span<const std::string> arm_names, double winsorize = 0);

// The q-quantile of `values` with linear interpolation (numpy.quantile's default).
// Requires: values not empty, 0 <= q <= 1.
double Quantile(std::vector<double> values, double q);

}  // namespace fw::experiment
