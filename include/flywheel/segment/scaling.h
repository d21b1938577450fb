// SPDX-License-Identifier: Apache-2.0
//
// scaling.h: column scaling before k-means, so no feature dominates the distances by its unit.
//
// Methods (statistics in double, population moments as scikit-learn's StandardScaler):
//   zscore  (default) (x - mean) / std.
//   robust  (x - median) / IQR, with numpy's linear-interpolation quantiles (RobustScaler).
//           A column whose IQR is 0 but which is not constant uses std instead (with a notice).
//   log1p   log(1 + x) on every column whose minimum is >= 0 (money and counts are skewed and
//           non-negative), then z-score; a column with negative values is only z-scored (notice).
//   none    unchanged.
// A constant column (zero variance) carries no information and would divide by zero: it is
// dropped, and a notice names it. If every column is constant the result is kFailedPrecondition.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"

namespace fw::segment {

enum class ScaleMethod { kZScore, kRobust, kLog1p, kNone };

// Parses "zscore", "robust", "log1p" or "none"; kInvalidArgument names the bad value.
Result<ScaleMethod> ParseScaleMethod(std::string_view text);
const char* ScaleMethodName(ScaleMethod method);

struct ScaledMatrix {
  Matrix x;                          // rows x kept columns, with column_names
  std::vector<size_t> kept_columns;  // index of each kept column in the input
  std::vector<double> center;        // per kept column: subtracted (after log1p if logged)
  std::vector<double> scale;         // per kept column: divided by
  std::vector<bool> logged;          // per kept column: log1p applied first
  std::vector<std::string> notices;  // dropped or specially treated columns, one line each
};

// Scales the columns of `x` (x.column_names must name every column). Errors: kInvalidArgument
// for a non-finite value (naming row and column), kFailedPrecondition when no column varies.
Result<ScaledMatrix> ScaleColumns(const Matrix& x, ScaleMethod method);

}  // namespace fw::segment
