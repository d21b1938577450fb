// SPDX-License-Identifier: Apache-2.0
//
// row_binary.h (private): reading ClickHouse RowBinary answers as they stream in. RowBinary is
// fixed-width little-endian numbers and LEB128-length-prefixed strings, row after row; a row may
// be split between two pieces of the HTTP body, so RowStream keeps the unparsed tail (less than
// one row) and hands whole rows to the caller.
//
// Thread safety: one RowStream per query.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "flywheel/core/result.h"

#include "flywheel/clickhouse/backend.h"

namespace fw::clickhouse {

// Appends `text` as RowBinary String: its LEB128 length, then the bytes.
inline void AppendString(std::string& out, std::string_view text) {
  uint64_t n = text.size();
  do {
    uint8_t byte = n & 0x7f;
    n >>= 7;
    if (n) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n);
  out.append(text);
}

// Appends a fixed-width number (little-endian host, as RowBinary wants).
template <typename T>
void AppendFixed(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Appends one row of the events table, in its column order.
inline void AppendEventRow(std::string& out, const EventRow& row) {
  AppendString(out, row.user_id);
  AppendFixed<int64_t>(out, row.time_us);
  AppendString(out, row.event);
  AppendString(out, row.channel);
  AppendString(out, row.campaign);
  AppendFixed<double>(out, row.revenue);
  AppendFixed<uint64_t>(out, row.key_hi);
  AppendFixed<uint64_t>(out, row.key_lo);
}

// Reads RowBinary values from [data, data + size); each read says whether its bytes were there.
class RowReader {
 public:
  RowReader(const char* data, size_t size) : data_(data), size_(size) {}
  size_t position() const { return pos_; }

  bool String(std::string& out) {
    uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= size_ || shift > 63) return false;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      length |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (size_ - pos_ < length) return false;
    out.assign(data_ + pos_, length);
    pos_ += length;
    return true;
  }

  template <typename T>
  bool Fixed(T& out) {
    if (size_ - pos_ < sizeof(T)) return false;
    std::memcpy(&out, data_ + pos_, sizeof(T));  // little-endian host, as RowBinary
    pos_ += sizeof(T);
    return true;
  }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Feeds pieces of a RowBinary body to `read_row`, which reads one row from the reader and
// returns false when the row is incomplete (it is then re-read once more bytes arrived), true
// when the row was read; its Status is for rows that are complete but wrong.
class RowStream {
 public:
  using ReadRow = std::function<Result<bool>(RowReader&)>;
  explicit RowStream(ReadRow read_row) : read_row_(std::move(read_row)) {}

  Status Consume(std::string_view piece) {
    if (carry_.empty()) {
      FW_ASSIGN_OR_RETURN(const size_t used, Parse(piece.data(), piece.size()));
      carry_.assign(piece.substr(used));
    } else {
      carry_.append(piece);
      FW_ASSIGN_OR_RETURN(const size_t used, Parse(carry_.data(), carry_.size()));
      carry_.erase(0, used);
    }
    return OkStatus();
  }

  // Bytes left that were not a whole row (non-zero at the end means a truncated answer).
  size_t leftover() const { return carry_.size(); }

 private:
  Result<size_t> Parse(const char* data, size_t size) {
    RowReader reader(data, size);
    size_t used = 0;
    while (used < size) {
      FW_ASSIGN_OR_RETURN(const bool complete, read_row_(reader));
      if (!complete) break;
      used = reader.position();
    }
    return used;
  }

  ReadRow read_row_;
  std::string carry_;
};

}  // namespace fw::clickhouse
