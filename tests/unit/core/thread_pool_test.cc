// SPDX-License-Identifier: Apache-2.0
//
// thread_pool_test.cc: the parallel-for covers every index once, in fixed chunks.
#include "flywheel/core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace fw {
namespace {

TEST(ThreadPoolTest, ParallelForCoversEachIndexOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1001);
  pool.ParallelFor(hits.size(), [&](size_t begin, size_t end, size_t) {
    for (size_t i = begin; i < end; ++i) hits[i]++;
  }, 7);
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPoolTest, ChunkBoundsAreDeterministic) {
  ThreadPool pool(2);
  std::vector<std::pair<size_t, size_t>> bounds(4);
  pool.ParallelFor(10, [&](size_t begin, size_t end, size_t chunk) { bounds[chunk] = {begin, end}; },
                   4);
  EXPECT_EQ(bounds[0], std::make_pair(size_t{0}, size_t{2}));
  EXPECT_EQ(bounds[3], std::make_pair(size_t{7}, size_t{10}));
}

TEST(ThreadPoolTest, ThrowingTaskDoesNotHang) {
  ThreadPool pool(2);
  pool.ParallelFor(4, [](size_t, size_t, size_t) { throw std::runtime_error("boom"); }, 4);
  SUCCEED();
}

}  // namespace
}  // namespace fw
