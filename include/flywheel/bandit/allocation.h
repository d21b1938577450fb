// SPDX-License-Identifier: Apache-2.0
//
// allocation.h: splits the next period's budget across channels from their history of spend and
// conversions, by Thompson probability matching on conversions per unit of spend.
//
// Model: each channel's conversion rate per unit spend has a Gamma(1 + conversions,
// 1 / pooled_rate + spend) posterior (Gamma-Poisson, with one pseudo-conversion at the pooled
// rate of all channels, so a channel with no history starts at the average). The share of a
// channel is the posterior probability that it has the best rate (Monte Carlo), raised to an
// exploration floor, then the money is fitted to each channel's [min, max] by water-filling:
// cells that hit a bound are fixed there and the rest is re-split in proportion to the shares.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/bandit/policy.h"
#include "flywheel/core/result.h"

namespace fw::bandit {

struct AllocationCell {
  std::string name;          // channel (or channel x segment)
  double spend = 0.0;        // historical spend (>= 0)
  double conversions = 0.0;  // historical conversions credited to it (>= 0)
  double min = 0.0;          // minimum amount next period
  double max = kUnlimited;   // maximum amount next period
};

struct AllocateOptions {
  double budget = 0.0;    // the next period's budget (> 0)
  double floor = 0.05;    // minimum share of a channel before min/max (exploration), [0, 1/cells]
  int draws = 20000;      // Monte Carlo draws for P(best) and the intervals
  uint64_t seed = 1;

  Status Validate(size_t num_cells) const;
};

struct AllocationLine {
  std::string name;
  double prob_best = 0.0;       // posterior probability of the best rate
  double share = 0.0;           // of the budget
  double amount = 0.0;
  double rate = 0.0;            // posterior mean conversions per unit spend
  double expected = 0.0;        // expected conversions of `amount`: mean and 95% interval
  double expected_lo = 0.0;
  double expected_hi = 0.0;
  std::string binding;          // "min", "max", "floor" or "" (none)
};

struct Allocation {
  std::vector<AllocationLine> lines;
  double expected = 0.0;        // total expected conversions: mean and 95% interval
  double expected_lo = 0.0;
  double expected_hi = 0.0;
};

// kInvalidArgument naming the cell for bad history (negative spend, min > max, ...);
// kFailedPrecondition, with the sums, when the mins exceed the budget or the maxes cannot
// absorb it (never a silent fallback).
Result<Allocation> Allocate(const std::vector<AllocationCell>& cells, const AllocateOptions& options);

}  // namespace fw::bandit
