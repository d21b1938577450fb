// SPDX-License-Identifier: Apache-2.0
//
// stream_ingest.cc: in-memory JSON Lines batches through ingest's validator, with dedup keys
// kept across batches and the transaction left to the caller (see stream_ingest.h).
#include "flywheel/ingest/stream_ingest.h"

#include <simdjson.h>

#include <cstdio>
#include <deque>

#include "flywheel/core/time.h"
#include "key_set.h"
#include "row_source.h"
#include "row_validator.h"
#include "table_spec.h"

namespace fw::ingest {
namespace {

// As in ingest.cc: rejects' raw text must be valid UTF-8 for DuckDB, invalid bytes become \xNN.
std::string SanitizeUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) return std::string(text);
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
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

}  // namespace

struct StreamIngester::Impl {
  store::Workspace* workspace = nullptr;
  TableKind kind = TableKind::kEvents;
  KeySet keys;
};

StreamIngester::StreamIngester(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamIngester::~StreamIngester() = default;

Result<std::unique_ptr<StreamIngester>> StreamIngester::Open(store::Workspace& workspace,
                                                             TableKind kind) {
  auto impl = std::make_unique<Impl>();
  impl->workspace = &workspace;
  impl->kind = kind;
  std::unique_ptr<StreamIngester> ingester(new StreamIngester(std::move(impl)));
  FW_RETURN_IF_ERROR(ingester->ReloadKeys());
  return ingester;
}

Status StreamIngester::ReloadKeys() {
  FW_ASSIGN_OR_RETURN(const auto stored,
                      impl_->workspace->LoadDedupKeys(SpecFor(impl_->kind).table));
  impl_->keys = KeySet(stored.size() * 2 + 1024);
  for (const Hash128& key : stored) impl_->keys.Insert(key);
  return OkStatus();
}

size_t StreamIngester::num_keys() const { return impl_->keys.size(); }

Result<StreamBatchResult> StreamIngester::AppendJsonLines(std::string_view bytes,
                                                          const std::string& source,
                                                          int64_t now_us) {
  const TableSpec& spec = SpecFor(impl_->kind);
  if (now_us == 0) now_us = NowMicros();
  FW_ASSIGN_OR_RETURN(auto rows, OpenJsonLinesSource(bytes, source, spec));
  const bool check_utf8 = !simdjson::validate_utf8(bytes.data(), bytes.size());
  RowValidator validator(spec, now_us, check_utf8);
  store::RowBatch batch = MakeBatch(spec);
  std::deque<std::string> arena;
  StreamBatchResult result;
  RawRow row;
  RowReject reject;
  std::vector<Cell> cells;
  std::vector<std::string> raw_rejects;
  while (true) {
    const RowSource::Outcome outcome = rows->Read(&row, &reject, &arena);
    if (outcome == RowSource::Outcome::kEnd) break;
    ++result.rows_read;
    if (outcome == RowSource::Outcome::kBroken ||
        !validator.Validate(row, &cells, &reject, &arena)) {
      result.rejects.push_back({row.line, reject.column, reject.reason, SanitizeUtf8(reject.message)});
      raw_rejects.push_back(SanitizeUtf8(row.raw.substr(0, 4096)));
      continue;
    }
    const Hash128 key = validator.Key(cells);
    if (!impl_->keys.Insert(key)) {
      ++result.duplicates;
      continue;
    }
    AddCells(cells, key, &batch);
  }
  if (batch.num_rows > 0) FW_RETURN_IF_ERROR(impl_->workspace->Append(spec.table, batch));
  result.inserted = static_cast<int64_t>(batch.num_rows);
  if (!result.rejects.empty()) {
    // Same layout as ingest.cc's rejects rows: kind, source, line, column, reason, message, raw.
    store::RowBatch rb;
    using store::ColumnType;
    for (const char* name : {"kind", "source"}) rb.AddColumn(name, ColumnType::kVarchar);
    rb.AddColumn("line", ColumnType::kBigint);
    for (const char* name : {"column", "reason", "message", "raw"}) {
      rb.AddColumn(name, ColumnType::kVarchar);
    }
    rb.AddColumn("rejected_at", ColumnType::kTimestamp);
    const std::string_view kind_name = TableKindName(impl_->kind);
    for (size_t i = 0; i < result.rejects.size(); ++i) {
      const StreamReject& r = result.rejects[i];
      rb.columns[0].text.push_back(kind_name);
      rb.columns[1].text.push_back(source);
      rb.columns[2].ints.push_back(static_cast<int64_t>(r.line));
      rb.columns[3].text.push_back(r.column);
      rb.columns[4].text.push_back(r.reason);
      rb.columns[5].text.push_back(r.message);
      rb.columns[6].text.push_back(raw_rejects[i]);
      rb.columns[7].ints.push_back(now_us);
    }
    rb.num_rows = result.rejects.size();
    FW_RETURN_IF_ERROR(impl_->workspace->Append("rejects", rb));
  }
  return result;
}

}  // namespace fw::ingest
