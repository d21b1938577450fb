// SPDX-License-Identifier: Apache-2.0
//
// user_summary.cc: per-user values to per-arm sums (see user_summary.h).
#include "flywheel/experiment/user_summary.h"

#include <algorithm>
#include <cmath>

namespace fw::experiment {

double Quantile(std::vector<double> values, double q) {
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double v_lo = values[lo];
  if (lo + 1 >= values.size()) return v_lo;
  const double v_hi =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
  return v_lo + (pos - static_cast<double>(lo)) * (v_hi - v_lo);
}

Result<MetricInput> SummarizeByArm(const UserValues& metric, std::span<const uint32_t> arm_of_user,
                                   std::span<const std::string> arm_names, double winsorize) {
  const size_t num_users = arm_of_user.size();
  if (metric.values.size() != num_users) {
    return InvalidArgument("metric '" + metric.name + "' has " +
                           std::to_string(metric.values.size()) + " values for " +
                           std::to_string(num_users) + " users");
  }
  const bool ratio = metric.type == MetricType::kRatio;
  if (ratio && metric.denominators.size() != num_users) {
    return InvalidArgument("ratio metric '" + metric.name + "' needs one denominator per user");
  }
  const bool cuped = !metric.covariates.empty();
  if (cuped && metric.covariates.size() != num_users) {
    return InvalidArgument("metric '" + metric.name + "' has " +
                           std::to_string(metric.covariates.size()) + " covariate values for " +
                           std::to_string(num_users) + " users");
  }
  if (!(winsorize >= 0 && winsorize < 1)) {
    return InvalidArgument("winsorize is " + std::to_string(winsorize) +
                           ", expected a quantile in (0, 1), or 0 for off");
  }
  double cap = std::numeric_limits<double>::infinity();
  double den_cap = cap;
  if (winsorize > 0 && metric.type != MetricType::kProportion) {
    std::vector<double> in_arm;
    std::vector<double> den_in_arm;
    for (size_t u = 0; u < num_users; ++u) {
      if (arm_of_user[u] == kNoArm) continue;
      in_arm.push_back(metric.values[u]);
      if (ratio) den_in_arm.push_back(metric.denominators[u]);
    }
    if (!in_arm.empty()) cap = Quantile(std::move(in_arm), winsorize);
    if (!den_in_arm.empty()) den_cap = Quantile(std::move(den_in_arm), winsorize);
  }
  MetricInput out;
  out.name = metric.name;
  out.type = metric.type;
  out.arms.resize(arm_names.size());
  for (size_t a = 0; a < arm_names.size(); ++a) {
    out.arms[a].name = arm_names[a];
    out.arms[a].has_covariate = cuped;
  }
  for (size_t u = 0; u < num_users; ++u) {
    const uint32_t arm_idx = arm_of_user[u];
    if (arm_idx == kNoArm) continue;
    if (arm_idx >= arm_names.size()) {
      return InvalidArgument("user #" + std::to_string(u) + " has arm index " +
                             std::to_string(arm_idx) + " but there are " +
                             std::to_string(arm_names.size()) + " arms");
    }
    double y = metric.values[u];
    if (!std::isfinite(y)) {
      return InvalidArgument("metric '" + metric.name + "' value of user #" + std::to_string(u) +
                             " is not finite");
    }
    if (metric.type == MetricType::kProportion && y != 0.0 && y != 1.0) {
      return InvalidArgument("proportion metric '" + metric.name + "' has value " +
                             std::to_string(y) + " for user #" + std::to_string(u) +
                             ", expected 0 or 1");
    }
    y = std::min(y, cap);
    ArmStats& s = out.arms[arm_idx];
    s.n += 1;
    s.sum += y;
    s.sum_squares += y * y;
    if (ratio) {
      const double d = std::min(metric.denominators[u], den_cap);
      if (!std::isfinite(d)) {
        return InvalidArgument("metric '" + metric.name + "' denominator of user #" +
                               std::to_string(u) + " is not finite");
      }
      s.denominator_sum += d;
      s.denominator_sum_squares += d * d;
      s.main_denominator_sum_product += y * d;
    }
    if (cuped) {
      const double x = metric.covariates[u];
      if (!std::isfinite(x)) {
        return InvalidArgument("metric '" + metric.name + "' covariate of user #" +
                               std::to_string(u) + " is not finite");
      }
      s.covariate_sum += x;
      s.covariate_sum_squares += x * x;
      s.main_covariate_sum_product += y * x;
    }
  }
  return out;
}

}  // namespace fw::experiment
