// SPDX-License-Identifier: Apache-2.0
//
// hash.h: stable 64- and 128-bit hashes of bytes.
//
// These values are stored (dedup keys) and used for experiment assignment, so they must never
// change between versions or platforms. Words are read little-endian whatever the host.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace fw {

struct Hash128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// A 64-bit hash of `bytes` mixed with `seed` (a multiply-xorshift construction with the
// SplitMix64 finaliser). Not cryptographic.
uint64_t HashBytes64(std::string_view bytes, uint64_t seed = 0);

// Two independent 64-bit lanes. Collision odds for n keys are about n^2 / 2^129: 1e-25 for
// 10 million keys, which is why dedup can trust it.
Hash128 HashBytes128(std::string_view bytes);

}  // namespace fw
