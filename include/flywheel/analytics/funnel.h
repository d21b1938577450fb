// SPDX-License-Identifier: Apache-2.0
//
// funnel.h: conversion funnels over the EventFrame (docs/metrics.md, "Funnel").
//
// FunnelDefinition is the metric definition shared with any SQL backend. ComputeFunnel makes one
// pass per user over that user's instants (events grouped by identical time, since same-instant
// events have no order), in parallel over fixed user chunks.
//
// Thread safety: pure functions over an immutable frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flywheel/analytics/breakdown.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/event_frame.h"

namespace fw::analytics {

enum class FunnelOrder {
  kOrdered,  // steps in order, other events allowed in between
  kStrict,   // steps in order, no other event strictly between consecutive steps
  kAny,      // steps in any order within the window
};

// Parses "ordered", "strict" or "any".
Result<FunnelOrder> ParseFunnelOrder(std::string_view text);
std::string_view FunnelOrderName(FunnelOrder order);

inline constexpr size_t kMaxFunnelSteps = 32;  // steps are a bit mask in the kernel

struct FunnelDefinition {
  std::vector<std::string> steps;       // event names, 2..32, distinct
  int64_t window_us = 7 * 86'400'000'000LL;  // from the entry event, inclusive; 7 days is common
  FunnelOrder order = FunnelOrder::kOrdered;
  std::optional<int64_t> as_of_us;  // end of data for in_progress; default: the last event

  // kInvalidArgument for fewer than 2 or more than 32 steps, a repeated step, window <= 0.
  Status Validate() const;
};

struct FunnelStep {
  std::string event;
  uint64_t users = 0;  // users whose furthest step is at least this one
  std::optional<double> conversion_from_previous;  // users / previous users; null if 0 / 0
  std::optional<double> conversion_from_first;     // users / step-1 users
  uint64_t dropped = 0;      // stopped at the previous step with a closed window
  uint64_t in_progress = 0;  // stopped at the previous step, window still open
  std::optional<double> median_seconds;  // time from the previous step; null for step 1 or 0 users
  std::optional<double> p90_seconds;
};

struct FunnelTable {
  std::string group;  // "all" without a breakdown
  std::vector<FunnelStep> steps;
  uint64_t in_progress = 0;  // users not finished whose latest window is open
};

struct FunnelResult {
  std::vector<FunnelTable> groups;
  int64_t data_end_us = 0;
};

// Sets step `j`'s conversion_from_previous and conversion_from_first from the users of the
// steps before it (null when the denominator is 0): the one rule every backend applies.
void DeriveStepConversions(std::vector<FunnelStep>& steps, size_t j);

// Computes the funnel as defined in docs/metrics.md.
//
// Errors: kInvalidArgument (definition), kNotFound (a step event never occurs),
// kFailedPrecondition (empty frame).
// Cost: O(events) for the furthest step, plus O(window events) per entry tried until the counted
// attempt is found; memory O(converting users) for the time percentiles.
Result<FunnelResult> ComputeFunnel(const store::EventFrame& frame,
                                   const FunnelDefinition& definition,
                                   const UserGroups& groups = {}, ThreadPool* pool = nullptr);

// Linear-interpolation quantile (numpy's default) of `values`, which it reorders. Requires:
// !values.empty(), 0 <= q <= 1.
double Quantile(std::vector<double>& values, double q);

}  // namespace fw::analytics
