// SPDX-License-Identifier: Apache-2.0
//
// dictionary.h: maps a column's distinct strings to dense uint32 codes and back.
//
// Invariant: values()[Code(s)] == s, and codes are 0..size()-1 in order of first insertion.
//
// Thread safety: Find/Value are safe to call concurrently once building is done; Intern is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fw::store {

class Dictionary {
 public:
  // The code of `value`, adding it if new.
  uint32_t Intern(std::string_view value);

  // The code of `value` if present.
  std::optional<uint32_t> Find(std::string_view value) const;

  // The string for `code`. Requires: code < size().
  const std::string& Value(uint32_t code) const { return values_[code]; }

  size_t size() const { return values_.size(); }
  const std::vector<std::string>& values() const { return values_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> values_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> codes_;
};

}  // namespace fw::store
