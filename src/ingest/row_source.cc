// SPDX-License-Identifier: Apache-2.0
//
// row_source.cc: CSV, JSON Lines and decoded-table row sources.
#include "row_source.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>

#include "flywheel/core/csv.h"
#include "flywheel/core/text_table.h"

namespace fw::ingest {
namespace {

std::string Lower(std::string_view text) {
  std::string out(TrimAscii(text));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<size_t> FieldIndex(const TableSpec& spec, std::string_view name) {
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (spec.fields[i].name == name) return i;
  }
  return std::nullopt;
}

// Maps input columns onto spec fields: column_to_field[c] is a field index or -1 (unknown).
struct ColumnMap {
  std::vector<int> column_to_field;
  std::vector<std::string> header;  // lower-cased, trimmed
};

Result<ColumnMap> MapColumns(const std::vector<std::string>& raw_header, const std::string& path,
                             const TableSpec& spec, std::vector<std::string>* notices) {
  ColumnMap map;
  std::vector<bool> seen(spec.fields.size(), false);
  std::string unknown;
  for (const auto& raw : raw_header) {
    std::string name = Lower(raw);
    int field = -1;
    if (auto idx = FieldIndex(spec, name); idx && !seen[*idx]) {
      field = static_cast<int>(*idx);
      seen[*idx] = true;
    } else {
      if (!unknown.empty()) unknown += ", ";
      unknown += name;
    }
    map.column_to_field.push_back(field);
    map.header.push_back(std::move(name));
  }
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    if (!spec.fields[i].required || seen[i]) continue;
    std::string msg = "'" + path + "': required column '" + spec.fields[i].name +
                      "' is missing from the header";
    if (raw_header.size() == 1) {
      for (const char candidate : {';', '\t', '|', ','}) {
        if (raw_header[0].find(candidate) != std::string::npos) {
          msg += std::string("; the header is one column that contains '") +
                 (candidate == '\t' ? "\\t" : std::string(1, candidate)) +
                 "': is that the delimiter? CSV files use ',' and .tsv files a tab";
          break;
        }
      }
    } else {
      msg += " (it has: ";
      for (size_t c = 0; c < raw_header.size(); ++c) msg += (c ? ", " : "") + Lower(raw_header[c]);
      msg += ")";
    }
    return InvalidArgument(msg);
  }
  if (!unknown.empty()) {
    notices->push_back("'" + path + "': columns not in the " + spec.table + " schema " +
                       (spec.properties_field >= 0 ? "go into properties: " : "are ignored: ") +
                       unknown);
  }
  return map;
}

class CsvSource : public RowSource {
 public:
  CsvSource(std::string_view bytes, const TableSpec& spec, char delimiter)
      : reader_(bytes, delimiter), spec_(spec) {}

  Status Init(const std::string& path) {
    std::vector<std::string_view> fields;
    const CsvReader::Outcome outcome = reader_.Next(&fields);
    if (outcome == CsvReader::Outcome::kEnd) {
      return InvalidArgument("'" + path + "' is empty; expected a header line");
    }
    if (outcome != CsvReader::Outcome::kRecord) {
      return InvalidArgument("'" + path + "': the header line has a broken quote");
    }
    std::vector<std::string> header(fields.begin(), fields.end());
    FW_ASSIGN_OR_RETURN(map_, MapColumns(header, path, spec_, &notices_));
    return OkStatus();
  }

  Outcome Read(RawRow* row, RowReject* reject, std::deque<std::string>*) override {
    const CsvReader::Outcome outcome = reader_.Next(&fields_);
    if (outcome == CsvReader::Outcome::kEnd) return Outcome::kEnd;
    row->line = reader_.record_line();
    if (outcome != CsvReader::Outcome::kRecord) {
      row->raw = reader_.record_first_line();
      reject->column.clear();
      reject->reason = "broken_quote";
      reject->message = outcome == CsvReader::Outcome::kUnterminatedQuote
                            ? "a quoted field is never closed"
                            : "text follows a closing quote";
      reader_.Resync();
      return Outcome::kBroken;
    }
    row->raw = reader_.record_raw();
    if (fields_.size() != map_.column_to_field.size()) {
      reject->column.clear();
      reject->message = std::to_string(fields_.size()) + " fields, expected " +
                        std::to_string(map_.column_to_field.size()) + " as in the header";
      if (reader_.record_spans_lines()) {
        // A stray quote swallowed the following lines: reject only the first of them.
        row->raw = reader_.record_first_line();
        reject->reason = "broken_quote";
        reject->message = "a quoted field runs across lines and leaves " + reject->message;
        reader_.Resync();
      } else {
        reject->reason = "wrong_field_count";
      }
      return Outcome::kBroken;
    }
    row->Reset(spec_.fields.size());
    for (size_t c = 0; c < fields_.size(); ++c) {
      const int field = map_.column_to_field[c];
      if (field >= 0) {
        row->values[static_cast<size_t>(field)] = fields_[c];
        row->present[static_cast<size_t>(field)] = 1;
      } else if (spec_.properties_field >= 0 && !TrimAscii(fields_[c]).empty()) {
        row->extras.emplace_back(map_.header[c], JsonQuote(TrimAscii(fields_[c])));
      }
    }
    return Outcome::kRow;
  }

 private:
  CsvReader reader_;
  const TableSpec& spec_;
  ColumnMap map_;
  std::vector<std::string_view> fields_;
};

class JsonLinesSource : public RowSource {
 public:
  JsonLinesSource(std::string_view bytes, const TableSpec& spec) : bytes_(bytes), spec_(spec) {
    if (bytes_.size() >= 3 && bytes_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  Outcome Read(RawRow* row, RowReject* reject, std::deque<std::string>* arena) override {
    std::string_view line;
    do {
      if (pos_ >= bytes_.size()) return Outcome::kEnd;
      const size_t newline = bytes_.find('\n', pos_);
      const size_t end = newline == std::string_view::npos ? bytes_.size() : newline;
      line = TrimAscii(bytes_.substr(pos_, end - pos_));
      pos_ = end + 1;
      ++line_;
    } while (line.empty());
    row->line = line_;
    row->raw = line;
    row->Reset(spec_.fields.size());
    simdjson::dom::element doc;
    if (parser_.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      reject->column.clear();
      reject->reason = "bad_json_line";
      reject->message = "the line is not a JSON object";
      return Outcome::kBroken;
    }
    for (auto [key, value] : doc.get_object()) {
      const auto field = FieldIndex(spec_, key);
      if (!field) {
        if (spec_.properties_field >= 0) {
          row->extras.emplace_back(std::string(key), simdjson::minify(value));
        }
        continue;
      }
      const size_t idx = *field;
      const bool is_json_field = spec_.fields[idx].kind == FieldKind::kJson;
      switch (value.type()) {
        case simdjson::dom::element_type::NULL_VALUE:
          continue;
        case simdjson::dom::element_type::STRING:
          arena->emplace_back(std::string_view(value.get_string().value_unsafe()));
          break;
        case simdjson::dom::element_type::OBJECT:
        case simdjson::dom::element_type::ARRAY:
          if (!is_json_field) {
            reject->column = spec_.fields[idx].name;
            reject->reason = "bad_json_line";
            reject->message = spec_.fields[idx].name + " is a JSON object or array, expected a "
                              "string or number";
            return Outcome::kBroken;
          }
          arena->emplace_back(simdjson::minify(value));
          break;
        default:  // numbers and booleans: their JSON text
          arena->emplace_back(simdjson::minify(value));
      }
      row->values[idx] = arena->back();
      row->present[idx] = 1;
    }
    return Outcome::kRow;
  }

 private:
  std::string_view bytes_;
  const TableSpec& spec_;
  size_t pos_ = 0;
  size_t line_ = 0;
  simdjson::dom::parser parser_;
};

class DecodedSource : public RowSource {
 public:
  DecodedSource(store::QueryResult table, const TableSpec& spec)
      : table_(std::move(table)), spec_(spec) {}

  Status Init(const std::string& path) {
    FW_ASSIGN_OR_RETURN(map_, MapColumns(table_.column_names, path, spec_, &notices_));
    return OkStatus();
  }

  Outcome Read(RawRow* row, RowReject*, std::deque<std::string>*) override {
    if (next_ >= table_.rows.size()) return Outcome::kEnd;
    const auto& cells = table_.rows[next_];
    row->line = ++next_;
    row->raw = std::string_view();
    row->Reset(spec_.fields.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      if (!cells[c]) continue;
      const int field = map_.column_to_field[c];
      if (field >= 0) {
        row->values[static_cast<size_t>(field)] = *cells[c];
        row->present[static_cast<size_t>(field)] = 1;
      } else if (spec_.properties_field >= 0) {
        row->extras.emplace_back(map_.header[c], JsonQuote(*cells[c]));
      }
    }
    return Outcome::kRow;
  }

 private:
  store::QueryResult table_;
  const TableSpec& spec_;
  ColumnMap map_;
  size_t next_ = 0;
};

}  // namespace

Result<std::unique_ptr<RowSource>> OpenCsvSource(std::string_view bytes, const std::string& path,
                                                 const TableSpec& spec, char delimiter) {
  auto source = std::make_unique<CsvSource>(bytes, spec, delimiter);
  FW_RETURN_IF_ERROR(source->Init(path));
  return std::unique_ptr<RowSource>(std::move(source));
}

Result<std::unique_ptr<RowSource>> OpenJsonLinesSource(std::string_view bytes,
                                                       const std::string& path,
                                                       const TableSpec& spec) {
  if (TrimAscii(bytes).empty()) {
    return InvalidArgument("'" + path + "' is empty; expected JSON objects, one per line");
  }
  return std::unique_ptr<RowSource>(std::make_unique<JsonLinesSource>(bytes, spec));
}

Result<std::unique_ptr<RowSource>> OpenDecodedSource(store::QueryResult table,
                                                     const std::string& path,
                                                     const TableSpec& spec) {
  auto source = std::make_unique<DecodedSource>(std::move(table), spec);
  FW_RETURN_IF_ERROR(source->Init(path));
  return std::unique_ptr<RowSource>(std::move(source));
}

}  // namespace fw::ingest
