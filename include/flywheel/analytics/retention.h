// SPDX-License-Identifier: Apache-2.0
//
// retention.h: cohort retention over the EventFrame (docs/metrics.md, "Retention").
//
// RetentionDefinition is the metric definition: the one value both this kernel and a SQL
// generator take. ComputeRetention makes one pass per user, in parallel over fixed user chunks,
// and sums integer counts, so the result is identical for any thread count.
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

enum class RetentionMode {
  kRecurring,  // retained at w when w is a qualifying offset
  kFirstTime,  // retained only at the user's first qualifying offset
  kUnbounded,  // retained at w when some offset >= w qualifies
};

// Parses "recurring", "first-time" (or "first_time") or "unbounded".
Result<RetentionMode> ParseRetentionMode(std::string_view text);
std::string_view RetentionModeName(RetentionMode mode);

struct RetentionDefinition {
  Period period = Period::kWeek;  // cohort and offset granularity (weeks start Monday, UTC)
  int num_periods = 8;            // offsets 0..num_periods-1; 8 weeks is a common first look
  std::string start_event;        // cohort-defining event; empty = the user's first event
  std::string return_event;       // event that counts as a return; empty = any event
  RetentionMode mode = RetentionMode::kRecurring;  // the usual "did they come back in w"
  int min_occurrences = 1;  // K: return events needed in one period to qualify
  std::optional<int64_t> as_of_us;  // end of data for "incomplete"; default: the last event

  // kInvalidArgument for num_periods outside [1, 1000] or min_occurrences < 1.
  Status Validate() const;
};

// One cohort row. All vectors have num_periods entries.
struct RetentionCohort {
  int64_t period_index = 0;  // the cohort's period (see period.h)
  int64_t start_day = 0;     // first day of the cohort period, days since 1970-01-01
  uint64_t size = 0;         // users whose start falls in the period
  std::vector<uint64_t> retained;
  std::vector<bool> incomplete;  // the period cohort + w has not fully elapsed
};

// One group's table (the whole population when there is no breakdown).
struct RetentionTable {
  std::string group;                     // group label; "all" without a breakdown
  std::vector<RetentionCohort> cohorts;  // ascending period_index, only non-empty cohorts
  // Size-weighted mean rate per offset over complete cells; nullopt when no cell is complete.
  std::vector<std::optional<double>> average;
};

struct RetentionResult {
  std::vector<RetentionTable> groups;  // in group-code order
  int64_t data_end_us = 0;             // the end of data used for "incomplete"
};

// Fills each cohort's `incomplete` flags and the table's size-weighted `average` from the
// cohorts' sizes and retained counts (docs/metrics.md, retention rules 6 and 8): the one rule
// every backend applies once it has the counts.
void FinishRetentionTable(RetentionTable& table, Period period, int64_t data_end_us,
                          size_t num_offsets);

// Computes retention as defined in docs/metrics.md.
//
// `groups` (optional) splits users into breakdown groups. `pool` (optional) runs user chunks in
// parallel. Errors: kInvalidArgument (definition), kNotFound (unknown start or return event),
// kFailedPrecondition (empty frame).
// Cost: O(events) time, O(cohorts * num_periods) memory per chunk.
Result<RetentionResult> ComputeRetention(const store::EventFrame& frame,
                                         const RetentionDefinition& definition,
                                         const UserGroups& groups = {},
                                         ThreadPool* pool = nullptr);

}  // namespace fw::analytics
