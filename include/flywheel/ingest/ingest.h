// SPDX-License-Identifier: Apache-2.0
//
// ingest.h: loading events, spend and exposures files into the workspace.
//
// One file is one transaction. Every valid row is kept, every invalid row goes to the `rejects`
// table with its 1-based line (the header is line 1), the column, a reason code and the raw
// text; duplicates (same event_id, or the same normalised row when there is no event_id) are
// counted and not stored, also across earlier ingests. A fatal problem (unreadable or binary
// file, missing required column, I/O or database error) rolls the file back and leaves the
// workspace exactly as it was. Validation rules and limits are in docs/formats.md.
//
// Thread safety: one ingest per Workspace at a time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::ingest {

enum class TableKind { kEvents, kSpend, kExposures };

// "events" | "spend" | "exposures".
Result<TableKind> ParseTableKind(std::string_view name);
std::string_view TableKindName(TableKind kind);

struct IngestOptions {
  TableKind kind = TableKind::kEvents;
  // "Now" for the more-than-a-day-in-the-future check, in UTC microseconds; 0 = the clock.
  int64_t now_us = 0;
  // If set, rejected rows are also written to this CSV file (atomically).
  std::string rejects_csv_path;
};

struct IngestSummary {
  std::string source;
  int64_t rows_read = 0;   // data rows seen (not the header)
  int64_t inserted = 0;    // rows added to the table
  int64_t duplicates = 0;  // rows skipped as already present (in the table or earlier in the file)
  int64_t rejected = 0;    // rows written to `rejects`
  std::map<std::string, int64_t> rejected_by_reason;
  std::vector<std::string> notices;  // one-line notices, e.g. unknown columns
  double seconds = 0.0;
};

// Ingests one file (CSV/TSV with header, JSON Lines, or Parquet; optionally .gz) into the table
// for `options.kind`. See the file comment for the guarantees. Errors are fatal problems only;
// bad rows are not errors.
Result<IngestSummary> IngestFile(store::Workspace& workspace, const std::string& path,
                                 const IngestOptions& options);

}  // namespace fw::ingest
