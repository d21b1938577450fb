// SPDX-License-Identifier: Apache-2.0
//
// corrections.cc: Holm step-down and Benjamini-Hochberg step-up adjustments.
#include "flywheel/experiment/corrections.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fw::experiment {

Result<Correction> ParseCorrection(const std::string& text) {
  if (text == "none") return Correction::kNone;
  if (text == "holm") return Correction::kHolm;
  if (text == "bh") return Correction::kBenjaminiHochberg;
  return InvalidArgument("unknown correction '" + text + "', expected none|holm|bh");
}

const char* CorrectionName(Correction correction) {
  switch (correction) {
    case Correction::kNone:
      return "none";
    case Correction::kHolm:
      return "holm";
    case Correction::kBenjaminiHochberg:
      return "bh";
  }
  return "none";
}

Result<std::vector<double>> AdjustPValues(std::span<const double> p_values, Correction correction) {
  const size_t m = p_values.size();
  for (size_t i = 0; i < m; ++i) {
    if (!std::isfinite(p_values[i]) || p_values[i] < 0 || p_values[i] > 1) {
      return InvalidArgument("p-value #" + std::to_string(i + 1) + " is " +
                             std::to_string(p_values[i]) + ", expected a number in [0, 1]");
    }
  }
  std::vector<double> out(p_values.begin(), p_values.end());
  if (correction == Correction::kNone || m == 0) return out;
  // Stable sort keeps ties in input order, like statsmodels (argsort, mergesort-free but
  // equal values get equal adjusted values after the monotone pass anyway).
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  const double md = static_cast<double>(m);
  if (correction == Correction::kHolm) {
    // Step-down: p_(i) (m - i), i from 0, made non-decreasing by a running maximum.
    double running = 0;
    for (size_t rank = 0; rank < m; ++rank) {
      const double adj = std::min(1.0, p_values[order[rank]] * (md - static_cast<double>(rank)));
      running = std::max(running, adj);
      out[order[rank]] = running;
    }
  } else {
    // Step-up: p_(i) m / (i + 1), made non-increasing from the largest by a running minimum.
    double running = 1.0;
    for (size_t rank = m; rank-- > 0;) {
      const double adj = p_values[order[rank]] * md / static_cast<double>(rank + 1);
      running = std::min(running, adj);
      out[order[rank]] = running;
    }
  }
  return out;
}

}  // namespace fw::experiment
