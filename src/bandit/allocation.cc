// SPDX-License-Identifier: Apache-2.0
//
// allocation.cc: Thompson probability matching with an exploration floor and min/max
// water-filling (see allocation.h).
#include "flywheel/bandit/allocation.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace fw::bandit {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

}  // namespace

Status AllocateOptions::Validate(size_t num_cells) const {
  if (!(budget > 0.0) || !std::isfinite(budget)) {
    return InvalidArgument("--budget " + Num(budget) + ": expected a budget > 0");
  }
  if (!(floor >= 0.0) || floor * static_cast<double>(num_cells) > 1.0 + 1e-12) {
    return InvalidArgument("--floor " + Num(floor) + ": expected in [0, 1/" +
                           std::to_string(num_cells) + "] for " + std::to_string(num_cells) +
                           " channels");
  }
  if (draws < 100) return InvalidArgument("--draws must be >= 100");
  return OkStatus();
}

Result<Allocation> Allocate(const std::vector<AllocationCell>& cells,
                            const AllocateOptions& options) {
  const size_t k = cells.size();
  if (k == 0) return InvalidArgument("allocate: no channels with spend history");
  FW_RETURN_IF_ERROR(options.Validate(k));
  std::set<std::string> names;
  double total_spend = 0.0, total_conv = 0.0, sum_min = 0.0, sum_max = 0.0;
  for (const auto& c : cells) {
    if (!names.insert(c.name).second) return InvalidArgument("allocate: channel '" + c.name + "' twice");
    if (!(c.spend >= 0.0) || !std::isfinite(c.spend)) {
      return InvalidArgument("allocate: channel '" + c.name + "' spend " + Num(c.spend) + " is not >= 0");
    }
    if (!(c.conversions >= 0.0) || !std::isfinite(c.conversions)) {
      return InvalidArgument("allocate: channel '" + c.name + "' conversions " + Num(c.conversions) +
                             " is not >= 0");
    }
    if (!(c.min >= 0.0) || !(c.max >= c.min)) {
      return InvalidArgument("allocate: channel '" + c.name + "' has min " + Num(c.min) + " and max " +
                             Num(c.max) + "; expected 0 <= min <= max");
    }
    total_spend += c.spend;
    total_conv += c.conversions;
    sum_min += c.min;
    sum_max += c.max;
  }
  if (sum_min > options.budget * (1 + 1e-12)) {
    return FailedPrecondition("allocate: the minimums add up to " + Num(sum_min) +
                              ", more than the budget " + Num(options.budget) +
                              "; lower a --min or raise --budget");
  }
  if (sum_max < options.budget * (1 - 1e-12)) {
    return FailedPrecondition("allocate: the maximums add up to " + Num(sum_max) +
                              ", less than the budget " + Num(options.budget) +
                              "; raise a --max or lower --budget");
  }
  // Prior: one pseudo-conversion at the pooled rate (a tiny rate when nothing converted yet).
  const double pooled = total_spend > 0 ? std::max(total_conv, 1.0) / total_spend : 1.0;
  std::vector<double> shape(k), rate(k);
  for (size_t c = 0; c < k; ++c) {
    shape[c] = 1.0 + cells[c].conversions;
    rate[c] = 1.0 / pooled + cells[c].spend;
  }
  Rng rng(options.seed);
  std::vector<std::vector<double>> draws(k, std::vector<double>(options.draws));
  std::vector<double> p_best(k, 0.0);
  for (int d = 0; d < options.draws; ++d) {
    size_t best = 0;
    for (size_t c = 0; c < k; ++c) {
      draws[c][d] = rng.Gamma(shape[c]) / rate[c];
      if (draws[c][d] > draws[best][d]) best = c;
    }
    p_best[best] += 1.0 / options.draws;
  }
  // Exploration floor, then normalise.
  std::vector<double> w(k);
  std::vector<uint8_t> floored(k, 0);
  double wsum = 0.0;
  for (size_t c = 0; c < k; ++c) {
    floored[c] = p_best[c] < options.floor;
    w[c] = std::max(p_best[c], options.floor);
    wsum += w[c];
  }
  for (double& x : w) x /= wsum;
  // Water-filling into [min, max]: fix the cells whose proportional amount breaks a bound, and
  // re-split the rest; at most k rounds, since each round fixes at least one cell or ends.
  std::vector<double> amount(k, 0.0);
  std::vector<uint8_t> fixed(k, 0);
  std::vector<std::string> binding(k);
  for (size_t round = 0; round <= k; ++round) {
    double left = options.budget, free_w = 0.0;
    for (size_t c = 0; c < k; ++c) {
      if (fixed[c]) left -= amount[c];
      else free_w += w[c];
    }
    bool changed = false;
    for (size_t c = 0; c < k; ++c) {
      if (fixed[c]) continue;
      const double a = free_w > 0 ? left * w[c] / free_w : left / static_cast<double>(k);
      if (a < cells[c].min) {
        amount[c] = cells[c].min, fixed[c] = 1, binding[c] = "min", changed = true;
      } else if (a > cells[c].max) {
        amount[c] = cells[c].max, fixed[c] = 1, binding[c] = "max", changed = true;
      } else {
        amount[c] = a;
      }
    }
    if (!changed) break;
  }
  Allocation out;
  std::vector<double> total_draws(options.draws, 0.0);
  for (size_t c = 0; c < k; ++c) {
    AllocationLine line;
    line.name = cells[c].name;
    line.prob_best = p_best[c];
    line.amount = amount[c];
    line.share = amount[c] / options.budget;
    line.rate = shape[c] / rate[c];
    line.expected = amount[c] * line.rate;
    std::vector<double> e(options.draws);
    for (int d = 0; d < options.draws; ++d) {
      e[d] = amount[c] * draws[c][d];
      total_draws[d] += e[d];
    }
    std::sort(e.begin(), e.end());
    line.expected_lo = e[static_cast<size_t>(0.025 * (options.draws - 1))];
    line.expected_hi = e[static_cast<size_t>(0.975 * (options.draws - 1))];
    line.binding = !binding[c].empty() ? binding[c] : (floored[c] && options.floor > 0 ? "floor" : "");
    out.expected += line.expected;
    out.lines.push_back(line);
  }
  std::sort(total_draws.begin(), total_draws.end());
  out.expected_lo = total_draws[static_cast<size_t>(0.025 * (options.draws - 1))];
  out.expected_hi = total_draws[static_cast<size_t>(0.975 * (options.draws - 1))];
  return out;
}

}  // namespace fw::bandit
