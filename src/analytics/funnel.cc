// SPDX-License-Identifier: Apache-2.0
//
// funnel.cc: the funnel kernel.
//
// Per user, events are first folded into instants (time, mask of steps present). Steps are
// distinct names, so one event fills at most one step, and same-instant events may be taken in
// any order: within an instant a chain advances through every consecutive step present.
//   1. The furthest step M comes from an O(instants) dynamic programme that keeps, per step,
//      the latest start of a chain reaching it (a later start leaves more window), as in
//      ClickHouse's windowFunnel, extended to unordered instants.
//   2. The counted attempt is the earliest entry from which M is reached; a forward scan from
//      each entry (in time order) finds it and the earliest time each step is reached.
#include "flywheel/analytics/funnel.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>

#include "flywheel/core/time.h"
#include "user_chunks.h"

namespace fw::analytics {
namespace {

constexpr int64_t kNone = INT64_MIN;

struct Instant {
  int64_t time_us;
  uint32_t mask;  // bit j: an event of step j occurs at this instant
};

struct FunnelCounts {
  std::vector<uint64_t> reached;       // [group][step]: users with furthest step >= step
  std::vector<uint64_t> in_progress;   // [group][step]: open users whose furthest step == step
  std::vector<std::vector<double>> step_seconds;  // [group * k + step]: T_j - T_(j-1)
};

bool Has(uint32_t mask, size_t step) { return (mask >> step) & 1U; }

// Furthest step count (0..k) for ordered or strict order.
size_t FurthestChained(const std::vector<Instant>& instants, size_t k, int64_t window_us,
                       bool strict, std::vector<int64_t>& state, std::vector<int64_t>& next) {
  state.assign(k, kNone);  // ordered: latest start reaching j; strict: ... at the previous instant
  size_t furthest = 0;
  for (const Instant& instant : instants) {
    const int64_t t = instant.time_us;
    if (strict) next.assign(k, kNone);
    std::vector<int64_t>& out = strict ? next : state;
    for (size_t j = 0; j < k; ++j) {
      if (!Has(instant.mask, j)) continue;
      int64_t start = kNone;
      if (j == 0) {
        start = t;
      } else {
        // A chain at step j-1 reached earlier in this instant (out) or, for ordered, at any
        // earlier instant; for strict, at the previous instant only (state).
        start = std::max(out[j - 1], state[j - 1]);
        if (start != kNone && t - start > window_us) start = kNone;
      }
      if (start != kNone) {
        out[j] = std::max(out[j], start);
        furthest = std::max(furthest, j + 1);
      }
    }
    if (strict) state.swap(next);
  }
  return furthest;
}

// Furthest count of distinct steps inside any window [t, t + W] that starts at a step event.
size_t FurthestAnyOrder(const std::vector<Instant>& instants, size_t k, int64_t window_us,
                        std::vector<uint32_t>& counts) {
  counts.assign(k, 0);
  size_t distinct = 0;
  size_t furthest = 0;
  size_t right = 0;
  for (size_t left = 0; left < instants.size(); ++left) {
    if (instants[left].mask == 0) continue;
    while (right < instants.size() && instants[right].time_us - instants[left].time_us <= window_us) {
      for (uint32_t m = instants[right].mask; m != 0; m &= m - 1) {
        if (counts[static_cast<size_t>(std::countr_zero(m))]++ == 0) ++distinct;
      }
      ++right;
    }
    furthest = std::max(furthest, distinct);
    for (uint32_t m = instants[left].mask; m != 0; m &= m - 1) {
      if (--counts[static_cast<size_t>(std::countr_zero(m))] == 0) --distinct;
    }
  }
  return furthest;
}

// From the entry at instants[entry], the earliest time each step is reached; returns the number
// of steps reached and fills times[0..reached).
size_t ScanAttempt(const std::vector<Instant>& instants, size_t entry, size_t k,
                   int64_t window_us, FunnelOrder order, std::vector<int64_t>& times) {
  const int64_t t1 = instants[entry].time_us;
  size_t reached = 0;
  uint32_t seen = 0;        // any: steps seen; strict: steps reached at the previous instant
  for (size_t i = entry; i < instants.size() && instants[i].time_us - t1 <= window_us; ++i) {
    const uint32_t mask = instants[i].mask;
    const int64_t t = instants[i].time_us;
    if (order == FunnelOrder::kOrdered) {
      while (reached < k && Has(mask, reached)) times[reached++] = t;
      if (reached == k) break;
    } else if (order == FunnelOrder::kAny) {
      seen |= mask;
      while (reached < static_cast<size_t>(std::popcount(seen))) times[reached++] = t;
      if (reached == k) break;
    } else {
      uint32_t now = 0;
      for (size_t j = 0; j < k; ++j) {
        if (!Has(mask, j)) continue;
        bool chained = (j == 0) ? (i == entry) : (Has(now, j - 1) || Has(seen, j - 1));
        if (!chained) continue;
        now |= 1U << j;
        if (j + 1 > reached) {
          for (size_t s = reached; s <= j; ++s) times[s] = t;  // first reach of step j is now
          reached = j + 1;
        }
      }
      if (now == 0 || reached == k) break;  // no chain alive: nothing later can extend it
      seen = now;
    }
  }
  return reached;
}

}  // namespace

Result<FunnelOrder> ParseFunnelOrder(std::string_view text) {
  if (text == "ordered") return FunnelOrder::kOrdered;
  if (text == "strict") return FunnelOrder::kStrict;
  if (text == "any") return FunnelOrder::kAny;
  return InvalidArgument("--order '" + std::string(text) + "' is not one of ordered, strict, any");
}

std::string_view FunnelOrderName(FunnelOrder order) {
  switch (order) {
    case FunnelOrder::kOrdered: return "ordered";
    case FunnelOrder::kStrict: return "strict";
    case FunnelOrder::kAny: return "any";
  }
  return "ordered";
}

Status FunnelDefinition::Validate() const {
  if (steps.size() < 2) {
    return InvalidArgument("a funnel needs at least 2 steps, got " + std::to_string(steps.size()));
  }
  if (steps.size() > kMaxFunnelSteps) {
    return InvalidArgument("a funnel has at most 32 steps, got " + std::to_string(steps.size()));
  }
  std::set<std::string> seen;
  for (const std::string& step : steps) {
    if (!seen.insert(step).second) {
      return InvalidArgument("funnel step '" + step + "' is repeated; steps must be distinct");
    }
  }
  if (window_us <= 0) {
    return InvalidArgument("--window must be greater than 0, got " + std::to_string(window_us) +
                           " us");
  }
  return OkStatus();
}

double Quantile(std::vector<double>& values, double q) {
  const double h = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double low = values[lo];
  if (lo + 1 >= values.size()) return low;
  const double high = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1,
                                        values.end());
  return low + (h - static_cast<double>(lo)) * (high - low);
}

void DeriveStepConversions(std::vector<FunnelStep>& steps, size_t j) {
  FunnelStep& step = steps[j];
  if (j == 0) {
    if (step.users > 0) step.conversion_from_first = 1.0;
    return;
  }
  const uint64_t previous_users = steps[j - 1].users;
  const uint64_t first_users = steps[0].users;
  if (previous_users > 0) {
    step.conversion_from_previous =
        static_cast<double>(step.users) / static_cast<double>(previous_users);
  }
  if (first_users > 0) {
    step.conversion_from_first = static_cast<double>(step.users) / static_cast<double>(first_users);
  }
}

Result<FunnelResult> ComputeFunnel(const store::EventFrame& frame,
                                   const FunnelDefinition& definition, const UserGroups& groups,
                                   ThreadPool* pool) {
  FW_RETURN_IF_ERROR(definition.Validate());
  if (frame.num_events() == 0) {
    return FailedPrecondition("the events table is empty: ingest events first");
  }
  FW_RETURN_IF_ERROR(groups.Validate(frame.num_users()));
  const size_t k = definition.steps.size();
  std::vector<int8_t> step_of_code(frame.events.size(), -1);
  for (size_t j = 0; j < k; ++j) {
    FW_ASSIGN_OR_RETURN(uint32_t code, FindEventCode(frame, definition.steps[j]));
    step_of_code[code] = static_cast<int8_t>(j);
  }
  const size_t num_groups = groups.num_groups();
  const int64_t data_end_us = definition.as_of_us.value_or(frame.max_time_us);
  const int64_t window_us = definition.window_us;
  const FunnelOrder order = definition.order;

  auto count_users = [&](size_t user_begin, size_t user_end, FunnelCounts& counts) {
    counts.reached.assign(num_groups * k, 0);
    counts.in_progress.assign(num_groups * k, 0);
    counts.step_seconds.assign(num_groups * k, {});
    std::vector<Instant> instants;
    std::vector<int64_t> state, next, times(k);
    std::vector<uint32_t> any_counts;
    for (size_t u = user_begin; u < user_end; ++u) {
      instants.clear();
      int64_t latest_entry = kNone;
      for (size_t r = frame.UserBegin(u); r < frame.UserEnd(u); ++r) {
        const int64_t t = frame.time_us[r];
        if (instants.empty() || instants.back().time_us != t) instants.push_back({t, 0});
        const int8_t step = step_of_code[frame.event[r]];
        if (step < 0) continue;
        instants.back().mask |= 1U << step;
        if (step == 0 || order == FunnelOrder::kAny) latest_entry = t;
      }
      if (latest_entry == kNone) continue;  // never entered the funnel
      const size_t furthest =
          order == FunnelOrder::kAny
              ? FurthestAnyOrder(instants, k, window_us, any_counts)
              : FurthestChained(instants, k, window_us, order == FunnelOrder::kStrict, state,
                                next);
      const size_t g = groups.GroupOf(u);
      for (size_t j = 0; j < furthest; ++j) ++counts.reached[g * k + j];
      if (furthest < k && latest_entry + window_us > data_end_us) {
        ++counts.in_progress[g * k + furthest - 1];
      }
      // The counted attempt: the earliest entry that reaches `furthest`.
      for (size_t i = 0; i < instants.size(); ++i) {
        const uint32_t entry_mask = order == FunnelOrder::kAny ? ~0U : 1U;
        if ((instants[i].mask & entry_mask) == 0) continue;
        if (ScanAttempt(instants, i, k, window_us, order, times) < furthest) continue;
        for (size_t j = 1; j < furthest; ++j) {
          counts.step_seconds[g * k + j].push_back(
              static_cast<double>(times[j] - times[j - 1]) / kMicrosPerSecond);
        }
        break;
      }
    }
  };
  std::vector<FunnelCounts> chunks =
      RunUserChunks<FunnelCounts>(frame.num_users(), pool, count_users);

  FunnelResult result;
  result.data_end_us = data_end_us;
  for (size_t g = 0; g < num_groups; ++g) {
    FunnelTable table;
    table.group = groups.group_of_user.empty() ? "all" : groups.names[g];
    std::vector<uint64_t> open_at(k, 0);  // not finished, window open, furthest step == j
    for (size_t j = 0; j < k; ++j) {
      FunnelStep step;
      step.event = definition.steps[j];
      std::vector<double> seconds;
      for (const FunnelCounts& chunk : chunks) {
        step.users += chunk.reached[g * k + j];
        open_at[j] += chunk.in_progress[g * k + j];
        const auto& part = chunk.step_seconds[g * k + j];
        seconds.insert(seconds.end(), part.begin(), part.end());
      }
      table.in_progress += open_at[j];
      table.steps.push_back(std::move(step));
      DeriveStepConversions(table.steps, j);
      FunnelStep& added = table.steps.back();
      if (j > 0) {
        const uint64_t previous_users = table.steps[j - 1].users;
        // Users who stopped at step j-1 with an open window are in progress, not dropped.
        added.in_progress = open_at[j - 1];
        added.dropped = previous_users - added.users - added.in_progress;
        if (!seconds.empty()) {
          added.median_seconds = Quantile(seconds, 0.5);
          added.p90_seconds = Quantile(seconds, 0.9);
        }
      }
    }
    result.groups.push_back(std::move(table));
  }
  return result;
}

}  // namespace fw::analytics
