// SPDX-License-Identifier: Apache-2.0
//
// experiment_metrics.cc: per-user experiment metrics computed in ClickHouse.
#include "flywheel/clickhouse/backend.h"
#include "flywheel/clickhouse/metric_sql.h"
#include "row_binary.h"

namespace fw::clickhouse {

Result<experiment::ExposureMetricValues> Backend::ExposureMetrics(
    const std::vector<std::string>& user_ids, std::span<const int64_t> exposure_us,
    const std::vector<experiment::ResolvedMetric>& metrics, int64_t window_us) {
  if (user_ids.size() != exposure_us.size()) {
    return InvalidArgument("exposed users and exposure times differ in size");
  }
  if (window_us <= 0) return InvalidArgument("the metric window must be positive");
  if (user_ids.size() > UINT32_MAX) return InvalidArgument("more than 2^32 exposed users");
  const size_t num_users = user_ids.size();
  const size_t num_metrics = metrics.size();
  experiment::ExposureMetricValues out;
  out.values.assign(num_metrics, std::vector<double>(num_users, 0.0));
  out.denominators.resize(num_metrics);
  out.covariates.resize(num_metrics);
  for (size_t m = 0; m < num_metrics; ++m) {
    if (metrics[m].spec.kind == experiment::MetricKind::kRatio) {
      out.denominators[m].assign(num_users, 0.0);
    }
    if (metrics[m].cuped_pre_days) out.covariates[m].assign(num_users, 0.0);
  }
  ExternalTable exposures{.name = "fw_exposures",
                          .structure = "user_id String, idx UInt32, t0 Int64",
                          .tsv = {}};
  exposures.tsv.reserve(num_users * 32);
  for (size_t i = 0; i < num_users; ++i) {
    AppendTsvField(exposures.tsv, user_ids[i]);
    exposures.tsv += "\t" + std::to_string(i) + "\t" + std::to_string(exposure_us[i]) + "\n";
  }
  const std::string sql =
      ExposureMetricsSql(metrics, window_us, Table("events_by_user"), exposures.name);
  std::vector<bool> seen(num_users, false);
  RowStream stream([&](RowReader& reader) -> Result<bool> {
    uint32_t idx = 0;
    int64_t t0 = 0;
    if (!reader.Fixed(idx) || !reader.Fixed(t0)) return false;
    double value = 0, denominator = 0, covariate = 0;
    const bool known = idx < num_users && !seen[idx] && exposure_us[idx] == t0;
    for (size_t m = 0; m < num_metrics; ++m) {
      if (!reader.Fixed(value)) return false;
      const bool ratio = !out.denominators[m].empty(), cuped = !out.covariates[m].empty();
      if (ratio && !reader.Fixed(denominator)) return false;
      if (cuped && !reader.Fixed(covariate)) return false;
      if (!known) continue;
      out.values[m][idx] = value;
      if (ratio) out.denominators[m][idx] = denominator;
      if (cuped) out.covariates[m][idx] = covariate;
    }
    if (!known) {
      return Internal("the experiment metrics from " + url_.text + " name exposed user #" +
                      std::to_string(idx) +
                      (idx >= num_users ? ", which was not sent"
                                        : seen[idx] ? " twice" : " with another exposure time"));
    }
    seen[idx] = true;
    return true;
  });
  FW_RETURN_IF_ERROR(client_.QueryStream(
      sql, PerUserSettings(), [&](std::string_view piece) { return stream.Consume(piece); },
      &exposures));
  if (stream.leftover() != 0) {
    return Internal("the experiment metrics answer from " + url_.text + " ends inside a row");
  }
  return out;
}

}  // namespace fw::clickhouse
