// SPDX-License-Identifier: Apache-2.0
//
// backend.h: Flywheel's events and analytics on a ClickHouse server or cluster.
//
// Schema (created by EnsureSchema, idempotent):
//   - one server: DB.events, a ReplacingMergeTree ORDER BY (user_id, time_us, key_hi, key_lo);
//   - cluster=NAME: DB.events_local with that engine on every shard, and DB.events, a
//     Distributed table over it sharded by sipHash64(user_id), so each user lives on one shard;
//   - DB.events_by_user (on a cluster: a view per shard behind a Distributed table): one row per
//     user with the user's events as time-sorted arrays, read from the events table with FINAL.
// Dedup: key_hi/key_lo is the 128-bit key ingest computes (the event_id, or the normalised row
// when there is no event_id). A re-sent row is identical in every sorting-key column, so
// ReplacingMergeTree collapses it in merges and FINAL collapses it at query time; counts are
// exact after an interrupted ingest is re-run. (18.16 has no insert-dedup token for
// non-replicated tables, hence FINAL.)
// Rejects stay in the embedded workspace (--db): they are few, and the CLI lists them there.
//
// Thread safety: one Backend per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/clickhouse/breakdown.h"
#include "flywheel/clickhouse/client.h"
#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"
#include "flywheel/experiment/event_metrics.h"
#include "flywheel/segment/features.h"
#include "flywheel/store/workspace.h"

namespace fw::clickhouse {

// What `flywheel info` shows for a ClickHouse backend.
// The segment features of every user, rows in user_id order (the EventFrame's user order).
struct UserFeatureMatrix {
  Matrix features;
  std::vector<std::string> user_ids;
};

struct BackendInfo {
  std::string url;
  std::string server_version;
  std::string cluster;       // empty for one server
  int64_t num_shards = 1;
  int64_t num_events = 0;    // after dedup
  int64_t num_users = 0;
  int64_t min_time_us = 0;   // 0 when empty
  int64_t max_time_us = 0;
};

// One row of the events table (what UploadEvents sends, and serve's POST /v1/events).
struct EventRow {
  std::string_view user_id;
  int64_t time_us = 0;
  std::string_view event, channel, campaign;  // channel and campaign '' when absent
  double revenue = 0;                         // 0 when absent
  uint64_t key_hi = 0, key_lo = 0;            // ingest's 128-bit event key
};

// GET /v1/summary's counts over the deduplicated events (see Backend::Totals).
struct EventTotals {
  int64_t num_events = 0, num_users = 0;
  int64_t min_time_us = 0, max_time_us = 0;  // 0 when empty
  int64_t events_last_hour = 0;              // time_us > max_time_us - 1 h
  int64_t purchases = 0;                     // events named "purchase"
  double purchase_revenue = 0;
};

class Backend {
 public:
  // Parses nothing: takes a parsed URL, checks the entry node answers. kUnavailable otherwise.
  static Result<std::unique_ptr<Backend>> Connect(const BackendUrl& url);

  const BackendUrl& url() const { return url_; }

  // Creates the database and tables if missing (on every shard listed in the URL). With a
  // cluster but no shards= list, the per-shard tables must exist already; kFailedPrecondition
  // says so otherwise.
  Status EnsureSchema();

  // Sends the events table of `staging` (a workspace that ingest just validated a file into) in
  // RowBinary chunks of `chunk_rows`. Inserts into a Distributed table are synchronous, so when
  // this returns OK every shard has its rows. Returns the rows sent.
  Result<int64_t> UploadEvents(store::Workspace& staging, int64_t chunk_rows = 500000);

  Result<BackendInfo> Info();

  // --- For `flywheel serve` on ClickHouse (live.cc) ---
  // Inserts `rows` with one synchronous INSERT (UploadEvents' path): OK means every shard
  // holds them.
  Status InsertEvents(std::span<const EventRow> rows);
  // The indices of `rows` already stored: same user, time and key, i.e. the rows
  // ReplacingMergeTree would collapse. The candidates go along as external data, and the
  // lookup uses the sorting key, so it reads only those users' granules.
  Result<std::vector<size_t>> StoredEvents(std::span<const EventRow> rows);
  // Counts for the dashboard (two queries over events FINAL).
  Result<EventTotals> Totals();
  // Per-window sums of an alert metric ("conversion:EVENT" counts or "revenue") for each value
  // of `by` ("", channel or campaign; '' reads as "none"): the last `windows` windows of
  // `window_us` ending at the newest event, oldest first. Keyed by label ("" without by).
  Result<std::map<std::string, std::vector<double>>> WindowSums(const std::string& metric,
                                                                const std::string& by,
                                                                int64_t window_us, int windows);

  // The metrics, as in docs/metrics.md; results equal the EventFrame kernels' for the same data.
  // `by` is the --by breakdown: one table per label of any user, in label order, as the
  // kernels return them (a kTable breakdown sends its labels with the query).
  Result<analytics::RetentionResult> Retention(const analytics::RetentionDefinition& definition,
                                               const Breakdown& by = {});
  Result<analytics::FunnelResult> Funnel(const analytics::FunnelDefinition& definition,
                                         const Breakdown& by = {});
  Result<std::vector<analytics::LifecycleTable>> Lifecycle(
      const analytics::LifecycleDefinition& definition, const Breakdown& by = {});
  // Acquisition and attribution over the events here and `spend` (which stays in the embedded
  // workspace); the per-user work and the credit split run in ClickHouse, in integer units.
  Result<analytics::AcquisitionResult> Acquisition(
      const analytics::AcquisitionDefinition& definition,
      const std::vector<analytics::SpendRow>& spend);

  // The segment features (segment/features.h) of every user: the per-user counts are computed
  // in ClickHouse and stream back as RowBinary, parsed piece by piece (only the matrix and the
  // ids are held); segment::FillFeatureRow derives the features, as on the embedded path.
  Result<UserFeatureMatrix> UserFeatures(const segment::FeatureOptions& options);

  // The experiment metrics of every exposed user (`user_ids[i]` first exposed at
  // `exposure_us[i]`), as experiment::ComputeExposureMetrics returns them: the exposures go to
  // ClickHouse as external data with the query, the per-user values come back as RowBinary.
  Result<experiment::ExposureMetricValues> ExposureMetrics(
      const std::vector<std::string>& user_ids, std::span<const int64_t> exposure_us,
      const std::vector<experiment::ResolvedMetric>& metrics, int64_t window_us);

 private:
  explicit Backend(BackendUrl url);
  std::string Table(const std::string& name) const { return url_.database + "." + name; }
  // Sends RowBinary rows of the events table with insert_distributed_sync=1.
  Status InsertRowBinary(const std::string& body);
  // count(), min and max time over the deduplicated events; kFailedPrecondition when empty.
  Status LoadExtent();
  // kNotFound naming the first of `events` that never occurs.
  Status CheckEventsExist(const std::vector<std::string>& events);
  // `settings`: extra query settings ("name=value").
  Result<std::vector<std::vector<std::string>>> QueryRows(
      const std::string& sql, const std::vector<std::string>& settings = {});
  // QueryRows for SQL over the per-user view, whose GROUP BY user_id otherwise hands all of a
  // server's users to the next step as one block: past kPerUserSpillBytes of aggregation state
  // the GROUP BY spills to disk and then emits one block per hash bucket (1/256 of the users),
  // so what a query does per user (an ARRAY JOIN, array lambdas) holds one bucket at a time.
  Result<std::vector<std::vector<std::string>>> QueryPerUser(const std::string& sql);
  // QueryPerUser for metric SQL grouped by `by`: a kTable breakdown's labels go along as
  // external data.
  Result<std::vector<std::vector<std::string>>> QueryGrouped(const std::string& sql,
                                                             const Breakdown& by);
  // The settings QueryPerUser adds (also for streamed per-user answers).
  static std::vector<std::string> PerUserSettings();

  BackendUrl url_;
  Client client_;
  int64_t num_events_ = 0;
  int64_t min_time_us_ = 0;
  int64_t max_time_us_ = 0;
};

}  // namespace fw::clickhouse
