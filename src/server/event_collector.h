// SPDX-License-Identifier: Apache-2.0
//
// event_collector.h: group commit for POST /v1/events, plus the exposure log of /v1/assign.
//
// A request thread parses and validates its batch (JSON Lines) itself, with ingest's
// StreamIngester::Prepare, off every lock, then hands it to Submit() and blocks. One committer
// thread wakes on the first pending batch, waits `commit_window_us` for more, then, under the
// workspace mutex, opens one transaction, dedups every pending batch in arrival order (against
// the table and the batches before it) and appends all their rows with one appender, appends
// pending exposures, and commits. Only after Commit() returned does any Submit()
// return, so an accepted event is durable before the client hears about it. If anything in
// the group fails, the whole group is rolled back, the dedup keys are reloaded, and every
// request of the group gets kUnavailable (the client retries; event_id dedups the retry).
// After a successful commit, and before any request of the group returns, the stored rows
// (deduplicated: only those appended) go to the FrameDelta given at Start, if any, so the
// server's hot frame can merge them instead of rescanning the table.
//
// Thread safety: Submit/LogExposure from any thread; Stop once, from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/ingest/stream_ingest.h"
#include "flywheel/store/workspace.h"
#include "event_sink.h"
#include "frame_delta.h"

namespace fw::server {

class EventCollector : public EventSink {
 public:
  // `workspace` and `workspace_mu` (which guards it) must outlive the collector, and so must
  // `delta` (null: committed rows are not passed on). The rows are added under workspace_mu.
  static Result<std::unique_ptr<EventCollector>> Start(store::Workspace& workspace,
                                                       std::mutex& workspace_mu,
                                                       int64_t commit_window_us,
                                                       FrameDelta* delta = nullptr);
  ~EventCollector() override;

  // Validates, dedups and durably appends the JSON Lines `ndjson`; blocks until committed.
  Result<ingest::StreamBatchResult> Submit(std::string ndjson, std::string source) override;

  // Queues one exposure row (a JSON object line) for the next commit; does not wait.
  void LogExposure(std::string json_line);

  // Flushes what is pending and stops the committer thread. Idempotent.
  void Stop() override;

  // Events committed since the last call (for the hot frame's reload trigger).
  int64_t TakeNewEvents() override { return new_events_.exchange(0); }

 private:
  struct Pending {
    std::unique_ptr<ingest::PreparedBatch> batch;
    std::promise<Result<ingest::StreamBatchResult>> done;
  };
  EventCollector(store::Workspace& workspace, std::mutex& workspace_mu, int64_t window_us,
                 FrameDelta* delta);
  void Loop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group,
                   std::vector<std::string>& exposures);

  store::Workspace& workspace_;
  std::mutex& workspace_mu_;
  const int64_t window_us_;
  FrameDelta* const delta_;  // may be null
  std::unique_ptr<ingest::StreamIngester> events_;     // used under workspace_mu_
  std::unique_ptr<ingest::StreamIngester> exposures_;  // used under workspace_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Pending>> pending_;  // guarded by mu_
  std::vector<std::string> pending_exposures_;    // guarded by mu_
  bool stopping_ = false;                         // guarded by mu_
  std::thread thread_;
  std::atomic<int64_t> new_events_{0};
};

}  // namespace fw::server
