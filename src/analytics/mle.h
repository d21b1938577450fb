// SPDX-License-Identifier: Apache-2.0
//
// mle.h: maximum likelihood over positive parameters, shared by the CLV models.
//
// The search runs on log-parameters (positivity for free, better conditioning) with NLopt's
// L-BFGS and the caller's analytic gradient; if L-BFGS fails it restarts from a Nelder-Mead
// solution. Standard errors come from the inverse of the negative Hessian of the
// log-likelihood in the natural parameters, by central differences of the analytic gradient.
//
// Thread safety: MaximizeLogLikelihood is reentrant; the objective may use a thread pool.
#pragma once

#include <array>
#include <functional>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "user_chunks.h"

namespace fw::analytics {

// Log-likelihood at theta (natural parameters); fills grad (d ll / d theta) when not null.
using LogLikelihoodFn = std::function<double(const double* theta, double* grad)>;

struct MleResult {
  std::vector<double> theta;
  std::vector<double> standard_errors;  // 0 where the Hessian is not negative definite
  double log_likelihood = 0;
  int evaluations = 0;
};

// Maximises `ll` from `start` (all > 0). `scale` (e.g. the number of customers) divides the
// objective so tolerances mean the same for 1,000 or 10,000,000 rows.
// kInternal when no search converges to a finite optimum.
Result<MleResult> MaximizeLogLikelihood(const LogLikelihoodFn& ll, const std::vector<double>& start,
                                        double scale);

// Sums N accumulators of fn(begin, end, acc) over fixed chunks of [0, n), in chunk order, so the
// floating-point result is the same for any thread count.
template <size_t N, typename Fn>
std::array<double, N> ParallelSum(size_t n, ThreadPool* pool, Fn&& fn) {
  auto chunks = RunUserChunks<std::array<double, N>>(n, pool, fn);
  std::array<double, N> total{};
  for (const auto& chunk : chunks) {
    for (size_t j = 0; j < N; ++j) total[j] += chunk[j];
  }
  return total;
}

}  // namespace fw::analytics
