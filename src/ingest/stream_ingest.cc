// SPDX-License-Identifier: Apache-2.0
//
// stream_ingest.cc: in-memory JSON Lines batches through ingest's validator, with dedup keys
// kept across batches and the transaction left to the caller (see stream_ingest.h).
#include "flywheel/ingest/stream_ingest.h"

#include <simdjson.h>

#include <cstdio>

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

// Appends row `i` of `from` to `to` (same layout). Key columns hold uints, the others what
// AddCells put there.
void CopyRow(const store::RowBatch& from, size_t i, store::RowBatch* to) {
  for (size_t c = 0; c < from.columns.size(); ++c) {
    const store::BatchColumn& src = from.columns[c];
    store::BatchColumn& dst = to->columns[c];
    if (c < 2) {
      dst.uints.push_back(src.uints[i]);
      continue;
    }
    dst.valid.push_back(src.valid[i]);
    switch (src.type) {
      case store::ColumnType::kVarchar: dst.text.push_back(src.text[i]); break;
      case store::ColumnType::kDouble: dst.doubles.push_back(src.doubles[i]); break;
      default: dst.ints.push_back(src.ints[i]); break;
    }
  }
  ++to->num_rows;
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

Result<std::unique_ptr<PreparedBatch>> StreamIngester::Prepare(TableKind kind, std::string bytes,
                                                               std::string source,
                                                               int64_t now_us) {
  const TableSpec& spec = SpecFor(kind);
  auto p = std::make_unique<PreparedBatch>();
  p->bytes = std::move(bytes);
  p->source = std::move(source);
  p->now_us = now_us == 0 ? NowMicros() : now_us;
  FW_ASSIGN_OR_RETURN(auto rows, OpenJsonLinesSource(p->bytes, p->source, spec));
  const bool check_utf8 = !simdjson::validate_utf8(p->bytes.data(), p->bytes.size());
  RowValidator validator(spec, p->now_us, check_utf8);
  p->rows = MakeBatch(spec);
  RawRow row;
  RowReject reject;
  std::vector<Cell> cells;
  while (true) {
    const RowSource::Outcome outcome = rows->Read(&row, &reject, &p->arena);
    if (outcome == RowSource::Outcome::kEnd) break;
    ++p->rows_read;
    if (outcome == RowSource::Outcome::kBroken ||
        !validator.Validate(row, &cells, &reject, &p->arena)) {
      p->rejects.push_back({row.line, reject.column, reject.reason, SanitizeUtf8(reject.message)});
      p->raw_rejects.push_back(SanitizeUtf8(row.raw.substr(0, 4096)));
      continue;
    }
    const Hash128 key = validator.Key(cells);
    p->keys.push_back(key);
    AddCells(cells, key, &p->rows);
  }
  return p;
}

Result<std::vector<StreamBatchResult>> StreamIngester::AppendPrepared(
    const std::vector<PreparedBatch*>& batches,
    std::vector<std::pair<uint32_t, uint32_t>>* appended) {
  const TableSpec& spec = SpecFor(impl_->kind);
  std::vector<StreamBatchResult> results(batches.size());
  // One batch for the whole group: an appender costs far more to open and close than a row.
  store::RowBatch merged = MakeBatch(spec);
  size_t num_rejects = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    const PreparedBatch& p = *batches[b];
    StreamBatchResult& r = results[b];
    r.rows_read = p.rows_read;
    r.rejects = p.rejects;
    num_rejects += p.rejects.size();
    for (size_t i = 0; i < p.rows.num_rows; ++i) {
      if (!impl_->keys.Insert(p.keys[i])) {
        ++r.duplicates;
        continue;
      }
      CopyRow(p.rows, i, &merged);
      if (appended) appended->emplace_back(static_cast<uint32_t>(b), static_cast<uint32_t>(i));
      ++r.inserted;
    }
  }
  if (merged.num_rows > 0) FW_RETURN_IF_ERROR(impl_->workspace->Append(spec.table, merged));
  if (num_rejects > 0) FW_RETURN_IF_ERROR(AppendRejects(*impl_->workspace, impl_->kind, batches));
  return results;
}

Status StreamIngester::AppendRejects(store::Workspace& workspace, TableKind kind,
                                     const std::vector<PreparedBatch*>& batches) {
  size_t num_rejects = 0;
  for (const PreparedBatch* p : batches) num_rejects += p->rejects.size();
  if (num_rejects == 0) return OkStatus();
  // Same layout as ingest.cc's rejects rows: kind, source, line, column, reason, message, raw.
  store::RowBatch rb;
  using store::ColumnType;
  for (const char* name : {"kind", "source"}) rb.AddColumn(name, ColumnType::kVarchar);
  rb.AddColumn("line", ColumnType::kBigint);
  for (const char* name : {"column", "reason", "message", "raw"}) {
    rb.AddColumn(name, ColumnType::kVarchar);
  }
  rb.AddColumn("rejected_at", ColumnType::kTimestamp);
  const std::string_view kind_name = TableKindName(kind);
  for (const PreparedBatch* p : batches) {
    for (size_t i = 0; i < p->rejects.size(); ++i) {
      const StreamReject& r = p->rejects[i];
      rb.columns[0].text.push_back(kind_name);
      rb.columns[1].text.push_back(p->source);
      rb.columns[2].ints.push_back(static_cast<int64_t>(r.line));
      rb.columns[3].text.push_back(r.column);
      rb.columns[4].text.push_back(r.reason);
      rb.columns[5].text.push_back(r.message);
      rb.columns[6].text.push_back(p->raw_rejects[i]);
      rb.columns[7].ints.push_back(p->now_us);
    }
  }
  rb.num_rows = num_rejects;
  return workspace.Append("rejects", rb);
}

Result<StreamBatchResult> StreamIngester::AppendJsonLines(std::string_view bytes,
                                                          const std::string& source,
                                                          int64_t now_us) {
  FW_ASSIGN_OR_RETURN(auto prepared, Prepare(impl_->kind, std::string(bytes), source, now_us));
  FW_ASSIGN_OR_RETURN(auto results, AppendPrepared({prepared.get()}));
  return std::move(results[0]);
}

}  // namespace fw::ingest
