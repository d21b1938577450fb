// SPDX-License-Identifier: Apache-2.0
//
// srm.cc: Pearson chi-square goodness of fit of arm sizes against configured weights.
#include "flywheel/experiment/srm.h"

#include <cmath>
#include <cstdio>

#include "distributions.h"

namespace fw::experiment {

Result<SrmResult> CheckSampleRatio(std::span<const int64_t> counts, std::span<const double> weights,
                                   std::span<const std::string> names) {
  if (counts.size() != weights.size()) {
    return InvalidArgument("SRM check: " + std::to_string(counts.size()) + " arm counts but " +
                           std::to_string(weights.size()) + " weights");
  }
  if (counts.size() < 2) return InvalidArgument("SRM check needs at least 2 arms");
  double total = 0;
  double weight_sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] < 0)
      return InvalidArgument("SRM check: negative count in arm " + std::to_string(i));
    if (!(weights[i] > 0) || !std::isfinite(weights[i])) {
      return InvalidArgument("SRM check: weight of arm " + std::to_string(i) + " must be positive");
    }
    total += static_cast<double>(counts[i]);
    weight_sum += weights[i];
  }
  if (total <= 0) return InvalidArgument("SRM check: no units in any arm");
  SrmResult out;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = total * weights[i] / weight_sum;
    const double d = static_cast<double>(counts[i]) - expected;
    out.chi_square += d * d / expected;
  }
  out.p_value = internal::ChiSquaredSf(out.chi_square, static_cast<double>(counts.size() - 1));
  out.warning = out.p_value < kSrmWarningP;
  if (out.warning) {
    std::string detail;
    for (size_t i = 0; i < counts.size(); ++i) {
      char buf[160];
      std::snprintf(buf, sizeof(buf), "%s%s %.2f%% (expected %.2f%%)", i ? ", " : "",
                    i < names.size() ? names[i].c_str() : ("arm " + std::to_string(i)).c_str(),
                    100.0 * static_cast<double>(counts[i]) / total,
                    100.0 * weights[i] / weight_sum);
      detail += buf;
    }
    char head[96];
    std::snprintf(head, sizeof(head), "SAMPLE RATIO MISMATCH (p = %.3g < %.3g): ", out.p_value,
                  kSrmWarningP);
    out.message = std::string(head) + detail +
                  "; the assignment or exposure logging is broken, do not trust these results";
  }
  return out;
}

}  // namespace fw::experiment
