// SPDX-License-Identifier: Apache-2.0
//
// mle.cc: the log-parameter L-BFGS search and the Hessian standard errors.
#include "mle.h"

#include <nlopt.h>

#include <cmath>
#include <string>

namespace fw::analytics {
namespace {

struct SearchState {
  const LogLikelihoodFn* ll;
  double scale;
  int evaluations = 0;
  std::vector<double> theta, grad;
  // The best point seen by any search: a likelihood that keeps rising towards a parameter bound
  // (e.g. BG/NBD with no visible dropout, a and b growing together) ends there, not in failure.
  double best_value = HUGE_VAL;
  std::vector<double> best_y;
};

// NLopt minimises: f(y) = -ll(exp(y)) / scale, df/dy_j = -theta_j * dll/dtheta_j / scale.
double Objective(unsigned n, const double* y, double* grad_y, void* data) {
  auto* state = static_cast<SearchState*>(data);
  ++state->evaluations;
  for (unsigned j = 0; j < n; ++j) state->theta[j] = std::exp(y[j]);
  const double ll =
      (*state->ll)(state->theta.data(), grad_y != nullptr ? state->grad.data() : nullptr);
  if (!std::isfinite(ll)) return HUGE_VAL;  // steer the search away from overflow
  if (-ll / state->scale < state->best_value) {
    state->best_value = -ll / state->scale;
    state->best_y.assign(y, y + n);
  }
  if (grad_y != nullptr) {
    for (unsigned j = 0; j < n; ++j) {
      grad_y[j] = -state->theta[j] * state->grad[j] / state->scale;
    }
  }
  return -ll / state->scale;
}

// Runs one NLopt search from y in place; returns the objective value (HUGE_VAL on failure).
double Search(nlopt_algorithm algorithm, std::vector<double>& y, SearchState& state) {
  const auto n = static_cast<unsigned>(y.size());
  nlopt_opt opt = nlopt_create(algorithm, n);
  std::vector<double> lower(n, -30.0), upper(n, 30.0);  // theta in [1e-13, 1e13]
  nlopt_set_lower_bounds(opt, lower.data());
  nlopt_set_upper_bounds(opt, upper.data());
  nlopt_set_min_objective(opt, Objective, &state);
  nlopt_set_ftol_rel(opt, 1e-14);
  nlopt_set_xtol_rel(opt, 1e-11);
  nlopt_set_maxeval(opt, 3000);
  double value = HUGE_VAL;
  const nlopt_result code = nlopt_optimize(opt, y.data(), &value);
  nlopt_destroy(opt);
  // Round-off-limited stops at a flat optimum are fine; hard failures are not.
  if (code < 0 && code != NLOPT_ROUNDOFF_LIMITED) return HUGE_VAL;
  return std::isfinite(value) ? value : HUGE_VAL;
}

// Inverts a small dense matrix by Gauss-Jordan with partial pivoting; false if singular.
bool Invert(std::vector<double>& m, size_t n) {
  std::vector<double> inv(n * n, 0);
  for (size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t row = col + 1; row < n; ++row) {
      if (std::abs(m[row * n + col]) > std::abs(m[pivot * n + col])) pivot = row;
    }
    if (std::abs(m[pivot * n + col]) < 1e-300) return false;
    for (size_t k = 0; k < n; ++k) {
      std::swap(m[col * n + k], m[pivot * n + k]);
      std::swap(inv[col * n + k], inv[pivot * n + k]);
    }
    const double d = m[col * n + col];
    for (size_t k = 0; k < n; ++k) {
      m[col * n + k] /= d;
      inv[col * n + k] /= d;
    }
    for (size_t row = 0; row < n; ++row) {
      if (row == col) continue;
      const double f = m[row * n + col];
      for (size_t k = 0; k < n; ++k) {
        m[row * n + k] -= f * m[col * n + k];
        inv[row * n + k] -= f * inv[col * n + k];
      }
    }
  }
  m = inv;
  return true;
}

}  // namespace

Result<MleResult> MaximizeLogLikelihood(const LogLikelihoodFn& ll, const std::vector<double>& start,
                                        double scale) {
  const size_t n = start.size();
  SearchState state{&ll, scale, 0, std::vector<double>(n), std::vector<double>(n), HUGE_VAL, {}};
  std::vector<double> y(n);
  for (size_t j = 0; j < n; ++j) y[j] = std::log(start[j]);
  double best = Search(NLOPT_LD_LBFGS, y, state);
  if (best == HUGE_VAL) {
    for (size_t j = 0; j < n; ++j) y[j] = std::log(start[j]);
    Search(NLOPT_LN_NELDERMEAD, y, state);
    best = Search(NLOPT_LD_LBFGS, y, state);
  }
  if (best == HUGE_VAL && state.best_value < HUGE_VAL) {
    y = state.best_y;
    best = state.best_value;
  }
  if (best == HUGE_VAL) {
    return Internal("maximum likelihood did not converge after " +
                    std::to_string(state.evaluations) + " evaluations");
  }
  MleResult result;
  result.evaluations = state.evaluations;
  result.theta.resize(n);
  for (size_t j = 0; j < n; ++j) result.theta[j] = std::exp(y[j]);
  result.log_likelihood = ll(result.theta.data(), nullptr);
  // Hessian of ll in theta by central differences of the analytic gradient.
  std::vector<double> hessian(n * n), plus(n), minus(n), theta = result.theta;
  for (size_t j = 0; j < n; ++j) {
    const double h = 1e-5 * theta[j];
    theta[j] = result.theta[j] + h;
    ll(theta.data(), plus.data());
    theta[j] = result.theta[j] - h;
    ll(theta.data(), minus.data());
    theta[j] = result.theta[j];
    for (size_t i = 0; i < n; ++i) hessian[i * n + j] = (plus[i] - minus[i]) / (2 * h);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      const double avg = 0.5 * (hessian[i * n + j] + hessian[j * n + i]);
      hessian[i * n + j] = hessian[j * n + i] = -avg;
    }
    hessian[i * n + i] = -hessian[i * n + i];
  }
  result.standard_errors.assign(n, 0);
  if (Invert(hessian, n)) {
    for (size_t i = 0; i < n; ++i) {
      if (hessian[i * n + i] > 0) result.standard_errors[i] = std::sqrt(hessian[i * n + i]);
    }
  }
  return result;
}

}  // namespace fw::analytics
