// SPDX-License-Identifier: Apache-2.0
//
// table_file.cc: CSV/TSV or Parquet -> TextTable (see table_file.h).
#include "commands/table_file.h"

#include <filesystem>

#include "flywheel/core/file_io.h"
#include "flywheel/store/workspace.h"

namespace fw::cli {

Result<TextTable> ReadTableFile(const std::string& path) {
  if (DataExtension(path) != "parquet") return ReadTextTable(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound(path + ": no such file");
  // An in-memory DuckDB decodes the file; nothing is written anywhere.
  FW_ASSIGN_OR_RETURN(auto duck, store::Workspace::Open(":memory:"));
  auto result = duck->Query("SELECT * FROM read_parquet(?)", {store::SqlValue(path)});
  if (!result.ok()) {
    // DuckDB's message ends with the SQL and a caret, which would only confuse here.
    const std::string why = result.status().message();
    return DataLoss(path + ": cannot be read as Parquet: " + why.substr(0, why.find('\n')));
  }
  TextTable table;
  table.path = path;
  table.header = result->column_names;
  table.columns.assign(table.header.size(), {});
  for (auto& column : table.columns) column.reserve(result->rows.size());
  for (size_t r = 0; r < result->rows.size(); ++r) {
    for (size_t c = 0; c < table.header.size(); ++c) {
      table.columns[c].push_back(result->rows[r][c].value_or(""));
    }
    table.row_lines.push_back(r + 1);
  }
  if (table.header.empty()) return InvalidArgument(path + ": the Parquet file has no columns");
  return table;
}

}  // namespace fw::cli
