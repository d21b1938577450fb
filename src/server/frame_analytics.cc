// SPDX-License-Identifier: Apache-2.0
//
// frame_analytics.cc: the read side over the hot frame (see frame_analytics.h).
#include "frame_analytics.h"

namespace fw::server {

Result<nlohmann::json> FrameAnalytics::Retention(const QueryParams& params) {
  return RetentionJson(*frame_.Get(), params);
}

Result<nlohmann::json> FrameAnalytics::Funnel(const QueryParams& params) {
  return FunnelJson(*frame_.Get(), params);
}

Result<nlohmann::json> FrameAnalytics::Lifecycle(const QueryParams& params) {
  return LifecycleJson(*frame_.Get(), params);
}

Result<nlohmann::json> FrameAnalytics::Acquisition(const std::vector<analytics::SpendRow>& spend,
                                                   const QueryParams& params) {
  return AcquisitionJson(*frame_.Get(), spend, params);
}

Result<nlohmann::json> FrameAnalytics::ExperimentResults(
    const std::optional<experiment::ExperimentDefinition>& def, const std::string& name,
    const store::QueryResult& exposures, const ResultsQuery& query) {
  auto snapshot = frame_.Get();  // held until the analysis is done
  return server::ExperimentResults(def, name, exposures, query, FrameExposureMetrics(*snapshot));
}

Result<DataSummary> FrameAnalytics::Summary() {
  auto snapshot = frame_.Get();
  DataSummary out;
  out.events = static_cast<int64_t>(snapshot->num_events());
  out.users = static_cast<int64_t>(snapshot->num_users());
  out.min_time_us = out.events ? snapshot->min_time_us : 0;
  out.max_time_us = out.events ? snapshot->max_time_us : 0;
  out.as_of_us = frame_.loaded_at_us();
  // KPIs over the last hour of data (the frame's own clock: generated or backfilled data may
  // end in the past).
  const int64_t hour_us = 3'600'000'000LL;
  const auto purchase = snapshot->events.Find("purchase");
  for (size_t i = 0; i < snapshot->num_events(); ++i) {
    if (snapshot->time_us[i] > snapshot->max_time_us - hour_us) ++out.events_last_hour;
    if (purchase && snapshot->event[i] == *purchase) {
      ++out.conversions;
      out.revenue += snapshot->revenue[i];
    }
  }
  return out;
}

Result<WindowSeries> FrameAnalytics::WindowSums(const std::string& metric, const std::string& by,
                                                int64_t window_us, int windows) {
  return FrameWindowSums(*frame_.Get(), metric, by, window_us, windows);
}

}  // namespace fw::server
