// SPDX-License-Identifier: Apache-2.0
//
// thread_pool.cc: worker loop and the deterministic parallel-for.
#include "flywheel/core/thread_pool.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <latch>

namespace fw {

size_t DefaultThreadCount() {
  if (const char* env = std::getenv("FLYWHEEL_THREADS")) {
    char* end = nullptr;
    const long value = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && value > 0 && value <= 1024) {
      return static_cast<size_t>(value);
    }
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

ThreadPool::ThreadPool(size_t num_threads) {
  if (num_threads == 0) num_threads = 1;
  workers_.reserve(num_threads);
  for (size_t i = 0; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::WorkerLoop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: worker task threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "error: worker task threw a non-standard exception\n");
    }
  }
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t, size_t, size_t)>& fn,
                             size_t num_chunks) {
  if (num_chunks == 0) num_chunks = num_threads();
  if (n == 0) return;
  if (num_chunks > n) num_chunks = n;
  if (num_chunks == 1) {
    fn(0, n, 0);
    return;
  }
  std::latch done(static_cast<std::ptrdiff_t>(num_chunks));
  for (size_t chunk = 0; chunk < num_chunks; ++chunk) {
    const size_t begin = n * chunk / num_chunks;
    const size_t end = n * (chunk + 1) / num_chunks;
    Submit([&fn, &done, begin, end, chunk] {
      // count_down must run even if fn throws, or the caller would wait forever.
      try {
        fn(begin, end, chunk);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "error: parallel task threw: %s\n", e.what());
      } catch (...) {
        std::fprintf(stderr, "error: parallel task threw a non-standard exception\n");
      }
      done.count_down();
    });
  }
  done.wait();
}

}  // namespace fw
