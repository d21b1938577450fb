// SPDX-License-Identifier: Apache-2.0
//
// event_collector.cc: the group-commit loop (see event_collector.h).
#include "event_collector.h"

#include <chrono>

namespace fw::server {

namespace {

// The frame's view of the appended rows: `appended` names (batch, row) pairs of `group`.
template <typename Group>
std::vector<store::NewEvent> FrameRows(const Group& group,
                                       const std::vector<std::pair<uint32_t, uint32_t>>& appended) {
  std::vector<store::NewEvent> out;
  if (appended.empty()) return out;
  const store::RowBatch& layout = group[0]->batch->rows;  // every batch has the table's layout
  auto column = [&](std::string_view name) -> size_t {
    for (size_t c = 0; c < layout.columns.size(); ++c) {
      if (layout.columns[c].name == name) return c;
    }
    return layout.columns.size();
  };
  const size_t user = column("user_id"), ts = column("timestamp"), event = column("event"),
               channel = column("channel"), campaign = column("campaign"),
               revenue = column("revenue");
  auto text = [](const store::BatchColumn& c, size_t i) {
    return c.valid[i] ? std::string(c.text[i]) : std::string();  // NULL reads as "" in a frame
  };
  out.reserve(appended.size());
  for (const auto& [b, i] : appended) {
    const store::RowBatch& rows = group[b]->batch->rows;
    store::NewEvent e;
    e.user_id = text(rows.columns.at(user), i);
    e.time_us = rows.columns.at(ts).ints[i];
    e.event = text(rows.columns.at(event), i);
    e.channel = text(rows.columns.at(channel), i);
    e.campaign = text(rows.columns.at(campaign), i);
    const store::BatchColumn& r = rows.columns.at(revenue);
    e.revenue = r.valid[i] ? r.doubles[i] : 0.0;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

EventCollector::EventCollector(store::Workspace& workspace, std::mutex& workspace_mu,
                               int64_t window_us, FrameDelta* delta)
    : workspace_(workspace), workspace_mu_(workspace_mu), window_us_(window_us), delta_(delta) {}

Result<std::unique_ptr<EventCollector>> EventCollector::Start(store::Workspace& workspace,
                                                              std::mutex& workspace_mu,
                                                              int64_t commit_window_us,
                                                              FrameDelta* delta) {
  std::unique_ptr<EventCollector> c(
      new EventCollector(workspace, workspace_mu, commit_window_us, delta));
  {
    std::lock_guard<std::mutex> lock(workspace_mu);
    FW_ASSIGN_OR_RETURN(c->events_, ingest::StreamIngester::Open(workspace, ingest::TableKind::kEvents));
    FW_ASSIGN_OR_RETURN(c->exposures_,
                        ingest::StreamIngester::Open(workspace, ingest::TableKind::kExposures));
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

EventCollector::~EventCollector() { Stop(); }

Result<ingest::StreamBatchResult> EventCollector::Submit(std::string ndjson, std::string source) {
  auto pending = std::make_unique<Pending>();
  // Parsing and validation run here, on the request's thread, in parallel with other requests
  // and with the committer's DuckDB work. A body without any line is this request's error.
  FW_ASSIGN_OR_RETURN(pending->batch, ingest::StreamIngester::Prepare(
                                          ingest::TableKind::kEvents, std::move(ndjson),
                                          std::move(source)));
  auto future = pending->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Unavailable("the server is shutting down; retry against the next one");
    pending_.push_back(std::move(pending));
  }
  cv_.notify_all();
  return future.get();
}

void EventCollector::LogExposure(std::string json_line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stopping_) pending_exposures_.push_back(std::move(json_line));
}

void EventCollector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventCollector::Loop() {
  // A worker-thread entry point: no exception may escape (STYLE B2.4).
  while (true) {
    std::vector<std::unique_ptr<Pending>> group;
    std::vector<std::string> exposures;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Exposures do not wake the loop on their own: they ride along with the next event group
      // or the next 200 ms tick, whichever comes first.
      cv_.wait_for(lock, std::chrono::milliseconds(200),
                   [this] { return stopping_ || !pending_.empty(); });
      if (!pending_.empty() && !stopping_ && window_us_ > 0) {
        // The batching window: let concurrent requests join this commit.
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(window_us_));
        lock.lock();
      }
      while (!pending_.empty()) {
        group.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      exposures.swap(pending_exposures_);
      if (group.empty() && exposures.empty()) {
        if (stopping_) return;
        continue;
      }
    }
    try {
      CommitGroup(group, exposures);
    } catch (const std::exception& e) {
      for (auto& p : group) {
        try {
          p->done.set_value(Internal(std::string("event commit failed: ") + e.what()));
        } catch (...) {  // promise already satisfied
        }
      }
    }
  }
}

void EventCollector::CommitGroup(std::vector<std::unique_ptr<Pending>>& group,
                                 std::vector<std::string>& exposures) {
  std::vector<ingest::StreamBatchResult> results;
  std::vector<std::pair<uint32_t, uint32_t>> appended;  // rows for the frame delta
  Status status;
  {
    std::lock_guard<std::mutex> lock(workspace_mu_);
    status = workspace_.Begin();
    if (status.ok()) {
      std::vector<ingest::PreparedBatch*> batches;
      for (auto& p : group) batches.push_back(p->batch.get());
      auto r = events_->AppendPrepared(batches, delta_ ? &appended : nullptr);
      if (r.ok()) {
        results = std::move(*r);
      } else {
        status = r.status();
      }
    }
    if (status.ok() && !exposures.empty()) {
      std::string lines;
      for (const auto& line : exposures) lines += line + "\n";
      auto r = exposures_->AppendJsonLines(lines, "serve /v1/assign");
      if (!r.ok()) status = r.status();
    }
    if (status.ok()) status = workspace_.Commit();
    // Still under workspace_mu: the server's full reload pins its snapshot and empties the
    // delta under the same mutex, so a committed row is in exactly one of the two.
    if (status.ok() && delta_) {
      try {
        delta_->Add(FrameRows(group, appended));
      } catch (const std::exception&) {  // the rows are stored; the frame catches up by reload
        delta_->Invalidate();
      }
    }
    if (!status.ok()) {
      workspace_.Rollback().IgnoreError();
      // Keys added for rows that were rolled back must be forgotten, or a retry would be
      // counted as a duplicate of a row that is not stored.
      events_->ReloadKeys().IgnoreError();
      exposures_->ReloadKeys().IgnoreError();
    }
  }
  int64_t inserted = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    if (!status.ok()) {
      group[i]->done.set_value(Unavailable("events were not stored (" + status.message() +
                                           "); retry with the same event_id values"));
      continue;
    }
    inserted += results[i].inserted;
    group[i]->done.set_value(std::move(results[i]));
  }
  new_events_ += inserted;
}

}  // namespace fw::server
