// SPDX-License-Identifier: Apache-2.0
//
// experiment_sql.cc: the per-user experiment metrics of include/flywheel/experiment/
// event_metrics.h, relative to each user's first exposure t0, as SQL over the per-user view
// joined to the exposures (sent with the query as an external table).
#include "flywheel/clickhouse/client.h"
#include "flywheel/clickhouse/metric_sql.h"

namespace fw::clickhouse {
namespace {

namespace ex = experiment;

// One side (the metric, or its CUPED covariate) over events with t in [lo, hi).
std::string SideValueSql(const ex::MetricSpec& spec, const std::string& lo, const std::string& hi) {
  const std::string in_window = "t >= " + lo + " AND t < " + hi;
  switch (spec.kind) {
    case ex::MetricKind::kRevenue:  // the sum of revenue, added in time order like the kernel
      return "arrayCumSum(arrayFilter((r, t) -> " + in_window + ", rev, ts))[-1]";
    case ex::MetricKind::kRetention:  // any event
      return "toFloat64(arrayExists(t -> " + in_window + ", ts))";
    case ex::MetricKind::kConversion:
      return "toFloat64(arrayExists((t, e) -> e = " + QuoteString(spec.event) + " AND " +
             in_window + ", ts, ev))";
    case ex::MetricKind::kCount:
    case ex::MetricKind::kRatio:  // the numerator's count
      return "toFloat64(arrayCount((t, e) -> e = " + QuoteString(spec.event) + " AND " +
             in_window + ", ts, ev))";
  }
  return "toFloat64(0)";
}

}  // namespace

std::string ExposureMetricsSql(const std::vector<ex::ResolvedMetric>& metrics, int64_t window_us,
                               const std::string& view, const std::string& exposures) {
  // t0 is selected too: 18.16 fetches a joined column that only lambdas use as unknown.
  std::string select = "SELECT idx, t0";
  for (const ex::ResolvedMetric& metric : metrics) {
    const ex::MetricSpec& spec = metric.spec;
    // The post window: [t0, t0 + W), or day N after exposure for retention:Nd.
    std::string lo = "t0", hi = "t0 + " + std::to_string(window_us);
    if (spec.kind == ex::MetricKind::kRetention) {
      lo = "t0 + " + std::to_string(spec.retention_day * ex::kMicrosPerDay);
      hi = "t0 + " + std::to_string((spec.retention_day + 1) * ex::kMicrosPerDay);
    }
    select += ", " + SideValueSql(spec, lo, hi);
    if (spec.kind == ex::MetricKind::kRatio) {
      select += ", toFloat64(arrayCount((t, e) -> e = " + QuoteString(spec.denominator) +
                " AND t >= " + lo + " AND t < " + hi + ", ts, ev))";
    }
    if (metric.cuped_pre_days) {
      // The covariate: the same (or the named) metric on [t0 - DAYS, t0).
      const ex::MetricSpec& pre = metric.cuped_spec ? *metric.cuped_spec : spec;
      select += ", " + SideValueSql(pre, "t0 - " + std::to_string(*metric.cuped_pre_days *
                                                                ex::kMicrosPerDay),
                                    "t0");
    }
  }
  return select + " FROM " + view + " ANY INNER JOIN " + exposures +
         " USING user_id FORMAT RowBinary";
}

}  // namespace fw::clickhouse
