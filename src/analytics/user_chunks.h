// SPDX-License-Identifier: Apache-2.0
//
// user_chunks.h: runs a per-user kernel over fixed chunks of users, in parallel when a pool is
// given, and returns the per-chunk accumulators in chunk order.
//
// The chunk bounds depend only on the number of users (kUserChunks chunks), never on the thread
// count or timing, so reducing the accumulators in order gives the same bytes every run.
//
// Thread safety: `fn` runs concurrently on distinct chunks; it must only write its accumulator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "flywheel/core/thread_pool.h"

namespace fw::analytics {

// Enough chunks to balance skewed users on a few cores, few enough that per-chunk accumulators
// stay cheap to merge.
inline constexpr size_t kUserChunks = 32;

// Calls fn(user_begin, user_end, accumulator) per chunk. Requires: Acc is default-constructible.
template <typename Acc, typename Fn>
std::vector<Acc> RunUserChunks(size_t num_users, ThreadPool* pool, Fn&& fn) {
  const size_t num_chunks = std::max<size_t>(1, std::min(kUserChunks, num_users));
  std::vector<Acc> accs(num_chunks);
  auto run = [&](size_t chunk_begin, size_t chunk_end, size_t) {
    for (size_t chunk = chunk_begin; chunk < chunk_end; ++chunk) {
      fn(num_users * chunk / num_chunks, num_users * (chunk + 1) / num_chunks, accs[chunk]);
    }
  };
  if (pool != nullptr && num_chunks > 1) {
    pool->ParallelFor(num_chunks, run, num_chunks);
  } else {
    run(0, num_chunks, 0);
  }
  return accs;
}

}  // namespace fw::analytics
