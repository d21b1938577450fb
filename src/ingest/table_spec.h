// SPDX-License-Identifier: Apache-2.0
//
// table_spec.h: the fields each ingestable table accepts, their kinds and limits.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "flywheel/ingest/ingest.h"
#include "flywheel/store/row_batch.h"

namespace fw::ingest {

inline constexpr size_t kMaxTextBytes = 1024;          // ids, names, channels, campaigns
inline constexpr size_t kMaxPropertiesBytes = 65536;   // the properties JSON object
inline constexpr int64_t kMinTimestampUs = 631152000LL * 1000000;  // 1990-01-01T00:00:00Z

enum class FieldKind {
  kText,       // trimmed text, at most kMaxTextBytes
  kLowerText,  // as kText, then ASCII lower-cased (channel names)
  kTimestamp,  // core/time.h grammar, 1990-01-01 .. now + 1 day
  kDate,       // a date (or timestamp truncated to its UTC day), same range
  kNumber,     // finite double
  kMoney,      // finite double >= 0
  kCount,      // integer >= 0
  kJson,       // a JSON object, at most kMaxPropertiesBytes
};

struct FieldSpec {
  std::string name;
  FieldKind kind;
  bool required;
};

struct TableSpec {
  std::string table;               // workspace table
  std::vector<FieldSpec> fields;   // in table column order (after key_hi, key_lo)
  int event_id_field = -1;         // index of event_id (dedup by it when present), or -1
  int properties_field = -1;       // index of the JSON field that takes unknown columns, or -1
};

const TableSpec& SpecFor(TableKind kind);

// An empty batch with the table's columns: key_hi, key_lo, then the fields. (Which file a row
// came from is in ingest_log, not on every row: a per-row source string cost ingest time.)
store::RowBatch MakeBatch(const TableSpec& spec);

}  // namespace fw::ingest
