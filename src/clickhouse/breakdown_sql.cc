// SPDX-License-Identifier: Apache-2.0
//
// breakdown_sql.cc: the per-user --by labels of docs/metrics.md ("Breakdowns") as SQL over the
// per-user view, and the external table that carries the workspace's labels.
#include "flywheel/analytics/breakdown.h"
#include "flywheel/clickhouse/client.h"
#include "flywheel/clickhouse/metric_sql.h"

namespace fw::clickhouse {
namespace {

// '' is "no channel" in the events table (ingest stores a missing channel as '').
std::string ChannelLabelSql(const std::string& channel) {
  return "if(" + channel + " = '', " + QuoteString(analytics::kNoChannelLabel) + ", " + channel +
         ")";
}

}  // namespace

std::string FirstChannelSql() {
  // The first instant with a channel, then the smallest channel name at that instant.
  return "if(arrayExists(c -> c != '', ch), arrayReduce('min', arrayFilter((c, t) -> c != '' AND "
         "t = arrayFirst((t2, c2) -> c2 != '', ts, ch), ch, ts)), " +
         QuoteString(analytics::kNoChannelLabel) + ")";
}

std::string GroupLabelSql(const Breakdown& by, const std::string& entry_event) {
  switch (by.kind) {
    case BreakdownKind::kNone:
      return "'all'";
    case BreakdownKind::kEntryChannel:
      // The view sorts a user's rows by (time, event, channel, ...), as the EventFrame does, so
      // "the first row" picks the same row as the kernel's GroupByEntryChannel even among
      // same-instant events. A user without the entry event gets '' here, hence "(none)".
      return ChannelLabelSql(entry_event.empty()
                                 ? std::string("ch[1]")
                                 : "arrayFirst((c, e) -> e = " + QuoteString(entry_event) +
                                       ", ch, ev)");
    case BreakdownKind::kFirstChannel:
      return FirstChannelSql();
    case BreakdownKind::kTable:
      // ANY LEFT JOIN fills a user without a row with defaults: fw_hit = 0.
      return std::string("if(fw_hit = 1, fw_label, ") + QuoteString(by.missing_label) + ")";
  }
  return "'all'";
}

std::string BreakdownJoinSql(const Breakdown& by) {
  if (by.kind != BreakdownKind::kTable) return "";
  return std::string(" ANY LEFT JOIN ") + kLabelTable + " USING user_id";
}

ExternalTable BreakdownLabelTable(const Breakdown& by) {
  ExternalTable table{.name = kLabelTable,
                      .structure = "user_id String, fw_label String, fw_hit UInt8",
                      .tsv = {}};
  table.tsv.reserve(by.labels.size() * 24);
  for (const auto& [user_id, label] : by.labels) {
    AppendTsvField(table.tsv, user_id);
    table.tsv.push_back('\t');
    AppendTsvField(table.tsv, label);
    table.tsv += "\t1\n";
  }
  return table;
}

}  // namespace fw::clickhouse
