// SPDX-License-Identifier: Apache-2.0
//
// hash.cc: the stable byte hashes.
#include "flywheel/core/hash.h"

#include <bit>
#include <cstring>

#include "flywheel/core/rng.h"

namespace fw {
namespace {

// GCC and Clang spell a 128-bit integer this way; __extension__ keeps -Wpedantic quiet.
__extension__ typedef unsigned __int128 Uint128;

inline uint64_t LoadLe64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline uint64_t Mix(uint64_t a, uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

constexpr uint64_t kP0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbULL;

}  // namespace

uint64_t HashBytes64(std::string_view bytes, uint64_t seed) {
  uint64_t state = SplitMix64(seed ^ (bytes.size() * kP1));
  const char* p = bytes.data();
  size_t remaining = bytes.size();
  while (remaining >= 8) {
    state = Mix(state ^ kP0, LoadLe64(p) ^ kP1);
    p += 8;
    remaining -= 8;
  }
  if (remaining > 0) {
    char tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(tail, p, remaining);
    state = Mix(state ^ kP0, LoadLe64(tail) ^ kP1 ^ remaining);
  }
  return SplitMix64(state);
}

Hash128 HashBytes128(std::string_view bytes) {
  return {HashBytes64(bytes, 0x5ca1ab1e0ddba11ULL), HashBytes64(bytes, 0x0b5e55ed1dea5ULL)};
}

}  // namespace fw
