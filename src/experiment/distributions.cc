// SPDX-License-Identifier: Apache-2.0
//
// distributions.cc: Boost.Math wrappers with a no-throw policy.
#include "distributions.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>
#include <cmath>
#include <limits>

namespace fw::experiment::internal {
namespace {

namespace bm = boost::math;
// Errors become NaN/Inf rather than exceptions (see the header comment).
using NoThrow = bm::policies::policy<bm::policies::domain_error<bm::policies::ignore_error>,
                                     bm::policies::overflow_error<bm::policies::ignore_error>,
                                     bm::policies::underflow_error<bm::policies::ignore_error>,
                                     bm::policies::evaluation_error<bm::policies::ignore_error>,
                                     bm::policies::pole_error<bm::policies::ignore_error>>;
using Normal = bm::normal_distribution<double, NoThrow>;
using StudentT = bm::students_t_distribution<double, NoThrow>;
using ChiSquared = bm::chi_squared_distribution<double, NoThrow>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double NormalCdf(double z) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return z > 0 ? 1.0 : 0.0;
  return bm::cdf(Normal(), z);
}

double NormalSf(double z) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return z > 0 ? 0.0 : 1.0;
  return bm::cdf(bm::complement(Normal(), z));
}

double NormalPdf(double z) {
  if (!std::isfinite(z)) return std::isnan(z) ? kNaN : 0.0;
  return bm::pdf(Normal(), z);
}

double NormalQuantile(double p) {
  if (!(p > 0.0 && p < 1.0)) return kNaN;
  return bm::quantile(Normal(), p);
}

double StudentTCdf(double t, double df) {
  if (std::isnan(t) || !(df > 0.0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  return bm::cdf(StudentT(df), t);
}

double StudentTSf(double t, double df) {
  if (std::isnan(t) || !(df > 0.0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  return bm::cdf(bm::complement(StudentT(df), t));
}

double StudentTQuantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0) || !(df > 0.0)) return kNaN;
  return bm::quantile(StudentT(df), p);
}

double ChiSquaredSf(double x, double df) {
  if (std::isnan(x) || !(df > 0.0)) return kNaN;
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  return bm::cdf(bm::complement(ChiSquared(df), x));
}

}  // namespace fw::experiment::internal
