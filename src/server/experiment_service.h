// SPDX-License-Identifier: Apache-2.0
//
// experiment_service.h: GET /v1/assign and GET /v1/experiments/NAME/results.
//
// Assignment uses fw::experiment::Assign on the stored definition, so the variant is the one
// `flywheel experiment assign` prints. Results follow `flywheel experiment analyze NAME --json`
// (first exposure per user, users seen in two arms excluded, metrics over `window` days from
// the exposure, the definition's weights for the SRM check) but read the server's hot
// EventFrame instead of loading one per request. The CLI's analysis driver is private to its
// command file; this is the server's compact copy of that driver, over the same library calls.
//
// Thread safety: Definition/ExposureRows need the workspace mutex; Results does not.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "flywheel/core/result.h"
#include "flywheel/experiment/assignment.h"
#include "flywheel/experiment/event_metrics.h"
#include "flywheel/store/event_frame.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

// The stored definition of `name` (kNotFound with the CLI's hint when absent).
Result<experiment::ExperimentDefinition> LoadExperiment(store::Workspace& workspace,
                                                        const std::string& name);

// {experiment, user_id, variant (null when not assigned), status, bucket}.
nlohmann::json AssignmentJson(const experiment::ExperimentDefinition& def,
                              const std::string& user_id);

// First exposure per user: user_id, variant, first exposure us, single-arm flag.
Result<store::QueryResult> ExposureRows(store::Workspace& workspace, const std::string& name);

struct ResultsQuery {
  std::vector<std::string> metrics;  // empty = the definition's metrics
  int64_t window_us = 14 * 86'400'000'000LL;  // as the CLI's --window 14d default
};

// The per-user metric values of the exposed users, as experiment::ComputeExposureMetrics
// returns them: `user_ids[i]` (empty for a user excluded from the analysis) first exposed at
// `exposure_us[i]`. A data source supplies it (the hot frame, or ClickHouse).
using ExposureMetricsFn = std::function<Result<experiment::ExposureMetricValues>(
    const std::vector<std::string>& user_ids, const std::vector<int64_t>& exposure_us,
    std::vector<experiment::ResolvedMetric>& metrics, int64_t window_us)>;

// The analysis document (ReportToJson + source + excluded_users), with the per-user values
// from `values`.
Result<nlohmann::json> ExperimentResults(const std::optional<experiment::ExperimentDefinition>& def,
                                         const std::string& name,
                                         const store::QueryResult& exposures,
                                         const ResultsQuery& query,
                                         const ExposureMetricsFn& values);

// The per-user values over the hot frame (the embedded server's ExposureMetricsFn); resolves
// the metrics' event codes in `frame`, which must outlive the returned function.
ExposureMetricsFn FrameExposureMetrics(const store::EventFrame& frame);

}  // namespace fw::server
