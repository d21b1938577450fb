// SPDX-License-Identifier: Apache-2.0
//
// worker_pool.cc: the queue and its threads.
#include "worker_pool.h"

#include <cstdio>
#include <exception>

namespace fw::server {

WorkerPool::WorkerPool(int num_threads) {
  threads_.reserve(static_cast<size_t>(num_threads));
  for (int i = 0; i < num_threads; ++i) threads_.emplace_back([this] { Work(); });
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // A worker-thread entry point: nothing may escape (STYLE B2.4); tasks catch their own.
    try {
      task();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flywheel serve: worker task failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "flywheel serve: worker task failed\n");
    }
  }
}

}  // namespace fw::server
