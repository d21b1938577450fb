// SPDX-License-Identifier: Apache-2.0
//
// arm_stats.h: the sufficient statistics of one arm for one metric, and the moments derived
// from them.
//
// Every analysis path (workspace, per-user table, summary JSON) reduces its input to one
// ArmStats per arm: a count of units, sums and sums of squares, plus the cross products that
// ratio metrics (delta method) and CUPED (regression adjustment) need. The formulas follow
// GrowthBook's stats engine (gbstats, models/statistics.py; docs.growthbook.io/statistics/
// details and /statistics/cuped-technical), so results agree with it:
//   - mean metric:       mean = sum/n, variance = (sum_squares - sum^2/n) / (n - 1);
//   - proportion metric: mean = p = sum/n, variance = p (1 - p) (sum_squares == sum);
//   - ratio metric:      mean = sum / denominator_sum, per-unit variance by the delta method
//                        var(M/D) = vM/mD^2 + vD mM^2/mD^4 - 2 cov mM/mD^3;
//   - covariances use (sum_xy - sum_x sum_y / n)/(n - 1), or the /n form for proportions.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace fw::experiment {

// How a metric's values are summarised.
enum class MetricType {
  kMean,        // any numeric value per unit (revenue, counts)
  kProportion,  // 0/1 per unit (conversion, retention)
  kRatio,       // sum of a numerator over sum of a denominator (e.g. revenue per order)
};

// "mean", "proportion" or "ratio".
const char* MetricTypeName(MetricType type);

// Sufficient statistics of one arm. Fields not used by the metric type stay 0.
struct ArmStats {
  std::string name;        // variant name
  int64_t n = 0;           // units (users) in the arm
  double sum = 0;          // sum of the metric (the numerator for ratio metrics)
  double sum_squares = 0;  // sum of squared values (== sum for proportions)
  // Ratio metrics only: the denominator's sums and the numerator x denominator cross product.
  double denominator_sum = 0;
  double denominator_sum_squares = 0;
  double main_denominator_sum_product = 0;
  // CUPED: the pre-exposure covariate's sums and the metric x covariate cross product.
  bool has_covariate = false;
  double covariate_sum = 0;
  double covariate_sum_squares = 0;
  double main_covariate_sum_product = 0;
};

// Moments of one arm, before any CUPED adjustment.
struct ArmMoments {
  double n = 0;
  double mean = 0;      // the metric's estimate (ratio of sums for ratio metrics)
  double variance = 0;  // per-unit variance of the metric (delta method for ratios)
  // CUPED pieces (0 without a covariate).
  double covariate_mean = 0;
  double covariate_variance = 0;
  double covariance = 0;  // cov(metric, covariate) per unit
};

// Computes the moments of `arm` for a metric of `type`. Requires arm.n >= 1 (callers check
// n < 2 and report it). A ratio with denominator_sum == 0 gives mean 0 and variance 0.
ArmMoments ComputeMoments(const ArmStats& arm, MetricType type);

// The CUPED coefficient theta pooled over two arms: cov(Y, X) / var(X) over their union, as
// gbstats compute_theta. Returns 0 (no adjustment) when either pooled variance is 0 or
// either arm lacks a covariate.
double PooledTheta(const ArmStats& a, const ArmStats& b, MetricType type);

}  // namespace fw::experiment
