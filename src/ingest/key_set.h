// SPDX-License-Identifier: Apache-2.0
//
// key_set.h: an open-addressing hash set of 128-bit dedup keys.
//
// Ingest checks every row against the keys already in the table plus those seen earlier in the
// file; at 10M rows std::unordered_set spends more time allocating nodes than hashing, so this
// keeps keys in one flat array with linear probing. The keys are already uniform hashes, so the
// low word picks the slot directly.
//
// Thread safety: not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "flywheel/core/hash.h"

namespace fw::ingest {

class KeySet {
 public:
  explicit KeySet(size_t expected = 1024) { Rehash(expected * 2 + 16); }

  // Inserts `key`; returns false if it was already present.
  bool Insert(const Hash128& key) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.size() * 2);
    return InsertNoGrow(key);
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    Hash128 key;
    bool used = false;
  };

  bool InsertNoGrow(const Hash128& key) {
    size_t idx = key.lo & mask_;
    while (slots_[idx].used) {
      if (slots_[idx].key == key) return false;
      idx = (idx + 1) & mask_;
    }
    slots_[idx] = {key, true};
    ++size_;
    return true;
  }

  void Rehash(size_t min_slots) {
    size_t capacity = 16;
    while (capacity < min_slots) capacity *= 2;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot());
    mask_ = capacity - 1;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.used) InsertNoGrow(slot.key);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace fw::ingest
