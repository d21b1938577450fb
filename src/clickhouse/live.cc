// SPDX-License-Identifier: Apache-2.0
//
// live.cc: what `flywheel serve` needs from a ClickHouse backend beyond the CLI's queries:
// inserting one group of posted events, finding which of them are stored already, and the
// dashboard's and the alerts' small aggregates.
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "flywheel/clickhouse/backend.h"
#include "row_binary.h"

namespace fw::clickhouse {
namespace {

int64_t ToInt(const std::string& text) { return std::strtoll(text.c_str(), nullptr, 10); }

// The key of one row for matching the lookup's answer back to the candidates.
std::string RowKey(std::string_view user, int64_t time_us, uint64_t hi, uint64_t lo) {
  std::string out(user);
  out += '\t' + std::to_string(time_us) + '\t' + std::to_string(hi) + '\t' + std::to_string(lo);
  return out;
}

}  // namespace

Status Backend::InsertEvents(std::span<const EventRow> rows) {
  if (rows.empty()) return OkStatus();
  std::string body;
  body.reserve(rows.size() * 64);
  for (const EventRow& row : rows) AppendEventRow(body, row);
  return InsertRowBinary(body);
}

Result<std::vector<size_t>> Backend::StoredEvents(std::span<const EventRow> rows) {
  std::vector<size_t> out;
  if (rows.empty()) return out;
  ExternalTable candidates{.name = "fw_candidates",
                           .structure = "user_id String, time_us Int64, key_hi UInt64, "
                                        "key_lo UInt64",
                           .tsv = {}};
  candidates.tsv.reserve(rows.size() * 64);
  std::unordered_map<std::string, size_t> index;
  index.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const EventRow& r = rows[i];
    AppendTsvField(candidates.tsv, r.user_id);
    candidates.tsv += '\t' + std::to_string(r.time_us) + '\t' + std::to_string(r.key_hi) + '\t' +
                      std::to_string(r.key_lo) + '\n';
    index.emplace(RowKey(r.user_id, r.time_us, r.key_hi, r.key_lo), i);
  }
  // A plain (not GLOBAL) IN: on a cluster every shard receives the external table and matches
  // its own users; the tuple is the sorting key, so the primary index narrows the read.
  const std::string sql = "SELECT DISTINCT user_id, time_us, key_hi, key_lo FROM " +
                          Table("events") +
                          " WHERE (user_id, time_us, key_hi, key_lo) IN (SELECT user_id, "
                          "time_us, key_hi, key_lo FROM fw_candidates) FORMAT TSV";
  std::string answer;
  FW_RETURN_IF_ERROR(client_.QueryStream(
      sql, {"skip_unavailable_shards=0"},
      [&](std::string_view piece) {
        answer.append(piece);
        return OkStatus();
      },
      &candidates));
  for (const auto& row : ParseTsv(answer)) {
    if (row.size() != 4) return Internal("unexpected answer to the stored-events lookup");
    auto it = index.find(RowKey(row[0], ToInt(row[1]), std::strtoull(row[2].c_str(), nullptr, 10),
                                std::strtoull(row[3].c_str(), nullptr, 10)));
    if (it != index.end()) out.push_back(it->second);
  }
  return out;
}

Result<EventTotals> Backend::Totals() {
  EventTotals t;
  FW_ASSIGN_OR_RETURN(auto rows, QueryRows("SELECT count(), uniqExact(user_id), min(time_us), "
                                           "max(time_us), countIf(event = 'purchase'), "
                                           "sumIf(revenue, event = 'purchase') FROM " +
                                           Table("events") + " FINAL FORMAT TSV"));
  if (rows.size() != 1 || rows[0].size() != 6) return Internal("unexpected answer to totals");
  t.num_events = ToInt(rows[0][0]);
  if (t.num_events == 0) return t;
  t.num_users = ToInt(rows[0][1]);
  t.min_time_us = ToInt(rows[0][2]);
  t.max_time_us = ToInt(rows[0][3]);
  t.purchases = ToInt(rows[0][4]);
  t.purchase_revenue = std::strtod(rows[0][5].c_str(), nullptr);
  // A second query rather than a scalar subquery: on a Distributed table that subquery would
  // run on every shard against the Distributed table again.
  FW_ASSIGN_OR_RETURN(auto last, QueryRows("SELECT count() FROM " + Table("events") +
                                           " FINAL WHERE time_us > " +
                                           std::to_string(t.max_time_us - 3'600'000'000LL) +
                                           " FORMAT TSV"));
  if (last.size() != 1 || last[0].empty()) return Internal("unexpected answer to totals");
  t.events_last_hour = ToInt(last[0][0]);
  return t;
}

Result<std::map<std::string, std::vector<double>>> Backend::WindowSums(const std::string& metric,
                                                                       const std::string& by,
                                                                       int64_t window_us,
                                                                       int windows) {
  std::map<std::string, std::vector<double>> out;
  if (window_us <= 0 || windows <= 0) return out;
  if (!by.empty() && by != "channel" && by != "campaign") {
    return InvalidArgument("by '" + by + "': expected channel or campaign");
  }
  const bool revenue = metric == "revenue";
  if (!revenue && metric.rfind("conversion:", 0) != 0) {
    return InvalidArgument("metric '" + metric + "': expected conversion:<event> or revenue");
  }
  FW_ASSIGN_OR_RETURN(auto extent, QueryRows("SELECT count(), max(time_us) FROM " +
                                             Table("events") + " FORMAT TSV"));
  if (extent.size() != 1 || extent[0].size() != 2) return Internal("unexpected answer to max");
  if (ToInt(extent[0][0]) == 0) return out;
  const int64_t end = ToInt(extent[0][1]);
  // Window j holds ages [j w, (j + 1) w), age = end - time_us (the frame's rule, alerts.h).
  std::string sql = "SELECT " + (by.empty() ? std::string("''") : by) + " AS g, intDiv(" +
                    std::to_string(end) + " - time_us, " + std::to_string(window_us) + ") AS j, " +
                    (revenue ? "sum(revenue)" : "toFloat64(count())") + " FROM " +
                    Table("events") + " FINAL WHERE time_us > " +
                    std::to_string(end - window_us * windows);
  if (!revenue) sql += " AND event = " + QuoteString(metric.substr(metric.find(':') + 1));
  sql += " GROUP BY g, j FORMAT TSV";  // 18.16 has no positional GROUP BY
  FW_ASSIGN_OR_RETURN(auto rows, QueryRows(sql));
  for (const auto& row : rows) {
    if (row.size() != 3) return Internal("unexpected answer to the alert windows");
    const int64_t j = ToInt(row[1]);
    if (j < 0 || j >= windows) continue;
    const std::string label = by.empty() ? "" : row[0].empty() ? "none" : row[0];
    auto& sums = out[label];
    if (sums.empty()) sums.assign(static_cast<size_t>(windows), 0.0);
    sums[static_cast<size_t>(windows - 1 - j)] += std::strtod(row[2].c_str(), nullptr);
  }
  return out;
}

}  // namespace fw::clickhouse
