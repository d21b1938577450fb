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
#include "fit_problem.h"

namespace fw::mmm {
namespace {

using internal::kRidgeGrid;
using internal::LinearFit;
using internal::Problem;

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
