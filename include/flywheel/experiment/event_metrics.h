// SPDX-License-Identifier: Apache-2.0
//
// event_metrics.h: per-user experiment metrics from an event log, in one pass per user.
//
// The workspace path of `flywheel experiment analyze NAME --metric M` computes, for every
// exposed user, each requested metric from that user's events relative to the first exposure
// time t0 (window W = --window):
//   conversion:EVENT  1 if EVENT happened in [t0, t0 + W), else 0 (a proportion);
//   count:EVENT       number of EVENT in [t0, t0 + W) (a mean);
//   revenue           sum of revenue in [t0, t0 + W) (a mean);
//   retention:Nd      1 if the user had any event in [t0 + N days, t0 + (N+1) days) (proportion);
//   ratio:NUM/DEN     count of NUM over count of DEN in [t0, t0 + W) (a ratio, delta method).
// A CUPED covariate `pre:METRIC:DAYS` is METRIC measured on [t0 - DAYS, t0) (for retention:
// any event in that window). This module is pure: it takes the columns of an EventFrame as
// spans (the CLI passes store::EventFrame's vectors), never the store itself.
//
// Thread safety: pure functions. Cost: O(events of the exposed users x metrics), one pass per
// user, no joins; users are split over `num_threads` threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/experiment/arm_stats.h"

namespace fw::experiment {

inline constexpr int64_t kMicrosPerDay = 86'400'000'000;
// Event code meaning "this event name does not occur in the log" (counts are then 0).
inline constexpr uint32_t kAbsentEvent = 0xFFFFFFFFu;

enum class MetricKind { kConversion, kCount, kRevenue, kRetention, kRatio };

// A parsed metric such as "conversion:purchase", "retention:7d" or "ratio:purchase/session".
struct MetricSpec {
  std::string text;  // as given, the metric's name in reports
  MetricKind kind = MetricKind::kRevenue;
  std::string event;          // conversion/count, and the numerator of a ratio
  std::string denominator;    // ratio only
  int64_t retention_day = 0;  // retention only

  MetricType type() const;
};

// Parses a metric; kInvalidArgument naming the text for anything else.
Result<MetricSpec> ParseMetricSpec(const std::string& text);

// A CUPED covariate "pre:METRIC:DAYS"; returns the metric and the days (> 0).
Result<std::pair<MetricSpec, int64_t>> ParseCupedSpec(const std::string& text);

// The event columns of a log grouped by user and time-ordered within each user (the
// EventFrame layout: user u's rows are [user_offsets[u], user_offsets[u+1])).
struct EventColumns {
  std::span<const uint64_t> user_offsets;  // num_users + 1
  std::span<const int64_t> time_us;
  std::span<const uint32_t> event;  // dictionary codes
  std::span<const double> revenue;
};

// A metric with its event names resolved to codes (kAbsentEvent when the name is not in the
// log) and, for a covariate, the pre-period length.
struct ResolvedMetric {
  MetricSpec spec;
  uint32_t event_code = kAbsentEvent;
  uint32_t denominator_code = kAbsentEvent;
  std::optional<int64_t> cuped_pre_days;  // set: also compute the covariate
  std::optional<MetricSpec> cuped_spec;   // the covariate's metric (defaults to spec)
  uint32_t cuped_event_code = kAbsentEvent;
  uint32_t cuped_denominator_code = kAbsentEvent;
};

// Per-user values of every metric, in exposed-user order.
struct ExposureMetricValues {
  std::vector<std::vector<double>> values;        // [metric][user]
  std::vector<std::vector<double>> denominators;  // [metric][user]; empty unless ratio
  std::vector<std::vector<double>> covariates;    // [metric][user]; empty unless CUPED
};

// Computes the metrics for the exposed users: `frame_user[i]` is exposed user i's row in
// `columns` (-1 if the user has no events: every metric is 0), `exposure_us[i]` their first
// exposure time. `window_us` > 0 bounds conversion/count/revenue/ratio. Errors:
// kInvalidArgument for mismatched sizes, a user index out of range, or window_us <= 0.
Result<ExposureMetricValues> ComputeExposureMetrics(const EventColumns& columns,
                                                    std::span<const int64_t> frame_user,
                                                    std::span<const int64_t> exposure_us,
                                                    std::span<const ResolvedMetric> metrics,
                                                    int64_t window_us, size_t num_threads = 1);

}  // namespace fw::experiment
