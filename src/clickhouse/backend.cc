// SPDX-License-Identifier: Apache-2.0
//
// backend.cc: connecting, the schema, uploading validated events, and `info`.
#include "flywheel/clickhouse/backend.h"

#include <cstdlib>
#include <cstring>

#include "row_binary.h"

namespace fw::clickhouse {
namespace {

// 256 MB: a quarter of what a server needs per query at most (docs/scaling.md); ClickHouse
// advises a spill threshold of half max_memory_usage at most.
constexpr int64_t kPerUserSpillBytes = 256LL << 20;

constexpr const char* kEventColumns =
    "(user_id String, time_us Int64, event String, channel String, campaign String, "
    "revenue Float64, key_hi UInt64, key_lo UInt64)";

// The per-user view. Sorting whole tuples (time first) keeps the arrays aligned and makes the
// order of same-instant events deterministic, although no definition depends on it.
std::string ByUserViewSql(const std::string& view, const std::string& events) {
  return "CREATE VIEW IF NOT EXISTS " + view +
         " AS SELECT user_id, arraySort(groupArray((time_us, event, channel, revenue))) AS evs, "
         "arrayMap(x -> tupleElement(x, 1), evs) AS ts, arrayMap(x -> tupleElement(x, 2), evs) "
         "AS ev, arrayMap(x -> tupleElement(x, 3), evs) AS ch, arrayMap(x -> tupleElement(x, "
         "4), evs) AS rev FROM " + events + " FINAL GROUP BY user_id";
}

constexpr const char* kByUserColumns =
    "(user_id String, ts Array(Int64), ev Array(String), ch Array(String), rev Array(Float64))";

std::string MergeTreeSql(const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + table + " " + kEventColumns +
         " ENGINE = ReplacingMergeTree ORDER BY (user_id, time_us, key_hi, key_lo)";
}

}  // namespace

Backend::Backend(BackendUrl url) : url_(std::move(url)), client_(url_.entry) {}

Result<std::unique_ptr<Backend>> Backend::Connect(const BackendUrl& url) {
  std::unique_ptr<Backend> backend(new Backend(url));
  FW_RETURN_IF_ERROR(backend->client_.Ping());
  return backend;
}

Status Backend::EnsureSchema() {
  const std::string db = url_.database;
  FW_RETURN_IF_ERROR(client_.Execute("CREATE DATABASE IF NOT EXISTS " + db));
  if (url_.cluster.empty()) {
    FW_RETURN_IF_ERROR(client_.Execute(MergeTreeSql(Table("events"))));
    return client_.Execute(ByUserViewSql(Table("events_by_user"), Table("events")));
  }
  // 18.16 runs ON CLUSTER DDL only through ZooKeeper, so the per-shard tables are created on
  // each shard's own HTTP endpoint.
  for (const Endpoint& shard : url_.shards) {
    Client shard_client(shard);
    FW_RETURN_IF_ERROR(shard_client.Execute("CREATE DATABASE IF NOT EXISTS " + db));
    FW_RETURN_IF_ERROR(shard_client.Execute(MergeTreeSql(Table("events_local"))));
    FW_RETURN_IF_ERROR(
        shard_client.Execute(ByUserViewSql(Table("events_by_user_local"), Table("events_local"))));
  }
  FW_ASSIGN_OR_RETURN(auto shards, QueryRows("SELECT count() FROM system.clusters WHERE cluster = " +
                                             QuoteString(url_.cluster) + " FORMAT TSV"));
  if (shards.empty() || shards[0].empty() || shards[0][0] == "0") {
    return NotFound("ClickHouse at " + url_.entry.ToString() + " has no cluster '" +
                    url_.cluster + "' in its remote_servers configuration");
  }
  FW_RETURN_IF_ERROR(client_.Execute("CREATE TABLE IF NOT EXISTS " + Table("events") + " " +
                                     kEventColumns + " ENGINE = Distributed(" + url_.cluster +
                                     ", " + db + ", events_local, sipHash64(user_id))"));
  return client_.Execute("CREATE TABLE IF NOT EXISTS " + Table("events_by_user") + " " +
                         kByUserColumns + " ENGINE = Distributed(" + url_.cluster + ", " + db +
                         ", events_by_user_local)");
}

Result<int64_t> Backend::UploadEvents(store::Workspace& staging, int64_t chunk_rows) {
  FW_ASSIGN_OR_RETURN(const int64_t total, staging.QueryInt("SELECT count(*) FROM events"));
  int64_t sent = 0;
  for (int64_t begin = 0; begin < total; begin += chunk_rows) {
    FW_ASSIGN_OR_RETURN(
        const store::QueryResult rows,
        staging.Query("SELECT user_id, epoch_us(ts), event, coalesce(channel, ''), "
                      "coalesce(campaign, ''), coalesce(revenue, 0), key_hi, key_lo FROM events "
                      "WHERE rowid >= ? AND rowid < ?",
                      {store::SqlValue(begin), store::SqlValue(begin + chunk_rows)}));
    std::string body;
    body.reserve(rows.rows.size() * 64);
    for (const auto& row : rows.rows) {
      auto text = [&](size_t i) -> std::string_view {
        return row[i] ? std::string_view(*row[i]) : std::string_view();
      };
      // DuckDB prints the shortest round-trip text, so strtod gives back the same double.
      AppendEventRow(body, {.user_id = text(0),
                            .time_us = std::strtoll(std::string(text(1)).c_str(), nullptr, 10),
                            .event = text(2),
                            .channel = text(3),
                            .campaign = text(4),
                            .revenue = std::strtod(std::string(text(5)).c_str(), nullptr),
                            .key_hi = std::strtoull(std::string(text(6)).c_str(), nullptr, 10),
                            .key_lo = std::strtoull(std::string(text(7)).c_str(), nullptr, 10)});
    }
    FW_RETURN_IF_ERROR(InsertRowBinary(body).WithContext(
        "sending events " + std::to_string(begin + 1) + ".." +
        std::to_string(begin + static_cast<int64_t>(rows.rows.size()))));
    sent += static_cast<int64_t>(rows.rows.size());
  }
  return sent;
}

Status Backend::InsertRowBinary(const std::string& body) {
  // Synchronous distributed inserts: the call returns only once every shard holds its rows,
  // and a shard that is down fails the insert instead of queueing it.
  const std::vector<std::string> settings = {"insert_distributed_sync=1"};
  return client_.Insert("INSERT INTO " + Table("events") +
                            " (user_id, time_us, event, channel, campaign, revenue, key_hi, "
                            "key_lo) FORMAT RowBinary",
                        body, settings);
}

Result<std::vector<std::vector<std::string>>> Backend::QueryRows(
    const std::string& sql, const std::vector<std::string>& settings) {
  // skip_unavailable_shards=0 (the default, set anyway): a missing shard fails the query.
  std::vector<std::string> all = {"skip_unavailable_shards=0"};
  all.insert(all.end(), settings.begin(), settings.end());
  FW_ASSIGN_OR_RETURN(const std::string body, client_.Query(sql, all));
  return ParseTsv(body);
}

std::vector<std::string> Backend::PerUserSettings() {
  // The sort spills too: an ORDER BY user_id over the per-user rows (segment features).
  return {"max_bytes_before_external_group_by=" + std::to_string(kPerUserSpillBytes),
          "max_bytes_before_external_sort=" + std::to_string(kPerUserSpillBytes)};
}

Result<std::vector<std::vector<std::string>>> Backend::QueryPerUser(const std::string& sql) {
  return QueryRows(sql, PerUserSettings());
}

Status Backend::LoadExtent() {
  FW_ASSIGN_OR_RETURN(auto rows, QueryRows("SELECT count(), min(time_us), max(time_us) FROM " +
                                           Table("events") + " FINAL FORMAT TSV"));
  if (rows.size() != 1 || rows[0].size() != 3) {
    return Internal("unexpected answer to the events extent query");
  }
  num_events_ = std::strtoll(rows[0][0].c_str(), nullptr, 10);
  min_time_us_ = std::strtoll(rows[0][1].c_str(), nullptr, 10);
  max_time_us_ = std::strtoll(rows[0][2].c_str(), nullptr, 10);
  if (num_events_ == 0) {
    return FailedPrecondition("the events table " + Table("events") + " at " + url_.text +
                              " is empty: ingest events first");
  }
  return OkStatus();
}

Status Backend::CheckEventsExist(const std::vector<std::string>& events) {
  if (events.empty()) return OkStatus();
  std::string list;
  for (const std::string& event : events) list += (list.empty() ? "" : ", ") + QuoteString(event);
  FW_ASSIGN_OR_RETURN(auto rows, QueryRows("SELECT DISTINCT event FROM " + Table("events") +
                                           " WHERE event IN (" + list + ") FORMAT TSV"));
  for (const std::string& event : events) {
    bool found = false;
    for (const auto& row : rows) found = found || (!row.empty() && row[0] == event);
    if (!found) return NotFound("event '" + event + "' does not occur in the events table");
  }
  return OkStatus();
}

Result<BackendInfo> Backend::Info() {
  BackendInfo info;
  info.url = url_.text;
  info.cluster = url_.cluster;
  FW_ASSIGN_OR_RETURN(auto version, QueryRows("SELECT version() FORMAT TSV"));
  if (!version.empty() && !version[0].empty()) info.server_version = version[0][0];
  if (!url_.cluster.empty()) {
    FW_ASSIGN_OR_RETURN(auto shards, QueryRows("SELECT count() FROM system.clusters WHERE "
                                               "cluster = " + QuoteString(url_.cluster) +
                                               " FORMAT TSV"));
    info.num_shards = std::strtoll(shards.at(0).at(0).c_str(), nullptr, 10);
  }
  FW_ASSIGN_OR_RETURN(auto rows, QueryRows("SELECT count(), uniqExact(user_id), min(time_us), "
                                           "max(time_us) FROM " + Table("events") +
                                           " FINAL FORMAT TSV"));
  if (rows.size() == 1 && rows[0].size() == 4) {
    info.num_events = std::strtoll(rows[0][0].c_str(), nullptr, 10);
    info.num_users = std::strtoll(rows[0][1].c_str(), nullptr, 10);
    info.min_time_us = info.num_events ? std::strtoll(rows[0][2].c_str(), nullptr, 10) : 0;
    info.max_time_us = info.num_events ? std::strtoll(rows[0][3].c_str(), nullptr, 10) : 0;
  }
  return info;
}

}  // namespace fw::clickhouse
