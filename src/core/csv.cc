// SPDX-License-Identifier: Apache-2.0
//
// csv.cc: the record reader. One forward scan; fields without doubled quotes are views into the
// input, so the common case copies nothing.
#include "flywheel/core/csv.h"

#include <cstring>

namespace fw {

CsvReader::CsvReader(std::string_view data, char delimiter) : data_(data), delimiter_(delimiter) {
  if (data_.size() >= 3 && std::memcmp(data_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
}

std::string_view CsvReader::record_first_line() const {
  const size_t newline = raw_.find('\n');
  std::string_view first = newline == std::string_view::npos ? raw_ : raw_.substr(0, newline);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  return first;
}

void CsvReader::Resync() {
  const size_t newline = data_.find('\n', record_start_);
  pos_ = newline == std::string_view::npos ? data_.size() : newline + 1;
  line_ = record_line_ + 1;
  at_line_start_ = true;
}

CsvReader::Outcome CsvReader::Next(std::vector<std::string_view>* fields) {
  fields->clear();
  unescaped_.clear();
  const char* const base = data_.data();
  const size_t size = data_.size();
  // Skip empty lines (including a lone "\r").
  while (pos_ < size && (base[pos_] == '\n' || base[pos_] == '\r')) {
    if (base[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= size) return Outcome::kEnd;
  record_start_ = pos_;
  record_line_ = line_;
  at_line_start_ = false;
  size_t pos = pos_;
  while (true) {
    if (pos < size && base[pos] == '"') {
      // Quoted field.
      ++pos;
      const size_t start = pos;
      bool has_escape = false;
      while (true) {
        const void* hit = pos < size ? std::memchr(base + pos, '"', size - pos) : nullptr;
        if (hit == nullptr) {
          raw_ = data_.substr(record_start_);
          pos_ = size;
          return Outcome::kUnterminatedQuote;
        }
        const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - base);
        if (quote + 1 < size && base[quote + 1] == '"') {
          has_escape = true;
          pos = quote + 2;
          continue;
        }
        std::string_view body(base + start, quote - start);
        for (const char c : body) line_ += c == '\n';
        if (has_escape) {
          std::string& out = unescaped_.emplace_back();
          out.reserve(body.size());
          for (size_t i = 0; i < body.size(); ++i) {
            out.push_back(body[i]);
            if (body[i] == '"') ++i;  // skip the second quote of a pair
          }
          fields->emplace_back(out);
        } else {
          fields->push_back(body);
        }
        pos = quote + 1;
        break;
      }
      if (pos < size && base[pos] == '\r' && (pos + 1 == size || base[pos + 1] == '\n')) ++pos;
      if (pos >= size || base[pos] == '\n') break;
      if (base[pos] == delimiter_) {
        ++pos;
        continue;
      }
      const size_t newline = data_.find('\n', pos);
      raw_ = data_.substr(record_start_, (newline == std::string_view::npos ? size : newline) -
                                             record_start_);
      return Outcome::kQuoteError;
    }
    // Unquoted field: runs to the delimiter or the end of the line.
    const size_t start = pos;
    while (pos < size && base[pos] != delimiter_ && base[pos] != '\n') ++pos;
    size_t end = pos;
    if ((pos >= size || base[pos] == '\n') && end > start && base[end - 1] == '\r') --end;
    fields->emplace_back(base + start, end - start);
    if (pos >= size || base[pos] == '\n') break;
    ++pos;  // delimiter
    if (pos >= size) {  // a trailing delimiter at end of input: one more empty field
      fields->emplace_back();
      break;
    }
  }
  size_t raw_end = pos;
  if (raw_end > record_start_ && base[raw_end - 1] == '\r') --raw_end;
  raw_ = data_.substr(record_start_, raw_end - record_start_);
  if (pos < size) {  // consume the newline
    ++pos;
    ++line_;
    at_line_start_ = true;
  }
  pos_ = pos;
  return Outcome::kRecord;
}

std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter) {
  CsvReader reader(line, delimiter);
  std::vector<std::string_view> views;
  std::vector<std::string> out;
  if (reader.Next(&views) == CsvReader::Outcome::kRecord) {
    out.assign(views.begin(), views.end());
  }
  return out;
}

}  // namespace fw
