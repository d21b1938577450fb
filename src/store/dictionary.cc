// SPDX-License-Identifier: Apache-2.0
//
// dictionary.cc: string <-> dense code.
#include "flywheel/store/dictionary.h"

namespace fw::store {

uint32_t Dictionary::Intern(std::string_view value) {
  if (auto it = codes_.find(value); it != codes_.end()) return it->second;
  const auto code = static_cast<uint32_t>(values_.size());
  values_.emplace_back(value);
  codes_.emplace(values_.back(), code);
  return code;
}

std::optional<uint32_t> Dictionary::Find(std::string_view value) const {
  if (auto it = codes_.find(value); it != codes_.end()) return it->second;
  return std::nullopt;
}

}  // namespace fw::store
