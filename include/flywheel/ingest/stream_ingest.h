// SPDX-License-Identifier: Apache-2.0
//
// stream_ingest.h: validating and appending in-memory JSON Lines batches, for a long-lived
// writer such as `flywheel serve`.
//
// The rows go through exactly the same RowSource/RowValidator/dedup path as IngestFile, so a
// row that `flywheel ingest` would reject is rejected here with the same reason code. The
// difference is the lifetime: a StreamIngester loads the table's dedup keys once and keeps them
// in memory across batches, and it does not own the transaction, so a caller can put many
// batches (many HTTP requests) into one commit: group commit.
//
// A caller that wants the parsing off its lock splits AppendJsonLines in two: Prepare (pure:
// parse and validate, any thread, no workspace) and AppendPrepared (dedup and append, under the
// lock, one appender per table for a whole group of batches).
//
// Thread safety: Prepare is a static pure function; the rest is not thread-safe: one
// StreamIngester per Workspace, used under the caller's lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/core/hash.h"
#include "flywheel/ingest/ingest.h"
#include "flywheel/store/row_batch.h"
#include "flywheel/store/workspace.h"

namespace fw::ingest {

// One rejected row of a batch.
struct StreamReject {
  size_t line = 0;     // 1-based line of the JSON Lines text
  std::string column;  // offending field, empty for a broken line
  std::string reason;  // ingest's reason code (missing_field, bad_timestamp, bad_json_line, ...)
  std::string message; // human-readable, quotes the value
};

// What one batch did.
struct StreamBatchResult {
  int64_t rows_read = 0;
  int64_t inserted = 0;
  int64_t duplicates = 0;  // already stored, earlier in this ingester's life, or earlier in the batch
  std::vector<StreamReject> rejects;
};

// One batch parsed and validated by StreamIngester::Prepare, not yet deduplicated. It owns the
// bytes its cells point into, so it must not be copied or moved: keep it behind its unique_ptr.
struct PreparedBatch {
  PreparedBatch() = default;
  PreparedBatch(const PreparedBatch&) = delete;
  PreparedBatch& operator=(const PreparedBatch&) = delete;

  std::string bytes, source;
  std::deque<std::string> arena;  // decoded values the cells point into
  store::RowBatch rows;           // valid rows, key columns first (the table's layout)
  std::vector<Hash128> keys;      // one per row of `rows`
  int64_t rows_read = 0;
  int64_t now_us = 0;
  std::vector<StreamReject> rejects;
  std::vector<std::string> raw_rejects;  // the rejected lines (first 4 KiB, valid UTF-8)
};

class StreamIngester {
 public:
  // Parses and validates the JSON Lines `bytes` as AppendJsonLines does, without touching any
  // workspace or dedup state. Errors: kInvalidArgument if `bytes` holds no line at all.
  static Result<std::unique_ptr<PreparedBatch>> Prepare(TableKind kind, std::string bytes,
                                                        std::string source, int64_t now_us = 0);

  // Dedups the prepared batches in order (against the table, earlier batches and earlier rows)
  // and appends their new rows and rejects in the caller's transaction; one result per batch.
  // After an error or a rollback, call ReloadKeys() as for AppendJsonLines. When `appended`
  // is given, it receives (batch index, row of that batch's `rows`) of every row appended, in
  // append order (serve feeds them to its hot frame once the transaction commits).
  Result<std::vector<StreamBatchResult>> AppendPrepared(
      const std::vector<PreparedBatch*>& batches,
      std::vector<std::pair<uint32_t, uint32_t>>* appended = nullptr);

  // Appends the rejects of `batches` to `workspace`'s rejects table (the rows AppendPrepared
  // writes), for a caller that stores the valid rows elsewhere (serve on ClickHouse).
  static Status AppendRejects(store::Workspace& workspace, TableKind kind,
                              const std::vector<PreparedBatch*>& batches);

  // Loads the dedup keys of `kind`'s table from `workspace` (which must outlive the ingester).
  static Result<std::unique_ptr<StreamIngester>> Open(store::Workspace& workspace, TableKind kind);
  ~StreamIngester();

  // Validates the JSON Lines `bytes` (one object per line), appends the valid, new rows to the
  // table and the rejects to `rejects` (with `source`), all inside the caller's open
  // transaction. `now_us` is "now" for the future-timestamp check (0 = the clock).
  // Errors: kInvalidArgument if `bytes` holds no line at all; store errors otherwise. After any
  // error, or after the caller rolls back a transaction this batch was part of, call
  // ReloadKeys(): the in-memory keys may name rows that were not stored.
  Result<StreamBatchResult> AppendJsonLines(std::string_view bytes, const std::string& source,
                                            int64_t now_us = 0);

  // Re-reads the dedup keys from the table (after a rollback).
  Status ReloadKeys();

  // Number of dedup keys held (rows stored in the table plus rows appended since).
  size_t num_keys() const;

 private:
  struct Impl;
  explicit StreamIngester(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::ingest
