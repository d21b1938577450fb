// SPDX-License-Identifier: Apache-2.0
//
// table_file.h: the --input tables of segment, experiment analyze, mmm fit and clv, read from
// CSV/TSV (optionally .gz) or Parquet into one TextTable shape.
#pragma once

#include <string>

#include "flywheel/core/result.h"
#include "flywheel/core/text_table.h"

namespace fw::cli {

// CSV/TSV through ReadTextTable; ".parquet" through DuckDB's reader, every cell as the text
// DuckDB prints for it (NULL as an empty cell, so a numeric column with a NULL is refused like
// an empty CSV cell). A Parquet row's "line" in messages is its 1-based row number.
Result<TextTable> ReadTableFile(const std::string& path);

}  // namespace fw::cli
