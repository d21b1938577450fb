// SPDX-License-Identifier: Apache-2.0
//
// row_source.h: reads raw rows from a CSV/TSV, JSON Lines or already-decoded (Parquet) input
// and maps their columns onto a TableSpec's fields.
//
// A source reports format-level breakage of one row (wrong field count, broken quote, a line
// that is not a JSON object) as kBroken with a reject, and carries on with the next row.
// Problems with the whole input (a missing required column) are errors from the Open* calls.
//
// Thread safety: one reader per source; the input bytes must outlive it.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"
#include "row_validator.h"
#include "table_spec.h"

namespace fw::ingest {

class RowSource {
 public:
  enum class Outcome { kRow, kBroken, kEnd };
  virtual ~RowSource() = default;

  // Reads the next row into `row` (kRow), or describes a broken row in `row->line/raw` and
  // `reject` (kBroken). Values that had to be decoded (unescaped JSON strings) are stored in
  // `arena`, which must live until the row is stored; the rest view the input bytes.
  virtual Outcome Read(RawRow* row, RowReject* reject, std::deque<std::string>* arena) = 0;

  // One-line notices about the input as a whole (e.g. columns that go into properties).
  const std::vector<std::string>& notices() const { return notices_; }

 protected:
  std::vector<std::string> notices_;
};

// CSV or TSV text with a header line. `delimiter` is ',' or '\t'.
Result<std::unique_ptr<RowSource>> OpenCsvSource(std::string_view bytes, const std::string& path,
                                                 const TableSpec& spec, char delimiter);

// JSON Lines: one JSON object per line.
Result<std::unique_ptr<RowSource>> OpenJsonLinesSource(std::string_view bytes,
                                                       const std::string& path,
                                                       const TableSpec& spec);

// Rows already decoded to text by the store (Parquet). Row i is reported as line i + 1.
Result<std::unique_ptr<RowSource>> OpenDecodedSource(store::QueryResult table,
                                                     const std::string& path,
                                                     const TableSpec& spec);

}  // namespace fw::ingest
