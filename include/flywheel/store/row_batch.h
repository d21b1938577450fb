// SPDX-License-Identifier: Apache-2.0
//
// row_batch.h: a typed, column-wise batch of rows to append to a workspace table.
//
// Text cells are string_views: the caller keeps the bytes alive until Append returns (ingest
// points them into the file buffer, so nothing is copied on the way in).
//
// Invariant: every column holds num_rows values of its own type; valid[i] == 0 means NULL.
// Thread safety: a plain value; build it on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::store {

enum class ColumnType {
  kVarchar,    // text
  kBigint,     // int64
  kUbigint,    // uint64
  kDouble,     // double
  kTimestamp,  // int64 UTC microseconds
  kDate,       // int64 days since 1970-01-01
};

struct BatchColumn {
  std::string name;
  ColumnType type = ColumnType::kVarchar;
  std::vector<std::string_view> text;  // kVarchar
  std::vector<int64_t> ints;           // kBigint, kTimestamp, kDate
  std::vector<uint64_t> uints;         // kUbigint
  std::vector<double> doubles;         // kDouble
  std::vector<uint8_t> valid;          // 1 = value, 0 = NULL
};

struct RowBatch {
  std::vector<BatchColumn> columns;
  size_t num_rows = 0;

  // Adds an empty column definition.
  void AddColumn(std::string name, ColumnType type) {
    BatchColumn& column = columns.emplace_back();
    column.name = std::move(name);
    column.type = type;
  }

  // Drops all rows, keeping the column definitions.
  void Clear();
};

}  // namespace fw::store
