// SPDX-License-Identifier: Apache-2.0
//
// transforms.cc: adstock weights and convolution, Hill and logistic saturation.
#include "flywheel/mmm/transforms.h"

#include <algorithm>
#include <cmath>

namespace fw::mmm {

std::string AdstockKindName(AdstockKind kind) {
  switch (kind) {
    case AdstockKind::kGeometric:
      return "geometric";
    case AdstockKind::kWeibullCdf:
      return "weibull_cdf";
    case AdstockKind::kWeibullPdf:
      return "weibull_pdf";
  }
  return "unknown";
}

std::string SaturationKindName(SaturationKind kind) {
  return kind == SaturationKind::kHill ? "hill" : "logistic";
}

Result<AdstockKind> ParseAdstockKind(const std::string& text) {
  if (text == "geometric") return AdstockKind::kGeometric;
  if (text == "weibull_cdf") return AdstockKind::kWeibullCdf;
  if (text == "weibull_pdf") return AdstockKind::kWeibullPdf;
  return InvalidArgument("unknown adstock '" + text +
                         "', expected geometric, weibull_cdf or weibull_pdf");
}

Result<SaturationKind> ParseSaturationKind(const std::string& text) {
  if (text == "hill") return SaturationKind::kHill;
  if (text == "logistic") return SaturationKind::kLogistic;
  return InvalidArgument("unknown saturation '" + text + "', expected hill or logistic");
}

Status AdstockParams::Validate() const {
  if (max_lag < 1 || max_lag > 520) {
    return InvalidArgument("adstock max_lag " + std::to_string(max_lag) + ", expected 1..520");
  }
  if (kind == AdstockKind::kGeometric && !(theta >= 0.0 && theta < 1.0)) {
    return InvalidArgument("adstock theta " + std::to_string(theta) + ", expected [0, 1)");
  }
  if (kind != AdstockKind::kGeometric && !(shape > 0.0 && scale > 0.0 && std::isfinite(shape) &&
                                           std::isfinite(scale))) {
    return InvalidArgument("weibull adstock shape " + std::to_string(shape) + " scale " +
                           std::to_string(scale) + ", expected both > 0");
  }
  return OkStatus();
}

Status SaturationParams::Validate() const {
  if (kind == SaturationKind::kHill &&
      !(half_sat > 0.0 && slope > 0.0 && std::isfinite(half_sat) && std::isfinite(slope))) {
    return InvalidArgument("hill saturation K " + std::to_string(half_sat) + " S " +
                           std::to_string(slope) + ", expected both > 0");
  }
  if (kind == SaturationKind::kLogistic && !(lambda > 0.0 && std::isfinite(lambda))) {
    return InvalidArgument("logistic saturation lambda " + std::to_string(lambda) +
                           ", expected > 0");
  }
  return OkStatus();
}

std::vector<double> AdstockWeights(const AdstockParams& params) {
  std::vector<double> w(params.max_lag);
  switch (params.kind) {
    case AdstockKind::kGeometric: {
      double v = 1.0;
      for (double& x : w) {
        x = v;
        v *= params.theta;
      }
      break;
    }
    case AdstockKind::kWeibullCdf:
      for (size_t l = 0; l < w.size(); ++l) {
        w[l] = std::exp(-std::pow(static_cast<double>(l) / params.scale, params.shape));
      }
      break;
    case AdstockKind::kWeibullPdf: {
      // The density at l + 1 rather than l: for k < 1 it is infinite at 0.
      const double k = params.shape, lam = params.scale;
      double peak = 0.0;
      for (size_t l = 0; l < w.size(); ++l) {
        const double x = static_cast<double>(l + 1) / lam;
        w[l] = (k / lam) * std::pow(x, k - 1.0) * std::exp(-std::pow(x, k));
        peak = std::max(peak, w[l]);
      }
      // All weights underflow only for absurd scales; keep the current period then.
      if (peak <= 0.0 || !std::isfinite(peak)) {
        std::fill(w.begin(), w.end(), 0.0);
        w[0] = 1.0;
      } else {
        for (double& x : w) x /= peak;
      }
      break;
    }
  }
  return w;
}

std::vector<double> ApplyAdstock(std::span<const double> spend, std::span<const double> weights,
                                 std::span<const double> history) {
  const size_t n = spend.size(), num_lags = weights.size(), h = history.size();
  std::vector<double> out(n, 0.0);
  for (size_t t = 0; t < n; ++t) {
    double acc = 0.0;
    for (size_t l = 0; l < num_lags; ++l) {
      if (l <= t) {
        acc += weights[l] * spend[t - l];
      } else if (l - t <= h) {
        acc += weights[l] * history[h - (l - t)];
      } else {
        break;
      }
    }
    out[t] = acc;
  }
  return out;
}

std::vector<double> Adstock(std::span<const double> spend, const AdstockParams& params) {
  const std::vector<double> w = AdstockWeights(params);
  return ApplyAdstock(spend, w);
}

double Saturate(double a, const SaturationParams& params) {
  if (a <= 0.0) return 0.0;
  if (params.kind == SaturationKind::kHill) {
    // a^S / (a^S + K^S) = 1 / (1 + (K/a)^S), which does not overflow for large a.
    return 1.0 / (1.0 + std::pow(params.half_sat / a, params.slope));
  }
  return std::tanh(0.5 * params.lambda * a);  // (1 - e^-x) / (1 + e^-x) = tanh(x / 2)
}

double SaturateDerivative(double a, const SaturationParams& params) {
  if (params.kind == SaturationKind::kHill) {
    if (a <= 0.0) {
      // The right derivative at 0 is infinite for S < 1, 1/K for S = 1 and 0 for S > 1. The
      // infinite case is evaluated at a = 1e-9 K instead: finite, far above any interior
      // marginal, and safe to multiply by a large beta in the planner's price bracket.
      if (params.slope >= 1.0) return params.slope == 1.0 ? 1.0 / params.half_sat : 0.0;
      a = 1e-9 * params.half_sat;
    }
    const double r = std::pow(params.half_sat / a, params.slope);
    return params.slope * r / (a * (1.0 + r) * (1.0 + r));
  }
  const double th = std::tanh(0.5 * params.lambda * std::max(a, 0.0));
  return 0.5 * params.lambda * (1.0 - th * th);
}

std::vector<double> Saturate(std::span<const double> adstocked, const SaturationParams& params) {
  std::vector<double> out(adstocked.size());
  for (size_t i = 0; i < adstocked.size(); ++i) out[i] = Saturate(adstocked[i], params);
  return out;
}

bool IsConcave(const SaturationParams& params) {
  return params.kind == SaturationKind::kLogistic || params.slope <= 1.0;
}

}  // namespace fw::mmm
