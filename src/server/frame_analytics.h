// SPDX-License-Identifier: Apache-2.0
//
// frame_analytics.h: AnalyticsSource over the server's hot EventFrame (the embedded backend).
// Every call takes the current snapshot once and computes on it, off every lock.
//
// Thread safety: any thread; the HotFrame locks itself.
#pragma once

#include "analytics_source.h"
#include "hot_frame.h"

namespace fw::server {

class FrameAnalytics : public AnalyticsSource {
 public:
  // `frame` must outlive this object.
  explicit FrameAnalytics(const HotFrame& frame) : frame_(frame) {}

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
  bool UsesHotFrame() const override { return true; }

 private:
  const HotFrame& frame_;
};

}  // namespace fw::server
