// SPDX-License-Identifier: Apache-2.0
//
// kernels_scalar.cc: the reference kernel. One centre at a time, one dimension
// at a time, in the plainest order, so the fast kernels have something
// obviously right to be compared with.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace fw::segment::internal {
namespace {

float ScalarDist2(const float* a, const float* b, size_t d) {
  float total = 0.0f;
  for (size_t j = 0; j < d; ++j) {
    const float diff = a[j] - b[j];
    total += diff * diff;
  }
  return total;
}

void ScalarNearestTwo(const float* xi, const CenterSet& c, uint32_t* best, float* b1, float* b2) {
  *best = 0;
  *b1 = FLT_MAX;
  *b2 = FLT_MAX;
  for (size_t center = 0; center < c.k; ++center) {
    const float v = ScalarDist2(xi, c.centers + center * c.d, c.d);
    if (v < *b1) {
      *b2 = *b1;
      *b1 = v;
      *best = static_cast<uint32_t>(center);
    } else if (v < *b2) {
      *b2 = v;
    }
  }
}

void ScalarAssign(const float* x, const CenterSet& c, size_t begin, size_t end, uint32_t* labels,
                  float* best_d2, float* second_d2) {
  for (size_t i = begin; i < end; ++i) {
    float b2 = 0.0f;
    ScalarNearestTwo(x + i * c.d, c, &labels[i], &best_d2[i], &b2);
    if (second_d2 != nullptr) second_d2[i] = b2;
  }
}

// The reference "Hamerly" pass ignores the bounds: it recomputes every point,
// so a fit with this kernel is plain Lloyd and checks that the bounds never
// change a label.
void ScalarHamerly(const float* x, const CenterSet& c, const HamerlyStep& /*step*/,
                   const HamerlyState& state, size_t begin, size_t end, HamerlyChunkOut* out) {
  for (size_t i = begin; i < end; ++i) {
    const float* xi = x + i * c.d;
    const uint32_t a = state.labels[i];
    uint32_t b = 0;
    float b1 = 0.0f;
    float b2 = 0.0f;
    ScalarNearestTwo(xi, c, &b, &b1, &b2);
    out->distance_evals += c.k;
    state.upper[i] = std::sqrt(b1) * (1.0f + kBoundSlack);
    state.lower[i] = b2 == FLT_MAX ? FLT_MAX : std::sqrt(b2) * (1.0f - kBoundSlack);
    if (b != a) {
      for (size_t j = 0; j < c.d; ++j) {
        out->delta_sums[a * c.d + j] -= xi[j];
        out->delta_sums[b * c.d + j] += xi[j];
      }
      --out->delta_counts[a];
      ++out->delta_counts[b];
      state.labels[i] = b;
      ++out->changed;
    }
  }
}

void ScalarAllDist2(const float* x, const CenterSet& c, size_t begin, size_t end, float* out) {
  for (size_t i = begin; i < end; ++i) {
    for (size_t center = 0; center < c.k; ++center) {
      out[(i - begin) * c.k + center] = ScalarDist2(x + i * c.d, c.centers + center * c.d, c.d);
    }
  }
}

void ScalarLloyd(const float* x, const CenterSet& c, const HamerlyState& state, size_t begin,
                 size_t end, HamerlyChunkOut* out) {
  ScalarHamerly(x, c, HamerlyStep{}, state, begin, end, out);
}

void ScalarSeedPotential(const float* x, const CenterSet& c, const float* closest, size_t begin,
                         size_t end, double* pot) {
  for (size_t t = 0; t < c.k; ++t) {
    double sum = 0.0;
    for (size_t i = begin; i < end; ++i) {
      const float v = ScalarDist2(x + i * c.d, c.centers + t * c.d, c.d);
      sum += v < closest[i] ? v : closest[i];
    }
    pot[t] += sum;
  }
}

double ScalarUpdateClosest(const float* x, const float* center, size_t d, float* closest,
                           size_t begin, size_t end, bool first) {
  double pot = 0.0;
  for (size_t i = begin; i < end; ++i) {
    const float v = ScalarDist2(x + i * d, center, d);
    if (first || v < closest[i]) closest[i] = v;
    pot += closest[i];
  }
  return pot;
}

}  // namespace

const KernelTable& ScalarKernels() {
  static const KernelTable table{
      "scalar",        &ScalarAssign, &ScalarHamerly,       &ScalarDist2,
      &ScalarAllDist2, &ScalarLloyd,  &ScalarSeedPotential, &ScalarUpdateClosest};
  return table;
}

bool CpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

#ifndef FW_SEGMENT_HAVE_AVX2
const KernelTable* Avx2Kernels() { return nullptr; }
#endif

}  // namespace fw::segment::internal
