// SPDX-License-Identifier: Apache-2.0
//
// control_chart.cc: EWMA and CUSUM charts (see control_chart.h).
#include "control_chart.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace fw::server {

Result<ControlChartResult> RunControlChart(const std::vector<double>& baseline,
                                           const std::vector<double>& monitored,
                                           const ControlChartParams& p) {
  if (baseline.size() < 2) return InvalidArgument("control chart: need at least 2 baseline windows");
  if (monitored.empty()) return InvalidArgument("control chart: no window to monitor");
  using Kind = ControlChartParams::Kind;
  if (p.kind == Kind::kEwma && (!(p.lambda > 0) || p.lambda > 1 || !(p.sigma > 0))) {
    return InvalidArgument("control chart: EWMA needs lambda in (0, 1] and sigma > 0");
  }
  if (p.kind == Kind::kCusum && (!(p.k >= 0) || !(p.h > 0) || !std::isfinite(p.k + p.h))) {
    return InvalidArgument("control chart: CUSUM needs k >= 0 and h > 0");
  }
  ControlChartResult r;
  double sum = 0;
  for (double x : baseline) sum += x;
  const double n = static_cast<double>(baseline.size());
  r.mu0 = sum / n;
  double ss = 0;
  for (double x : baseline) ss += (x - r.mu0) * (x - r.mu0);
  r.sigma0 = std::sqrt(ss / (n - 1));
  if (p.count_floor) r.sigma0 = std::max(r.sigma0, std::sqrt(std::max(r.mu0, 0.0)));
  if (!(r.sigma0 > 0) || !std::isfinite(r.sigma0)) {
    return InvalidArgument("control chart: the baseline windows do not vary (sigma0 = 0)");
  }
  r.points.resize(monitored.size());
  if (p.kind == Kind::kEwma) {
    r.limit = p.sigma;
    double z = r.mu0;
    double decay = 1;  // (1 - lambda)^(2t)
    const double keep = (1 - p.lambda) * (1 - p.lambda);
    for (size_t t = 0; t < monitored.size(); ++t) {
      z = p.lambda * monitored[t] + (1 - p.lambda) * z;
      decay *= keep;
      const double sd = r.sigma0 * std::sqrt(p.lambda / (2 - p.lambda) * (1 - decay));
      const double u = (z - r.mu0) / sd;
      r.points[t] = {std::fabs(u), u > 0 ? 1 : u < 0 ? -1 : 0, std::fabs(u) > p.sigma};
    }
  } else {
    r.limit = p.h;
    double hi = 0, lo = 0;
    for (size_t t = 0; t < monitored.size(); ++t) {
      const double u = (monitored[t] - r.mu0) / r.sigma0;
      hi = std::max(0.0, hi + u - p.k);
      lo = std::max(0.0, lo - u - p.k);
      const double s = std::max(hi, lo);
      r.points[t] = {s, hi > lo ? 1 : lo > hi ? -1 : 0, s > p.h};
    }
  }
  for (size_t t = 0; t < r.points.size(); ++t) {
    if (r.points[t].out_of_control) {
      r.first_signal = static_cast<int>(t);
      break;
    }
  }
  return r;
}

}  // namespace fw::server
