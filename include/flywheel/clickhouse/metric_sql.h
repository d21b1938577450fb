// SPDX-License-Identifier: Apache-2.0
//
// metric_sql.h: ClickHouse SQL generated from Flywheel's metric definitions (docs/metrics.md).
//
// Each generator takes the same definition struct the EventFrame kernel takes, so a metric is
// defined once. The SQL reads the per-user view `events_by_user` (columns ts Array(Int64) of µs
// times in ascending order, ev Array(String), ch Array(String), rev Array(Float64); one row per
// user, deduplicated), computes each user's contribution with array lambdas that ClickHouse 18.16
// already has (arrayFilter, arrayMap, arrayFirst, arrayReduce, indexOf), and aggregates in the
// same query. Reading the view directly (not through a subquery) lets a Distributed table push
// the whole query to each shard, so only aggregate states cross the network. No window
// functions, no DateTime64 and no windowFunnel: windowFunnel sees whole seconds only, while the
// definitions order events by the microsecond.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/analytics/period.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/clickhouse/breakdown.h"
#include "flywheel/clickhouse/client.h"
#include "flywheel/experiment/event_metrics.h"

namespace fw::clickhouse {

// An Int64 SQL expression: the index of the `period` containing µs time `time_sql`, equal to
// analytics::PeriodOfMicros for every time from 1970 on (months use DateTime, which starts in
// 1970).
std::string PeriodSql(const std::string& time_sql, analytics::Period period);

// ---- breakdowns (--by): each user's label, computed next to the user's events ----

// The external table of a kTable breakdown: (user_id String, fw_label String, fw_hit UInt8).
inline constexpr const char* kLabelTable = "fw_labels";

// The per-user group label of `by` as a String expression over the per-user view (and the
// label table that BreakdownJoinSql joins). `entry_event` is the event whose channel
// kEntryChannel takes (empty: the user's first event); kNone is the constant 'all'.
std::string GroupLabelSql(const Breakdown& by, const std::string& entry_event);

// " ANY LEFT JOIN fw_labels USING user_id" for kTable, else "": goes right after the view.
std::string BreakdownJoinSql(const Breakdown& by);

// The labels of a kTable breakdown as the external table BreakdownJoinSql joins.
ExternalTable BreakdownLabelTable(const Breakdown& by);

// The first_channel label of docs/metrics.md: the smallest channel at the user's first instant
// with a channel, "(none)" without one.
std::string FirstChannelSql();

// ---- the metrics; every answer row starts with the group label (by kNone: 'all') ----

// Retention: rows (group, cohort period index, offset w, users); w = -1 carries the cohort
// size, w = -2 (breakdowns only) a group none of whose users started.
std::string RetentionSql(const analytics::RetentionDefinition& definition,
                         const std::string& view, const Breakdown& by = {});

// Funnel (ordered, strict or any): one row per (group, step j = 1..k) with the users whose
// furthest step is at least j, the users in progress whose furthest step is j, and
// [n, q50 lo, q50 hi, q90 lo, q90 hi]: the count n of step-time differences T_j - T_(j-1) (0
// for j = 1) and, per quantile, the two order statistics (µs) Quantile() interpolates between.
// `data_end_us` decides "in progress". Without a breakdown only users with an entry event are
// read; with one, every user is, so that every label is a group. Every alias is used a fixed
// number of times, so the SQL grows linearly in k (funnel_sql.cc).
std::string FunnelSql(const analytics::FunnelDefinition& definition, int64_t data_end_us,
                      const std::string& view, const Breakdown& by = {});

// Lifecycle: rows (group, code, users) with code = period * 4 + kind (0 new, 1 returning,
// 2 resurrecting, 3 dormant); dormant rows stop at `last_period`. With a breakdown every user
// also yields a kLifecycleMarker row, so that each label is a group.
inline constexpr int64_t kLifecycleMarker = -(int64_t{1} << 62);  // no period is that early
std::string LifecycleSql(const analytics::LifecycleDefinition& definition, int64_t last_period,
                         const std::string& view, const Breakdown& by = {});

// Acquisition, per first-touch channel and period of the first event: rows (label, period index,
// new users, customers, customers' revenue in their conversion windows). `label` is the
// first_channel label of docs/metrics.md ("(none)" without a channel).
std::string AcquisitionUsersSql(const analytics::AcquisitionDefinition& definition,
                                const std::string& view);

// Attribution of every purchase event to its touches, with the kernel's integer units and
// largest-remainder split (analytics::DistributeUnits): rows (channel, conversion units of
// 1e-9, revenue units of 1e-6), channel "(none)" for purchases without a touch.
std::string AttributionSql(const analytics::AcquisitionDefinition& definition,
                           const std::string& view);

// Per-user activity for the segment features (segment::UserActivity, whose fields the features
// are derived from in C++), one RowBinary row per user in user_id order: user_id String,
// num_events, active_days Int64, monetary Float64 (summed in time order), purchases,
// first_us, last_us Int64, has_purchase UInt8, first_purchase_us Int64, first_channel UInt32
// (1-based index into `channel_names`, 0 for none), then one Int64 count per channel name
// when `with_channels`. A purchase is an event named `purchase_event`, or, when
// `purchase_event` is empty (the data has no such event), an event with revenue > 0.
std::string UserActivitySql(const std::string& purchase_event,
                            const std::vector<std::string>& channel_names, bool with_channels,
                            const std::string& view);

// Experiment metrics per exposed user (experiment/event_metrics.h), from the view joined to the
// external table `exposures` (user_id String, idx UInt32, t0 Int64: first exposure in µs). One
// RowBinary row per exposed user with events: idx UInt32, t0 Int64, then per metric its value Float64,
// the ratio's denominator Float64 (ratio metrics) and the CUPED covariate Float64 (when
// cuped_pre_days is set). Exposed users without events are absent (their metrics are 0).
std::string ExposureMetricsSql(const std::vector<experiment::ResolvedMetric>& metrics,
                               int64_t window_us, const std::string& view,
                               const std::string& exposures);

}  // namespace fw::clickhouse
