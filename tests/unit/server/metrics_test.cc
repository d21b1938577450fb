// SPDX-License-Identifier: Apache-2.0
//
// metrics_test.cc: Prometheus exposition: cumulative buckets, label escaping, gauges.
#include "metrics.h"

#include <gtest/gtest.h>

namespace fw::server {
namespace {

TEST(MetricsTest, RendersCountersHistogramsAndGauges) {
  Metrics m;
  m.ObserveRequest("/v1/decide", 200, 0.0007);
  m.ObserveRequest("/v1/decide", 200, 0.003);
  m.ObserveRequest("/v1/decide", 404, 0.0001);
  m.AddEvents(10, 2, 1);
  m.AddDecision("promo", "email");
  m.AddSpend("promo", "email", 1.5);
  m.SetGauge("flywheel_alert_firing{alert=\"" + PromLabel("srm:\"x\"") + "\"}", 1);
  const std::string text = m.Render();
  EXPECT_NE(text.find("flywheel_http_requests_total{route=\"/v1/decide\",status=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("flywheel_http_request_seconds_bucket{route=\"/v1/decide\",le=\"0.0005\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("flywheel_http_request_seconds_bucket{route=\"/v1/decide\",le=\"0.001\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("flywheel_http_request_seconds_bucket{route=\"/v1/decide\",le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("flywheel_events_total{outcome=\"accepted\"} 10"), std::string::npos);
  EXPECT_NE(text.find("flywheel_bandit_spend_total{bandit=\"promo\",arm=\"email\"} 1.5"),
            std::string::npos);
  EXPECT_NE(text.find("flywheel_alert_firing{alert=\"srm:\\\"x\\\"\"} 1"), std::string::npos);
  EXPECT_EQ(m.events_accepted(), 10);
}

}  // namespace
}  // namespace fw::server
