// SPDX-License-Identifier: Apache-2.0
//
// kernels_portable.cc: the centre-parallel kernel compiled for the baseline
// ISA, the fallback on CPUs without AVX2.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace fw::segment::internal {
namespace {
#include "kernels_impl.inc"
}  // namespace

const KernelTable& PortableKernels() {
  static const KernelTable table{"portable",         &AssignImpl,       &HamerlyImpl,
                                 &Dist2Impl,         &AllDist2Impl,     &LloydImpl,
                                 &SeedPotentialImpl, &UpdateClosestImpl};
  return table;
}

}  // namespace fw::segment::internal
