// SPDX-License-Identifier: Apache-2.0
//
// worker_pool.h: a fixed set of threads running queued tasks in order of arrival: the HTTP
// routes that may block (a group commit, a DuckDB query, a scan of the frame) run here, off
// the event loops.
//
// Thread safety: Submit from any thread; Stop from one thread, after the last Submit.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fw::server {

class WorkerPool {
 public:
  explicit WorkerPool(int num_threads);
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  // Runs every queued task, then joins the threads. Idempotent.
  void Stop();

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // under mu_
  bool stopping_ = false;                    // under mu_
  std::vector<std::thread> threads_;
};

}  // namespace fw::server
