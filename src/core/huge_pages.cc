// SPDX-License-Identifier: Apache-2.0
//
// huge_pages.cc: madvise(MADV_HUGEPAGE) on the page-aligned part of a buffer.
#include "flywheel/core/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace fw {

void AdviseHugePages(void* data, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  if (bytes < (4u << 20)) return;  // small buffers: not worth a system call
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace fw
