// SPDX-License-Identifier: Apache-2.0
//
// csv.h: a quote-aware CSV/TSV record reader over an in-memory buffer (RFC 4180 plus CRLF).
//
// It splits records and fields and reports where each record starts, so callers can name the
// line of a bad row. It never decides what a bad row is: the caller checks field counts and,
// for a broken record, calls Resync() to drop just that record's first physical line.
//
// Rules: a leading UTF-8 BOM is skipped; "\r\n" ends a record like "\n"; a field that starts with
// the quote char is quoted, may contain delimiters and newlines, and writes a quote as two; a
// quote inside an unquoted field is kept as text; text after a closing quote is kQuoteError.
//
// Thread safety: one reader per thread; the buffer must outlive it.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace fw {

class CsvReader {
 public:
  enum class Outcome {
    kRecord,             // a record was read into the field list
    kEnd,                // no more input
    kUnterminatedQuote,  // a quoted field ran to the end of input
    kQuoteError,         // text followed a closing quote
  };

  CsvReader(std::string_view data, char delimiter);

  // Reads the next record. Empty lines are skipped. Field views stay valid until the next call.
  Outcome Next(std::vector<std::string_view>* fields);

  // The 1-based physical line on which the last record started.
  size_t record_line() const { return record_line_; }
  // True if the last record spans several physical lines (a quoted newline).
  bool record_spans_lines() const { return raw_.find('\n') != std::string_view::npos; }
  // The raw text of the last record (without its line ending).
  std::string_view record_raw() const { return raw_; }
  // The raw text of the first physical line of the last record.
  std::string_view record_first_line() const;

  // Abandons the last record and continues from the physical line after its first line, so a
  // broken quote rejects one line instead of swallowing the rest of the file.
  void Resync();

 private:
  std::string_view data_;
  char delimiter_;
  size_t pos_ = 0;
  size_t line_ = 1;            // physical line of pos_
  bool at_line_start_ = true;  // pos_ is at the start of a line
  size_t record_start_ = 0;
  size_t record_line_ = 0;
  std::string_view raw_;
  std::deque<std::string> unescaped_;  // storage for fields with doubled quotes
};

// Splits one line on `delimiter` with the same quoting rules, for headers and small inputs.
std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter);

}  // namespace fw
