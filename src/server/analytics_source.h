// SPDX-License-Identifier: Apache-2.0
//
// analytics_source.h: where the server's read side gets its numbers from: the analytics
// endpoints, the experiment results, the dashboard summary and the alert metrics.
//
// Two implementations: FrameAnalytics (the hot EventFrame over the embedded workspace, today's
// path) and ClickHouseAnalytics (one pushed-down query per request, nothing held in memory).
// Both parse the query parameters and print the JSON with the same functions
// (analytics_api.h, experiment_service.h), so a document has one shape whatever the source.
// Spend, exposures and experiment definitions stay in the embedded workspace: the caller reads
// them under the workspace mutex and passes them in.
//
// Thread safety: every method may be called from any thread, concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alerts.h"
#include "analytics_api.h"
#include "experiment_service.h"
#include "flywheel/analytics/acquisition.h"
#include "flywheel/core/result.h"

namespace fw::server {

// The dashboard's KPIs (GET /v1/summary).
struct DataSummary {
  int64_t events = 0;            // after dedup
  int64_t users = 0;
  int64_t events_last_hour = 0;  // in the last hour of data (the data's own clock)
  int64_t conversions = 0;       // purchase events
  double revenue = 0;            // revenue of the purchase events
  int64_t min_time_us = 0;       // 0 when there are no events
  int64_t max_time_us = 0;
  int64_t as_of_us = 0;          // when the numbers were read (the frame's load time)
};

class AnalyticsSource {
 public:
  virtual ~AnalyticsSource() = default;

  // GET /v1/analytics/KIND: the JSON of `flywheel KIND --json` (analytics_api.h).
  virtual Result<nlohmann::json> Retention(const QueryParams& params) = 0;
  virtual Result<nlohmann::json> Funnel(const QueryParams& params) = 0;
  virtual Result<nlohmann::json> Lifecycle(const QueryParams& params) = 0;
  virtual Result<nlohmann::json> Acquisition(const std::vector<analytics::SpendRow>& spend,
                                             const QueryParams& params) = 0;

  // GET /v1/experiments/NAME/results (experiment_service.h's ExperimentResults).
  virtual Result<nlohmann::json> ExperimentResults(
      const std::optional<experiment::ExperimentDefinition>& def, const std::string& name,
      const store::QueryResult& exposures, const ResultsQuery& query) = 0;

  // GET /v1/summary's event counts.
  virtual Result<DataSummary> Summary() = 0;

  // The alert metrics' window sums (alerts.h's WindowSumsFn).
  virtual Result<WindowSeries> WindowSums(const std::string& metric, const std::string& by,
                                          int64_t window_us, int windows) = 0;

  // True when the source reads the hot frame (which the server then reloads).
  virtual bool UsesHotFrame() const = 0;
};

}  // namespace fw::server
