// SPDX-License-Identifier: Apache-2.0
//
// distributions.h: the few distribution functions the statistics engine needs, over Boost.Math.
//
// Boost throws on domain errors; these wrappers are only called with arguments the callers
// have validated (finite, df > 0, p in (0, 1)), and the policy below turns any remaining
// domain or overflow problem into NaN instead of an exception, so no exception can cross the
// module API. Callers check the result with std::isfinite.
//
// Thread safety: pure functions.
#pragma once

namespace fw::experiment::internal {

// Standard normal CDF and survival function (upper tail, accurate far in the tail).
double NormalCdf(double z);
double NormalSf(double z);
// Standard normal density.
double NormalPdf(double z);
// Standard normal quantile. Requires: 0 < p < 1.
double NormalQuantile(double p);

// Student t CDF, survival function and quantile with `df` degrees of freedom (df > 0).
double StudentTCdf(double t, double df);
double StudentTSf(double t, double df);
double StudentTQuantile(double p, double df);

// Upper tail of the chi-square distribution with `df` degrees of freedom.
double ChiSquaredSf(double x, double df);

}  // namespace fw::experiment::internal
