// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_analytics.cc: the read side on ClickHouse (see clickhouse_analytics.h).
#include "clickhouse_analytics.h"

#include "flywheel/core/time.h"

namespace fw::server {

Result<std::unique_ptr<clickhouse::Backend>> ClickHouseAnalytics::Open() const {
  return clickhouse::Backend::Connect(url_);
}

Result<nlohmann::json> ClickHouseAnalytics::Retention(const QueryParams& params) {
  FW_ASSIGN_OR_RETURN(const auto def, ParseRetentionQuery(params));
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  FW_ASSIGN_OR_RETURN(const auto result, backend->Retention(def));
  return RetentionToJson(def, result);
}

Result<nlohmann::json> ClickHouseAnalytics::Funnel(const QueryParams& params) {
  FW_ASSIGN_OR_RETURN(const auto def, ParseFunnelQuery(params));
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  FW_ASSIGN_OR_RETURN(const auto result, backend->Funnel(def));
  return FunnelToJson(def, result);
}

Result<nlohmann::json> ClickHouseAnalytics::Lifecycle(const QueryParams& params) {
  FW_ASSIGN_OR_RETURN(const auto def, ParseLifecycleQuery(params));
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  FW_ASSIGN_OR_RETURN(const auto tables, backend->Lifecycle(def));
  return LifecycleToJson(def, tables);
}

Result<nlohmann::json> ClickHouseAnalytics::Acquisition(
    const std::vector<analytics::SpendRow>& spend, const QueryParams& params) {
  FW_ASSIGN_OR_RETURN(const auto def, ParseAcquisitionQuery(params));
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  FW_ASSIGN_OR_RETURN(const auto result, backend->Acquisition(def, spend));
  return AcquisitionToJson(def, result);
}

Result<nlohmann::json> ClickHouseAnalytics::ExperimentResults(
    const std::optional<experiment::ExperimentDefinition>& def, const std::string& name,
    const store::QueryResult& exposures, const ResultsQuery& query) {
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  // The per-user values are computed in ClickHouse (the exposures travel as external data);
  // the per-arm sums and the tests run here, as for `experiment analyze --backend`.
  return server::ExperimentResults(
      def, name, exposures, query,
      [&backend](const std::vector<std::string>& user_ids, const std::vector<int64_t>& exposure_us,
                 std::vector<experiment::ResolvedMetric>& metrics, int64_t window_us) {
        return backend->ExposureMetrics(user_ids, exposure_us, metrics, window_us);
      });
}

Result<DataSummary> ClickHouseAnalytics::Summary() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (summary_ && NowMicros() - summary_->as_of_us < summary_ttl_ms_ * 1000) return *summary_;
  }
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  const int64_t as_of_us = NowMicros();
  FW_ASSIGN_OR_RETURN(const auto totals, backend->Totals());
  DataSummary out{.events = totals.num_events,
                  .users = totals.num_users,
                  .events_last_hour = totals.events_last_hour,
                  .conversions = totals.purchases,
                  .revenue = totals.purchase_revenue,
                  .min_time_us = totals.min_time_us,
                  .max_time_us = totals.max_time_us,
                  .as_of_us = as_of_us};
  std::lock_guard<std::mutex> lock(mu_);
  summary_ = out;
  return out;
}

Result<WindowSeries> ClickHouseAnalytics::WindowSums(const std::string& metric,
                                                     const std::string& by, int64_t window_us,
                                                     int windows) {
  FW_ASSIGN_OR_RETURN(auto backend, Open());
  return backend->WindowSums(metric, by, window_us, windows);
}

}  // namespace fw::server
