// SPDX-License-Identifier: Apache-2.0
//
// ingest.cc: one file -> one transaction: read, validate, dedup, append, record rejects.
#include "flywheel/ingest/ingest.h"

#include <simdjson.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <cstdio>
#include <deque>

#include "flywheel/core/file_io.h"
#include "flywheel/core/time.h"
#include "key_set.h"
#include "row_source.h"
#include "row_validator.h"
#include "table_spec.h"

namespace fw::ingest {
namespace {

constexpr size_t kAppendRows = 1 << 16;  // rows per Append: bounds the arena and batch memory

struct RejectRow {
  size_t line;
  std::string column, reason, message, raw;
};

// `text` with every byte that is not part of valid UTF-8 written as \xNN, so a reject's raw
// text can be stored (DuckDB VARCHAR must be UTF-8) and still shows what was wrong.
std::string SanitizeUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) return std::string(text);
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len > 0 && i + len <= text.size() && simdjson::validate_utf8(text.data() + i, len)) {
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
    ++i;
  }
  return out;
}

// Loads the dedup keys already stored in `table`.
Status LoadKeys(store::Workspace& workspace, const std::string& table, KeySet* keys) {
  FW_ASSIGN_OR_RETURN(const auto stored, workspace.LoadDedupKeys(table));
  *keys = KeySet(stored.size() * 2);
  for (const Hash128& key : stored) keys->Insert(key);
  return OkStatus();
}

void AddCells(const std::vector<Cell>& cells, const Hash128& key, store::RowBatch* batch) {
  batch->columns[0].uints.push_back(key.hi);
  batch->columns[1].uints.push_back(key.lo);
  for (size_t i = 0; i < cells.size(); ++i) {
    store::BatchColumn& column = batch->columns[i + 2];
    const Cell& cell = cells[i];
    column.valid.push_back(cell.valid ? 1 : 0);
    switch (column.type) {
      case store::ColumnType::kVarchar: column.text.push_back(cell.text); break;
      case store::ColumnType::kDouble: column.doubles.push_back(cell.number); break;
      default: column.ints.push_back(cell.integer); break;
    }
  }
  ++batch->num_rows;
}

Status AppendRejects(store::Workspace& workspace, TableKind kind, const std::string& source,
                     const std::vector<RejectRow>& rejects, int64_t now_us) {
  if (rejects.empty()) return OkStatus();
  store::RowBatch batch;
  const std::string_view kind_name = TableKindName(kind);
  using store::ColumnType;
  for (const char* name : {"kind", "source"}) batch.AddColumn(name, ColumnType::kVarchar);
  batch.AddColumn("line", ColumnType::kBigint);
  for (const char* name : {"column", "reason", "message", "raw"}) {
    batch.AddColumn(name, ColumnType::kVarchar);
  }
  batch.AddColumn("rejected_at", ColumnType::kTimestamp);
  for (const RejectRow& reject : rejects) {
    batch.columns[0].text.push_back(kind_name);
    batch.columns[1].text.push_back(source);
    batch.columns[2].ints.push_back(static_cast<int64_t>(reject.line));
    batch.columns[3].text.push_back(reject.column);
    batch.columns[4].text.push_back(reject.reason);
    batch.columns[5].text.push_back(reject.message);
    batch.columns[6].text.push_back(reject.raw);
    batch.columns[7].ints.push_back(now_us);
  }
  batch.num_rows = rejects.size();
  return workspace.Append("rejects", batch);
}

std::string RejectsCsv(const std::string& source, const std::vector<RejectRow>& rejects) {
  std::string out = "source,line,column,reason,message,raw\n";
  for (const RejectRow& reject : rejects) {
    for (const std::string* cell : {&source}) out += JsonQuote(*cell);
    out += "," + std::to_string(reject.line) + ",";
    out += JsonQuote(reject.column) + "," + JsonQuote(reject.reason) + "," +
           JsonQuote(reject.message) + "," + JsonQuote(reject.raw) + "\n";
  }
  return out;
}

// A batch of validated rows and the decoded strings its text cells point into.
struct PendingBatch {
  store::RowBatch rows;
  std::deque<std::string> arena;
};

// Hands batches from the parsing thread to the appending thread. Two slots: enough to keep both
// busy, and it bounds memory to a few batches whatever the file size.
class BatchQueue {
 public:
  // Blocks while full. Returns false if the consumer gave up (then the batch is dropped).
  bool Push(std::unique_ptr<PendingBatch> batch) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return queue_.size() < 2 || closed_; });
    if (closed_) return false;
    queue_.push_back(std::move(batch));
    cv_.notify_all();
    return true;
  }
  // Blocks while empty. nullptr marks the end of input.
  std::unique_ptr<PendingBatch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !queue_.empty(); });
    auto batch = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    return batch;
  }
  // Called by the consumer on error: producers stop pushing.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<PendingBatch>> queue_;
  bool closed_ = false;
};

// Parsing side: reads, validates and dedups every row of `source` into batches.
void ProduceBatches(RowSource& source, const TableSpec& spec, int64_t now_us, bool check_utf8,
                    KeySet* keys, IngestSummary* summary, std::vector<RejectRow>* rejects,
                    BatchQueue* queue) {
  RowValidator validator(spec, now_us, check_utf8);
  auto batch = std::make_unique<PendingBatch>();
  batch->rows = MakeBatch(spec);
  RawRow row;
  RowReject reject;
  std::vector<Cell> cells;
  while (true) {
    const RowSource::Outcome outcome = source.Read(&row, &reject, &batch->arena);
    if (outcome == RowSource::Outcome::kEnd) break;
    ++summary->rows_read;
    if (outcome == RowSource::Outcome::kBroken ||
        !validator.Validate(row, &cells, &reject, &batch->arena)) {
      rejects->push_back({row.line, reject.column, reject.reason, SanitizeUtf8(reject.message),
                          SanitizeUtf8(row.raw.substr(0, 4096))});
      continue;
    }
    const Hash128 key = validator.Key(cells);
    if (!keys->Insert(key)) {
      ++summary->duplicates;
      continue;
    }
    AddCells(cells, key, &batch->rows);
    if (batch->rows.num_rows >= kAppendRows) {
      if (!queue->Push(std::move(batch))) return;
      batch = std::make_unique<PendingBatch>();
      batch->rows = MakeBatch(spec);
    }
  }
  if (queue->Push(std::move(batch))) queue->Push(nullptr);
}

// Reads, validates and dedups every row of `source` on a worker thread while this thread
// appends the finished batches, so parsing and DuckDB's append overlap. Runs inside the
// caller's transaction.
Status IngestRows(store::Workspace& workspace, RowSource& source, const TableSpec& spec,
                  int64_t now_us, bool check_utf8, KeySet* keys, IngestSummary* summary,
                  std::vector<RejectRow>* rejects) {
  BatchQueue queue;
  Status producer_status;
  std::thread producer([&] {
    // A worker-thread entry point: no exception may escape it (STYLE B2.4).
    try {
      ProduceBatches(source, spec, now_us, check_utf8, keys, summary, rejects, &queue);
    } catch (const std::exception& e) {
      producer_status = Internal(std::string("ingest worker failed: ") + e.what());
      queue.Push(nullptr);
    }
  });
  Status status;
  while (auto batch = queue.Pop()) {
    status = workspace.Append(spec.table, batch->rows);
    if (!status.ok()) {
      queue.Close();
      break;
    }
    summary->inserted += static_cast<int64_t>(batch->rows.num_rows);
  }
  producer.join();
  return status.ok() ? producer_status : status;
}

}  // namespace

Result<IngestSummary> IngestFile(store::Workspace& workspace, const std::string& path,
                                 const IngestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const TableSpec& spec = SpecFor(options.kind);
  const int64_t now_us = options.now_us != 0 ? options.now_us : NowMicros();
  IngestSummary summary;
  summary.source = path;

  // Decode the input before touching the workspace: an unreadable file changes nothing.
  const std::string ext = DataExtension(path);
  std::string bytes;
  std::unique_ptr<RowSource> source;
  bool check_utf8 = true;
  if (ext == "parquet") {
    FW_ASSIGN_OR_RETURN(auto decoded,
                        workspace.Query("SELECT * FROM read_parquet(?)", {store::SqlValue(path)}));
    FW_ASSIGN_OR_RETURN(source, OpenDecodedSource(std::move(decoded), path, spec));
  } else {
    FW_ASSIGN_OR_RETURN(bytes, ReadFileBytes(path));
    FW_RETURN_IF_ERROR(CheckLooksLikeText(bytes, path));
    // Valid UTF-8 everywhere (the common case) lets the validator skip per-field checks.
    check_utf8 = !simdjson::validate_utf8(bytes.data(), bytes.size());
    if (ext == "jsonl" || ext == "ndjson" || ext == "json") {
      FW_ASSIGN_OR_RETURN(source, OpenJsonLinesSource(bytes, path, spec));
    } else if (ext == "csv" || ext == "tsv" || ext == "tab" || ext == "txt") {
      FW_ASSIGN_OR_RETURN(source,
                          OpenCsvSource(bytes, path, spec, ext == "csv" || ext == "txt" ? ',' : '\t'));
    } else {
      return InvalidArgument("'" + path + "': unknown file type '." + ext +
                             "'; expected .csv, .tsv, .jsonl, .ndjson or .parquet (optionally .gz)");
    }
  }
  summary.notices = source->notices();

  KeySet keys;
  FW_RETURN_IF_ERROR(LoadKeys(workspace, spec.table, &keys));
  std::vector<RejectRow> rejects;
  FW_RETURN_IF_ERROR(workspace.Begin());
  Status status =
      IngestRows(workspace, *source, spec, now_us, check_utf8, &keys, &summary, &rejects);
  if (status.ok()) status = AppendRejects(workspace, options.kind, path, rejects, now_us);
  summary.rejected = static_cast<int64_t>(rejects.size());
  for (const RejectRow& reject : rejects) ++summary.rejected_by_reason[reject.reason];
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (status.ok()) {
    status = workspace.Execute(
        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, make_timestamp(?), ?)",
        {std::string(TableKindName(options.kind)), path, summary.rows_read, summary.inserted,
         summary.duplicates, summary.rejected, now_us, summary.seconds});
  }
  if (status.ok()) status = workspace.Commit();
  if (!status.ok()) {
    workspace.Rollback().IgnoreError();
    return status.WithContext("ingesting '" + path + "' (nothing was stored)");
  }
  if (!options.rejects_csv_path.empty()) {
    FW_RETURN_IF_ERROR(WriteFileAtomic(options.rejects_csv_path, RejectsCsv(path, rejects)));
  }
  return summary;
}

}  // namespace fw::ingest
