// SPDX-License-Identifier: Apache-2.0
//
// seeding.cc: greedy k-means++ (Arthur and Vassilvitskii 2007, with the greedy
// trials that scikit-learn's _kmeans_plusplus uses): each new centre is the
// best of 2 + floor(ln k) candidates drawn with probability proportional to
// D(x)^2, "best" meaning the lowest total potential once it is added.
//
// scikit-learn samples through a full cumulative sum over n points. Here each
// chunk keeps its own potential, so a draw first picks the chunk from the chunk
// prefix sums and then scans one chunk: no n-sized array and no serial pass
// over all points per draw.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "flywheel/core/rng.h"
#include "flywheel/segment/kmeans.h"
#include "kmeans_internal.h"

namespace fw::segment {

using internal::CenterBuffers;
using internal::ForChunks;
using internal::NumChunks;

namespace {

// The index of the first point whose running D^2 sum reaches `target` (numpy's
// searchsorted(cumsum, target, side="left")), clipped to n - 1.
size_t SampleIndex(double target, const std::vector<double>& chunk_pot,
                   const std::vector<float>& closest, size_t n) {
  const size_t chunks = chunk_pot.size();
  double before = 0.0;
  size_t chunk = 0;
  while (chunk + 1 < chunks && before + chunk_pot[chunk] < target) {
    before += chunk_pot[chunk];
    ++chunk;
  }
  const size_t begin = n * chunk / chunks;
  const size_t end = n * (chunk + 1) / chunks;
  double running = before;
  for (size_t i = begin; i < end; ++i) {
    running += closest[i];
    if (running >= target) return i;
  }
  return end - 1;
}

}  // namespace

std::vector<float> SeedKMeansPlusPlus(const MatrixView& x, size_t k, uint64_t seed,
                                      ThreadPool* pool) {
  const size_t n = x.rows;
  const size_t d = x.cols;
  const auto& kernels = internal::SelectKernels(KernelChoice::kAuto);
  std::vector<float> centers(k * d, 0.0f);
  if (n == 0 || k == 0) return centers;
  Rng rng(seed);
  const size_t trials = 2 + static_cast<size_t>(std::log(static_cast<double>(k)));
  const size_t chunks = NumChunks(n);

  auto copy_row = [&](size_t row, size_t center) {
    std::memcpy(&centers[center * d], x.data.data() + row * d, d * sizeof(float));
  };
  copy_row(rng.UniformInt(n), 0);

  // closest[i]: D(x_i)^2 to the nearest chosen centre; chunk_pot: its per-chunk
  // sums.
  std::vector<float> closest(n);
  std::vector<double> chunk_pot(chunks, 0.0);
  auto update_closest = [&](const float* center, bool first) {
    ForChunks(pool, n, [&](size_t begin, size_t end, size_t chunk) {
      chunk_pot[chunk] =
          kernels.update_closest(x.data.data(), center, d, closest.data(), begin, end, first);
    });
  };
  update_closest(&centers[0], true);

  CenterBuffers candidates(trials, d);
  std::vector<size_t> candidate_rows(trials);
  std::vector<double> trial_pot(chunks * trials);
  for (size_t c = 1; c < k; ++c) {
    double pot = 0.0;
    for (double v : chunk_pot) pot += v;
    for (size_t t = 0; t < trials; ++t) {
      candidate_rows[t] = SampleIndex(rng.Uniform() * pot, chunk_pot, closest, n);
      std::memcpy(&candidates.centers[t * d], x.data.data() + candidate_rows[t] * d,
                  d * sizeof(float));
    }
    candidates.Transpose();
    const internal::CenterSet cand = candidates.View();
    ForChunks(pool, n, [&](size_t begin, size_t end, size_t chunk) {
      double* pot_out = &trial_pot[chunk * trials];
      std::fill(pot_out, pot_out + trials, 0.0);
      if (trials <= internal::kLanes) {
        kernels.seed_potential(x.data.data(), cand, closest.data(), begin, end, pot_out);
        return;
      }
      std::vector<float> dist((end - begin) * trials);  // k > e^6: more trials than lanes
      kernels.all_dist2(x.data.data(), cand, begin, end, dist.data());
      for (size_t i = begin; i < end; ++i) {
        const float* row = &dist[(i - begin) * trials];
        for (size_t t = 0; t < trials; ++t) pot_out[t] += std::min(row[t], closest[i]);
      }
    });
    size_t best = 0;
    double best_pot = 0.0;
    for (size_t t = 0; t < trials; ++t) {
      double total = 0.0;
      for (size_t chunk = 0; chunk < chunks; ++chunk) total += trial_pot[chunk * trials + t];
      if (t == 0 || total < best_pot) {
        best_pot = total;
        best = t;
      }
    }
    copy_row(candidate_rows[best], c);
    if (c + 1 < k) update_closest(&centers[c * d], false);
  }
  return centers;
}

}  // namespace fw::segment
