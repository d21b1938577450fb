// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_event_sink.h: POST /v1/events into ClickHouse, group-committed.
//
// A request thread validates its batch with StreamIngester::Prepare (the embedded path's code,
// off every lock), queues it and blocks. One committer thread takes every pending batch as one
// group, as EventCollector does (batches that arrive during an INSERT form the next group):
//   1. dedups by event key within the group (earlier batches and earlier rows first), as the
//      embedded ingest dedups within a file;
//   2. asks ClickHouse which of the rest are stored already (same user, µs time and key: the
//      rows ReplacingMergeTree collapses; Backend::StoredEvents) and counts them as duplicates,
//      so a retried batch answers "duplicates", not "accepted", and is not sent again;
//   3. sends the others in one synchronous INSERT (insert_distributed_sync=1: on a cluster
//      every shard holds its rows when it returns);
//   4. appends the group's rejects to the embedded workspace's rejects table, under the
//      workspace mutex, where `ingest --backend` puts them too.
// Only then does any Submit of the group return, so a 2xx means the accepted events are in
// ClickHouse. If any step fails, every request of the group gets kUnavailable (HTTP 503) and
// nothing of it is acknowledged; an INSERT that reached ClickHouse although the answer was
// lost is harmless, because the client's retry then finds those rows stored (step 2), and
// ReplacingMergeTree with FINAL would collapse them anyway.
// Two servers posting the same event at the same instant may both count it accepted; the
// stored count stays exact (FINAL). Caveat as for `ingest --backend` (docs/scaling.md): two
// posts of one event_id with another user or time are two rows in ClickHouse.
//
// Thread safety: Submit from any thread; Stop once, from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "event_sink.h"
#include "flywheel/clickhouse/backend.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

class ClickHouseEventSink : public EventSink {
 public:
  // `workspace` (for the rejects) and `workspace_mu` must outlive the sink. `backend` was
  // connected, with its schema ensured, by the caller; the committer thread owns it.
  static Result<std::unique_ptr<ClickHouseEventSink>> Start(
      std::unique_ptr<clickhouse::Backend> backend, store::Workspace& workspace,
      std::mutex& workspace_mu);
  ~ClickHouseEventSink() override;

  Result<ingest::StreamBatchResult> Submit(std::string ndjson, std::string source) override;
  int64_t TakeNewEvents() override { return new_events_.exchange(0); }
  void Stop() override;

 private:
  struct Pending {
    std::unique_ptr<ingest::PreparedBatch> batch;
    std::promise<Result<ingest::StreamBatchResult>> done;
  };
  ClickHouseEventSink(std::unique_ptr<clickhouse::Backend> backend, store::Workspace& workspace,
                      std::mutex& workspace_mu);
  void Loop();
  // Steps 1-4 above; one result per batch of `group`, or the group's error.
  Result<std::vector<ingest::StreamBatchResult>> CommitGroup(
      std::vector<std::unique_ptr<Pending>>& group);

  std::unique_ptr<clickhouse::Backend> backend_;  // used by the committer thread only
  store::Workspace& workspace_;
  std::mutex& workspace_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Pending>> pending_;  // guarded by mu_
  bool stopping_ = false;                         // guarded by mu_
  std::thread thread_;
  std::atomic<int64_t> new_events_{0};
};

}  // namespace fw::server
