// SPDX-License-Identifier: Apache-2.0
//
// lifecycle.h: PostHog-style lifecycle (new / returning / resurrecting / dormant users per
// period) and stickiness (DAU, WAU, MAU, DAU/MAU per day). Definitions: docs/metrics.md.
//
// Both kernels reduce each user to the sorted list of periods (days) they were active in, then
// add that user's contribution; counts are integers, so results do not depend on chunking.
//
// Thread safety: pure functions over an immutable frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flywheel/analytics/breakdown.h"
#include "flywheel/analytics/period.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/event_frame.h"

namespace fw::analytics {

struct LifecycleDefinition {
  Period period = Period::kWeek;    // lifecycle granularity; weeks start Monday (UTC)
  std::string event;                // activity event; empty = any event
  std::optional<int64_t> as_of_us;  // end of data for "incomplete"; default: the last event
};

struct LifecyclePeriod {
  int64_t period_index = 0;
  int64_t start_day = 0;  // first day of the period, days since 1970-01-01
  uint64_t new_users = 0;
  uint64_t returning = 0;
  uint64_t resurrecting = 0;
  uint64_t dormant = 0;     // active in the previous period, not in this one (a positive count)
  bool incomplete = false;  // the period has not fully elapsed
};

struct LifecycleTable {
  std::string group;  // "all" without a breakdown
  std::vector<LifecyclePeriod> periods;  // every period from the first to the last of the data
};

// Computes lifecycle counts. Errors: kNotFound (unknown event), kFailedPrecondition (empty frame
// or no activity event). Cost: O(events).
Result<std::vector<LifecycleTable>> ComputeLifecycle(const store::EventFrame& frame,
                                                     const LifecycleDefinition& definition,
                                                     const UserGroups& groups = {},
                                                     ThreadPool* pool = nullptr);

struct StickinessDay {
  int64_t day = 0;  // days since 1970-01-01
  uint64_t dau = 0;
  uint64_t wau = 0;  // active in [day-6, day]
  uint64_t mau = 0;  // active in [day-29, day]
  std::optional<double> dau_over_mau;  // null when mau is 0
  bool wau_partial = false;  // fewer than 7 days of data up to `day`
  bool mau_partial = false;  // fewer than 30 days of data up to `day`
  bool incomplete = false;   // the day has not fully elapsed by the end of the data
};

// DAU/WAU/MAU per UTC day of the data, for activity `event` (empty = any). Errors as
// ComputeLifecycle. Cost: O(events + days).
Result<std::vector<StickinessDay>> ComputeStickiness(const store::EventFrame& frame,
                                                     const std::string& event,
                                                     ThreadPool* pool = nullptr);

}  // namespace fw::analytics
