// SPDX-License-Identifier: Apache-2.0
//
// profile.h: what each segment looks like, in words a marketer reads.
//
// For each segment: size and share; its centroid in ORIGINAL units (the mean of the unscaled
// features of its members, not the z-scored centre k-means used); its top 3 distinguishing
// features as z-scores, z = (segment mean - overall mean) / overall std (population), largest
// |z| first; and a plain-language label.
//
// Labels. When the features include the RFM set (recency_days, frequency, monetary; see
// features.h) the first matching rule wins, with r, f, m, t, a, p the z-scores of
// recency_days, frequency, monetary, tenure_days, avg_order_value and purchases (missing = 0):
//   "high-value loyal"  m >= 0.5 and f >= 0.5 and r <= 0
//   "new"               t <= -0.5 and r <= 0 (tenure is short and activity recent)
//   "dormant"           r >= 0.75 and f <= -0.25 (long gone and never very active)
//   "at risk"           r >= 0.5 and (f >= 0 or m >= 0) (used to be active or valuable)
//   "bargain hunters"   p >= 0 and a <= -0.5 (buys, but cheap baskets)
//   "big spenders"      m >= 0.5
//   "engaged browsers"  f >= 0.5 and m < 0.5
//   "occasional"        otherwise
// Else, when the features include events_per_active_day and avg_order_value (the behaviour
// set), with e and a their z-scores:
//   "high-value buyers" a >= 0.5 (large orders)
//   "heavy browsers"    e >= 0.5 (many events per visit day, orders not large)
//   "light visitors"    e <= -0.5 (few events per visit day)
//   then the generic rule below.
// Otherwise (any table) the label names the up-to-two features with |z| >= 0.5, e.g.
// "high Annual Income, low Spending Score" (a trailing "(...)" unit is dropped), or "average".
// Two segments with the same label get " #2", " #3" appended, so labels stay unique.
//
// Segments are numbered by size, largest first (ties: the lower original cluster index).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"

namespace fw::segment {

struct FeatureZ {
  std::string feature;
  double z = 0.0;
};

struct SegmentProfile {
  uint32_t id = 0;  // 0 = largest segment
  uint64_t size = 0;
  double share = 0.0;  // size / rows
  std::string label;
  std::vector<double> centroid;        // original units, one per feature
  std::vector<FeatureZ> top_features;  // up to 3, largest |z| first
};

// The permutation that numbers clusters by size: new_id[old] for each old cluster index.
std::vector<uint32_t> OrderBySize(std::span<const uint64_t> sizes);

// Profiles of the segments given by `labels` (already renumbered, < k) over `original`
// (rows x features, unscaled, with column_names). Segments with no member are left out.
Result<std::vector<SegmentProfile>> BuildProfiles(const Matrix& original,
                                                  std::span<const uint32_t> labels, size_t k);

}  // namespace fw::segment
