// SPDX-License-Identifier: Apache-2.0
//
// transforms.h: the media transforms of a marketing-mix model: adstock (carry-over) and
// saturation (diminishing returns).
//
// A channel's spend series x_t becomes a_t = adstock(x)_t, then s(a_t), and the model adds
// beta * s(a_t) to the outcome. Adstock is a causal convolution with lag weights w_0..w_{L-1}:
//   a_t = sum_{l=0}^{L-1} w_l * x_{t-l}      (spend before the series start counts as `history`)
// - geometric(theta):   w_l = theta^l (Robyn's "geometric"; L is max_lag).
// - weibull_cdf(k, lam): w_l = 1 - F(l; k, lam) = exp(-(l/lam)^k), the Weibull survival function,
//   so w_0 = 1 and the decay can be slow first and fast later (k > 1) or the reverse (k < 1).
// - weibull_pdf(k, lam): w_l = f(l + 1; k, lam) / max_j f(j + 1; k, lam), a delayed peak (k > 1)
//   scaled so the largest weight is 1.
// Saturation maps a >= 0 to [0, 1):
// - hill(K, S):        s(a) = a^S / (a^S + K^S); K is the half-saturation point in spend units.
// - logistic(lam):     s(a) = (1 - exp(-lam a)) / (1 + exp(-lam a)) (PyMC-Marketing's form).
//
// Thread safety: pure functions and value types.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::mmm {

enum class AdstockKind { kGeometric, kWeibullCdf, kWeibullPdf };
enum class SaturationKind { kHill, kLogistic };

// "geometric", "weibull_cdf", "weibull_pdf" / "hill", "logistic".
std::string AdstockKindName(AdstockKind kind);
std::string SaturationKindName(SaturationKind kind);
// Parses the names above; kInvalidArgument quoting the text otherwise.
Result<AdstockKind> ParseAdstockKind(const std::string& text);
Result<SaturationKind> ParseSaturationKind(const std::string& text);

// Adstock hyperparameters. Only the fields of `kind` are used.
struct AdstockParams {
  AdstockKind kind = AdstockKind::kGeometric;
  double theta = 0.3;   // geometric decay per period, in [0, 1)
  double shape = 1.0;   // Weibull shape k > 0
  double scale = 2.0;   // Weibull scale lambda > 0, in periods
  size_t max_lag = 12;  // number of lag weights L (the current period included); >= 1

  // kInvalidArgument naming the field when a value is out of range.
  Status Validate() const;
};

// Saturation hyperparameters. Only the fields of `kind` are used.
struct SaturationParams {
  SaturationKind kind = SaturationKind::kHill;
  double half_sat = 1.0;  // Hill K > 0, in adstocked-spend units
  double slope = 1.0;     // Hill S > 0; S <= 1 makes the curve concave
  double lambda = 1.0;    // logistic rate > 0, per adstocked-spend unit

  Status Validate() const;
};

// The lag weights w_0..w_{L-1} of `params`. Requires: params.Validate().ok().
std::vector<double> AdstockWeights(const AdstockParams& params);

// Applies the adstock with `weights` to `spend` (length n), with `history` the spend of the
// periods just before spend[0] (history.back() is the period right before; may be empty).
// Returns a_t for t in [0, n). Cost: O(n * L).
std::vector<double> ApplyAdstock(std::span<const double> spend, std::span<const double> weights,
                                 std::span<const double> history = {});

// Convenience: AdstockWeights then ApplyAdstock.
std::vector<double> Adstock(std::span<const double> spend, const AdstockParams& params);

// s(a) and its derivative ds/da for one value a >= 0. At a = 0 a Hill curve with S < 1 has an
// infinite slope; the derivative is then taken at a = 1e-9 K, which stays finite.
double Saturate(double a, const SaturationParams& params);
double SaturateDerivative(double a, const SaturationParams& params);

// s(a) for a whole series.
std::vector<double> Saturate(std::span<const double> adstocked, const SaturationParams& params);

// True when s is concave on [0, inf): Hill with S <= 1, or logistic. The planner uses exact
// water-filling then.
bool IsConcave(const SaturationParams& params);

}  // namespace fw::mmm
