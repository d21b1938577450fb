// SPDX-License-Identifier: Apache-2.0
//
// model.h: a fitted marketing-mix model and what can be computed from it.
//
//   outcome_t = intercept + trend * t + sum_k (a_k sin(2 pi k d_t / 365.25) + b_k cos(...))
//             + sum_c beta_c * s_c(adstock_c(spend_c)_t) + sum_j gamma_j * control_j,t + noise
//
// where t counts periods from the first row and d_t is the day of the year of the period start.
// beta_c >= 0 is the outcome a channel would add at full saturation in one period.
//
// Per-channel figures (all over the fitted data):
// - contribution: sum_t beta_c * s_c(a_c,t), the modelled outcome from the channel;
// - roas: contribution / total spend;
// - mroas: the marginal ROAS at the mean spend per period, in steady state: if the channel spent
//   x every period, its adstock would settle at x * W (W = sum of the lag weights) and its
//   response per period at R(x) = beta * s(x W); mroas = R'(mean spend) = beta * s'(x W) * W;
// - share: contribution / (sum of all channels' contributions) (Robyn's effect share);
// - spend_share: the channel's spend / total paid spend.
// Fit metrics follow Robyn: NRMSE = RMSE / (max y - min y); decomp.RSSD =
// sqrt(sum_c (share_c - spend_share_c)^2).
//
// Thread safety: a value type; the functions below are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/mmm/dataset.h"
#include "flywheel/mmm/transforms.h"

namespace fw::mmm {

// A percentile interval from bootstrap refits; both null (NaN) when no bootstrap was run.
struct Interval {
  double lo = 0.0;
  double hi = 0.0;
  bool present = false;
};

// One channel's transform and coefficient, as drawn by one bootstrap refit.
struct ChannelDraw {
  AdstockParams adstock;
  SaturationParams saturation;
  double beta = 0.0;
};

struct ChannelModel {
  std::string name;
  AdstockParams adstock;
  SaturationParams saturation;
  double beta = 0.0;          // >= 0, outcome units at full saturation per period
  double total_spend = 0.0;   // over the fitted data
  double mean_spend = 0.0;    // per period
  double contribution = 0.0;  // modelled outcome over the fitted data
  double roas = 0.0;
  double mroas = 0.0;
  double share = 0.0;
  double spend_share = 0.0;
  // The last periods of spend (oldest first, up to 104): carry-over and the current split for
  // planning.
  std::vector<double> recent_spend;
  Interval roas_ci, mroas_ci, share_ci, beta_ci;
  std::vector<ChannelDraw> draws;  // one per bootstrap refit, for plan intervals
};

struct FitMetrics {
  double r2 = 0.0;             // in-sample, final fit on all periods
  double nrmse = 0.0;          // in-sample
  double decomp_rssd = 0.0;    // in-sample
  double cv_nrmse = 0.0;       // the selection objective: time-ordered CV on the training span
  size_t holdout_periods = 0;  // the last periods held out of the search and the first fit
  double r2_holdout = 0.0;     // on those periods, from a fit that did not see them
  double nrmse_holdout = 0.0;
  double ridge_lambda = 0.0;   // penalty on standardized columns, per row
  size_t evaluations = 0;      // objective evaluations in the search
  Interval r2_ci, nrmse_ci;
};

struct MmmModel {
  int64_t period_days = 7;
  int64_t first_day = 0;  // days since 1970-01-01 of period 0
  size_t num_periods = 0;
  std::string target_name;
  double intercept = 0.0;
  double trend = 0.0;  // per period
  int yearly_order = 0;
  std::vector<double> fourier;  // sin_1, cos_1, sin_2, cos_2, ...
  std::vector<std::string> control_names;
  std::vector<double> control_coefs;
  std::vector<ChannelModel> channels;
  FitMetrics metrics;
  uint64_t seed = 0;
  size_t bootstrap = 0;

  // The channel index by name, or kNotFound listing the channels.
  Result<size_t> ChannelIndex(const std::string& name) const;
};

// The lag weights sum W of a channel (steady-state adstock per unit of constant spend).
double AdstockWeightSum(const AdstockParams& params);

// Steady-state response per period at constant spend x per period, and its derivative.
double SteadyResponse(const ChannelDraw& ch, double spend_per_period);
double SteadyMarginal(const ChannelDraw& ch, double spend_per_period);

// The draw of a channel's point estimate.
ChannelDraw PointDraw(const ChannelModel& ch);

// Per-period contributions beta * s(adstock(spend)) for one channel over `spend`.
std::vector<double> ChannelContributions(const ChannelDraw& ch, std::span<const double> spend,
                                         std::span<const double> history = {});

// The fitted outcome for every period of `data` (same columns as the fit).
// kInvalidArgument if the channels or controls differ from the model's.
Result<std::vector<double>> PredictOutcome(const MmmModel& model, const MmmData& data);

// The Fourier and trend features of period `t` starting on `day`, appended to `out`.
void BaseFeatures(int64_t day, size_t t, int yearly_order, std::vector<double>* out);

// The model as JSON text (stable key order, for byte-identical output) and back.
std::string ModelToJson(const MmmModel& model);
Result<MmmModel> ModelFromJson(const std::string& text, const std::string& source);

}  // namespace fw::mmm
