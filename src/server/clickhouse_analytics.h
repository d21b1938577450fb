// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_analytics.h: AnalyticsSource over a ClickHouse backend, for `flywheel serve
// --backend clickhouse://...`. Each request opens its own clickhouse::Backend (one per thread,
// as that class requires; opening is one HTTP ping) and runs the pushed-down query the CLI runs
// for the same command, so the server holds no events in memory. An unreachable server or a
// missing shard is kUnavailable (HTTP 503) for that request; the next one tries again.
// The summary is cached for `summary_ttl_ms`: the dashboard polls it, and its uniqExact over
// every event is the heaviest query the dashboard would otherwise repeat.
//
// Thread safety: any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "analytics_source.h"
#include "flywheel/clickhouse/backend.h"
#include "flywheel/clickhouse/client.h"

namespace fw::server {

class ClickHouseAnalytics : public AnalyticsSource {
 public:
  ClickHouseAnalytics(clickhouse::BackendUrl url, int64_t summary_ttl_ms)
      : url_(std::move(url)), summary_ttl_ms_(summary_ttl_ms) {}

  Result<nlohmann::json> Retention(const QueryParams& params) override;
  Result<nlohmann::json> Funnel(const QueryParams& params) override;
  Result<nlohmann::json> Lifecycle(const QueryParams& params) override;
  Result<nlohmann::json> Acquisition(const std::vector<analytics::SpendRow>& spend,
                                     const QueryParams& params) override;
  Result<nlohmann::json> ExperimentResults(
      const std::optional<experiment::ExperimentDefinition>& def, const std::string& name,
      const store::QueryResult& exposures, const ResultsQuery& query) override;
  Result<DataSummary> Summary() override;
  Result<WindowSeries> WindowSums(const std::string& metric, const std::string& by,
                                  int64_t window_us, int windows) override;
  bool UsesHotFrame() const override { return false; }

 private:
  Result<std::unique_ptr<clickhouse::Backend>> Open() const;

  const clickhouse::BackendUrl url_;
  const int64_t summary_ttl_ms_;
  std::mutex mu_;
  std::optional<DataSummary> summary_;  // guarded by mu_; the last answer, as of its as_of_us
};

}  // namespace fw::server
