// SPDX-License-Identifier: Apache-2.0
//
// allocation.h: the budget allocation solver behind `mmm plan`, on abstract response curves.
//
// Maximises   sum_c f_c(x_c)   subject to   sum_c x_c = total,   lo_c <= x_c <= hi_c,
// where f_c is a channel's outcome as a function of its spend (non-decreasing, with derivative
// df_c). The KKT conditions say: at the optimum there is one multiplier mu (the shadow price of
// the budget) with df_c(x_c) = mu for channels strictly inside their bounds, df_c <= mu at a
// lower bound and df_c >= mu at an upper bound.
//
// Method:
// - every f_c concave: exact water-filling. For a given mu each channel's spend x_c(mu) solves
//   df_c(x) = mu inside [lo_c, hi_c] (bisection; df_c is non-increasing), and the total spend is
//   non-increasing in mu, so a bisection on mu meets the budget to machine precision;
// - otherwise (S-shaped Hill curves): a dynamic program over a grid of the budget (global over the
//   grid), then NLopt SLSQP from the grid optimum to polish it to the KKT point nearby.
//
// Thread safety: pure functions; the curve callables must be safe to call concurrently if the
// caller solves several problems at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::mmm {

struct AllocationProblem {
  std::vector<std::function<double(double)>> value;       // f_c
  std::vector<std::function<double(double)>> derivative;  // df_c >= 0
  std::vector<double> lo;                                 // lower bounds, >= 0
  std::vector<double> hi;                                 // upper bounds, >= lo
  double total = 0.0;                                     // the spend to allocate
  bool concave = true;                                    // all f_c concave on [lo, hi]

  // kInvalidArgument for inconsistent sizes or bounds.
  Status Validate() const;
};

enum class BoundState { kFree, kAtMin, kAtMax, kFixed };

// "none", "min", "max", "fixed".
std::string BoundStateName(BoundState state);

struct AllocationResult {
  std::vector<double> x;              // the allocation
  double objective = 0.0;             // sum_c f_c(x_c)
  double shadow_price = 0.0;          // mu: d(objective)/d(total); NaN when no channel is free
  std::vector<BoundState> bounds;     // which bound each channel sits on
  std::string method;                 // "water-filling", "grid-dp+slsqp" or "forced"
  bool forced = false;                // the constraints leave exactly one feasible point
};

// Solves the problem. Returns kFailedPrecondition, with the numbers, when the budget is below the
// sum of the minimums or above the sum of the maximums (infeasible).
// Cost: water-filling O(C * 200 * 200) derivative calls; grid DP O(C * G^2), G = 400.
Result<AllocationResult> SolveAllocation(const AllocationProblem& problem);

}  // namespace fw::mmm
