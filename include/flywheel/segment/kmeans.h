// SPDX-License-Identifier: Apache-2.0
//
// kmeans.h: fast, deterministic k-means on a row-major float32 matrix.
//
// The fit is greedy k-means++ seeding (Arthur and Vassilvitskii 2007; the
// greedy variant with 2 + floor(ln k) candidates per step, as in scikit-learn)
// followed by Lloyd iterations that Hamerly's bounds (Hamerly 2010, "Making
// k-means even faster") accelerate: a point whose upper bound to its centre is
// below half the distance to the nearest other centre, or below its lower bound
// to the second-nearest centre, is not touched at all. Centre sums are kept in
// double and updated incrementally when a point changes cluster, so an
// iteration reads only the points whose bounds fail.
//
// Stopping follows scikit-learn exactly, so iteration counts and inertia can be
// compared: iteration i assigns labels with the current centres and recomputes
// the centres; it stops when the labels did not change (strict convergence) or
// when the sum of squared centre shifts is
// <= tol * mean(per-column variance of the data). A cluster left empty is
// re-seeded with the point farthest from its own centre (then the next farthest
// for a second empty cluster).
//
// Determinism: the points are cut into chunks whose bounds depend only on the
// number of rows, and every per-chunk partial sum is reduced in chunk order, so
// the same data and seed give bit-identical results for ANY thread count.
//
// Thread safety: the functions are pure; the ThreadPool may be shared with
// other callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"

namespace fw::segment {

// How an iteration finds each point's nearest centre. Both give the same labels; they differ
// in speed. Measured here (2 threads, d = 16): at k = 8 on the 1M benchmark blobs (heavily
// overlapping) plain Lloyd with the branch-free vector kernel used 0.35 s of CPU against
// Hamerly's 0.43 s (Hamerly skipped 59% of the distance evaluations but pays a data-dependent
// branch per point); at k = 32 on 200k blobs Hamerly used 0.84 s against Lloyd's 1.22 s (63%
// skipped). kAuto therefore takes Lloyd for k <= 16 and Hamerly above.
enum class KMeansAlgorithm {
  kAuto,     // Lloyd for k <= 16, Hamerly above (default)
  kLloyd,    // every point against every centre, every iteration
  kHamerly,  // bounds skip most distance computations
};

// Which distance kernel to use. kAuto picks the widest SIMD the CPU supports.
enum class KernelChoice {
  kAuto,
  kScalar,    // the reference: one centre at a time, one dimension at a time
  kPortable,  // centre-parallel layout, compiled for the baseline ISA (SSE2 on
              // x86-64)
  kAvx2,      // the same layout compiled with AVX2 + FMA; kAuto uses it when the CPU
              // has both
};

struct KMeansOptions {
  size_t k = 8;           // number of clusters; 1 <= k <= rows
  size_t n_init = 1;      // k-means++ restarts; the fit with the lowest inertia wins
  size_t max_iter = 300;  // Lloyd iterations per restart (scikit-learn's default)
  double tol = 1e-4;      // relative to the mean column variance, as in scikit-learn
  uint64_t seed = 0;      // restart r uses Rng(seed).Fork(r)
  KMeansAlgorithm algorithm = KMeansAlgorithm::kAuto;
  KernelChoice kernel = KernelChoice::kAuto;
  size_t mini_batch = 0;        // > 0: mini-batch k-means with this batch size (see below)
  size_t mini_batch_steps = 0;  // mini-batch steps; 0 = max_iter epochs' worth (n/batch each)

  // Returns kInvalidArgument naming the bad field.
  Status Validate() const;
};

struct KMeansResult {
  size_t k = 0;
  size_t dims = 0;
  std::vector<float> centers;         // k x dims, row-major
  std::vector<uint32_t> labels;       // one cluster index per row
  std::vector<uint64_t> sizes;        // rows per cluster
  double inertia = 0.0;               // sum of squared distances to the assigned centre (double)
  size_t iterations = 0;              // Lloyd iterations of the winning restart
  size_t best_init = 0;               // which restart won
  std::vector<double> init_inertias;  // final inertia of each restart
  size_t empty_reseeds = 0;           // empty clusters re-seeded in the winning restart
  size_t distance_evals = 0;          // point-centre distances computed in the winning restart
};

// Fits k-means to `x` (rows x cols, no NaN/Inf). Errors: kInvalidArgument for
// bad options or a non-finite value (naming row and column),
// kFailedPrecondition when k > rows or rows == 0. Cost: O(iterations * rows * k
// * cols) in the worst case, far less with Hamerly bounds.
Result<KMeansResult> FitKMeans(const MatrixView& x, const KMeansOptions& options, ThreadPool* pool);

// Runs the Lloyd/Hamerly iterations from the given initial centres (k x cols),
// without seeding; options.n_init and options.seed are ignored. This is
// scikit-learn's KMeans(init=centers, n_init=1), used by the golden tests.
Result<KMeansResult> FitKMeansFromCenters(const MatrixView& x, std::span<const float> centers,
                                          const KMeansOptions& options, ThreadPool* pool);

// Greedy k-means++ seeding: k rows of `x` chosen as initial centres (k x cols,
// row-major). Requires: 1 <= k <= rows. Deterministic for a given seed and any
// thread count.
std::vector<float> SeedKMeansPlusPlus(const MatrixView& x, size_t k, uint64_t seed,
                                      ThreadPool* pool);

// Assigns every row of `x` to its nearest centre (ties go to the lower index)
// and returns the inertia. `labels` must have x.rows entries.
double AssignNearest(const MatrixView& x, std::span<const float> centers, size_t k,
                     std::span<uint32_t> labels, ThreadPool* pool,
                     KernelChoice kernel = KernelChoice::kAuto);

// The name of the kernel kAuto resolves to on this CPU ("avx2" or "portable").
const char* AutoKernelName();

}  // namespace fw::segment
