// SPDX-License-Identifier: Apache-2.0
//
// thread_pool.h: a small fixed-size thread pool and a deterministic parallel-for.
//
// ParallelFor splits [0, n) into `num_chunks` equal contiguous ranges whose bounds depend only on
// n and num_chunks, never on timing, so per-chunk results can be reduced in a fixed order and
// the output is the same run after run for a given thread count.
//
// Thread safety: Submit() and ParallelFor() may be called from any thread except a pool worker
// (a worker waiting on its own pool would deadlock).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fw {

// The number of worker threads to use by default: $FLYWHEEL_THREADS if set to a positive
// integer, else std::thread::hardware_concurrency() (at least 1).
size_t DefaultThreadCount();

class ThreadPool {
 public:
  // Starts `num_threads` workers (at least 1).
  explicit ThreadPool(size_t num_threads = DefaultThreadCount());
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t num_threads() const { return workers_.size(); }

  // Queues `task` to run on a worker. Tasks must not throw (they are caught and dropped with a
  // log line, since an exception may not cross a thread boundary).
  void Submit(std::function<void()> task);

  // Runs fn(begin, end, chunk_idx) for num_chunks contiguous chunks of [0, n) and waits for all.
  // num_chunks = 0 means num_threads(). Chunk i covers [n*i/num_chunks, n*(i+1)/num_chunks).
  void ParallelFor(size_t n, const std::function<void(size_t, size_t, size_t)>& fn,
                   size_t num_chunks = 0);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace fw
