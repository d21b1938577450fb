// SPDX-License-Identifier: Apache-2.0
//
// pipeline.h: the whole segmentation of one feature table: scale, choose k (or take it), fit
// k-means, number segments by size, profile them. The CLI's `flywheel segment` is a thin shell
// over RunSegmentation, for both the workspace features and `--input` tables.
//
// Thread safety: pure; the pool may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/segment/choose_k.h"
#include "flywheel/segment/kmeans.h"
#include "flywheel/segment/profile.h"
#include "flywheel/segment/scaling.h"

namespace fw::segment {

struct SegmentationOptions {
  size_t k = 0;                // 0 = auto: ChooseK over k_min..k_max by silhouette
  size_t k_max = 10;           // largest k tried by auto
  size_t sample_size = 20000;  // silhouette sample (auto, and the reported scores)
  ScaleMethod scale = ScaleMethod::kZScore;
  KMeansOptions kmeans;  // n_init, max_iter, tol, seed, mini_batch; k is set here

  Status Validate() const;
};

struct SegmentationResult {
  size_t k = 0;
  double inertia = 0.0;  // in the scaled space k-means ran in
  size_t iterations = 0;
  double fit_seconds = 0.0;           // wall time of the k-means fit(s), k search included
  std::vector<std::string> features;  // kept (scaled) feature names, in order
  std::vector<std::string> notices;   // from scaling
  std::vector<uint32_t> labels;       // per row, numbered by segment size (0 = largest)
  std::vector<SegmentProfile> segments;
  std::vector<KScore> k_scores;  // the auto table, or the one k that was fitted
  std::string kernel;            // distance kernel used ("avx2", "portable", "scalar")
};

// Segments the rows of `features` (rows x columns, unscaled, column_names set). Errors: as
// ScaleColumns, FitKMeans and ChooseK (k > rows is kFailedPrecondition).
Result<SegmentationResult> RunSegmentation(const Matrix& features,
                                           const SegmentationOptions& options, ThreadPool* pool);

}  // namespace fw::segment
