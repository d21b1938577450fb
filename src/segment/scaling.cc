// SPDX-License-Identifier: Apache-2.0
//
// scaling.cc: z-score, robust and log1p scaling; constant columns dropped with a notice.
#include "flywheel/segment/scaling.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace fw::segment {

namespace {

// numpy.percentile(v, q) with the default linear interpolation. Requires: v sorted, non-empty.
double Quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

std::string FormatValue(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

}  // namespace

Result<ScaleMethod> ParseScaleMethod(std::string_view text) {
  if (text == "zscore") return ScaleMethod::kZScore;
  if (text == "robust") return ScaleMethod::kRobust;
  if (text == "log1p") return ScaleMethod::kLog1p;
  if (text == "none") return ScaleMethod::kNone;
  return InvalidArgument("--scale is '" + std::string(text) +
                         "', expected zscore, robust, log1p or none");
}

const char* ScaleMethodName(ScaleMethod method) {
  switch (method) {
    case ScaleMethod::kZScore:
      return "zscore";
    case ScaleMethod::kRobust:
      return "robust";
    case ScaleMethod::kLog1p:
      return "log1p";
    case ScaleMethod::kNone:
      return "none";
  }
  return "zscore";
}

Result<ScaledMatrix> ScaleColumns(const Matrix& x, ScaleMethod method) {
  const size_t n = x.rows;
  ScaledMatrix out;
  if (n == 0) return FailedPrecondition("the table has no rows to scale");
  std::vector<std::vector<double>> kept_values;
  for (size_t col = 0; col < x.cols; ++col) {
    const std::string name =
        col < x.column_names.size() ? x.column_names[col] : "column " + std::to_string(col);
    std::vector<double> v(n);
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < n; ++i) {
      v[i] = x.At(i, col);
      if (!std::isfinite(v[i])) {
        return InvalidArgument("row " + std::to_string(i) + ", column '" + name + "' is " +
                               FormatValue(v[i]) + ", expected a finite number");
      }
      lo = i == 0 ? v[i] : std::min(lo, v[i]);
      hi = i == 0 ? v[i] : std::max(hi, v[i]);
    }
    if (lo == hi) {
      out.notices.push_back("column '" + name + "' is constant (" + FormatValue(lo) +
                            ") and was dropped");
      continue;
    }
    bool logged = false;
    if (method == ScaleMethod::kLog1p) {
      if (lo >= 0.0) {
        for (double& value : v) value = std::log1p(value);
        logged = true;
      } else {
        out.notices.push_back("column '" + name + "' has negative values (min " + FormatValue(lo) +
                              "), so log1p was skipped; it is z-scored");
      }
    }
    double center = 0.0, scale = 1.0;
    if (method != ScaleMethod::kNone) {
      double mean = 0.0;
      for (double value : v) mean += value;
      mean /= static_cast<double>(n);
      double var = 0.0;
      for (double value : v) var += (value - mean) * (value - mean);
      const double std_dev = std::sqrt(var / static_cast<double>(n));
      center = mean;
      scale = std_dev;
      if (method == ScaleMethod::kRobust) {
        std::vector<double> sorted = v;
        std::sort(sorted.begin(), sorted.end());
        const double iqr = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
        center = Quantile(sorted, 0.5);
        if (iqr > 0.0) {
          scale = iqr;
        } else {
          out.notices.push_back("column '" + name +
                                "' has an interquartile range of 0, so it is scaled by its "
                                "standard deviation");
        }
      }
      if (!(scale > 0.0)) {
        // Not constant but the spread rounds to 0 (e.g. log1p of huge equal-ish values).
        out.notices.push_back("column '" + name + "' has no measurable spread and was dropped");
        continue;
      }
    }
    for (double& value : v) value = (value - center) / scale;
    out.kept_columns.push_back(col);
    out.center.push_back(center);
    out.scale.push_back(scale);
    out.logged.push_back(logged);
    out.x.column_names.push_back(name);
    kept_values.push_back(std::move(v));
  }
  if (kept_values.empty()) {
    return FailedPrecondition("every one of the " + std::to_string(x.cols) +
                              " columns is constant, so there is nothing to cluster");
  }
  const size_t cols = kept_values.size();
  out.x.rows = n;
  out.x.cols = cols;
  out.x.data.assign(n * cols, 0.0f);
  for (size_t c = 0; c < cols; ++c) {
    for (size_t i = 0; i < n; ++i) out.x.data[i * cols + c] = static_cast<float>(kept_values[c][i]);
  }
  return out;
}

}  // namespace fw::segment
