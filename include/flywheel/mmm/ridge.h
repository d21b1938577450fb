// SPDX-License-Identifier: Apache-2.0
//
// ridge.h: ridge regression with sign constraints, the linear part of the marketing-mix model.
//
// Solves   min_b ||y - X b||^2 + sum_j penalty_j * b_j^2   subject to b_j >= 0 for j in `nonneg`,
// the other coefficients free. Media coefficients are constrained (a channel cannot lower the
// outcome); the intercept, trend, seasonality and controls are free.
//
// Method: the active-set algorithm of Lawson and Hanson (1974, ch. 23) in the Gram form of Bro
// and De Jong (1997, "A fast non-negativity-constrained least squares algorithm"), with the free
// coefficients kept in the passive set throughout. It works on G = X'X + diag(penalty) and
// c = X'y, so one call costs O(n p^2) to form G plus O(p^3) per active-set step; p is small here
// (tens of columns). The answer is exact up to the linear solves (no iteration tolerance), and
// equals the bound-constrained least squares of the augmented system [X; sqrt(diag(penalty))].
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::mmm {

// A dense design, column-major: column j is data[j*rows .. (j+1)*rows).
struct Design {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> data;

  double* col(size_t j) { return data.data() + j * rows; }
  const double* col(size_t j) const { return data.data() + j * rows; }
};

// Solves the sign-constrained ridge problem from the Gram form: `gram` is p x p row-major
// (X'X + diag(penalty), symmetric positive semi-definite), `xty` has p entries, `nonneg[j]` marks
// the constrained coefficients. Returns the p coefficients.
//
// kFailedPrecondition if a passive subsystem is singular (collinear free columns and no penalty).
Result<std::vector<double>> SolveSignConstrainedGram(std::span<const double> gram,
                                                     std::span<const double> xty,
                                                     const std::vector<bool>& nonneg);

// Forms the Gram system from rows [row_begin, row_end) of `x` and `y` and solves it.
// `penalty` and `nonneg` have x.cols entries. Requires: row_end <= x.rows == y.size().
Result<std::vector<double>> NonNegativeRidge(const Design& x, std::span<const double> y,
                                             std::span<const double> penalty,
                                             const std::vector<bool>& nonneg, size_t row_begin,
                                             size_t row_end);

}  // namespace fw::mmm
