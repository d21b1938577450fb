// SPDX-License-Identifier: Apache-2.0
//
// power.cc: sample size and MDE for two proportions (normal approximation, see power.h).
#include "flywheel/experiment/power.h"

#include <cmath>
#include <string>

#include "distributions.h"

namespace fw::experiment {
namespace {

double ZSum(const PowerOptions& o) {
  const double z_alpha = internal::NormalQuantile(1.0 - (o.two_sided ? o.alpha / 2.0 : o.alpha));
  return z_alpha + internal::NormalQuantile(o.power);
}

// Real-valued n per arm to detect p1 -> p2.
double RawN(double p1, double p2, const PowerOptions& o) {
  const double z = ZSum(o);
  return z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / ((p2 - p1) * (p2 - p1));
}

Status CheckBaseline(double baseline) {
  if (!(baseline > 0 && baseline < 1)) {
    return InvalidArgument("baseline is " + std::to_string(baseline) +
                           ", expected a conversion rate in (0, 1)");
  }
  return OkStatus();
}

}  // namespace

Status PowerOptions::Validate() const {
  if (!(alpha > 0 && alpha <= 0.5)) {
    return InvalidArgument("alpha is " + std::to_string(alpha) + ", expected (0, 0.5]");
  }
  if (!(power > 0 && power < 1)) {
    return InvalidArgument("power is " + std::to_string(power) + ", expected (0, 1)");
  }
  if (num_variants < 2) {
    return InvalidArgument("variants is " + std::to_string(num_variants) +
                           ", expected at least 2 (control plus one treatment)");
  }
  return OkStatus();
}

Result<PowerResult> SampleSizeForProportion(double baseline, double mde,
                                            const PowerOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  FW_RETURN_IF_ERROR(CheckBaseline(baseline));
  const double p2 = baseline * (1.0 + mde);
  if (mde == 0 || !std::isfinite(mde))
    return InvalidArgument("mde must be a non-zero relative lift");
  if (!(p2 > 0 && p2 < 1)) {
    return InvalidArgument("baseline " + std::to_string(baseline) + " with mde " +
                           std::to_string(mde) + " gives a rate of " + std::to_string(p2) +
                           ", outside (0, 1)");
  }
  PowerResult r{.baseline = baseline, .mde = mde};
  // The 1e-9 guard keeps an exact integer from rounding up through floating-point noise.
  r.n_per_arm = static_cast<int64_t>(std::ceil(RawN(baseline, p2, options) - 1e-9));
  r.n_total = r.n_per_arm * options.num_variants;
  return r;
}

Result<PowerResult> MdeForProportion(double baseline, int64_t n_per_arm,
                                     const PowerOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  FW_RETURN_IF_ERROR(CheckBaseline(baseline));
  if (n_per_arm < 2) return InvalidArgument("n per arm must be at least 2");
  const double n = static_cast<double>(n_per_arm);
  // RawN falls as p2 moves away from p1 (up to p2 -> 1), so bisect on the relative lift.
  double lo = 0.0;
  double hi = (1.0 - baseline) / baseline * (1.0 - 1e-12);
  if (RawN(baseline, baseline * (1.0 + hi), options) > n) {
    return OutOfRange("no lift up to a rate of 1 is detectable with " + std::to_string(n_per_arm) +
                      " units per arm");
  }
  for (int iter = 0; iter < 200; ++iter) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= 0 || RawN(baseline, baseline * (1.0 + mid), options) > n) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  PowerResult r{.baseline = baseline,
                .mde = hi,
                .n_per_arm = n_per_arm,
                .n_total = n_per_arm * options.num_variants};
  return r;
}

}  // namespace fw::experiment
