// SPDX-License-Identifier: Apache-2.0
//
// ingest.cc: one file -> one transaction: read, validate, dedup, append, record rejects.
#include "flywheel/ingest/ingest.h"

#include <simdjson.h>

#include <chrono>
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

void AddCells(const std::vector<Cell>& cells, const Hash128& key, std::string_view source,
              store::RowBatch* batch) {
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
  store::BatchColumn& source_column = batch->columns.back();
  source_column.text.push_back(source);
  source_column.valid.push_back(1);
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

// Reads, validates and dedups every row of `source`, appending the good ones. Runs inside the
// caller's transaction.
Status IngestRows(store::Workspace& workspace, RowSource& source, const TableSpec& spec,
                  const std::string& path, int64_t now_us, bool check_utf8, KeySet* keys,
                  IngestSummary* summary, std::vector<RejectRow>* rejects) {
  RowValidator validator(spec, now_us, check_utf8);
  store::RowBatch batch = MakeBatch(spec);
  std::deque<std::string> arena;
  RawRow row;
  RowReject reject;
  std::vector<Cell> cells;
  while (true) {
    const RowSource::Outcome outcome = source.Read(&row, &reject);
    if (outcome == RowSource::Outcome::kEnd) break;
    ++summary->rows_read;
    if (outcome == RowSource::Outcome::kBroken ||
        !validator.Validate(row, &cells, &reject, &arena)) {
      rejects->push_back({row.line, reject.column, reject.reason, SanitizeUtf8(reject.message),
                          SanitizeUtf8(row.raw.substr(0, 4096))});
      continue;
    }
    const Hash128 key = validator.Key(cells);
    if (!keys->Insert(key)) {
      ++summary->duplicates;
      continue;
    }
    AddCells(cells, key, path, &batch);
    if (batch.num_rows >= kAppendRows) {
      FW_RETURN_IF_ERROR(workspace.Append(spec.table, batch));
      summary->inserted += static_cast<int64_t>(batch.num_rows);
      batch.Clear();
      arena.clear();
      source.ReleaseRows();
    }
  }
  FW_RETURN_IF_ERROR(workspace.Append(spec.table, batch));
  summary->inserted += static_cast<int64_t>(batch.num_rows);
  return OkStatus();
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
  Status status = IngestRows(workspace, *source, spec, path, now_us, check_utf8, &keys, &summary,
                             &rejects);
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
