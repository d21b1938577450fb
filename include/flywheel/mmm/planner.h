// SPDX-License-Identifier: Apache-2.0
//
// planner.h: forward budget planning on a fitted model (`flywheel mmm plan`).
//
// The plan spends x_c per period on channel c for the next N periods. Each channel's outcome over
// the plan is
//   F_c(x) = sum_{t=0}^{N-1} beta_c * s_c(H_c,t + x * W_c,t),
//   H_c,t = sum_{l > t} w_l * spend_c[T - (l - t)]   (carry-over from the spend before the plan),
//   W_c,t = sum_{l <= t} w_l                           (the plan's own build-up),
// so past spend keeps paying in the first periods, and a new channel ramps up. F_c is concave
// when s_c is (Hill with S <= 1, logistic), and the solver then uses exact water-filling; see
// allocation.h. The expected outcome reported is the media-driven part over the N periods (the
// baseline does not depend on the split).
//
// The current split is the channels' spend shares over the last N periods of the data (all the
// kept history if shorter), applied to the same budget, so the two outcomes compare at equal
// spend.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/mmm/allocation.h"
#include "flywheel/mmm/model.h"

namespace fw::mmm {

struct PlanOptions {
  double budget = 0.0;   // total spend over the plan, all channels; > 0
  size_t periods = 13;   // plan length N in periods (13 weeks = one quarter)
  std::map<std::string, double> min_per_period;  // --min c:X
  std::map<std::string, double> max_per_period;  // --max c:Y (default: the whole budget / N)
  std::map<std::string, double> fixed_per_period;  // --fix c:Z (min = max = Z)
  bool carryover = true;       // include the carry-over of the spend before the plan
  bool use_draws = true;       // intervals from the model's bootstrap draws, when it has them

  Status Validate() const;
};

struct ChannelPlan {
  std::string name;
  double allocation = 0.0;     // per period
  double current = 0.0;        // per period, the current split at the same budget
  double expected = 0.0;       // the channel's outcome over the plan at `allocation`
  double marginal_roas = 0.0;  // d outcome / d total spend on the channel, at the optimum
  BoundState bound = BoundState::kFree;
  Interval allocation_ci;      // from bootstrap draws
};

struct PlanResult {
  std::vector<ChannelPlan> channels;
  size_t periods = 0;
  double budget = 0.0;
  double expected_outcome = 0.0;  // media-driven outcome over the plan at the optimum
  double current_outcome = 0.0;   // the same at the current split
  double carryover_outcome = 0.0; // the part of expected_outcome due to spend before the plan
  double shadow_price = 0.0;      // outcome per extra unit of total budget; NaN if unpinned
  std::string method;
  bool forced = false;
  std::string message;            // a plain sentence for the forced and degenerate cases
  Interval expected_ci;
  size_t num_draws = 0;
};

// Plans on `model`. kNotFound for a bound naming an unknown channel, kFailedPrecondition with a
// plain message when the bounds and budget are infeasible.
Result<PlanResult> PlanBudget(const MmmModel& model, const PlanOptions& options);

// The allocation problem for a set of channel draws; exposed for tests and the recovery check.
Result<AllocationProblem> BuildPlanProblem(const MmmModel& model,
                                           const std::vector<ChannelDraw>& draws,
                                           const PlanOptions& options);

// The outcome over the plan of one channel at per-period spend x (F_c above).
double PlanChannelOutcome(const ChannelDraw& draw, const std::vector<double>& history,
                          size_t periods, double x);

}  // namespace fw::mmm
