// SPDX-License-Identifier: Apache-2.0
//
// kmeans.cc: the k-means driver: restarts, the Lloyd/Hamerly loop, stopping,
// empty clusters.
//
// One iteration, in scikit-learn's order: assign every point with the current
// centres, move each centre to the mean of its points, then test convergence.
// The first iteration assigns every point in full and sums the clusters from
// scratch; later ones run the Hamerly pass, which only touches points whose
// bounds fail and adds the moves of points that changed cluster to the
// double-precision sums. The centres are sums / counts.
#include "flywheel/segment/kmeans.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "flywheel/core/rng.h"
#include "kmeans_internal.h"

namespace fw::segment {

using internal::CenterBuffers;
using internal::ForChunks;
using internal::KernelTable;
using internal::NumChunks;

namespace internal {

const KernelTable& SelectKernels(KernelChoice choice) {
  switch (choice) {
    case KernelChoice::kScalar:
      return ScalarKernels();
    case KernelChoice::kPortable:
      return PortableKernels();
    case KernelChoice::kAvx2:
    case KernelChoice::kAuto:
      if (Avx2Kernels() != nullptr && CpuHasAvx2()) return *Avx2Kernels();
      return PortableKernels();
  }
  return PortableKernels();
}

std::vector<double> ColumnVariances(const MatrixView& x, ThreadPool* pool) {
  const size_t d = x.cols;
  const size_t chunks = NumChunks(x.rows);
  // Per-chunk sums and sums of squares around a shift (the first row) so the
  // subtraction in E[x^2] - E[x]^2 does not cancel for columns far from zero.
  std::vector<double> sum(chunks * d, 0.0), sum_sq(chunks * d, 0.0);
  const float* shift = x.data.data();
  ForChunks(pool, x.rows, [&](size_t begin, size_t end, size_t chunk) {
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = 0; j < d; ++j) {
        const double v = static_cast<double>(x.data[i * d + j]) - shift[j];
        sum[chunk * d + j] += v;
        sum_sq[chunk * d + j] += v * v;
      }
    }
  });
  std::vector<double> var(d, 0.0);
  if (x.rows == 0) return var;
  for (size_t j = 0; j < d; ++j) {
    double s = 0.0, s2 = 0.0;
    for (size_t chunk = 0; chunk < chunks; ++chunk) {
      s += sum[chunk * d + j];
      s2 += sum_sq[chunk * d + j];
    }
    const double mean = s / static_cast<double>(x.rows);
    var[j] = std::max(0.0, s2 / static_cast<double>(x.rows) - mean * mean);
  }
  return var;
}

Status CheckFinite(const MatrixView& x, float* max_abs) {
  float largest = 0.0f;
  for (size_t i = 0; i < x.data.size(); ++i) {
    largest = std::max(largest, std::fabs(x.data[i]));
    if (!std::isfinite(x.data[i])) {
      return InvalidArgument("row " + std::to_string(i / x.cols) + ", column " +
                             std::to_string(i % x.cols) + " is " + std::to_string(x.data[i]) +
                             ", expected a finite number");
    }
  }
  if (max_abs != nullptr) *max_abs = largest;
  return OkStatus();
}

}  // namespace internal

Status KMeansOptions::Validate() const {
  if (k == 0) return InvalidArgument("k is 0, expected at least 1");
  if (n_init == 0) return InvalidArgument("n_init is 0, expected at least 1");
  if (max_iter == 0) return InvalidArgument("max_iter is 0, expected at least 1");
  if (!(tol >= 0.0) || !std::isfinite(tol)) {
    return InvalidArgument("tol is " + std::to_string(tol) + ", expected a finite value >= 0");
  }
  return OkStatus();
}

const char* AutoKernelName() { return internal::SelectKernels(KernelChoice::kAuto).name; }

double AssignNearest(const MatrixView& x, std::span<const float> centers, size_t k,
                     std::span<uint32_t> labels, ThreadPool* pool, KernelChoice kernel) {
  const KernelTable& kernels = internal::SelectKernels(kernel);
  CenterBuffers buffers(k, x.cols);
  std::copy(centers.begin(), centers.end(), buffers.centers.begin());
  buffers.Transpose();
  const internal::CenterSet set = buffers.View();
  std::vector<double> chunk_inertia(NumChunks(x.rows), 0.0);
  ForChunks(pool, x.rows, [&](size_t begin, size_t end, size_t chunk) {
    std::vector<float> best(end);  // indexed by row; only [begin, end) is written
    kernels.assign(x.data.data(), set, begin, end, labels.data(), best.data(), nullptr);
    double total = 0.0;
    for (size_t i = begin; i < end; ++i) total += best[i];
    chunk_inertia[chunk] = total;
  });
  return std::accumulate(chunk_inertia.begin(), chunk_inertia.end(), 0.0);
}

namespace {

// One run of Lloyd iterations from given centres.
class LloydRun {
 public:
  LloydRun(const MatrixView& x, const KMeansOptions& options, double tol_abs, ThreadPool* pool)
      : x_(x),
        opt_(options),
        tol_abs_(tol_abs),
        pool_(pool),
        kernels_(internal::SelectKernels(options.kernel)),
        n_(x.rows),
        d_(x.cols),
        k_(options.k),
        chunks_(NumChunks(x.rows)),
        buf_(options.k, x.cols),
        labels_(x.rows),
        upper_(x.rows),
        lower_(x.rows),
        sums_(options.k * x.cols, 0.0),
        counts_(options.k, 0),
        chunk_sums_(chunks_ * options.k * x.cols),
        chunk_counts_(chunks_ * options.k) {}

  KMeansResult Run(std::span<const float> init) {
    std::copy(init.begin(), init.end(), buf_.centers.begin());
    buf_.Transpose();
    std::vector<float> shift(k_, 0.0f), half_sep(k_, 0.0f);
    bool strict = false;
    size_t iter = 0;
    while (iter < opt_.max_iter) {
      ++iter;
      size_t changed = 0;
      if (iter == 1) {
        FullAssign();
        changed = n_;
      } else if (opt_.algorithm == KMeansAlgorithm::kLloyd) {
        changed = LloydPass(/*update_sums=*/true);
      } else {
        changed = HamerlyPass(shift, half_sep, /*update_sums=*/true);
      }
      if (std::find(counts_.begin(), counts_.end(), 0) != counts_.end()) changed += Reseed();
      const double shift_total = UpdateCenters(&shift);
      if (iter > 1 && changed == 0) {
        strict = true;
        break;
      }
      if (shift_total <= tol_abs_) break;
      HalfSeparations(&half_sep);
    }
    if (!strict) {
      // The centres moved after the last assignment: relabel once so labels
      // match centres.
      if (opt_.algorithm == KMeansAlgorithm::kLloyd) {
        LloydPass(/*update_sums=*/false);  // Lloyd passes keep no bounds
      } else {
        HalfSeparations(&half_sep);
        HamerlyPass(shift, half_sep, /*update_sums=*/false);
      }
    }
    KMeansResult result;
    result.k = k_;
    result.dims = d_;
    result.iterations = iter;
    result.empty_reseeds = reseeds_;
    result.distance_evals = evals_;
    result.inertia = Inertia();
    result.centers = buf_.centers;
    result.sizes.assign(k_, 0);
    for (uint32_t label : labels_) ++result.sizes[label];
    result.labels = std::move(labels_);
    return result;
  }

 private:
  void FullAssign() {
    const internal::CenterSet set = buf_.View();
    ForChunks(pool_, n_, [&](size_t begin, size_t end, size_t chunk) {
      kernels_.assign(x_.data.data(), set, begin, end, labels_.data(), upper_.data(),
                      lower_.data());
      double* sums = &chunk_sums_[chunk * k_ * d_];
      int64_t* counts = &chunk_counts_[chunk * k_];
      std::fill(sums, sums + k_ * d_, 0.0);
      std::fill(counts, counts + k_, 0);
      for (size_t i = begin; i < end; ++i) {
        const uint32_t a = labels_[i];
        const float* xi = x_.data.data() + i * d_;
        for (size_t j = 0; j < d_; ++j) sums[a * d_ + j] += xi[j];
        ++counts[a];
        upper_[i] = std::sqrt(upper_[i]) * (1.0f + internal::kBoundSlack);
        lower_[i] =
            lower_[i] == FLT_MAX ? FLT_MAX : std::sqrt(lower_[i]) * (1.0f - internal::kBoundSlack);
      }
    });
    evals_ += n_ * k_;
    std::fill(sums_.begin(), sums_.end(), 0.0);
    std::fill(counts_.begin(), counts_.end(), 0);
    ReduceChunks();
  }

  // Adds the per-chunk sums and counts to the totals, in chunk order.
  void ReduceChunks() {
    for (size_t chunk = 0; chunk < chunks_; ++chunk) {
      for (size_t e = 0; e < k_ * d_; ++e) sums_[e] += chunk_sums_[chunk * k_ * d_ + e];
      for (size_t c = 0; c < k_; ++c) counts_[c] += chunk_counts_[chunk * k_ + c];
    }
  }

  size_t HamerlyPass(const std::vector<float>& shift, const std::vector<float>& half_sep,
                     bool update_sums) {
    internal::HamerlyStep step;
    step.half_sep = half_sep.data();
    step.shift = shift.data();
    for (size_t c = 0; c < k_; ++c) {
      if (shift[c] > step.max_shift) {
        step.second_shift = step.max_shift;
        step.max_shift = shift[c];
        step.max_shift_idx = static_cast<uint32_t>(c);
      } else if (shift[c] > step.second_shift) {
        step.second_shift = shift[c];
      }
    }
    const internal::HamerlyState state{labels_.data(), upper_.data(), lower_.data()};
    std::vector<size_t> changed(chunks_, 0), evals(chunks_, 0);
    const internal::CenterSet set = buf_.View();
    ForChunks(pool_, n_, [&](size_t begin, size_t end, size_t chunk) {
      internal::HamerlyChunkOut out;
      out.delta_sums = &chunk_sums_[chunk * k_ * d_];
      out.delta_counts = &chunk_counts_[chunk * k_];
      std::fill(out.delta_sums, out.delta_sums + k_ * d_, 0.0);
      std::fill(out.delta_counts, out.delta_counts + k_, 0);
      kernels_.hamerly(x_.data.data(), set, step, state, begin, end, &out);
      changed[chunk] = out.changed;
      evals[chunk] = out.distance_evals;
    });
    if (update_sums) ReduceChunks();
    evals_ += std::accumulate(evals.begin(), evals.end(), size_t{0});
    return std::accumulate(changed.begin(), changed.end(), size_t{0});
  }

  size_t LloydPass(bool update_sums) {
    const internal::HamerlyState state{labels_.data(), upper_.data(), lower_.data()};
    std::vector<size_t> changed(chunks_, 0), evals(chunks_, 0);
    const internal::CenterSet set = buf_.View();
    ForChunks(pool_, n_, [&](size_t begin, size_t end, size_t chunk) {
      internal::HamerlyChunkOut out;
      out.delta_sums = &chunk_sums_[chunk * k_ * d_];
      out.delta_counts = &chunk_counts_[chunk * k_];
      std::fill(out.delta_sums, out.delta_sums + k_ * d_, 0.0);
      std::fill(out.delta_counts, out.delta_counts + k_, 0);
      kernels_.lloyd(x_.data.data(), set, state, begin, end, &out);
      changed[chunk] = out.changed;
      evals[chunk] = out.distance_evals;
    });
    if (update_sums) ReduceChunks();
    evals_ += std::accumulate(evals.begin(), evals.end(), size_t{0});
    return std::accumulate(changed.begin(), changed.end(), size_t{0});
  }

  // Re-seeds each empty cluster with the point farthest from its own (current)
  // centre, the next farthest for the next empty cluster; ties go to the lower
  // row. Returns points moved.
  size_t Reseed() {
    std::vector<float> dist(n_);
    ForChunks(pool_, n_, [&](size_t begin, size_t end, size_t) {
      for (size_t i = begin; i < end; ++i) {
        dist[i] = kernels_.dist2(x_.data.data() + i * d_,
                                 buf_.centers.data() + static_cast<size_t>(labels_[i]) * d_, d_);
      }
    });
    std::vector<uint32_t> empty;
    for (size_t c = 0; c < k_; ++c) {
      if (counts_[c] == 0) empty.push_back(static_cast<uint32_t>(c));
    }
    std::vector<size_t> order(n_);
    std::iota(order.begin(), order.end(), size_t{0});
    const size_t take = std::min(empty.size(), n_);
    std::partial_sort(
        order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take), order.end(),
        [&](size_t a, size_t b) { return dist[a] != dist[b] ? dist[a] > dist[b] : a < b; });
    size_t moved = 0;
    for (size_t e = 0; e < take; ++e) {
      const size_t row = order[e];
      const uint32_t from = labels_[row];
      if (counts_[from] <= 1) continue;  // never empty one cluster to fill another
      const uint32_t to = empty[e];
      const float* xi = x_.data.data() + row * d_;
      for (size_t j = 0; j < d_; ++j) {
        sums_[from * d_ + j] -= xi[j];
        sums_[to * d_ + j] += xi[j];
      }
      --counts_[from];
      ++counts_[to];
      labels_[row] = to;
      upper_[row] = FLT_MAX;  // forces an exact recomputation next pass
      lower_[row] = 0.0f;
      ++moved;
      ++reseeds_;
    }
    return moved;
  }

  // Centres = sums / counts (an empty cluster keeps its centre). Writes each
  // centre's shift (rounded up so it stays a bound) and returns the sum of
  // squared shifts.
  double UpdateCenters(std::vector<float>* shift) {
    double total = 0.0;
    for (size_t c = 0; c < k_; ++c) {
      double moved_sq = 0.0;
      if (counts_[c] > 0) {
        const double inv = 1.0 / static_cast<double>(counts_[c]);
        for (size_t j = 0; j < d_; ++j) {
          const float next = static_cast<float>(sums_[c * d_ + j] * inv);
          const double diff = static_cast<double>(next) - buf_.centers[c * d_ + j];
          moved_sq += diff * diff;
          buf_.centers[c * d_ + j] = next;
        }
      }
      total += moved_sq;
      (*shift)[c] = static_cast<float>(std::sqrt(moved_sq)) * (1.0f + internal::kBoundSlack);
    }
    buf_.Transpose();
    return total;
  }

  // Half the distance from each centre to its nearest other centre (rounded
  // down).
  void HalfSeparations(std::vector<float>* half_sep) const {
    for (size_t a = 0; a < k_; ++a) {
      float best = FLT_MAX;
      for (size_t b = 0; b < k_; ++b) {
        if (a == b) continue;
        best = std::min(best, kernels_.dist2(&buf_.centers[a * d_], &buf_.centers[b * d_], d_));
      }
      (*half_sep)[a] =
          best == FLT_MAX ? FLT_MAX : 0.5f * std::sqrt(best) * (1.0f - internal::kBoundSlack);
    }
  }

  double Inertia() {
    std::vector<double> chunk_inertia(chunks_, 0.0);
    ForChunks(pool_, n_, [&](size_t begin, size_t end, size_t chunk) {
      double total = 0.0;
      for (size_t i = begin; i < end; ++i) {
        total += kernels_.dist2(x_.data.data() + i * d_,
                                buf_.centers.data() + static_cast<size_t>(labels_[i]) * d_, d_);
      }
      chunk_inertia[chunk] = total;
    });
    return std::accumulate(chunk_inertia.begin(), chunk_inertia.end(), 0.0);
  }

  const MatrixView& x_;
  const KMeansOptions opt_;  // a copy: callers pass the resolved options by value
  const double tol_abs_;
  ThreadPool* pool_;
  const KernelTable& kernels_;
  const size_t n_, d_, k_, chunks_;
  CenterBuffers buf_;
  std::vector<uint32_t> labels_;
  std::vector<float> upper_, lower_;
  std::vector<double> sums_;
  std::vector<int64_t> counts_;
  std::vector<double> chunk_sums_;
  std::vector<int64_t> chunk_counts_;
  size_t reseeds_ = 0;
  size_t evals_ = 0;
};

// kAuto -> the algorithm measured faster for this k (see kmeans.h).
KMeansOptions ResolveAlgorithm(KMeansOptions options) {
  if (options.algorithm == KMeansAlgorithm::kAuto) {
    options.algorithm = options.k <= 16 ? KMeansAlgorithm::kLloyd : KMeansAlgorithm::kHamerly;
  }
  return options;
}

// Shared checks; on success writes the absolute tolerance and the options to run with.
Status Prepare(const MatrixView& x, const KMeansOptions& options, ThreadPool* pool, double* tol_abs,
               KMeansOptions* effective) {
  FW_RETURN_IF_ERROR(options.Validate());
  if (x.data.size() != x.rows * x.cols) {
    return InvalidArgument("matrix holds " + std::to_string(x.data.size()) + " values, expected " +
                           std::to_string(x.rows) + " x " + std::to_string(x.cols));
  }
  if (x.rows == 0 || x.cols == 0) {
    return FailedPrecondition("k-means needs at least one row and one column, got " +
                              std::to_string(x.rows) + " x " + std::to_string(x.cols));
  }
  if (options.k > x.rows) {
    return FailedPrecondition("k = " + std::to_string(options.k) + " is larger than the " +
                              std::to_string(x.rows) + " rows");
  }
  float max_abs = 0.0f;
  FW_RETURN_IF_ERROR(internal::CheckFinite(x, &max_abs));
  *effective = options;
  // The vector kernels pad unused centre lanes with 1e18 coordinates; data that large (only
  // possible unscaled) takes the scalar kernel, which has no padding.
  if (max_abs > 1e15f) effective->kernel = KernelChoice::kScalar;
  const std::vector<double> var = internal::ColumnVariances(x, pool);
  const double mean_var =
      std::accumulate(var.begin(), var.end(), 0.0) / static_cast<double>(var.size());
  if (mean_var == 0.0 && options.k > 1) {
    return FailedPrecondition("all " + std::to_string(x.rows) +
                              " rows are identical, so there is only one cluster; use k = 1");
  }
  *tol_abs = options.tol * mean_var;
  return OkStatus();
}

}  // namespace

Result<KMeansResult> FitKMeansFromCenters(const MatrixView& x, std::span<const float> centers,
                                          const KMeansOptions& options, ThreadPool* pool) {
  double tol_abs = 0.0;
  KMeansOptions opt;
  FW_RETURN_IF_ERROR(Prepare(x, options, pool, &tol_abs, &opt));
  if (centers.size() != options.k * x.cols) {
    return InvalidArgument("initial centres hold " + std::to_string(centers.size()) +
                           " values, expected k x cols = " + std::to_string(options.k * x.cols));
  }
  LloydRun run(x, ResolveAlgorithm(opt), tol_abs, pool);
  KMeansResult result = run.Run(centers);
  result.init_inertias = {result.inertia};
  return result;
}

Result<KMeansResult> FitKMeans(const MatrixView& x, const KMeansOptions& options,
                               ThreadPool* pool) {
  double tol_abs = 0.0;
  KMeansOptions opt;
  FW_RETURN_IF_ERROR(Prepare(x, options, pool, &tol_abs, &opt));
  if (opt.mini_batch > 0) return internal::FitMiniBatch(x, opt, pool);
  const KMeansOptions resolved = ResolveAlgorithm(opt);
  const Rng root(options.seed);
  KMeansResult best;
  std::vector<double> inertias;
  for (size_t restart = 0; restart < options.n_init; ++restart) {
    const uint64_t seed = root.Fork(restart).NextU64();
    const std::vector<float> init = SeedKMeansPlusPlus(x, options.k, seed, pool);
    LloydRun run(x, resolved, tol_abs, pool);
    KMeansResult result = run.Run(init);
    inertias.push_back(result.inertia);
    if (restart == 0 || result.inertia < best.inertia) {
      best = std::move(result);
      best.best_init = restart;
    }
  }
  best.init_inertias = std::move(inertias);
  return best;
}

}  // namespace fw::segment
