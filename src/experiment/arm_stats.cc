// SPDX-License-Identifier: Apache-2.0
//
// arm_stats.cc: moments of an arm from its sufficient statistics (see arm_stats.h).
#include "flywheel/experiment/arm_stats.h"

#include <algorithm>

namespace fw::experiment {
namespace {

// Sample variance from sums; the /n form when `population` (proportions, as gbstats).
// Clamped at 0: catastrophic cancellation can leave a tiny negative for constant data.
double VarianceFromSums(double n, double sum, double sum_squares, bool population) {
  if (n <= 1) return 0.0;
  double v = population ? (sum_squares / n - (sum / n) * (sum / n))
                        : (sum_squares - sum * sum / n) / (n - 1);
  return std::max(v, 0.0);
}

double CovarianceFromSums(double n, double sum_x, double sum_y, double sum_xy, bool population) {
  if (n <= 1) return 0.0;
  return population ? (sum_xy / n - sum_x * sum_y / (n * n))
                    : (sum_xy - sum_x * sum_y / n) / (n - 1);
}

}  // namespace

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kMean:
      return "mean";
    case MetricType::kProportion:
      return "proportion";
    case MetricType::kRatio:
      return "ratio";
  }
  return "mean";
}

ArmMoments ComputeMoments(const ArmStats& arm, MetricType type) {
  ArmMoments m;
  m.n = static_cast<double>(arm.n);
  if (arm.n <= 0) return m;
  const bool population = type == MetricType::kProportion;
  if (type == MetricType::kRatio) {
    if (arm.denominator_sum == 0) return m;
    const double mean_m = arm.sum / m.n;
    const double mean_d = arm.denominator_sum / m.n;
    const double var_m = VarianceFromSums(m.n, arm.sum, arm.sum_squares, false);
    const double var_d =
        VarianceFromSums(m.n, arm.denominator_sum, arm.denominator_sum_squares, false);
    const double cov = CovarianceFromSums(m.n, arm.sum, arm.denominator_sum,
                                          arm.main_denominator_sum_product, false);
    m.mean = arm.sum / arm.denominator_sum;
    // Delta method for M/D (gbstats utils.variance_of_ratios).
    m.variance = std::max(0.0, var_m / (mean_d * mean_d) +
                                   var_d * mean_m * mean_m / (mean_d * mean_d * mean_d * mean_d) -
                                   2.0 * cov * mean_m / (mean_d * mean_d * mean_d));
  } else {
    m.mean = arm.sum / m.n;
    m.variance = population ? std::max(0.0, m.mean * (1.0 - m.mean))
                            : VarianceFromSums(m.n, arm.sum, arm.sum_squares, false);
  }
  if (arm.has_covariate && type != MetricType::kRatio) {
    m.covariate_mean = arm.covariate_sum / m.n;
    m.covariate_variance =
        VarianceFromSums(m.n, arm.covariate_sum, arm.covariate_sum_squares, population);
    m.covariance = CovarianceFromSums(m.n, arm.sum, arm.covariate_sum,
                                      arm.main_covariate_sum_product, population);
  }
  return m;
}

double PooledTheta(const ArmStats& a, const ArmStats& b, MetricType type) {
  if (!a.has_covariate || !b.has_covariate || type == MetricType::kRatio) return 0.0;
  const bool population = type == MetricType::kProportion;
  const double n = static_cast<double>(a.n + b.n);
  const double sum_y = a.sum + b.sum;
  const double sum_x = a.covariate_sum + b.covariate_sum;
  const double var_y = population
                           ? std::max(0.0, (sum_y / n) * (1.0 - sum_y / n))
                           : VarianceFromSums(n, sum_y, a.sum_squares + b.sum_squares, false);
  const double var_x =
      VarianceFromSums(n, sum_x, a.covariate_sum_squares + b.covariate_sum_squares, population);
  if (var_x <= 0 || var_y <= 0) return 0.0;
  const double cov = CovarianceFromSums(
      n, sum_y, sum_x, a.main_covariate_sum_product + b.main_covariate_sum_product, population);
  return cov / var_x;
}

}  // namespace fw::experiment
