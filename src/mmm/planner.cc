// SPDX-License-Identifier: Apache-2.0
//
// planner.cc: plan curves with carry-over, bounds from options, and bootstrap intervals.
#include "flywheel/mmm/planner.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fw::mmm {
namespace {

// H_t and W_t of planner.h for one channel.
void PlanTerms(const ChannelDraw& d, const std::vector<double>& history, size_t periods,
               std::vector<double>* carry, std::vector<double>* build) {
  const std::vector<double> w = AdstockWeights(d.adstock);
  carry->assign(periods, 0.0);
  build->assign(periods, 0.0);
  const size_t h = history.size();
  for (size_t t = 0; t < periods; ++t) {
    for (size_t l = 0; l < w.size(); ++l) {
      if (l <= t) {
        (*build)[t] += w[l];
      } else if (l - t <= h) {
        (*carry)[t] += w[l] * history[h - (l - t)];
      }
    }
  }
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

}  // namespace

Status PlanOptions::Validate() const {
  if (!(budget > 0.0 && std::isfinite(budget))) {
    return InvalidArgument("--budget " + std::to_string(budget) + ", expected a number > 0");
  }
  if (periods < 1 || periods > 520) {
    return InvalidArgument("--periods " + std::to_string(periods) + ", expected 1..520");
  }
  for (const auto* m : {&min_per_period, &max_per_period, &fixed_per_period}) {
    for (const auto& [name, v] : *m) {
      if (!(v >= 0.0 && std::isfinite(v))) {
        return InvalidArgument("bound for channel '" + name + "' is " + std::to_string(v) +
                               ", expected a spend per period >= 0");
      }
    }
  }
  return OkStatus();
}

double PlanChannelOutcome(const ChannelDraw& draw, const std::vector<double>& history,
                          size_t periods, double x) {
  std::vector<double> carry, build;
  PlanTerms(draw, history, periods, &carry, &build);
  double f = 0.0;
  for (size_t t = 0; t < periods; ++t) f += Saturate(carry[t] + x * build[t], draw.saturation);
  return draw.beta * f;
}

Result<AllocationProblem> BuildPlanProblem(const MmmModel& model,
                                           const std::vector<ChannelDraw>& draws,
                                           const PlanOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  for (const auto* m : {&options.min_per_period, &options.max_per_period,
                        &options.fixed_per_period}) {
    for (const auto& [name, v] : *m) FW_RETURN_IF_ERROR(model.ChannelIndex(name).status());
  }
  const size_t n = model.channels.size();
  const double per_period = options.budget / static_cast<double>(options.periods);
  AllocationProblem p;
  p.total = per_period;
  p.concave = true;
  for (size_t c = 0; c < n; ++c) {
    const ChannelModel& ch = model.channels[c];
    const ChannelDraw& d = draws[c];
    double lo = 0.0, hi = per_period;
    if (auto it = options.min_per_period.find(ch.name); it != options.min_per_period.end()) {
      lo = it->second;
      hi = std::max(hi, lo);  // the default cap yields to an explicit minimum; the budget decides
    }
    if (auto it = options.max_per_period.find(ch.name); it != options.max_per_period.end()) {
      hi = it->second;
    }
    if (auto it = options.fixed_per_period.find(ch.name); it != options.fixed_per_period.end()) {
      lo = hi = it->second;
    }
    if (lo > hi) {
      return InvalidArgument("channel '" + ch.name + "': --min " + std::to_string(lo) +
                             " is above --max " + std::to_string(hi));
    }
    p.lo.push_back(lo);
    p.hi.push_back(hi);
    std::vector<double> carry, build;
    PlanTerms(d, options.carryover ? ch.recent_spend : std::vector<double>{}, options.periods,
              &carry, &build);
    const SaturationParams sat = d.saturation;
    const double beta = d.beta;
    p.value.push_back([carry, build, sat, beta](double x) {
      double f = 0.0;
      for (size_t t = 0; t < carry.size(); ++t) f += Saturate(carry[t] + x * build[t], sat);
      return beta * f;
    });
    p.derivative.push_back([carry, build, sat, beta](double x) {
      double g = 0.0;
      for (size_t t = 0; t < carry.size(); ++t) {
        g += SaturateDerivative(carry[t] + x * build[t], sat) * build[t];
      }
      return beta * g;
    });
    p.concave = p.concave && IsConcave(sat);
  }
  return p;
}

Result<PlanResult> PlanBudget(const MmmModel& model, const PlanOptions& options) {
  const size_t n = model.channels.size();
  std::vector<ChannelDraw> point(n);
  for (size_t c = 0; c < n; ++c) point[c] = PointDraw(model.channels[c]);
  FW_ASSIGN_OR_RETURN(AllocationProblem problem, BuildPlanProblem(model, point, options));
  Result<AllocationResult> solved = SolveAllocation(problem);
  if (!solved.ok()) {
    return solved.status().WithContext("budget " + std::to_string(options.budget) + " over " +
                                       std::to_string(options.periods) + " periods, per period");
  }
  const AllocationResult& sol = *solved;
  const double per_period = problem.total;
  const double horizon = static_cast<double>(options.periods);

  PlanResult r;
  r.periods = options.periods;
  r.budget = options.budget;
  r.method = sol.method;
  r.forced = sol.forced;
  r.expected_outcome = sol.objective;
  r.shadow_price = sol.shadow_price / horizon;
  // The current split: shares of the last N periods of kept history.
  std::vector<double> recent(n, 0.0);
  for (size_t c = 0; c < n; ++c) {
    const auto& h = model.channels[c].recent_spend;
    const size_t k = std::min(h.size(), options.periods);
    recent[c] = std::accumulate(h.end() - static_cast<ptrdiff_t>(k), h.end(), 0.0);
  }
  const double recent_total = std::accumulate(recent.begin(), recent.end(), 0.0);
  double max_change = 0.0;
  for (size_t c = 0; c < n; ++c) {
    ChannelPlan cp;
    cp.name = model.channels[c].name;
    cp.allocation = sol.x[c];
    cp.current = recent_total > 0.0 ? per_period * recent[c] / recent_total
                                    : per_period / static_cast<double>(n);
    cp.expected = problem.value[c](sol.x[c]);
    cp.marginal_roas = problem.derivative[c](sol.x[c]) / horizon;
    cp.bound = sol.bounds[c];
    r.current_outcome += problem.value[c](cp.current);
    r.carryover_outcome += problem.value[c](0.0);
    max_change = std::max(max_change, std::abs(cp.allocation - cp.current) / per_period);
    r.channels.push_back(cp);
  }
  if (sol.forced) {
    r.message = "the bounds leave exactly one feasible allocation (every channel at its " +
                std::string(sol.x == problem.lo ? "minimum" : "maximum") +
                "); nothing was optimised";
  } else if (max_change < 1e-3) {
    r.message = "the current split is already optimal under the model (within 0.1% of budget)";
  } else if (!std::isfinite(r.shadow_price)) {
    r.message = "every channel sits on a bound, so the budget's shadow price is not pinned";
  }

  // Intervals: re-solve under each bootstrap draw of the channel curves.
  size_t num_draws = model.channels.front().draws.size();
  for (const auto& ch : model.channels) num_draws = std::min(num_draws, ch.draws.size());
  if (options.use_draws && num_draws >= 2) {
    std::vector<std::vector<double>> alloc(n);
    std::vector<double> expected;
    for (size_t k = 0; k < num_draws; ++k) {
      std::vector<ChannelDraw> draw(n);
      for (size_t c = 0; c < n; ++c) draw[c] = model.channels[c].draws[k];
      FW_ASSIGN_OR_RETURN(AllocationProblem pk, BuildPlanProblem(model, draw, options));
      FW_ASSIGN_OR_RETURN(AllocationResult sk, SolveAllocation(pk));
      for (size_t c = 0; c < n; ++c) alloc[c].push_back(sk.x[c]);
      expected.push_back(sk.objective);
    }
    for (size_t c = 0; c < n; ++c) r.channels[c].allocation_ci = MakeInterval(alloc[c]);
    r.expected_ci = MakeInterval(expected);
    r.num_draws = num_draws;
  }
  return r;
}

}  // namespace fw::mmm
