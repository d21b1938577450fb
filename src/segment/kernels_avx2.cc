// SPDX-License-Identifier: Apache-2.0
//
// kernels_avx2.cc: the centre-parallel kernel compiled with -mavx2 -mfma
// (per-file flags in CMakeLists.txt), so the 8-lane loops become one 256-bit
// vector each. Only called after CpuHasAvx2() said yes.
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace fw::segment::internal {
namespace {
#include "kernels_impl.inc"
}  // namespace

const KernelTable* Avx2Kernels() {
  static const KernelTable table{
      "avx2",        &AssignImpl, &HamerlyImpl,       &Dist2Impl,
      &AllDist2Impl, &LloydImpl,  &SeedPotentialImpl, &UpdateClosestImpl};
  return &table;
}

}  // namespace fw::segment::internal
