// SPDX-License-Identifier: Apache-2.0
//
// choose_k.h: cluster-quality scores and the `--k auto` search.
//
// Scores (each as in scikit-learn.metrics, so they can be checked against it):
//   silhouette          mean over points of (b - a) / max(a, b), a = mean distance to the own
//                       cluster, b = the lowest mean distance to another cluster; a point alone
//                       in its cluster scores 0 (Rousseeuw 1987). Computed on a seeded sample of
//                       at most `sample_size` points (all points when n is smaller), because it
//                       costs O(sample^2 * d).
//   calinski_harabasz   [B / (k - 1)] / [W / (n - k)], B and W the between- and within-cluster
//                       sums of squares (Calinski and Harabasz 1974). All points.
//   davies_bouldin      mean over clusters of max over others of (s_i + s_j) / d(c_i, c_j), s
//                       the mean distance of members to their centroid (Davies and Bouldin
//                       1979). All points. Lower is better.
// A score that is undefined (k < 2, k >= n, a sample with one cluster) is std::nullopt, with
// the reason in `note`; never NaN.
//
// ChooseK fits k = k_min..k_max with the same options and picks the best silhouette (ties: the
// smaller k). It also reports inertia for an elbow plot, but the pick is by silhouette only.
//
// Thread safety: pure functions; the pool may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/segment/kmeans.h"

namespace fw::segment {

struct ClusterScores {
  std::optional<double> silhouette;
  std::optional<double> calinski_harabasz;
  std::optional<double> davies_bouldin;
  size_t silhouette_sample = 0;  // points the silhouette used
  std::string note;              // why a score is missing, empty otherwise
};

// Scores a labelling of `x` into k clusters (labels < k). `seed` draws the silhouette sample.
Result<ClusterScores> ScoreClustering(const MatrixView& x, std::span<const uint32_t> labels,
                                      size_t k, size_t sample_size, uint64_t seed,
                                      ThreadPool* pool);

struct KScore {
  size_t k = 0;
  double inertia = 0.0;
  ClusterScores scores;
};

struct ChooseKResult {
  size_t best_k = 0;
  std::vector<KScore> table;  // one row per k tried, in order
  KMeansResult best_fit;      // the fit for best_k
};

struct ChooseKOptions {
  size_t k_min = 2;            // smallest k tried; silhouette needs k >= 2
  size_t k_max = 10;           // largest k tried (capped at rows - 1)
  size_t sample_size = 20000;  // silhouette sample; O(sample^2) so keep it bounded
  KMeansOptions kmeans;        // k is overwritten for each try

  Status Validate() const;
};

// Fits each k and picks the best silhouette. Errors: as FitKMeans, plus kFailedPrecondition
// when fewer than 3 rows leave no k in 2..n-1 to try.
Result<ChooseKResult> ChooseK(const MatrixView& x, const ChooseKOptions& options, ThreadPool* pool);

}  // namespace fw::segment
