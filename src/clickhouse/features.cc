// SPDX-License-Identifier: Apache-2.0
//
// features.cc: the segment feature matrix from ClickHouse, a RowBinary answer parsed as it
// arrives (row_binary.h).
#include <algorithm>

#include "flywheel/clickhouse/backend.h"
#include "flywheel/clickhouse/metric_sql.h"
#include "row_binary.h"

namespace fw::clickhouse {

Result<UserFeatureMatrix> Backend::UserFeatures(const segment::FeatureOptions& options) {
  FW_RETURN_IF_ERROR(LoadExtent());
  // Purchases are events named options.purchase_event, or revenue > 0 when none exists.
  FW_ASSIGN_OR_RETURN(auto found, QueryRows("SELECT count() FROM (SELECT 1 FROM " +
                                            Table("events") + " WHERE event = " +
                                            QuoteString(options.purchase_event) +
                                            " LIMIT 1) FORMAT TSV"));
  const bool has_purchase_event = !found.empty() && !found[0].empty() && found[0][0] != "0";
  FW_ASSIGN_OR_RETURN(auto channel_rows,
                      QueryRows("SELECT DISTINCT channel FROM " + Table("events") +
                                " WHERE channel != '' FORMAT TSV"));
  std::vector<std::string> channels;
  for (auto& row : channel_rows) {
    if (!row.empty()) channels.push_back(std::move(row[0]));
  }
  std::sort(channels.begin(), channels.end());  // codes 1.. in name order, as the EventFrame
  FW_ASSIGN_OR_RETURN(const segment::FeatureLayout layout,
                      segment::MakeFeatureLayout(options.set, channels));
  const bool with_channels = layout.num_channels > 0;
  const std::string sql = UserActivitySql(has_purchase_event ? options.purchase_event : "",
                                          channels, with_channels, Table("events_by_user"));

  UserFeatureMatrix out;
  const size_t cols = layout.column_names.size();
  std::vector<float> values;
  std::vector<int64_t> channel_counts(channels.size() + 1, 0);
  std::string user;
  RowStream stream([&](RowReader& reader) -> Result<bool> {
    segment::UserActivity a;
    uint8_t has_purchase = 0;
    int64_t first_purchase = 0;
    bool complete = reader.String(user) && reader.Fixed(a.num_events) &&
                    reader.Fixed(a.active_days) && reader.Fixed(a.monetary) &&
                    reader.Fixed(a.purchases) && reader.Fixed(a.first_us) &&
                    reader.Fixed(a.last_us) && reader.Fixed(has_purchase) &&
                    reader.Fixed(first_purchase) && reader.Fixed(a.first_channel);
    for (size_t c = 1; complete && with_channels && c <= channels.size(); ++c) {
      complete = reader.Fixed(channel_counts[c]);
    }
    if (!complete) return false;
    if (!out.user_ids.empty() && !(out.user_ids.back() < user)) {
      return Internal("the feature rows from " + url_.text + " are not in user_id order at '" +
                      user + "'");
    }
    if (a.first_channel > channels.size()) {
      return Internal("feature row of user '" + user + "' names channel " +
                      std::to_string(a.first_channel) + " of " + std::to_string(channels.size()));
    }
    a.first_purchase_us = has_purchase ? first_purchase : INT64_MIN;
    a.channel_counts = channel_counts;
    values.resize(values.size() + cols);
    segment::FillFeatureRow(layout, a, max_time_us_,
                            std::span<float>(values.data() + values.size() - cols, cols));
    out.user_ids.push_back(user);
    return true;
  });
  FW_RETURN_IF_ERROR(client_.QueryStream(
      sql, PerUserSettings(), [&](std::string_view piece) { return stream.Consume(piece); }));
  if (stream.leftover() != 0) {
    return Internal("the feature answer from " + url_.text + " ends inside a row (" +
                    std::to_string(stream.leftover()) + " bytes left)");
  }
  if (out.user_ids.empty()) return FailedPrecondition("the backend has no users to segment");
  out.features.rows = out.user_ids.size();
  out.features.cols = cols;
  out.features.data = std::move(values);
  out.features.column_names = layout.column_names;
  return out;
}

}  // namespace fw::clickhouse
