// SPDX-License-Identifier: Apache-2.0
//
// fit.h: fitting a marketing-mix model: a seeded global search over the channels' transform
// hyperparameters, a sign-constrained ridge for the linear part, selection by time-ordered
// cross-validation, and optional bootstrap refits for intervals.
//
// The search works in the unit cube, one coordinate per transform hyperparameter. For each ridge
// penalty of a small grid, phase 1 scores a Latin hypercube sample and phase 2 runs bounded local
// searches (NLopt BOBYQA) from the best distinct points, minimizing the in-sample NRMSE on the
// training span (profile least squares). Both phases run in parallel with results gathered by
// index, so the outcome depends on the seed only, not on timing or the thread count.
//
// Selection is by time-ordered cross-validation: each penalty's best point is scored by the NRMSE
// of block forecasts over `cv_folds` expanding windows (fit on [0, e_f), predict [e_f, e_f + v)),
// and the lowest wins. The last `holdout_fraction` of the periods is kept out of the search and
// the selection and scored at the end (r2_holdout); the reported model is then polished and
// refitted on all periods.
//
// Thread safety: FitMmm is reentrant; it uses its own thread pool.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flywheel/core/result.h"
#include "flywheel/mmm/dataset.h"
#include "flywheel/mmm/model.h"
#include "flywheel/mmm/transforms.h"

namespace fw::mmm {

struct FitOptions {
  AdstockKind adstock = AdstockKind::kGeometric;  // Robyn's default
  SaturationKind saturation = SaturationKind::kHill;
  size_t max_lag = 0;        // lag weights; 0 = auto: 13 weekly / 28 daily for geometric
                             // (0.9^13 = 0.25 of the first-week weight), 13 / 28 for Weibull
  int yearly_order = 2;      // Fourier pairs for yearly seasonality; 0 = none
  bool trend = true;         // a linear trend column
  size_t cv_folds = 3;       // expanding-window folds that select the ridge penalty
  double holdout_fraction = 0.1;  // last share of periods scored at the end; 0 = none
  size_t num_samples = 0;         // phase-1 sample size; 0 = auto (60 per dimension, >= 300)
  size_t num_local_starts = 4;    // phase-2 local searches per ridge penalty
  size_t local_max_evals = 400;   // evaluations per local search
  double max_theta = 0.9;         // geometric decay upper bound (Robyn: 0.3 TV up to 0.8)
  double min_slope = 0.5;         // Hill slope range. The default cap of 1 keeps every curve
  double max_slope = 1.0;         // concave (exact planner, less variance); up to 3 allows S-curves
  size_t bootstrap = 0;           // residual block-bootstrap refits for intervals; 0 = none
  size_t bootstrap_max_evals = 150;  // local-search evaluations per bootstrap refit
  uint64_t seed = 1;
  size_t num_threads = 0;  // 0 = DefaultThreadCount()

  Status Validate() const;
};

// Fits `data`. Returns kInvalidArgument for bad options, kFailedPrecondition when the series is
// too short for the folds and holdout asked for.
// Cost: about 4 * (num_samples + num_local_starts * local_max_evals) ridge solves of n x p,
// p = channels + controls + 2 * yearly_order + 1, plus the CV folds, the final polish and
// bootstrap * bootstrap_max_evals more.
Result<MmmModel> FitMmm(const MmmData& data, const FitOptions& options,
                        const std::string& target_name = "y");

}  // namespace fw::mmm
