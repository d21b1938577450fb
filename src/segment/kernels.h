// SPDX-License-Identifier: Apache-2.0
//
// kernels.h: the k-means distance kernels behind a small dispatch table.
//
// Three implementations share one interface: the scalar reference
// (kernels_scalar.cc), and the centre-parallel kernel (kernels_impl.inc)
// compiled twice, once for the baseline ISA (kernels_portable.cc) and once with
// AVX2+FMA (kernels_avx2.cc, per-file flags). The centre-parallel kernel keeps
// the centres transposed (dims x kp, kp = k rounded up to 8), so one dimension
// of one point is compared with 8 centres in a single 8-lane vector: no
// horizontal sums, and d=16, k=8 is 16 subtract+FMA pairs per point.
//
// Shapes: x is n x d row-major; centers is k x d row-major; centers_t is d x
// kp. Distances are squared L2 in float32; ties go to the lower centre index.
//
// Thread safety: pure functions over caller-owned buffers; each call touches
// rows [begin, end) and its own chunk outputs only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fw::segment::internal {

inline constexpr size_t kLanes = 8;  // centres per vector block

// Relative slack on Hamerly bounds: float rounding of a distance is ~1e-7
// relative, so an upper bound inflated (and a lower bound deflated) by 1e-6
// stays a true bound.
inline constexpr float kBoundSlack = 1e-6f;

struct CenterSet {
  const float* centers = nullptr;    // k x d
  const float* centers_t = nullptr;  // d x kp, lanes >= k unused
  size_t k = 0;
  size_t kp = 0;
  size_t d = 0;
};

// Per-iteration inputs of the Hamerly pass.
struct HamerlyStep {
  const float* half_sep = nullptr;  // k: half the distance to the nearest other centre
  const float* shift = nullptr;     // k: how far each centre moved in the last update
  float max_shift = 0.0f;           // the largest shift
  float second_shift = 0.0f;        // the largest shift of a centre other than argmax
  uint32_t max_shift_idx = 0;
};

// Per-point state of the Hamerly pass (n entries each), updated in place.
struct HamerlyState {
  uint32_t* labels = nullptr;
  float* upper = nullptr;  // >= distance to the assigned centre
  float* lower = nullptr;  // <= distance to any other centre
};

// What one chunk of the Hamerly pass reports back.
struct HamerlyChunkOut {
  double* delta_sums = nullptr;     // k x d, zeroed by the caller
  int64_t* delta_counts = nullptr;  // k, zeroed by the caller
  size_t changed = 0;
  size_t distance_evals = 0;
};

struct KernelTable {
  const char* name;
  // Full assignment of rows [begin, end): nearest centre, its squared distance
  // and the squared distance to the second nearest (FLT_MAX when k == 1).
  // second_d2 may be null.
  void (*assign)(const float* x, const CenterSet& c, size_t begin, size_t end, uint32_t* labels,
                 float* best_d2, float* second_d2);
  // One Hamerly pass over rows [begin, end) (see kmeans.h for the method).
  void (*hamerly)(const float* x, const CenterSet& c, const HamerlyStep& step,
                  const HamerlyState& state, size_t begin, size_t end, HamerlyChunkOut* out);
  // Squared distance between two d-vectors.
  float (*dist2)(const float* a, const float* b, size_t d);
  // Squared distances of rows [begin, end) to every centre: out is (end -
  // begin) x k.
  void (*all_dist2)(const float* x, const CenterSet& c, size_t begin, size_t end, float* out);
  // One plain Lloyd pass: like `hamerly` but every point is recomputed and
  // bounds are unused.
  void (*lloyd)(const float* x, const CenterSet& c, const HamerlyState& state, size_t begin,
                size_t end, HamerlyChunkOut* out);
  // k-means++ trial potentials: pot[t] += sum over rows of min(closest, D(x,
  // c_t)^2), for the c.k <= 8 candidates in `c`.
  void (*seed_potential)(const float* x, const CenterSet& c, const float* closest, size_t begin,
                         size_t end, double* pot);
  // closest[i] = min(closest[i], D(x_i, center)^2) over rows [begin, end)
  // (overwritten when `first`); returns the sum of the updated values.
  double (*update_closest)(const float* x, const float* center, size_t d, float* closest,
                           size_t begin, size_t end, bool first);
};

const KernelTable& ScalarKernels();
const KernelTable& PortableKernels();
// Null when the binary was built without the AVX2 variant.
const KernelTable* Avx2Kernels();
// True when the running CPU has AVX2 and FMA.
bool CpuHasAvx2();

}  // namespace fw::segment::internal
