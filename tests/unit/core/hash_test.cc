// SPDX-License-Identifier: Apache-2.0
//
// hash_test.cc: the stored hashes must never change, so pin a few values.
#include "flywheel/core/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace fw {
namespace {

TEST(HashTest, IsStableAndSpreads) {
  EXPECT_EQ(HashBytes64("abc"), HashBytes64("abc"));
  EXPECT_NE(HashBytes64("abc"), HashBytes64("abd"));
  EXPECT_NE(HashBytes64("abc", 1), HashBytes64("abc", 2));
  EXPECT_NE(HashBytes64(std::string("a\0", 2)), HashBytes64("a"));
  std::set<uint64_t> seen;
  for (int i = 0; i < 100000; ++i) seen.insert(HashBytes64("user_" + std::to_string(i)));
  EXPECT_EQ(seen.size(), 100000u);
  const Hash128 h = HashBytes128("event-1");
  EXPECT_NE(h.hi, h.lo);
}

TEST(HashTest, PinnedValues) {
  // If these change, stored dedup keys and experiment assignments change: do not.
  EXPECT_EQ(HashBytes64(""), 0xa706dd2f4d197e6fULL) << std::hex << HashBytes64("");
  EXPECT_EQ(HashBytes64("flywheel"), 0xfc212861af6f6a82ULL) << std::hex << HashBytes64("flywheel");
}

}  // namespace
}  // namespace fw
