// SPDX-License-Identifier: Apache-2.0
//
// pipeline.cc: scale -> (choose k) -> k-means -> renumber by size -> profiles.
#include "flywheel/segment/pipeline.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace fw::segment {

Status SegmentationOptions::Validate() const {
  if (k == 0 && k_max < 2) {
    return InvalidArgument("--k-max is " + std::to_string(k_max) + ", expected at least 2");
  }
  if (sample_size < 2) return InvalidArgument("the silhouette sample size must be at least 2");
  return kmeans.Validate();
}

Result<SegmentationResult> RunSegmentation(const Matrix& features,
                                           const SegmentationOptions& options, ThreadPool* pool) {
  FW_RETURN_IF_ERROR(options.Validate());
  if (features.rows == 0) return FailedPrecondition("the feature table has no rows");
  if (options.k > features.rows) {
    return FailedPrecondition("k = " + std::to_string(options.k) + " is larger than the " +
                              std::to_string(features.rows) + " rows");
  }
  FW_ASSIGN_OR_RETURN(ScaledMatrix scaled, ScaleColumns(features, options.scale));
  SegmentationResult out;
  out.features = scaled.x.column_names;
  out.notices = scaled.notices;
  const auto t0 = std::chrono::steady_clock::now();
  KMeansResult fit;
  if (options.k == 0) {
    ChooseKOptions choose;
    choose.k_max = options.k_max;
    choose.sample_size = options.sample_size;
    choose.kmeans = options.kmeans;
    FW_ASSIGN_OR_RETURN(ChooseKResult chosen, ChooseK(scaled.x.View(), choose, pool));
    fit = std::move(chosen.best_fit);
    out.k_scores = std::move(chosen.table);
  } else {
    KMeansOptions opt = options.kmeans;
    opt.k = options.k;
    FW_ASSIGN_OR_RETURN(fit, FitKMeans(scaled.x.View(), opt, pool));
  }
  out.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (options.k != 0) {
    FW_ASSIGN_OR_RETURN(ClusterScores scores,
                        ScoreClustering(scaled.x.View(), fit.labels, fit.k, options.sample_size,
                                        options.kmeans.seed, pool));
    out.k_scores.push_back({fit.k, fit.inertia, std::move(scores)});
  }
  out.k = fit.k;
  out.inertia = fit.inertia;
  out.iterations = fit.iterations;
  out.kernel = scaled.x.data.empty() ? "scalar" : AutoKernelName();
  if (options.kmeans.kernel == KernelChoice::kScalar) out.kernel = "scalar";
  if (options.kmeans.kernel == KernelChoice::kPortable) out.kernel = "portable";
  const std::vector<uint32_t> new_id = OrderBySize(fit.sizes);
  out.labels.resize(fit.labels.size());
  for (size_t i = 0; i < fit.labels.size(); ++i) out.labels[i] = new_id[fit.labels[i]];
  FW_ASSIGN_OR_RETURN(out.segments, BuildProfiles(features, out.labels, fit.k));
  return out;
}

}  // namespace fw::segment
