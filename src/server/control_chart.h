// SPDX-License-Identifier: Apache-2.0
//
// control_chart.h: the statistics behind anomaly alert rules: an EWMA chart (Roberts 1959) and
// a two-sided tabular CUSUM (Page 1954) over a series of per-window metric values.
//
// Phase I: the in-control mean mu0 and standard deviation sigma0 are estimated from the
// `baseline` windows (sample mean and sample sd, n - 1; with a floor of sqrt(mu0) for counts,
// which cannot be less noisy than Poisson). Phase II: the chart runs over the `monitored`
// windows in time order.
//   EWMA:  z_t = lambda x_t + (1 - lambda) z_{t-1}, z_0 = mu0; out of control when
//          |z_t - mu0| > L sigma0 sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2t))).
//   CUSUM: with u_t = (x_t - mu0) / sigma0, S+_t = max(0, S+_{t-1} + u_t - k),
//          S-_t = max(0, S-_{t-1} - u_t - k), S+_0 = S-_0 = 0; out of control when S+ or S-
//          exceeds h.
// There is no reset after a signal: the chart's state at the newest window is the alert's
// state, so an alert keeps firing while the shift lasts and resolves when the statistic is
// back inside its limit.
//
// Thread safety: pure functions.
#pragma once

#include <vector>

#include "flywheel/core/result.h"

namespace fw::server {

struct ControlChartParams {
  enum class Kind { kEwma, kCusum } kind = Kind::kEwma;
  double lambda = 0.2;  // EWMA smoothing, (0, 1]
  double sigma = 3;     // EWMA limit L in standard deviations, > 0
  double k = 0.5;       // CUSUM reference value (allowance) in sigma0 units, >= 0
  double h = 5;         // CUSUM decision interval in sigma0 units, > 0
  bool count_floor = false;  // sigma0 >= sqrt(mu0) (the metric counts events)
};

struct ControlChartPoint {
  double statistic = 0;  // EWMA: z_t - mu0 in sigma_z(t) units; CUSUM: max(S+, S-)
  int direction = 0;     // +1 above, -1 below, 0 at the centre
  bool out_of_control = false;
};

struct ControlChartResult {
  double mu0 = 0, sigma0 = 0;
  double limit = 0;  // EWMA: L (the statistic is standardised); CUSUM: h
  std::vector<ControlChartPoint> points;  // one per monitored window
  int first_signal = -1;                  // index of the first out-of-control point, or -1
};

// kInvalidArgument for a baseline of fewer than 2 windows, an empty `monitored`, parameters out
// of range, or a baseline without variation (sigma0 == 0).
Result<ControlChartResult> RunControlChart(const std::vector<double>& baseline,
                                           const std::vector<double>& monitored,
                                           const ControlChartParams& params);

}  // namespace fw::server
