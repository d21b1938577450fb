// SPDX-License-Identifier: Apache-2.0
//
// fit.cc: hyperparameter search, cross-validated selection, final fit and bootstrap.
#include "flywheel/mmm/fit.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "flywheel/core/rng.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/mmm/ridge.h"

namespace fw::mmm {
namespace {

// Search ranges that are not options: Weibull shape (log scale), Hill K as a fraction of the
// largest adstocked value, logistic lambda times that largest value (log scale).
constexpr double kMinShape = 0.3, kMaxShape = 5.0;
constexpr double kMinHalfSat = 0.05, kMaxHalfSat = 1.5;
constexpr double kMinLogisticScale = 0.3, kMaxLogisticScale = 10.0;
// The ridge penalties tried (per row, on standardized columns); CV picks one.
constexpr double kRidgeGrid[] = {1e-4, 1e-3, 1e-2, 1e-1};

double LogInterp(double lo, double hi, double u) {
  return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
}

// A linear fit in original units: outcome = intercept + sum_j coef_j * column_j.
struct LinearFit {
  double intercept = 0.0;
  std::vector<double> coef;  // base columns, then media columns
};

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

struct LocalSearch {
  const Problem* problem;
  std::span<const double> y;
  size_t span;
  double lambda;
  size_t evals = 0;
};

double NloptObjective(unsigned n, const double* x, double* /*grad*/, void* data) {
  auto* s = static_cast<LocalSearch*>(data);
  ++s->evals;
  return s->problem->TrainNrmse(std::vector<double>(x, x + n), s->y, s->span, s->lambda);
}

// Bounded BOBYQA from `start`; returns the best point and updates `value`.
std::vector<double> Polish(const Problem& problem, std::span<const double> y, size_t span,
                           double lambda, std::vector<double> start, size_t max_evals,
                           double* value, size_t* evals) {
  const auto d = static_cast<unsigned>(start.size());
  nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, d);
  LocalSearch search{&problem, y, span, lambda};
  nlopt_set_lower_bounds1(opt, 0.0);
  nlopt_set_upper_bounds1(opt, 1.0);
  nlopt_set_min_objective(opt, NloptObjective, &search);
  nlopt_set_maxeval(opt, static_cast<int>(max_evals));
  nlopt_set_xtol_abs1(opt, 1e-5);
  nlopt_set_initial_step1(opt, 0.1);
  std::vector<double> x = start;
  double f = HUGE_VAL;
  const nlopt_result rc = nlopt_optimize(opt, x.data(), &f);
  nlopt_destroy(opt);
  *evals += search.evals;
  // A failed run (rc < 0) leaves x at its last point; keep the start unless it improved.
  if (rc < 0 || !(f < *value)) return start;
  *value = f;
  return x;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

Interval MakeInterval(const std::vector<double>& v) {
  if (v.size() < 2) return {};
  return {.lo = Percentile(v, 0.05), .hi = Percentile(v, 0.95), .present = true};
}

// Fills the model from a final fit on all periods of target `y`.
void Summarize(const Problem& problem, bool has_trend, const std::vector<ChannelDraw>& ch,
               const LinearFit& fit, std::span<const double> y, MmmModel* model) {
  const MmmData& data = problem.data();
  const size_t n = data.num_periods(), nb = problem.num_base();
  const auto media = problem.Media(ch);
  double sse = 0.0, y_mean = 0.0;
  for (double v : y) y_mean += v;
  y_mean /= static_cast<double>(n);
  double sst = 0.0;
  for (size_t t = 0; t < n; ++t) {
    const double e = y[t] - problem.Predict(fit, media, t);
    sse += e * e;
    sst += (y[t] - y_mean) * (y[t] - y_mean);
  }
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  model->metrics.r2 = 1.0 - sse / sst;
  model->metrics.nrmse = std::sqrt(sse / static_cast<double>(n)) / (*hi - *lo);
  model->intercept = fit.intercept;
  size_t j = 0;
  model->trend = has_trend ? fit.coef[j++] : 0.0;
  model->fourier.assign(fit.coef.begin() + static_cast<ptrdiff_t>(j),
                        fit.coef.begin() + static_cast<ptrdiff_t>(j + 2 * model->yearly_order));
  j += 2 * static_cast<size_t>(model->yearly_order);
  model->control_coefs.assign(fit.coef.begin() + static_cast<ptrdiff_t>(j),
                              fit.coef.begin() + static_cast<ptrdiff_t>(nb));
  double total_contrib = 0.0, total_spend = 0.0;
  model->channels.resize(ch.size());
  for (size_t c = 0; c < ch.size(); ++c) {
    ChannelModel& cm = model->channels[c];
    cm.name = data.channel_names[c];
    cm.adstock = ch[c].adstock;
    cm.saturation = ch[c].saturation;
    cm.beta = fit.coef[nb + c];
    cm.contribution = cm.beta * std::accumulate(media[c].begin(), media[c].end(), 0.0);
    cm.total_spend = std::accumulate(data.spend[c].begin(), data.spend[c].end(), 0.0);
    cm.mean_spend = cm.total_spend / static_cast<double>(n);
    cm.roas = cm.contribution / cm.total_spend;
    cm.mroas = SteadyMarginal(PointDraw(cm), cm.mean_spend);
    const size_t keep = std::min<size_t>(n, 104);
    cm.recent_spend.assign(data.spend[c].end() - static_cast<ptrdiff_t>(keep), data.spend[c].end());
    total_contrib += cm.contribution;
    total_spend += cm.total_spend;
  }
  double rssd = 0.0;
  for (ChannelModel& cm : model->channels) {
    cm.share = total_contrib > 0.0 ? cm.contribution / total_contrib : 0.0;
    cm.spend_share = cm.total_spend / total_spend;
    rssd += (cm.share - cm.spend_share) * (cm.share - cm.spend_share);
  }
  model->metrics.decomp_rssd = std::sqrt(rssd);
}

}  // namespace

Status FitOptions::Validate() const {
  if (yearly_order < 0 || yearly_order > 10) {
    return InvalidArgument("--yearly-order " + std::to_string(yearly_order) + ", expected 0..10");
  }
  if (cv_folds < 1 || cv_folds > 10) {
    return InvalidArgument("cv folds " + std::to_string(cv_folds) + ", expected 1..10");
  }
  if (!(holdout_fraction >= 0.0 && holdout_fraction <= 0.5)) {
    return InvalidArgument("holdout fraction " + std::to_string(holdout_fraction) +
                           ", expected 0..0.5");
  }
  if (max_lag > 260) return InvalidArgument("max lag " + std::to_string(max_lag) + ", expected <= 260");
  if (!(max_theta > 0.0 && max_theta < 1.0)) {
    return InvalidArgument("max theta " + std::to_string(max_theta) + ", expected (0, 1)");
  }
  if (!(min_slope > 0.0 && min_slope <= max_slope)) {
    return InvalidArgument("hill slope range [" + std::to_string(min_slope) + ", " +
                           std::to_string(max_slope) + "] is empty or not positive");
  }
  if (num_local_starts > 64 || bootstrap > 2000) {
    return InvalidArgument("local starts <= 64 and bootstrap <= 2000 expected");
  }
  return OkStatus();
}

Result<MmmModel> FitMmm(const MmmData& data, const FitOptions& options,
                        const std::string& target_name) {
  FW_RETURN_IF_ERROR(options.Validate());
  const Problem problem(data, options);
  const size_t n = data.num_periods();
  const size_t holdout =
      static_cast<size_t>(std::lround(options.holdout_fraction * static_cast<double>(n)));
  const size_t span = n - holdout;
  const size_t p = problem.num_base() + data.num_channels();
  const size_t first_train = span - options.cv_folds * problem.FoldSize(span);
  if (span < options.cv_folds * problem.FoldSize(span) + p + 4 || first_train < p + 4) {
    return FailedPrecondition(std::to_string(n) + " periods are too few for " +
                              std::to_string(p) + " columns, " + std::to_string(options.cv_folds) +
                              " CV folds and a holdout of " + std::to_string(holdout) +
                              "; use fewer controls, a lower --yearly-order or more data");
  }
  const size_t dims = problem.dims();
  const size_t num_samples = options.num_samples ? options.num_samples : std::max<size_t>(300, 60 * dims);
  Rng rng(options.seed);
  // Phase 1: Latin hypercube, one stratum per sample in every dimension.
  std::vector<std::vector<double>> samples(num_samples, std::vector<double>(dims));
  for (size_t d = 0; d < dims; ++d) {
    std::vector<size_t> perm(num_samples);
    std::iota(perm.begin(), perm.end(), 0);
    for (size_t i = num_samples - 1; i > 0; --i) std::swap(perm[i], perm[rng.UniformInt(i + 1)]);
    for (size_t i = 0; i < num_samples; ++i) {
      samples[i][d] = (static_cast<double>(perm[i]) + rng.Uniform()) / static_cast<double>(num_samples);
    }
  }
  ThreadPool pool(options.num_threads ? options.num_threads : DefaultThreadCount());
  const size_t num_lambdas = std::size(kRidgeGrid);
  // Phase 1 per penalty: score every sample. Phase 2: local searches from the best distinct
  // samples. Each (penalty, start) pair is an independent task; results are gathered by index.
  std::vector<std::vector<double>> scores(num_lambdas, std::vector<double>(num_samples));
  pool.ParallelFor(num_lambdas * num_samples, [&](size_t begin, size_t end, size_t) {
    for (size_t i = begin; i < end; ++i) {
      const size_t li = i / num_samples, si = i % num_samples;
      scores[li][si] = problem.TrainNrmse(samples[si], data.target, span, kRidgeGrid[li]);
    }
  });
  struct Task {
    size_t lambda_idx;
    std::vector<double> x;
    double f;
    size_t evals = 0;
  };
  std::vector<Task> tasks;
  for (size_t li = 0; li < num_lambdas; ++li) {
    std::vector<size_t> order(num_samples);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return scores[li][a] < scores[li][b]; });
    std::vector<size_t> starts;
    for (size_t i : order) {
      if (starts.size() >= options.num_local_starts || !std::isfinite(scores[li][i])) break;
      bool distinct = true;
      for (size_t st : starts) {
        double dist = 0.0;
        for (size_t d = 0; d < dims; ++d) {
          dist = std::max(dist, std::abs(samples[i][d] - samples[st][d]));
        }
        if (dist < 0.1) distinct = false;
      }
      if (distinct) starts.push_back(i);
    }
    for (size_t st : starts) tasks.push_back({li, samples[st], scores[li][st]});
  }
  if (tasks.empty()) return FailedPrecondition("every hyperparameter candidate failed to fit");
  pool.ParallelFor(
      tasks.size(),
      [&](size_t begin, size_t end, size_t) {
        for (size_t k = begin; k < end; ++k) {
          Task& task = tasks[k];
          task.x = Polish(problem, data.target, span, kRidgeGrid[task.lambda_idx], task.x,
                          options.local_max_evals, &task.f, &task.evals);
        }
      },
      tasks.size());
  // Per penalty, the best in-sample point; across penalties, the best CV score.
  std::vector<const Task*> best_per_lambda(num_lambdas, nullptr);
  size_t total_evals = num_lambdas * num_samples;
  for (const Task& task : tasks) {
    total_evals += task.evals;
    const Task*& b = best_per_lambda[task.lambda_idx];
    if (b == nullptr || task.f < b->f) b = &task;
  }
  double best_cv = HUGE_VAL;
  const Task* winner = nullptr;
  for (const Task* t : best_per_lambda) {
    if (t == nullptr) continue;
    const double cv = problem.CvNrmse(t->x, data.target, span, kRidgeGrid[t->lambda_idx]);
    if (winner == nullptr || cv < best_cv) {
      best_cv = cv;
      winner = t;
    }
  }
  const std::vector<double> u_train = winner->x;
  const double lambda = kRidgeGrid[winner->lambda_idx];
  const auto media_train = problem.Media(problem.Decode(u_train));

  MmmModel model;
  model.period_days = data.period_days;
  model.first_day = data.days.front();
  model.num_periods = n;
  model.target_name = target_name;
  model.yearly_order = options.yearly_order;
  model.control_names = data.control_names;
  model.seed = options.seed;
  model.bootstrap = options.bootstrap;
  model.metrics.cv_nrmse = best_cv;
  model.metrics.ridge_lambda = lambda;
  model.metrics.evaluations = total_evals;
  model.metrics.holdout_periods = holdout;
  if (holdout > 0) {
    FW_ASSIGN_OR_RETURN(LinearFit train_fit, problem.Fit(media_train, data.target, span, lambda));
    double sse = 0.0, mean = 0.0, sst = 0.0;
    for (size_t t = span; t < n; ++t) mean += data.target[t];
    mean /= static_cast<double>(holdout);
    for (size_t t = span; t < n; ++t) {
      const double e = data.target[t] - problem.Predict(train_fit, media_train, t);
      sse += e * e;
      sst += (data.target[t] - mean) * (data.target[t] - mean);
    }
    const auto [lo, hi] = std::minmax_element(data.target.begin(), data.target.end());
    model.metrics.r2_holdout = sst > 0.0 ? 1.0 - sse / sst : NAN;
    model.metrics.nrmse_holdout = std::sqrt(sse / static_cast<double>(holdout)) / (*hi - *lo);
  }
  // The reported model uses every period: polish the transforms on the whole series, starting
  // from the point chosen on the training span (the holdout figures above stay honest).
  std::vector<double> u = u_train;
  if (holdout > 0) {
    double f = problem.TrainNrmse(u_train, data.target, n, lambda);
    size_t ev = 0;
    u = Polish(problem, data.target, n, lambda, u_train, options.local_max_evals, &f, &ev);
    model.metrics.evaluations += ev;
  }
  const std::vector<ChannelDraw> ch = problem.Decode(u);
  const auto media = problem.Media(ch);
  FW_ASSIGN_OR_RETURN(LinearFit fit, problem.Fit(media, data.target, n, lambda));
  Summarize(problem, options.trend, ch, fit, data.target, &model);

  if (options.bootstrap > 0) {
    // Moving-block bootstrap of the residuals (blocks keep their autocorrelation), then a short
    // local re-search of the hyperparameters from the fitted point and a refit on all periods.
    std::vector<double> fitted(n), resid(n);
    for (size_t t = 0; t < n; ++t) {
      fitted[t] = problem.Predict(fit, media, t);
      resid[t] = data.target[t] - fitted[t];
    }
    const size_t block = std::max<size_t>(2, static_cast<size_t>(std::cbrt(static_cast<double>(n))));
    const size_t reps = options.bootstrap;
    std::vector<MmmModel> draws(reps);
    std::vector<Status> statuses(reps);
    pool.ParallelFor(reps, [&](size_t begin, size_t end, size_t) {
      for (size_t b = begin; b < end; ++b) {
        Rng r = rng.Fork(1000 + b);
        std::vector<double> y(n);
        for (size_t t = 0; t < n; t += block) {
          const size_t from = r.UniformInt(n - block + 1);
          for (size_t k = 0; k < block && t + k < n; ++k) y[t + k] = fitted[t + k] + resid[from + k];
        }
        // The bootstrap re-searches on all periods: its point is the spread of the estimate.
        double f = problem.TrainNrmse(u, y, n, lambda);
        size_t ev = 0;
        const std::vector<double> ub =
            Polish(problem, y, n, lambda, u, options.bootstrap_max_evals, &f, &ev);
        const std::vector<ChannelDraw> chb = problem.Decode(ub);
        Result<LinearFit> fb = problem.Fit(problem.Media(chb), y, n, lambda);
        if (!fb.ok()) {
          statuses[b] = fb.status();
          continue;
        }
        draws[b] = model;
        Summarize(problem, options.trend, chb, *fb, y, &draws[b]);
      }
    });
    std::vector<double> r2, nrmse;
    for (size_t c = 0; c < model.channels.size(); ++c) {
      std::vector<double> roas, mroas, share, beta;
      for (size_t b = 0; b < reps; ++b) {
        if (!statuses[b].ok()) continue;
        const ChannelModel& d = draws[b].channels[c];
        roas.push_back(d.roas);
        mroas.push_back(d.mroas);
        share.push_back(d.share);
        beta.push_back(d.beta);
        model.channels[c].draws.push_back(PointDraw(d));
        if (c == 0) {
          r2.push_back(draws[b].metrics.r2);
          nrmse.push_back(draws[b].metrics.nrmse);
        }
      }
      ChannelModel& cm = model.channels[c];
      cm.roas_ci = MakeInterval(roas);
      cm.mroas_ci = MakeInterval(mroas);
      cm.share_ci = MakeInterval(share);
      cm.beta_ci = MakeInterval(beta);
    }
    model.metrics.r2_ci = MakeInterval(r2);
    model.metrics.nrmse_ci = MakeInterval(nrmse);
  }
  return model;
}

}  // namespace fw::mmm
