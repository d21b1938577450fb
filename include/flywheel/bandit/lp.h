// SPDX-License-Identifier: Apache-2.0
//
// lp.h: a small dense linear-program solver for the simulator's oracle (the LP relaxation of the
// budgeted allocation: a knapsack with a horizon, per-segment traffic and per-channel caps).
//
// Problems here have tens of variables and constraints, so a dense tableau simplex with Bland's
// rule (which cannot cycle) is exact enough and simple to check.
//
// Thread safety: pure function.
#pragma once

#include <vector>

#include "flywheel/core/result.h"

namespace fw::bandit {

struct LpSolution {
  double objective = 0.0;
  std::vector<double> x;  // one value per variable
};

// Maximises c.x subject to A x <= b and x >= 0, where every b_i >= 0 (so x = 0 is feasible).
// `a` is row-major, b.size() rows by c.size() columns. Errors: kInvalidArgument on a shape
// mismatch or a negative b_i; kFailedPrecondition if the problem is unbounded.
Result<LpSolution> SolveLp(const std::vector<double>& c, const std::vector<double>& a,
                           const std::vector<double>& b);

}  // namespace fw::bandit
