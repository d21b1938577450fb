// SPDX-License-Identifier: Apache-2.0
//
// fit_problem.h (private): the fit's objective. A Problem holds the fixed design columns (trend,
// Fourier terms, controls) of one data set, maps a point of the hyperparameter unit cube to
// channel transforms, and scores it: in-sample NRMSE for the search, time-ordered CV NRMSE for
// selecting the ridge penalty.
//
// Thread safety: a Problem is immutable after construction; its const methods may run
// concurrently (the search calls them from pool workers).
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "flywheel/mmm/fit.h"
#include "flywheel/mmm/model.h"
#include "flywheel/mmm/ridge.h"

namespace fw::mmm::internal {

// Search ranges that are not options: Weibull shape (log scale), Hill K as a fraction of the
// largest adstocked value, logistic lambda times that largest value (log scale).
constexpr double kMinShape = 0.3, kMaxShape = 5.0;
// K below ~0.15 of the peak makes the Hill curve nearly a step, so the channel's contribution
// becomes an almost constant level that trades off with the intercept (an unidentified
// direction). On the earlier, weakly identified simulated design this bound cut the worst ROAS
// errors; on the current one 0.05 instead of 0.15 changes little (docs/mmm.md).
constexpr double kMinHalfSat = 0.15, kMaxHalfSat = 1.5;
constexpr double kMinLogisticScale = 0.3, kMaxLogisticScale = 10.0;
// The ridge penalties tried (per row, on standardized columns); CV picks one.
inline constexpr double kRidgeGrid[] = {1e-4, 1e-3, 1e-2, 1e-1};

inline double LogInterp(double lo, double hi, double u) {
  return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
}

// A linear fit in original units: outcome = intercept + sum_j coef_j * column_j.
struct LinearFit {
  double intercept = 0.0;
  std::vector<double> coef;  // base columns, then media columns
};

// The objective over one data set. Invariant: base_ holds n-long columns (trend if enabled,
// Fourier sin/cos pairs, controls), in the order Summarize() in fit.cc reads them back.
class Problem {
 public:
  Problem(const MmmData& data, const FitOptions& options) : data_(data), options_(options) {
    n_ = data.num_periods();
    max_lag_ = options.max_lag ? options.max_lag : (data.period_days == 1 ? 28 : 13);
    for (size_t t = 0; t < n_; ++t) {
      std::vector<double> f;
      BaseFeatures(data.days[t], t, options.yearly_order, &f);
      if (!options.trend) f.erase(f.begin());
      for (const auto& control : data.controls) f.push_back(control[t]);
      if (t == 0) base_.resize(f.size(), std::vector<double>(n_));
      for (size_t j = 0; j < f.size(); ++j) base_[j][t] = f[j];
    }
    per_channel_dims_ = (options.adstock == AdstockKind::kGeometric ? 1 : 2) +
                        (options.saturation == SaturationKind::kHill ? 2 : 1);
  }

  size_t dims() const { return per_channel_dims_ * data_.num_channels(); }
  size_t num_base() const { return base_.size(); }
  size_t num_periods() const { return n_; }
  size_t max_lag() const { return max_lag_; }
  const MmmData& data() const { return data_; }

  // Maps a point of the unit cube to channel transforms (beta left 0).
  std::vector<ChannelDraw> Decode(const std::vector<double>& u) const {
    std::vector<ChannelDraw> out(data_.num_channels());
    size_t k = 0;
    for (size_t c = 0; c < out.size(); ++c) {
      AdstockParams& a = out[c].adstock;
      a.kind = options_.adstock;
      a.max_lag = max_lag_;
      if (a.kind == AdstockKind::kGeometric) {
        a.theta = u[k++] * options_.max_theta;
      } else {
        a.shape = LogInterp(kMinShape, kMaxShape, u[k++]);
        a.scale = 0.5 + u[k++] * (std::max(1.0, 0.5 * static_cast<double>(max_lag_)) - 0.5);
      }
      const std::vector<double> ad = Adstock(data_.spend[c], a);
      const double peak = std::max(*std::max_element(ad.begin(), ad.end()), 1e-300);
      SaturationParams& s = out[c].saturation;
      s.kind = options_.saturation;
      if (s.kind == SaturationKind::kHill) {
        s.half_sat = peak * (kMinHalfSat + u[k++] * (kMaxHalfSat - kMinHalfSat));
        s.slope = options_.min_slope + u[k++] * (options_.max_slope - options_.min_slope);
      } else {
        s.lambda = LogInterp(kMinLogisticScale, kMaxLogisticScale, u[k++]) / peak;
      }
    }
    return out;
  }

  // s(adstock(spend)) per channel, each n long.
  std::vector<std::vector<double>> Media(const std::vector<ChannelDraw>& ch) const {
    std::vector<std::vector<double>> out(ch.size());
    for (size_t c = 0; c < ch.size(); ++c) {
      out[c] = Saturate(Adstock(data_.spend[c], ch[c].adstock), ch[c].saturation);
    }
    return out;
  }

  // Ridge on columns standardized over rows [0, end) (intercept unpenalized, media >= 0).
  Result<LinearFit> Fit(const std::vector<std::vector<double>>& media, std::span<const double> y,
                        size_t end, double lambda) const {
    const size_t nb = base_.size(), p = nb + media.size();
    std::vector<const std::vector<double>*> cols(p);
    for (size_t j = 0; j < nb; ++j) cols[j] = &base_[j];
    for (size_t c = 0; c < media.size(); ++c) cols[nb + c] = &media[c];
    const double ne = static_cast<double>(end);
    auto stats = [&](const std::vector<double>& v, double* mean, double* sd) {
      double m = 0.0, ss = 0.0;
      for (size_t t = 0; t < end; ++t) m += v[t];
      m /= ne;
      for (size_t t = 0; t < end; ++t) ss += (v[t] - m) * (v[t] - m);
      *mean = m;
      *sd = std::sqrt(ss / ne);
    };
    double y_mean = 0.0, y_sd = 0.0;
    {
      std::vector<double> yv(y.begin(), y.begin() + static_cast<ptrdiff_t>(end));
      yv.resize(n_);
      stats(yv, &y_mean, &y_sd);
    }
    if (y_sd <= 0.0) y_sd = 1.0;
    std::vector<size_t> active;
    std::vector<double> means(p), sds(p);
    for (size_t j = 0; j < p; ++j) {
      stats(*cols[j], &means[j], &sds[j]);
      if (sds[j] > 1e-12 * (1.0 + std::abs(means[j]))) active.push_back(j);
    }
    LinearFit fit;
    fit.coef.assign(p, 0.0);
    fit.intercept = y_mean;
    if (active.empty()) return fit;
    Design x{.rows = end, .cols = active.size(), .data = {}};
    x.data.resize(end * active.size());
    std::vector<bool> nonneg(active.size());
    for (size_t a = 0; a < active.size(); ++a) {
      const size_t j = active[a];
      const std::vector<double>& v = *cols[j];
      double* dst = x.col(a);
      for (size_t t = 0; t < end; ++t) dst[t] = (v[t] - means[j]) / sds[j];
      nonneg[a] = j >= nb;
    }
    std::vector<double> ys(end);
    for (size_t t = 0; t < end; ++t) ys[t] = (y[t] - y_mean) / y_sd;
    const std::vector<double> penalty(active.size(), lambda * ne);
    FW_ASSIGN_OR_RETURN(std::vector<double> b, NonNegativeRidge(x, ys, penalty, nonneg, 0, end));
    for (size_t a = 0; a < active.size(); ++a) {
      const size_t j = active[a];
      fit.coef[j] = b[a] * y_sd / sds[j];
      fit.intercept -= fit.coef[j] * means[j];
    }
    return fit;
  }

  double Predict(const LinearFit& fit, const std::vector<std::vector<double>>& media,
                 size_t t) const {
    double v = fit.intercept;
    for (size_t j = 0; j < base_.size(); ++j) v += fit.coef[j] * base_[j][t];
    for (size_t c = 0; c < media.size(); ++c) v += fit.coef[base_.size() + c] * media[c][t];
    return v;
  }

  // The in-sample NRMSE of a fit on the first `span` periods: the search objective. Under
  // Gaussian noise minimizing it over the transforms is profile least squares, which uses every
  // residual; the CV score below (far fewer residuals) is too noisy to search on, and selects
  // the penalty instead. +inf if the fit fails.
  double TrainNrmse(const std::vector<double>& u, std::span<const double> y, size_t span,
                    double lambda) const {
    const auto media = Media(Decode(u));
    Result<LinearFit> fit = Fit(media, y, span, lambda);
    if (!fit.ok()) return HUGE_VAL;
    double sse = 0.0;
    for (size_t t = 0; t < span; ++t) {
      const double e = y[t] - Predict(*fit, media, t);
      sse += e * e;
    }
    const auto [lo, hi] = std::minmax_element(y.begin(), y.begin() + static_cast<ptrdiff_t>(span));
    return std::sqrt(sse / static_cast<double>(span)) / std::max(*hi - *lo, 1e-300);
  }

  // The time-ordered CV NRMSE over the first `span` periods: expanding windows, each fold fitted
  // on [0, e) and scored on the next block. +inf if a fit fails.
  double CvNrmse(const std::vector<double>& u, std::span<const double> y, size_t span,
                 double lambda) const {
    const auto media = Media(Decode(u));
    const size_t folds = options_.cv_folds;
    const size_t v = FoldSize(span);
    double sse = 0.0;
    size_t count = 0;
    for (size_t f = 0; f < folds; ++f) {
      const size_t end = span - (folds - f) * v;
      Result<LinearFit> fit = Fit(media, y, end, lambda);
      if (!fit.ok()) return HUGE_VAL;
      for (size_t t = end; t < end + v; ++t) {
        const double e = y[t] - Predict(*fit, media, t);
        sse += e * e;
        ++count;
      }
    }
    const auto [lo, hi] = std::minmax_element(y.begin(), y.begin() + static_cast<ptrdiff_t>(span));
    return std::sqrt(sse / static_cast<double>(count)) / std::max(*hi - *lo, 1e-300);
  }

  size_t FoldSize(size_t span) const {
    return std::max<size_t>(4, static_cast<size_t>(std::lround(0.1 * static_cast<double>(span))));
  }

 private:
  const MmmData& data_;
  const FitOptions& options_;
  size_t n_ = 0;
  size_t max_lag_ = 13;
  size_t per_channel_dims_ = 2;
  std::vector<std::vector<double>> base_;  // trend, Fourier, controls; each n long
};

}  // namespace fw::mmm::internal
