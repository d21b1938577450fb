// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_event_sink.cc: the group-commit loop into ClickHouse (see clickhouse_event_sink.h).
#include "clickhouse_event_sink.h"

#include <string_view>
#include <unordered_set>

namespace fw::server {
namespace {

struct KeyHash {
  size_t operator()(const Hash128& k) const { return static_cast<size_t>(k.hi ^ (k.lo * 31)); }
};

// The index of column `name` in a prepared events batch; the layout is ingest's events table.
Result<size_t> ColumnIndex(const store::RowBatch& rows, std::string_view name) {
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    if (rows.columns[c].name == name) return c;
  }
  return Internal("prepared events batch has no column '" + std::string(name) + "'");
}

}  // namespace

ClickHouseEventSink::ClickHouseEventSink(std::unique_ptr<clickhouse::Backend> backend,
                                         store::Workspace& workspace, std::mutex& workspace_mu)
    : backend_(std::move(backend)), workspace_(workspace), workspace_mu_(workspace_mu) {}

Result<std::unique_ptr<ClickHouseEventSink>> ClickHouseEventSink::Start(
    std::unique_ptr<clickhouse::Backend> backend, store::Workspace& workspace,
    std::mutex& workspace_mu) {
  std::unique_ptr<ClickHouseEventSink> sink(
      new ClickHouseEventSink(std::move(backend), workspace, workspace_mu));
  sink->thread_ = std::thread([raw = sink.get()] { raw->Loop(); });
  return sink;
}

ClickHouseEventSink::~ClickHouseEventSink() { Stop(); }

Result<ingest::StreamBatchResult> ClickHouseEventSink::Submit(std::string ndjson,
                                                              std::string source) {
  auto pending = std::make_unique<Pending>();
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

void ClickHouseEventSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClickHouseEventSink::Loop() {
  // A worker-thread entry point: no exception may escape (STYLE B2.4).
  while (true) {
    std::vector<std::unique_ptr<Pending>> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      while (!pending_.empty()) {
        group.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      if (group.empty()) return;  // stopping, and everything pending was committed
    }
    Result<std::vector<ingest::StreamBatchResult>> results = Internal("not run");
    try {
      results = CommitGroup(group);
    } catch (const std::exception& e) {
      results = Internal(std::string("event commit failed: ") + e.what());
    }
    int64_t inserted = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      if (!results.ok()) {
        group[i]->done.set_value(Unavailable("events were not stored in ClickHouse (" +
                                             results.status().message() +
                                             "); retry with the same event_id values"));
        continue;
      }
      inserted += (*results)[i].inserted;
      group[i]->done.set_value(std::move((*results)[i]));
    }
    new_events_ += inserted;
  }
}

Result<std::vector<ingest::StreamBatchResult>> ClickHouseEventSink::CommitGroup(
    std::vector<std::unique_ptr<Pending>>& group) {
  std::vector<ingest::StreamBatchResult> results(group.size());
  std::vector<clickhouse::EventRow> rows;
  std::vector<size_t> owner;  // the batch of rows[i]
  std::unordered_set<Hash128, KeyHash> seen;
  // 1. Dedup within the group, by key, in arrival order.
  for (size_t b = 0; b < group.size(); ++b) {
    const ingest::PreparedBatch& p = *group[b]->batch;
    ingest::StreamBatchResult& r = results[b];
    r.rows_read = p.rows_read;
    r.rejects = p.rejects;
    if (p.rows.num_rows == 0) continue;
    FW_ASSIGN_OR_RETURN(const size_t user, ColumnIndex(p.rows, "user_id"));
    FW_ASSIGN_OR_RETURN(const size_t ts, ColumnIndex(p.rows, "timestamp"));
    FW_ASSIGN_OR_RETURN(const size_t event, ColumnIndex(p.rows, "event"));
    FW_ASSIGN_OR_RETURN(const size_t channel, ColumnIndex(p.rows, "channel"));
    FW_ASSIGN_OR_RETURN(const size_t campaign, ColumnIndex(p.rows, "campaign"));
    FW_ASSIGN_OR_RETURN(const size_t revenue, ColumnIndex(p.rows, "revenue"));
    const auto& cols = p.rows.columns;
    auto text = [&](size_t c, size_t i) {
      return cols[c].valid[i] ? cols[c].text[i] : std::string_view();
    };
    for (size_t i = 0; i < p.rows.num_rows; ++i) {
      if (!seen.insert(p.keys[i]).second) {
        ++r.duplicates;
        continue;
      }
      rows.push_back({.user_id = text(user, i),
                      .time_us = cols[ts].ints[i],
                      .event = text(event, i),
                      .channel = text(channel, i),
                      .campaign = text(campaign, i),
                      .revenue = cols[revenue].valid[i] ? cols[revenue].doubles[i] : 0.0,
                      .key_hi = p.keys[i].hi,
                      .key_lo = p.keys[i].lo});
      owner.push_back(b);
    }
  }
  // 2. The rows ClickHouse holds already are duplicates (a retry, or another server's post).
  FW_ASSIGN_OR_RETURN(const std::vector<size_t> stored, backend_->StoredEvents(rows));
  std::vector<uint8_t> keep(rows.size(), 1);
  for (size_t i : stored) {
    if (!keep[i]) continue;
    keep[i] = 0;
    ++results[owner[i]].duplicates;
  }
  std::vector<clickhouse::EventRow> fresh;
  fresh.reserve(rows.size() - stored.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!keep[i]) continue;
    fresh.push_back(rows[i]);
    ++results[owner[i]].inserted;
  }
  // 3. One synchronous INSERT for the whole group.
  FW_RETURN_IF_ERROR(backend_->InsertEvents(fresh));
  // 4. The rejects stay in the embedded workspace.
  std::vector<ingest::PreparedBatch*> batches;
  bool any_rejects = false;
  for (auto& p : group) {
    batches.push_back(p->batch.get());
    any_rejects = any_rejects || !p->batch->rejects.empty();
  }
  if (any_rejects) {
    std::lock_guard<std::mutex> lock(workspace_mu_);
    FW_RETURN_IF_ERROR(ingest::StreamIngester::AppendRejects(workspace_, ingest::TableKind::kEvents,
                                                             batches));
  }
  return results;
}

}  // namespace fw::server
