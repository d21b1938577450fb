// SPDX-License-Identifier: Apache-2.0
//
// adjusted_rand_index.h: the adjusted Rand index of two labelings, for tests that score a
// clustering against planted truth (unit tests and the generate -> segment recovery test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace fw::testing {

// Adjusted Rand index (Hubert and Arabie 1985) from the contingency table: 1 for identical
// partitions (up to renaming), about 0 for independent ones, negative below chance. Both
// partitions being one cluster each counts as agreement (1), as in scikit-learn. The label
// vectors must have the same length (>= 2).
inline double AdjustedRandIndex(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::map<std::pair<uint32_t, uint32_t>, double> joint;
  std::map<uint32_t, double> ca, cb;
  for (size_t i = 0; i < a.size(); ++i) {
    joint[{a[i], b[i]}] += 1;
    ca[a[i]] += 1;
    cb[b[i]] += 1;
  }
  auto c2 = [](double v) { return v * (v - 1) / 2; };
  double sum_joint = 0, sum_a = 0, sum_b = 0;
  for (const auto& [key, v] : joint) sum_joint += c2(v);
  for (const auto& [key, v] : ca) sum_a += c2(v);
  for (const auto& [key, v] : cb) sum_b += c2(v);
  const double expected = sum_a * sum_b / c2(static_cast<double>(a.size()));
  const double max_index = 0.5 * (sum_a + sum_b);
  if (max_index == expected) return 1.0;
  return (sum_joint - expected) / (max_index - expected);
}

}  // namespace fw::testing
