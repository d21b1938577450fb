// SPDX-License-Identifier: Apache-2.0
//
// output.h: how commands print: one JSON document for --json, aligned tables otherwise.
//
// Numbers that cannot be computed are JSON null (never NaN): use JsonNumber() for any double
// that might not be finite, and FormatNumber() for tables.
//
// Thread safety: writes to stdout; main thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fw::cli {

// Prints `doc` as one JSON document on stdout, followed by a newline.
void PrintJson(const nlohmann::json& doc);

// Prints an aligned text table: a header row, a rule, then the rows. Cells that look numeric
// are right-aligned.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// `value` as a JSON number, or null if it is NaN or infinite.
nlohmann::json JsonNumber(double value);

// `value` with `digits` significant digits (%.*g), or "n/a" if it is not finite.
std::string FormatNumber(double value, int digits = 6);

// `value` with a thousands separator, e.g. 1234567 -> "1,234,567".
std::string FormatCount(long long value);

// An amount of money for tables: two decimals and thousands separators ("17,020.50").
std::string FormatMoney(double value);

}  // namespace fw::cli
