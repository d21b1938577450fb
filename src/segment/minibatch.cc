// SPDX-License-Identifier: Apache-2.0
//
// minibatch.cc: mini-batch k-means (Sculley 2010, "Web-scale k-means
// clustering").
//
// Each step draws `mini_batch` rows with replacement, assigns them to the
// nearest centre and moves every centre towards the mean of its batch points
// with a per-centre learning rate 1 / (points seen so far), which is the
// running mean of everything the centre was given. Seeding is greedy k-means++
// on a random sample of max(3 * batch, 3 * k) rows (capped at n), as
// scikit-learn's MiniBatchKMeans does. It stops after `mini_batch_steps` steps
// (default: max_iter epochs, i.e. max_iter * n / batch steps), when the squared
// centre movement of a step is <= tol * mean column variance, or when the
// smoothed batch inertia has not improved for 10 steps in a row (scikit-learn's
// max_no_improvement). A final full pass assigns every row.
//
// Memory: the batch buffer (batch x d floats), the labels (n uint32) and
// per-chunk scratch; the data itself is only read, so 10M x 16 needs the 640 MB
// matrix plus about 50 MB.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "flywheel/core/rng.h"
#include "kmeans_internal.h"

namespace fw::segment::internal {

namespace {

constexpr size_t kMaxNoImprovement = 10;

struct MiniBatchRun {
  double inertia = 0.0;
  size_t steps = 0;
  std::vector<float> centers;
};

MiniBatchRun RunOnce(const MatrixView& x, const KMeansOptions& options, double tol_abs,
                     uint64_t seed, ThreadPool* pool) {
  const size_t n = x.rows;
  const size_t d = x.cols;
  const size_t k = options.k;
  const KernelTable& kernels = SelectKernels(options.kernel);
  Rng rng(seed);

  // Seed on a sample.
  const size_t init_size = std::min(n, std::max(3 * options.mini_batch, 3 * k));
  Matrix sample(init_size, d);
  for (size_t r = 0; r < init_size; ++r) {
    const size_t row = rng.UniformInt(n);
    std::memcpy(sample.Row(r).data(), x.data.data() + row * d, d * sizeof(float));
  }
  CenterBuffers buf(k, d);
  buf.centers = SeedKMeansPlusPlus(sample.View(), k, rng.NextU64(), pool);
  buf.Transpose();
  std::vector<double> centers(buf.centers.begin(), buf.centers.end());
  std::vector<double> seen(k, 0.0);

  const size_t batch = std::min(options.mini_batch, n);
  const size_t steps = options.mini_batch_steps > 0
                           ? options.mini_batch_steps
                           : std::max<size_t>(1, options.max_iter * ((n + batch - 1) / batch));
  const size_t chunks = NumChunks(batch);
  Matrix xb(batch, d);
  std::vector<uint32_t> labels(batch);
  std::vector<float> best(batch);
  std::vector<double> chunk_sums(chunks * k * d), chunk_inertia(chunks);
  std::vector<int64_t> chunk_counts(chunks * k);
  double ewa = 0.0;
  double ewa_min = 0.0;
  size_t no_improvement = 0;
  size_t step = 0;
  while (step < steps) {
    ++step;
    for (size_t r = 0; r < batch; ++r) {
      std::memcpy(xb.Row(r).data(), x.data.data() + rng.UniformInt(n) * d, d * sizeof(float));
    }
    const CenterSet set = buf.View();
    ForChunks(pool, batch, [&](size_t begin, size_t end, size_t chunk) {
      kernels.assign(xb.data.data(), set, begin, end, labels.data(), best.data(), nullptr);
      double* sums = &chunk_sums[chunk * k * d];
      int64_t* counts = &chunk_counts[chunk * k];
      std::fill(sums, sums + k * d, 0.0);
      std::fill(counts, counts + k, 0);
      double total = 0.0;
      for (size_t i = begin; i < end; ++i) {
        const float* xi = xb.data.data() + i * d;
        for (size_t j = 0; j < d; ++j) sums[labels[i] * d + j] += xi[j];
        ++counts[labels[i]];
        total += best[i];
      }
      chunk_inertia[chunk] = total;
    });
    double moved_sq = 0.0;
    for (size_t c = 0; c < k; ++c) {
      double count = 0.0;
      for (size_t chunk = 0; chunk < chunks; ++chunk) {
        count += static_cast<double>(chunk_counts[chunk * k + c]);
      }
      if (count == 0.0) continue;
      seen[c] += count;
      for (size_t j = 0; j < d; ++j) {
        double sum = 0.0;
        for (size_t chunk = 0; chunk < chunks; ++chunk) sum += chunk_sums[(chunk * k + c) * d + j];
        // c += (sum - count * c) / seen: the running mean of all points given
        // to centre c.
        const double delta = (sum - count * centers[c * d + j]) / seen[c];
        centers[c * d + j] += delta;
        moved_sq += delta * delta;
        buf.centers[c * d + j] = static_cast<float>(centers[c * d + j]);
      }
    }
    buf.Transpose();
    const double batch_inertia = std::accumulate(chunk_inertia.begin(), chunk_inertia.end(), 0.0) /
                                 static_cast<double>(batch);
    if (tol_abs > 0.0 && moved_sq <= tol_abs) break;
    // Smoothed batch inertia, as in scikit-learn: alpha = 2 * batch / (n + 1),
    // capped at 1.
    const double alpha =
        std::min(1.0, 2.0 * static_cast<double>(batch) / (static_cast<double>(n) + 1));
    ewa = step == 1 ? batch_inertia : ewa * (1.0 - alpha) + batch_inertia * alpha;
    if (step == 1 || ewa < ewa_min) {
      ewa_min = ewa;
      no_improvement = 0;
    } else if (++no_improvement >= kMaxNoImprovement) {
      break;
    }
  }
  MiniBatchRun run;
  run.steps = step;
  run.centers = buf.centers;
  return run;
}

}  // namespace

Result<KMeansResult> FitMiniBatch(const MatrixView& x, const KMeansOptions& options,
                                  ThreadPool* pool) {
  const std::vector<double> var = ColumnVariances(x, pool);
  const double tol_abs =
      options.tol * std::accumulate(var.begin(), var.end(), 0.0) / static_cast<double>(x.cols);
  const Rng root(options.seed);
  KMeansResult best;
  std::vector<double> inertias;
  std::vector<uint32_t> labels(x.rows);
  for (size_t restart = 0; restart < options.n_init; ++restart) {
    MiniBatchRun run = RunOnce(x, options, tol_abs, root.Fork(restart).NextU64(), pool);
    const double inertia = AssignNearest(x, run.centers, options.k, labels, pool, options.kernel);
    inertias.push_back(inertia);
    if (restart == 0 || inertia < best.inertia) {
      best.inertia = inertia;
      best.centers = std::move(run.centers);
      best.labels = labels;
      best.iterations = run.steps;
      best.best_init = restart;
    }
  }
  best.k = options.k;
  best.dims = x.cols;
  best.sizes.assign(options.k, 0);
  for (uint32_t label : best.labels) ++best.sizes[label];
  best.init_inertias = std::move(inertias);
  return best;
}

}  // namespace fw::segment::internal
