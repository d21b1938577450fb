// SPDX-License-Identifier: Apache-2.0
//
// text_table.h: a small delimited-text table for the `--input FILE` analysis paths (a per-user
// experiment table, a feature table, a weekly media-spend table).
//
// Unlike ingest, which keeps good rows and rejects bad ones, an analysis input must be whole:
// any malformed row is an error that names the file and line. Cells stay text until a caller
// asks for a typed column, and then a bad cell is an error that names file, line, column, value.
//
// Thread safety: immutable after ReadTextTable returns; concurrent reads are safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw {

struct TextTable {
  std::string path;                               // as given, for messages
  std::vector<std::string> header;                // column names, trimmed
  std::vector<std::vector<std::string>> columns;  // columns[col][row], cells trimmed
  std::vector<size_t> row_lines;                  // 1-based file line of each row

  size_t num_rows() const { return row_lines.size(); }

  // The index of column `name`, or kNotFound listing the columns that exist.
  Result<size_t> ColumnIndex(const std::string& name) const;

  // The column's cells as text.
  Result<std::vector<std::string>> StringColumn(const std::string& name) const;

  // The column parsed as finite doubles. "True"/"False" and "true"/"false" read as 1/0, so
  // boolean columns are proportions. Empty, non-numeric, NaN or Inf cells are kInvalidArgument
  // naming file, line, column and value.
  Result<std::vector<double>> NumericColumn(const std::string& name) const;

  // True if every cell of the column is a boolean word or 0/1.
  bool IsBooleanColumn(size_t col_idx) const;
};

// Reads a CSV (',' ) or TSV ('\t', for .tsv/.tab) file with a header, optionally .gz. A ';' or
// '|' delimiter is detected from the header when it has no ',' but one of those. Errors:
// kNotFound (no file), kDataLoss (binary or unreadable), kInvalidArgument (empty file, a row
// with the wrong number of fields, a broken quote), each naming the file and line.
Result<TextTable> ReadTextTable(const std::string& path);

// Parses a finite double from the whole of `text` (leading/trailing spaces allowed). Returns
// false for empty text, trailing junk, NaN and Inf.
bool ParseFiniteDouble(std::string_view text, double* out);

// Removes leading and trailing ASCII whitespace.
std::string_view TrimAscii(std::string_view text);

}  // namespace fw
