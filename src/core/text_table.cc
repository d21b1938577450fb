// SPDX-License-Identifier: Apache-2.0
//
// text_table.cc: reading and typing small delimited tables.
#include "flywheel/core/text_table.h"

#include <charconv>
#include <cmath>

#include "flywheel/core/csv.h"
#include "flywheel/core/file_io.h"

namespace fw {

std::string_view TrimAscii(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t' || text[begin] == '\r' ||
                         text[begin] == '\n')) {
    ++begin;
  }
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' ||
                         text[end - 1] == '\n')) {
    --end;
  }
  return text.substr(begin, end - begin);
}

bool ParseFiniteDouble(std::string_view text, double* out) {
  text = TrimAscii(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

namespace {

bool ParseBoolWord(std::string_view text, double* out) {
  if (text == "True" || text == "true" || text == "TRUE") {
    *out = 1.0;
    return true;
  }
  if (text == "False" || text == "false" || text == "FALSE") {
    *out = 0.0;
    return true;
  }
  return false;
}

char PickDelimiter(const std::string& path, std::string_view first_line) {
  const std::string ext = DataExtension(path);
  if (ext == "tsv" || ext == "tab") return '\t';
  if (first_line.find(',') == std::string_view::npos) {
    for (const char candidate : {'\t', ';', '|'}) {
      if (first_line.find(candidate) != std::string_view::npos) return candidate;
    }
  }
  return ',';
}

}  // namespace

Result<size_t> TextTable::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  std::string known;
  for (const auto& column : header) {
    if (!known.empty()) known += ", ";
    known += column;
  }
  return NotFound("column '" + name + "' not found in '" + path + "'; it has: " + known);
}

Result<std::vector<std::string>> TextTable::StringColumn(const std::string& name) const {
  FW_ASSIGN_OR_RETURN(const size_t col_idx, ColumnIndex(name));
  return columns[col_idx];
}

bool TextTable::IsBooleanColumn(size_t col_idx) const {
  for (const auto& cell : columns[col_idx]) {
    double ignored;
    if (!ParseBoolWord(cell, &ignored) && cell != "0" && cell != "1") return false;
  }
  return !columns[col_idx].empty();
}

Result<std::vector<double>> TextTable::NumericColumn(const std::string& name) const {
  FW_ASSIGN_OR_RETURN(const size_t col_idx, ColumnIndex(name));
  std::vector<double> values(num_rows());
  for (size_t row = 0; row < num_rows(); ++row) {
    const std::string& cell = columns[col_idx][row];
    if (!ParseFiniteDouble(cell, &values[row]) && !ParseBoolWord(cell, &values[row])) {
      return InvalidArgument(path + ":" + std::to_string(row_lines[row]) + ": column '" + name +
                             "' has value '" + cell.substr(0, 80) +
                             "', expected a finite number or True/False");
    }
  }
  return values;
}

Result<TextTable> ReadTextTable(const std::string& path) {
  FW_ASSIGN_OR_RETURN(const std::string bytes, ReadFileBytes(path));
  FW_RETURN_IF_ERROR(CheckLooksLikeText(bytes, path));
  const size_t first_newline = bytes.find('\n');
  const char delimiter = PickDelimiter(path, std::string_view(bytes).substr(0, first_newline));
  CsvReader reader(bytes, delimiter);
  std::vector<std::string_view> fields;
  TextTable table;
  table.path = path;
  if (reader.Next(&fields) != CsvReader::Outcome::kRecord) {
    return InvalidArgument("'" + path + "' is empty; expected a header line");
  }
  for (const auto field : fields) table.header.emplace_back(TrimAscii(field));
  table.columns.resize(table.header.size());
  while (true) {
    const CsvReader::Outcome outcome = reader.Next(&fields);
    if (outcome == CsvReader::Outcome::kEnd) break;
    const std::string where = path + ":" + std::to_string(reader.record_line());
    if (outcome == CsvReader::Outcome::kUnterminatedQuote) {
      return InvalidArgument(where + ": a quoted field is never closed");
    }
    if (outcome == CsvReader::Outcome::kQuoteError) {
      return InvalidArgument(where + ": text after a closing quote");
    }
    if (fields.size() != table.header.size()) {
      return InvalidArgument(where + ": " + std::to_string(fields.size()) + " fields, expected " +
                             std::to_string(table.header.size()) + " as in the header");
    }
    for (size_t col = 0; col < fields.size(); ++col) {
      table.columns[col].emplace_back(TrimAscii(fields[col]));
    }
    table.row_lines.push_back(reader.record_line());
  }
  return table;
}

}  // namespace fw
