// SPDX-License-Identifier: Apache-2.0
//
// workspace.h: one Flywheel workspace = one DuckDB database file. The only door to DuckDB.
//
// Open() creates the file if needed and migrates the schema to the current version (see
// schema.cc for the tables: events, spend, exposures, rejects, segments, decisions, rewards,
// experiments, bandits, models, ingest_log, meta). Other modules read and write through
// Execute/Query with bound parameters (never by pasting user text into SQL), append typed row
// batches with Append, and load the EventFrame for analytics.
//
// DuckDB lets one process hold a file for writing. If another process (e.g. `flywheel serve`)
// holds it, Open returns kUnavailable with a message that says so and how to proceed.
//
// Thread safety: one Workspace per thread; it wraps one DuckDB connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "flywheel/core/hash.h"
#include "flywheel/core/result.h"
#include "flywheel/store/event_frame.h"
#include "flywheel/store/row_batch.h"

namespace fw::store {

// A bound SQL parameter: NULL, integer, double or text.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

// A query's result, every cell as text (NULL as nullopt), with each column's DuckDB type name
// ("BIGINT", "VARCHAR", ...) so printers can tell numbers from text.
struct QueryResult {
  std::vector<std::string> column_names;
  std::vector<std::string> column_types;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

struct OpenOptions {
  bool read_only = false;  // open without write access (for `flywheel sql` without --write)
};

class Workspace {
 public:
  // Opens (creating and migrating if needed) the workspace at `path`. ":memory:" opens an
  // in-memory workspace for tests. Errors: kUnavailable if another process holds the file,
  // kDataLoss if it is not a DuckDB file, kFailedPrecondition if its schema is newer than this
  // binary understands.
  static Result<std::unique_ptr<Workspace>> Open(const std::string& path,
                                                 const OpenOptions& options = {});
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::string& path() const { return path_; }

  // A second connection to the same open database, for long reads (such as the server's frame
  // reload) that should not hold up this connection's writers: each of its queries sees the
  // last committed state. It must be destroyed before this Workspace.
  Result<std::unique_ptr<Workspace>> OpenReader();

  // The schema version this workspace is at (CurrentSchemaVersion() after Open).
  int schema_version() const { return schema_version_; }
  static int CurrentSchemaVersion();

  // Runs a statement (or several separated by ';' when `params` is empty).
  Status Execute(const std::string& sql, const std::vector<SqlValue>& params = {});

  // Runs a query and returns all rows as text.
  Result<QueryResult> Query(const std::string& sql, const std::vector<SqlValue>& params = {});

  // A single integer from a query such as "SELECT count(*) FROM events".
  Result<int64_t> QueryInt(const std::string& sql, const std::vector<SqlValue>& params = {});

  // Transactions. Append() and Execute() between Begin() and Commit() are atomic.
  Status Begin();
  Status Commit();
  Status Rollback();

  // Appends `batch` to `table`; the batch's columns must match the table's columns in order.
  Status Append(const std::string& table, const RowBatch& batch);

  // The 128-bit dedup keys (key_hi, key_lo) stored in an ingested table (events, spend or
  // exposures), read in bulk for ingest's duplicate check.
  Result<std::vector<Hash128>> LoadDedupKeys(const std::string& table);

  // Loads the events table as an EventFrame (see event_frame.h for the layout). A file
  // workspace keeps a snapshot of the frame in "<path>.frame" and reuses it while the events
  // table is unchanged (see src/store/frame_cache.h). FW_FRAME_CACHE=off never uses it,
  // =always uses it whatever the size; by default only from kMinCachedEvents events on, where
  // building the frame costs more than reading the snapshot.
  // kBypass builds from the table and leaves the snapshot alone: for a reload that follows new
  // events (the server's), where the snapshot would miss and rewriting it costs more than it saves.
  enum class FrameCache { kUse, kBypass };
  Result<EventFrame> LoadEventFrame(FrameCache cache = FrameCache::kUse);
  static constexpr int64_t kMinCachedEvents = 100'000;

  // Whether the last LoadEventFrame() read the snapshot rather than the events table.
  bool last_frame_from_cache() const { return last_frame_from_cache_; }

  // Deletes the frame snapshot; for writes the fingerprint may not see (`sql --write`).
  void DropFrameCache();

  // Forces a checkpoint: the WAL is folded into the database file.
  Status Checkpoint();

 private:
  struct Impl;
  Workspace(std::string path, std::unique_ptr<Impl> impl);
  Status Migrate();
  Result<EventFrame> BuildEventFrame();  // from the events table (event_frame_loader.cc)

  std::string path_;
  std::unique_ptr<Impl> impl_;
  int schema_version_ = 0;
  bool last_frame_from_cache_ = false;
};

}  // namespace fw::store
