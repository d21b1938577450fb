// SPDX-License-Identifier: Apache-2.0
//
// choose_k.cc: silhouette (sampled), Calinski-Harabasz, Davies-Bouldin, and the k search.
#include "flywheel/segment/choose_k.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "flywheel/core/rng.h"
#include "kmeans_internal.h"

namespace fw::segment {

namespace {

// Seeded sample of m distinct rows out of n (partial Fisher-Yates), sorted.
std::vector<size_t> SampleRows(size_t n, size_t m, uint64_t seed) {
  std::vector<size_t> rows(n);
  std::iota(rows.begin(), rows.end(), size_t{0});
  if (m >= n) return rows;
  Rng rng(seed);
  for (size_t i = 0; i < m; ++i) std::swap(rows[i], rows[i + rng.UniformInt(n - i)]);
  rows.resize(m);
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Mean silhouette over the sampled rows.
// Sum of [first, last) in double, over four independent accumulators so the adds overlap.
double SumRun(const float* first, const float* last) {
  double acc[4] = {0, 0, 0, 0};
  const float* p = first;
  for (; p + 4 <= last; p += 4) {
    acc[0] += p[0];
    acc[1] += p[1];
    acc[2] += p[2];
    acc[3] += p[3];
  }
  for (; p < last; ++p) acc[0] += *p;
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

double Silhouette(const MatrixView& x, std::span<const uint32_t> labels, size_t k,
                  const std::vector<size_t>& rows, ThreadPool* pool) {
  const size_t m = rows.size();
  const size_t d = x.cols;
  // The sample grouped by cluster (a stable counting sort), so that each cluster's distances
  // are one contiguous run: summing a run has no dependency between clusters, where adding
  // each distance to sums[label] made every add wait for the previous one to the same sum.
  std::vector<size_t> offsets(k + 1, 0);
  for (size_t r : rows) ++offsets[labels[r] + 1];
  for (size_t c = 0; c < k; ++c) offsets[c + 1] += offsets[c];
  std::vector<size_t> grouped(m);
  {
    std::vector<size_t> next(offsets.begin(), offsets.end() - 1);
    for (size_t b = 0; b < m; ++b) grouped[next[labels[rows[b]]]++] = rows[b];
  }
  // The sample column by column (structure of arrays): the inner loops below run over
  // contiguous rows and vectorise, where a row-by-row distance loop did not. Distances are
  // float, like the data; the per-cluster sums are double.
  std::vector<float> columns(d * m);
  std::vector<uint32_t> sample_labels(m);
  for (size_t b = 0; b < m; ++b) {
    sample_labels[b] = labels[grouped[b]];
    for (size_t j = 0; j < d; ++j) columns[j * m + b] = x.data[grouped[b] * d + j];
  }
  std::vector<double> s(m, 0.0);
  auto body = [&](size_t begin, size_t end, size_t) {
    std::vector<double> sums(k);
    std::vector<float> dist(m);
    for (size_t a = begin; a < end; ++a) {
      std::fill(dist.begin(), dist.end(), 0.0f);
      for (size_t j = 0; j < d; ++j) {
        const float* column = columns.data() + j * m;
        const float xa = column[a];
        for (size_t b = 0; b < m; ++b) {
          const float diff = column[b] - xa;
          dist[b] += diff * diff;
        }
      }
      for (size_t b = 0; b < m; ++b) dist[b] = std::sqrt(dist[b]);
      for (size_t c = 0; c < k; ++c) sums[c] = SumRun(dist.data() + offsets[c], dist.data() + offsets[c + 1]);
      const uint32_t own = sample_labels[a];
      const double own_count = static_cast<double>(offsets[own + 1] - offsets[own]);
      if (own_count <= 1.0) continue;  // a singleton cluster scores 0, as in sklearn
      const double intra = sums[own] / (own_count - 1.0);
      double inter = INFINITY;
      for (size_t c = 0; c < k; ++c) {
        const double count = static_cast<double>(offsets[c + 1] - offsets[c]);
        if (c != own && count > 0.0) inter = std::min(inter, sums[c] / count);
      }
      const double denom = std::max(intra, inter);
      s[a] = denom > 0.0 ? (inter - intra) / denom : 0.0;
    }
  };
  internal::ForChunks(pool, m, body);
  return std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(m);
}

}  // namespace

Result<ClusterScores> ScoreClustering(const MatrixView& x, std::span<const uint32_t> labels,
                                      size_t k, size_t sample_size, uint64_t seed,
                                      ThreadPool* pool) {
  const size_t n = x.rows;
  const size_t d = x.cols;
  if (labels.size() != n) {
    return InvalidArgument("labels hold " + std::to_string(labels.size()) + " entries, expected " +
                           std::to_string(n));
  }
  for (uint32_t label : labels) {
    if (label >= k) {
      return InvalidArgument("label " + std::to_string(label) +
                             " is not below k = " + std::to_string(k));
    }
  }
  ClusterScores out;
  // Cluster means and sizes from the labels (sklearn recomputes them the same way).
  std::vector<double> counts(k, 0.0), means(k * d, 0.0), overall(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    counts[labels[i]] += 1.0;
    for (size_t j = 0; j < d; ++j) {
      means[labels[i] * d + j] += x.data[i * d + j];
      overall[j] += x.data[i * d + j];
    }
  }
  size_t used = 0;
  for (size_t c = 0; c < k; ++c) {
    if (counts[c] == 0.0) continue;
    ++used;
    for (size_t j = 0; j < d; ++j) means[c * d + j] /= counts[c];
  }
  for (double& v : overall) v /= static_cast<double>(n);
  if (used < 2 || used >= n) {
    out.note = "scores need 2 <= clusters < rows; got " + std::to_string(used) + " clusters on " +
               std::to_string(n) + " rows";
    return out;
  }
  // Calinski-Harabasz and Davies-Bouldin on all points.
  double within = 0.0, between = 0.0;
  std::vector<double> intra(k, 0.0);
  for (size_t i = 0; i < n; ++i) {
    double sq = 0.0;
    for (size_t j = 0; j < d; ++j) {
      const double diff = x.data[i * d + j] - means[labels[i] * d + j];
      sq += diff * diff;
    }
    within += sq;
    intra[labels[i]] += std::sqrt(sq);
  }
  for (size_t c = 0; c < k; ++c) {
    if (counts[c] == 0.0) continue;
    intra[c] /= counts[c];
    double sq = 0.0;
    for (size_t j = 0; j < d; ++j) {
      const double diff = means[c * d + j] - overall[j];
      sq += diff * diff;
    }
    between += counts[c] * sq;
  }
  const double nd = static_cast<double>(n), kd = static_cast<double>(used);
  out.calinski_harabasz =
      within == 0.0 ? 1.0 : between * (nd - kd) / (within * (kd - 1.0));  // sklearn: 1.0
  double db_total = 0.0;
  for (size_t a = 0; a < k; ++a) {
    if (counts[a] == 0.0) continue;
    double worst = 0.0;
    for (size_t b = 0; b < k; ++b) {
      if (b == a || counts[b] == 0.0) continue;
      double sq = 0.0;
      for (size_t j = 0; j < d; ++j) {
        const double diff = means[a * d + j] - means[b * d + j];
        sq += diff * diff;
      }
      // Coincident centroids: sklearn divides by inf there, i.e. the pair contributes 0.
      if (sq > 0.0) worst = std::max(worst, (intra[a] + intra[b]) / std::sqrt(sq));
    }
    db_total += worst;
  }
  out.davies_bouldin = db_total / kd;
  // Silhouette on a sample.
  const std::vector<size_t> rows = SampleRows(n, std::max<size_t>(2, sample_size), seed);
  std::vector<bool> present(k, false);
  size_t sample_clusters = 0;
  for (size_t r : rows) {
    if (!present[labels[r]]) ++sample_clusters;
    present[labels[r]] = true;
  }
  out.silhouette_sample = rows.size();
  if (sample_clusters < 2 || sample_clusters >= rows.size()) {
    out.note = "the silhouette sample holds " + std::to_string(sample_clusters) + " clusters on " +
               std::to_string(rows.size()) + " rows";
  } else {
    out.silhouette = Silhouette(x, labels, k, rows, pool);
  }
  return out;
}

Status ChooseKOptions::Validate() const {
  if (k_min < 2)
    return InvalidArgument("the smallest k tried is " + std::to_string(k_min) +
                           ", expected at least 2 (silhouette needs 2 clusters)");
  if (k_max < k_min) {
    return InvalidArgument("--k-max is " + std::to_string(k_max) + ", expected at least " +
                           std::to_string(k_min));
  }
  if (sample_size < 2) return InvalidArgument("the silhouette sample size must be at least 2");
  return kmeans.Validate();
}

Result<ChooseKResult> ChooseK(const MatrixView& x, const ChooseKOptions& options,
                              ThreadPool* pool) {
  FW_RETURN_IF_ERROR(options.Validate());
  if (x.rows < 3) {
    return FailedPrecondition("choosing k needs at least 3 rows (k from 2 to rows - 1), got " +
                              std::to_string(x.rows));
  }
  const size_t k_max = std::min(options.k_max, x.rows - 1);
  ChooseKResult out;
  double best_score = -INFINITY;
  for (size_t k = options.k_min; k <= k_max; ++k) {
    KMeansOptions opt = options.kmeans;
    opt.k = k;
    FW_ASSIGN_OR_RETURN(KMeansResult fit, FitKMeans(x, opt, pool));
    FW_ASSIGN_OR_RETURN(ClusterScores scores, ScoreClustering(x, fit.labels, k, options.sample_size,
                                                              options.kmeans.seed, pool));
    const double score = scores.silhouette.value_or(-INFINITY);
    if (out.best_k == 0 || score > best_score) {
      best_score = score;
      out.best_k = k;
      out.best_fit = fit;
    }
    out.table.push_back({k, fit.inertia, std::move(scores)});
  }
  return out;
}

}  // namespace fw::segment
