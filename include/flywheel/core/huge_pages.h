// SPDX-License-Identifier: Apache-2.0
//
// huge_pages.h: ask the kernel to back a large buffer with 2 MiB pages.
//
// Filling a few hundred MB of fresh memory (the EventFrame columns) spends much of its time in
// page faults on 4 KiB pages. With transparent huge pages in "madvise" mode (Debian's default),
// advising the range first cuts the faults 512-fold. Only a hint: the kernel may ignore it.
//
// Thread safety: pure function of its arguments.
#pragma once

#include <cstddef>
#include <vector>

namespace fw {

// Advises [data, data + bytes) for huge pages; does nothing below a few MiB.
void AdviseHugePages(void* data, size_t bytes);

// Resizes `v` to `n` elements, advising the new storage for huge pages before it is first
// touched (std::vector::resize alone would zero-fill, and so fault, every page first).
template <typename T>
void ResizeOnHugePages(std::vector<T>& v, size_t n) {
  v.reserve(n);
  AdviseHugePages(v.data(), n * sizeof(T));
  v.resize(n);
}

}  // namespace fw
