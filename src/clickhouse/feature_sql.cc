// SPDX-License-Identifier: Apache-2.0
//
// feature_sql.cc: the per-user counts behind the segment features (definitions in
// include/flywheel/segment/features.h). Only counts, sums and times are computed here; the
// ratios and defaults are segment::FillFeatureRow's, so both backends derive them alike.
#include "flywheel/clickhouse/client.h"
#include "flywheel/clickhouse/metric_sql.h"

namespace fw::clickhouse {

std::string UserActivitySql(const std::string& purchase_event,
                            const std::vector<std::string>& channel_names, bool with_channels,
                            const std::string& view) {
  // Purchases: the named event, or revenue > 0 when the data has no event of that name.
  const std::string is_purchase =
      purchase_event.empty() ? "r > 0" : "e = " + QuoteString(purchase_event);
  const std::string purchase_times =
      "arrayFilter((t, e, r) -> " + is_purchase + ", ts, ev, rev)";
  std::string names;
  for (const std::string& name : channel_names) {
    names += (names.empty() ? "" : ", ") + QuoteString(name);
  }
  // The first event with a channel, in the view's (time, event, channel) order, which is the
  // EventFrame's order too.
  const std::string first_channel =
      "toUInt32(indexOf(" + (names.empty() ? std::string("emptyArrayString()") : "[" + names + "]") +
      ", arrayFirst(c -> c != '', ch)))";
  std::string sql = "WITH " + purchase_times +
                    " AS pt SELECT user_id, toInt64(length(ts)), "
                    // Active days: distinct floor(t / day), as DayOf.
                    "toInt64(length(arrayDistinct(arrayMap(t -> intDiv(t, 86400000000) - (t % "
                    "86400000000 < 0), ts)))), "
                    // arrayCumSum adds left to right, the kernel's order.
                    "arrayCumSum(rev)[-1], toInt64(length(pt)), ts[1], ts[-1], "
                    "toUInt8(notEmpty(pt)), if(notEmpty(pt), pt[1], toInt64(0)), " +
                    first_channel;
  if (with_channels) {
    for (const std::string& name : channel_names) {
      sql += ", toInt64(countEqual(ch, " + QuoteString(name) + "))";
    }
  }
  return sql + " FROM " + view + " ORDER BY user_id FORMAT RowBinary";
}

}  // namespace fw::clickhouse
