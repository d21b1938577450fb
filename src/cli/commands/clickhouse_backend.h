// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_backend.h: the ClickHouse side of the commands that accept --backend
// clickhouse://... (ingest events, info, retention, funnel, lifecycle, acquisition). Each
// command checks ctx.UsesClickHouse() and calls in here; results come back as the analytics
// result structs, so the printers are shared with the embedded path. `segment` and
// `experiment analyze` call OpenClickHouse and then clickhouse::Backend directly.
//
// Thread safety: main thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analytics_common.h"
#include "cli_context.h"
#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/clickhouse/backend.h"
#include "flywheel/core/result.h"

namespace fw::cli {

// Parses the backend URL and connects (kInvalidArgument for a bad URL, kUnavailable when the
// server does not answer).
Result<std::unique_ptr<clickhouse::Backend>> OpenClickHouse(const CliContext& ctx);

// `flywheel ingest events FILE...` into ClickHouse: each file is validated and deduplicated by
// the embedded ingest into an in-memory staging workspace, its valid rows are sent, and its
// rejects are appended to the --db workspace's rejects table.
Status RunClickHouseIngest(const CliContext& ctx, const std::vector<std::string>& files);

// `flywheel info` for a ClickHouse backend.
Status RunClickHouseInfo(const CliContext& ctx);

// The metrics. `flags.by` is the --by breakdown, computed in ClickHouse: channel and
// first_channel from the events there; segment and variant from the --db workspace's segments
// or exposures table, whose labels go along with the query. The same values as on the
// embedded path are accepted, with the same errors.
Result<analytics::RetentionResult> ClickHouseRetention(
    const CliContext& ctx, const analytics::RetentionDefinition& definition,
    const AnalyticsFlags& flags);
Result<analytics::FunnelResult> ClickHouseFunnel(const CliContext& ctx,
                                                 const analytics::FunnelDefinition& definition,
                                                 const AnalyticsFlags& flags);
Result<std::vector<analytics::LifecycleTable>> ClickHouseLifecycle(
    const CliContext& ctx, const analytics::LifecycleDefinition& definition,
    const AnalyticsFlags& flags);
// Acquisition: events from ClickHouse, spend from the --db workspace (none when it is absent).
Result<analytics::AcquisitionResult> ClickHouseAcquisition(
    const CliContext& ctx, const analytics::AcquisitionDefinition& definition);

}  // namespace fw::cli
