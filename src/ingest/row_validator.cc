// SPDX-License-Identifier: Apache-2.0
//
// row_validator.cc: field rules. Limits and reasons are documented in docs/formats.md.
#include "row_validator.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>

#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"

namespace fw::ingest {
namespace {

std::string Quoted(std::string_view value) {
  constexpr size_t kShown = 60;
  std::string out = "'";
  out.append(value.substr(0, kShown));
  if (value.size() > kShown) out += "...";
  out += "'";
  return out;
}

bool Reject(RowReject* reject, std::string_view column, const char* reason, std::string message) {
  reject->column = std::string(column);
  reject->reason = reason;
  reject->message = std::move(message);
  return false;
}

}  // namespace

void RawRow::Reset(size_t num_fields) {
  values.assign(num_fields, std::string_view());
  present.assign(num_fields, 0);
  extras.clear();
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

RowValidator::RowValidator(const TableSpec& spec, int64_t now_us, bool check_utf8)
    : spec_(spec), max_timestamp_us_(now_us + kMicrosPerDay), check_utf8_(check_utf8) {}

bool RowValidator::ValidateField(size_t field_idx, std::string_view value, Cell* cell,
                                 RowReject* reject, std::deque<std::string>* arena) {
  const FieldSpec& field = spec_.fields[field_idx];
  const std::string& name = field.name;
  switch (field.kind) {
    case FieldKind::kText:
    case FieldKind::kLowerText: {
      if (value.size() > kMaxTextBytes) {
        return Reject(reject, name, "field_too_long",
                      name + " is " + std::to_string(value.size()) + " bytes, limit " +
                          std::to_string(kMaxTextBytes));
      }
      if (check_utf8_ && !simdjson::validate_utf8(value.data(), value.size())) {
        return Reject(reject, name, "invalid_utf8", name + " is not valid UTF-8");
      }
      cell->text = value;
      if (field.kind == FieldKind::kLowerText) {
        bool has_upper = false;
        for (const char c : value) has_upper |= (c >= 'A' && c <= 'Z');
        if (has_upper) {
          std::string& lower = arena->emplace_back(value);
          for (char& c : lower) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
          }
          cell->text = lower;
        }
      }
      break;
    }
    case FieldKind::kTimestamp:
    case FieldKind::kDate: {
      auto parsed = ParseTimestamp(value);
      if (!parsed.ok()) {
        return Reject(reject, name, field.kind == FieldKind::kDate ? "bad_date" : "bad_timestamp",
                      name + ": " + parsed.status().message());
      }
      if (*parsed < kMinTimestampUs || *parsed > max_timestamp_us_) {
        return Reject(reject, name, "timestamp_out_of_range",
                      name + " " + Quoted(value) + " is " +
                          (*parsed < kMinTimestampUs ? "before 1990-01-01"
                                                     : "more than a day in the future"));
      }
      cell->integer = field.kind == FieldKind::kDate ? DayOfMicros(*parsed) : *parsed;
      break;
    }
    case FieldKind::kNumber:
    case FieldKind::kMoney: {
      if (!ParseFiniteDouble(value, &cell->number)) {
        return Reject(reject, name, "bad_number",
                      name + " " + Quoted(value) + " is not a finite number");
      }
      if (field.kind == FieldKind::kMoney && cell->number < 0) {
        return Reject(reject, name, "negative_value",
                      name + " " + Quoted(value) + " is negative, expected >= 0");
      }
      break;
    }
    case FieldKind::kCount: {
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(),
                                             cell->integer);
      if (ec != std::errc() || ptr != value.data() + value.size() || cell->integer < 0) {
        return Reject(reject, name, "bad_count",
                      name + " " + Quoted(value) + " is not a non-negative integer");
      }
      break;
    }
    case FieldKind::kJson: {
      if (value.size() > kMaxPropertiesBytes) {
        return Reject(reject, name, "field_too_long",
                      name + " is " + std::to_string(value.size()) + " bytes, limit " +
                          std::to_string(kMaxPropertiesBytes));
      }
      thread_local simdjson::dom::parser parser;
      simdjson::dom::element element;
      if (parser.parse(value.data(), value.size()).get(element) != simdjson::SUCCESS) {
        return Reject(reject, name, "bad_json", name + " " + Quoted(value) + " is not valid JSON");
      }
      if (!element.is_object()) {
        return Reject(reject, name, "properties_not_object",
                      name + " " + Quoted(value) + " is not a JSON object");
      }
      cell->text = value;
      break;
    }
  }
  cell->valid = true;
  return true;
}

bool RowValidator::Validate(const RawRow& row, std::vector<Cell>* cells, RowReject* reject,
                            std::deque<std::string>* arena) {
  const size_t num_fields = spec_.fields.size();
  cells->assign(num_fields, Cell());
  for (size_t i = 0; i < num_fields; ++i) {
    const std::string_view value = row.present[i] ? TrimAscii(row.values[i]) : std::string_view();
    if (value.empty()) {
      if (spec_.fields[i].required) {
        return Reject(reject, spec_.fields[i].name, "missing_field",
                      "required field " + spec_.fields[i].name + " is missing or empty");
      }
      continue;
    }
    if (!ValidateField(i, value, &(*cells)[i], reject, arena)) return false;
  }
  if (!row.extras.empty() && spec_.properties_field >= 0) {
    // Unknown columns join the properties object, after any explicit properties.
    Cell& props = (*cells)[static_cast<size_t>(spec_.properties_field)];
    std::string merged;
    if (props.valid) {
      const std::string_view existing = TrimAscii(props.text);
      merged.assign(existing.substr(0, existing.size() - 1));  // drop the closing brace
      while (!merged.empty() && (merged.back() == ' ' || merged.back() == '\n')) merged.pop_back();
    } else {
      merged = "{";
    }
    bool first = merged.back() == '{';
    for (const auto& [key, json_value] : row.extras) {
      if (!first) merged += ',';
      merged += JsonQuote(key);
      merged += ':';
      merged += json_value;
      first = false;
    }
    merged += '}';
    if (merged.size() > kMaxPropertiesBytes) {
      return Reject(reject, "properties", "field_too_long",
                    "properties with the extra columns are " + std::to_string(merged.size()) +
                        " bytes, limit " + std::to_string(kMaxPropertiesBytes));
    }
    props.valid = true;
    props.text = arena->emplace_back(std::move(merged));
  }
  return true;
}

Hash128 RowValidator::Key(const std::vector<Cell>& cells) {
  if (spec_.event_id_field >= 0 && cells[static_cast<size_t>(spec_.event_id_field)].valid) {
    key_scratch_.assign("id\x1f");
    key_scratch_.append(cells[static_cast<size_t>(spec_.event_id_field)].text);
    return HashBytes128(key_scratch_);
  }
  key_scratch_.assign("row");
  char buf[32];
  for (size_t i = 0; i < cells.size(); ++i) {
    key_scratch_ += '\x1f';
    const Cell& cell = cells[i];
    if (!cell.valid) {
      key_scratch_ += '\x1e';  // NULL marker, distinct from an empty string
      continue;
    }
    switch (spec_.fields[i].kind) {
      case FieldKind::kTimestamp:
      case FieldKind::kDate:
      case FieldKind::kCount: {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, cell.integer);
        key_scratch_.append(buf, static_cast<size_t>(end - buf));
        break;
      }
      case FieldKind::kNumber:
      case FieldKind::kMoney: {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, cell.number);
        key_scratch_.append(buf, static_cast<size_t>(end - buf));
        break;
      }
      default:
        key_scratch_.append(cell.text);
    }
  }
  return HashBytes128(key_scratch_);
}

}  // namespace fw::ingest
