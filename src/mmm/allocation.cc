// SPDX-License-Identifier: Apache-2.0
//
// allocation.cc: water-filling for concave curves, grid DP + SLSQP otherwise.
#include "flywheel/mmm/allocation.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace fw::mmm {
namespace {

constexpr size_t kGridSteps = 400;

// The spend in [lo, hi] where the non-increasing derivative crosses mu.
double SpendAtPrice(const AllocationProblem& p, size_t c, double mu) {
  double a = p.lo[c], b = p.hi[c];
  if (a == b || p.derivative[c](a) <= mu) return a;
  if (p.derivative[c](b) >= mu) return b;
  for (int it = 0; it < 200 && b - a > 1e-15 * std::max(1e-300, std::abs(b)); ++it) {
    const double m = 0.5 * (a + b);
    if (p.derivative[c](m) > mu) {
      a = m;
    } else {
      b = m;
    }
  }
  return 0.5 * (a + b);
}

double TotalAtPrice(const AllocationProblem& p, double mu, std::vector<double>* x) {
  double sum = 0.0;
  for (size_t c = 0; c < p.lo.size(); ++c) {
    (*x)[c] = SpendAtPrice(p, c, mu);
    sum += (*x)[c];
  }
  return sum;
}

// Puts any rounding residual of the budget on channels with room, so sum x == total exactly
// up to floating point; the residual is ~1e-12 relative after the bisections.
void Rebalance(const AllocationProblem& p, std::vector<double>* x) {
  double residual = p.total - std::accumulate(x->begin(), x->end(), 0.0);
  for (size_t c = 0; c < x->size() && std::abs(residual) > 0.0; ++c) {
    const double room = residual > 0 ? p.hi[c] - (*x)[c] : (*x)[c] - p.lo[c];
    const double step = std::copysign(std::min(room, std::abs(residual)), residual);
    (*x)[c] += step;
    residual -= step;
  }
}

AllocationResult WaterFill(const AllocationProblem& p) {
  const size_t n = p.lo.size();
  AllocationResult r;
  r.method = "water-filling";
  r.x.assign(n, 0.0);
  // Bracket mu: at mu_lo every channel is at its max (total >= budget), at mu_hi at its min.
  double mu_lo = std::numeric_limits<double>::max(), mu_hi = 0.0;
  for (size_t c = 0; c < n; ++c) {
    mu_lo = std::min(mu_lo, p.derivative[c](p.hi[c]));
    mu_hi = std::max(mu_hi, p.derivative[c](p.lo[c]));
  }
  mu_lo = std::max(mu_lo * 0.5, 1e-300);
  mu_hi = std::max(mu_hi * 2.0, mu_lo * 4.0);
  // A derivative that overflows would make the bracket useless; keep both ends finite.
  if (!std::isfinite(mu_hi)) mu_hi = std::numeric_limits<double>::max() / 4;
  if (!std::isfinite(mu_lo) || mu_lo >= mu_hi) mu_lo = 1e-300;
  // Bisect in log space while the bracket spans decades, then linearly: about 60 + 55 steps of
  // C inner solves each, which keeps a 6-channel, 13-period plan to a few milliseconds.
  for (int it = 0; it < 400; ++it) {
    const bool wide = mu_hi > 1.001 * mu_lo;
    const double mid = wide ? std::sqrt(mu_lo * mu_hi) : 0.5 * (mu_lo + mu_hi);
    if (TotalAtPrice(p, mid, &r.x) > p.total) {
      mu_lo = mid;
    } else {
      mu_hi = mid;
    }
    if (mu_hi - mu_lo <= 1e-15 * mu_hi) break;
  }
  const double mu = 0.5 * (mu_lo + mu_hi);
  TotalAtPrice(p, mu, &r.x);
  Rebalance(p, &r.x);
  r.shadow_price = mu;
  return r;
}

struct SlsqpData {
  const AllocationProblem* p;
  double scale;  // objective scale, so SLSQP sees O(1) numbers
};

double SlsqpObjective(unsigned n, const double* x, double* grad, void* data) {
  const auto* d = static_cast<SlsqpData*>(data);
  double f = 0.0;
  for (unsigned c = 0; c < n; ++c) {
    f += d->p->value[c](x[c]);
    if (grad) grad[c] = -d->p->derivative[c](x[c]) / d->scale;
  }
  return -f / d->scale;
}

double SumConstraint(unsigned n, const double* x, double* grad, void* data) {
  const auto* p = static_cast<const AllocationProblem*>(data);
  double s = 0.0;
  for (unsigned c = 0; c < n; ++c) {
    s += x[c];
    if (grad) grad[c] = 1.0;
  }
  return s - p->total;
}

AllocationResult GridThenSlsqp(const AllocationProblem& p) {
  const size_t n = p.lo.size();
  const double lo_sum = std::accumulate(p.lo.begin(), p.lo.end(), 0.0);
  const double step = (p.total - lo_sum) / static_cast<double>(kGridSteps);
  // best[g] = the best value of the channels so far using g steps; choice[c][g] = steps of c.
  const double kNeg = -std::numeric_limits<double>::infinity();
  std::vector<double> best(kGridSteps + 1, kNeg), next(kGridSteps + 1);
  std::vector<std::vector<size_t>> choice(n, std::vector<size_t>(kGridSteps + 1, 0));
  best[0] = 0.0;
  for (size_t c = 0; c < n; ++c) {
    const auto max_k = static_cast<size_t>(
        std::min<double>(kGridSteps, std::floor((p.hi[c] - p.lo[c]) / step + 1e-9)));
    std::vector<double> v(max_k + 1);
    for (size_t k = 0; k <= max_k; ++k) v[k] = p.value[c](p.lo[c] + static_cast<double>(k) * step);
    std::fill(next.begin(), next.end(), kNeg);
    for (size_t g = 0; g <= kGridSteps; ++g) {
      if (best[g] == kNeg) continue;
      for (size_t k = 0; k <= max_k && g + k <= kGridSteps; ++k) {
        if (best[g] + v[k] > next[g + k]) {
          next[g + k] = best[g] + v[k];
          choice[c][g + k] = k;
        }
      }
    }
    best.swap(next);
  }
  std::vector<double> x(n);
  size_t g = kGridSteps;
  for (size_t c = n; c-- > 0;) {
    const size_t k = choice[c][g];
    x[c] = p.lo[c] + static_cast<double>(k) * step;
    g -= k;
  }
  AllocationResult r;
  r.method = "grid-dp+slsqp";
  r.x = x;
  Rebalance(p, &r.x);
  double grid_value = 0.0;
  for (size_t c = 0; c < n; ++c) grid_value += p.value[c](r.x[c]);
  SlsqpData data{&p, std::max(std::abs(grid_value), 1e-12)};
  nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, static_cast<unsigned>(n));
  nlopt_set_lower_bounds(opt, p.lo.data());
  nlopt_set_upper_bounds(opt, p.hi.data());
  nlopt_set_min_objective(opt, SlsqpObjective, &data);
  nlopt_add_equality_constraint(opt, SumConstraint, const_cast<AllocationProblem*>(&p),
                                1e-10 * std::max(1.0, p.total));
  nlopt_set_xtol_rel(opt, 1e-12);
  nlopt_set_maxeval(opt, 2000);
  std::vector<double> y = r.x;
  double f = 0.0;
  const nlopt_result rc = nlopt_optimize(opt, y.data(), &f);
  nlopt_destroy(opt);
  if (rc > 0) {
    for (size_t c = 0; c < n; ++c) y[c] = std::clamp(y[c], p.lo[c], p.hi[c]);
    Rebalance(p, &y);
    double polished = 0.0;
    for (size_t c = 0; c < n; ++c) polished += p.value[c](y[c]);
    if (polished >= grid_value) r.x = y;
  }
  r.shadow_price = NAN;  // filled from the free channels by the caller
  return r;
}

}  // namespace

std::string BoundStateName(BoundState state) {
  switch (state) {
    case BoundState::kFree:
      return "none";
    case BoundState::kAtMin:
      return "min";
    case BoundState::kAtMax:
      return "max";
    case BoundState::kFixed:
      return "fixed";
  }
  return "none";
}

Status AllocationProblem::Validate() const {
  const size_t n = lo.size();
  if (n == 0) return InvalidArgument("allocation needs at least one channel");
  if (hi.size() != n || value.size() != n || derivative.size() != n) {
    return InvalidArgument("allocation: bounds and curves differ in length");
  }
  for (size_t c = 0; c < n; ++c) {
    if (!(lo[c] >= 0.0 && hi[c] >= lo[c] && std::isfinite(hi[c]))) {
      return InvalidArgument("allocation: channel " + std::to_string(c) + " bounds [" +
                             std::to_string(lo[c]) + ", " + std::to_string(hi[c]) +
                             "], expected 0 <= min <= max < inf");
    }
  }
  if (!(total >= 0.0 && std::isfinite(total))) {
    return InvalidArgument("allocation: budget " + std::to_string(total) + ", expected >= 0");
  }
  return OkStatus();
}

Result<AllocationResult> SolveAllocation(const AllocationProblem& p) {
  FW_RETURN_IF_ERROR(p.Validate());
  const size_t n = p.lo.size();
  const double lo_sum = std::accumulate(p.lo.begin(), p.lo.end(), 0.0);
  const double hi_sum = std::accumulate(p.hi.begin(), p.hi.end(), 0.0);
  const double tol = 1e-9 * std::max({1.0, p.total, hi_sum});
  if (lo_sum > p.total + tol) {
    return FailedPrecondition("infeasible: the budget " + std::to_string(p.total) +
                              " is below the sum of the channel minimums " +
                              std::to_string(lo_sum) + "; lower --min or raise --budget");
  }
  if (hi_sum < p.total - tol) {
    return FailedPrecondition("infeasible: the budget " + std::to_string(p.total) +
                              " exceeds the sum of the channel maximums " +
                              std::to_string(hi_sum) + "; raise --max or lower --budget");
  }
  AllocationResult r;
  if (lo_sum >= p.total - tol || hi_sum <= p.total + tol) {
    r.x = lo_sum >= p.total - tol ? p.lo : p.hi;
    r.forced = true;
    r.method = "forced";
    r.shadow_price = NAN;
  } else if (p.concave) {
    r = WaterFill(p);
  } else {
    r = GridThenSlsqp(p);
  }
  r.objective = 0.0;
  r.bounds.assign(n, BoundState::kFree);
  double mu_sum = 0.0;
  size_t num_free = 0;
  for (size_t c = 0; c < n; ++c) {
    r.objective += p.value[c](r.x[c]);
    const double scale = 1e-7 * std::max(1.0, p.hi[c]);
    if (p.hi[c] - p.lo[c] <= scale) {
      r.bounds[c] = BoundState::kFixed;
    } else if (r.x[c] <= p.lo[c] + scale) {
      r.bounds[c] = BoundState::kAtMin;
    } else if (r.x[c] >= p.hi[c] - scale) {
      r.bounds[c] = BoundState::kAtMax;
    } else {
      mu_sum += p.derivative[c](r.x[c]);
      ++num_free;
    }
  }
  // With no free channel the multiplier is only bracketed, not pinned: report it as unknown.
  if (num_free == 0) {
    r.shadow_price = NAN;
  } else if (r.method != "water-filling") {
    r.shadow_price = mu_sum / static_cast<double>(num_free);
  }
  return r;
}

}  // namespace fw::mmm
