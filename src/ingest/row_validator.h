// SPDX-License-Identifier: Apache-2.0
//
// row_validator.h: turns one raw row (text per field) into typed, normalised cells, or a
// reject with a reason code, the column and a message that quotes the value.
//
// Reason codes (stable: they are counted in the summary and stored in `rejects.reason`):
//   missing_field, field_too_long, invalid_utf8, bad_timestamp, timestamp_out_of_range,
//   bad_date, bad_number, negative_value, bad_count, bad_json, properties_not_object,
//   wrong_field_count, broken_quote, bad_json_line.
//
// Thread safety: a validator is used by one thread; the arena it writes to as well.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flywheel/core/hash.h"
#include "table_spec.h"

namespace fw::ingest {

// One input row before validation. values/present have one entry per spec field.
struct RawRow {
  size_t line = 0;
  std::string_view raw;
  std::vector<std::string_view> values;
  std::vector<uint8_t> present;
  // Unknown columns: name and value already encoded as JSON (a string literal for CSV).
  std::vector<std::pair<std::string, std::string>> extras;

  void Reset(size_t num_fields);
};

// A validated cell. Text cells view the input or the arena.
struct Cell {
  bool valid = false;
  std::string_view text;
  int64_t integer = 0;
  double number = 0.0;
};

struct RowReject {
  std::string column;
  std::string reason;
  std::string message;
};

class RowValidator {
 public:
  // now_us: "now" for the future check. check_utf8: validate text fields as UTF-8 (skipped
  // when the whole file is known to be valid UTF-8).
  RowValidator(const TableSpec& spec, int64_t now_us, bool check_utf8);

  // Validates `row` into `cells` (one per field). Returns false and fills `reject` on the first
  // bad field. Lower-cased and merged strings are stored in `arena`, which must outlive cells.
  bool Validate(const RawRow& row, std::vector<Cell>* cells, RowReject* reject,
                std::deque<std::string>* arena);

  // The dedup key of a validated row: event_id's hash when present, else the normalised row's.
  Hash128 Key(const std::vector<Cell>& cells);

 private:
  bool ValidateField(size_t field_idx, std::string_view value, Cell* cell, RowReject* reject,
                     std::deque<std::string>* arena);

  const TableSpec& spec_;
  int64_t max_timestamp_us_;
  bool check_utf8_;
  std::string key_scratch_;
};

// JSON-encodes `text` as a string literal (quotes, backslashes and control characters escaped).
std::string JsonQuote(std::string_view text);

}  // namespace fw::ingest
