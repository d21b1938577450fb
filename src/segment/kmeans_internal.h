// SPDX-License-Identifier: Apache-2.0
//
// kmeans_internal.h: helpers shared by the k-means driver, the seeding and
// mini-batch code.
//
// Thread safety: CenterBuffers is a value owned by one fit; the functions are
// pure.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/status.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/segment/kmeans.h"
#include "kernels.h"

namespace fw::segment::internal {

// Rows per parallel chunk. The chunk count depends on the row count only, never
// on the thread count, which is what makes every reduction (and so every
// result) thread-count independent.
inline constexpr size_t kChunkRows = 16384;
inline constexpr size_t kMaxChunks = 128;

inline size_t NumChunks(size_t n) {
  size_t chunks = (n + kChunkRows - 1) / kChunkRows;
  if (chunks > kMaxChunks) chunks = kMaxChunks;
  return chunks == 0 ? 1 : chunks;
}

// Runs fn(begin, end, chunk) over NumChunks(n) chunks, on `pool` when given.
template <typename Fn>
void ForChunks(ThreadPool* pool, size_t n, const Fn& fn) {
  const size_t chunks = NumChunks(n);
  if (pool == nullptr || chunks == 1) {
    for (size_t chunk = 0; chunk < chunks; ++chunk) {
      fn(n * chunk / chunks, n * (chunk + 1) / chunks, chunk);
    }
    return;
  }
  pool->ParallelFor(n, fn, chunks);
}

// The centres in both layouts the kernels need.
struct CenterBuffers {
  size_t k = 0;
  size_t kp = 0;
  size_t d = 0;
  std::vector<float> centers;    // k x d
  std::vector<float> centers_t;  // d x kp

  CenterBuffers(size_t num_centers, size_t dims)
      : k(num_centers),
        kp((num_centers + kLanes - 1) / kLanes * kLanes),
        d(dims),
        centers(num_centers * dims, 0.0f),
        centers_t(kp * dims, kPadCoordinate) {}

  // Padding lanes of centers_t hold this, so a padding "centre" is never the
  // nearest: its squared distance is >= 1e36 (or +inf), above any real one.
  static constexpr float kPadCoordinate = 1e18f;

  // Rebuilds the transposed copy after `centers` changed.
  void Transpose() {
    for (size_t c = 0; c < k; ++c) {
      for (size_t j = 0; j < d; ++j) centers_t[j * kp + c] = centers[c * d + j];
    }
  }

  CenterSet View() const { return {centers.data(), centers_t.data(), k, kp, d}; }
};

// The kernel table for a choice (kAuto: AVX2 when the CPU has it, else
// portable).
const KernelTable& SelectKernels(KernelChoice choice);

// Population variance of each column, in double.
std::vector<double> ColumnVariances(const MatrixView& x, ThreadPool* pool);

// kInvalidArgument naming the first row and column holding NaN or Inf; on success writes the
// largest absolute value to `max_abs` (when not null).
Status CheckFinite(const MatrixView& x, float* max_abs);

// Mini-batch k-means (minibatch.cc). Requires: options validated, x finite, k
// <= rows.
Result<KMeansResult> FitMiniBatch(const MatrixView& x, const KMeansOptions& options,
                                  ThreadPool* pool);

}  // namespace fw::segment::internal
