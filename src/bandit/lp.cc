// SPDX-License-Identifier: Apache-2.0
//
// lp.cc: dense tableau simplex (Dantzig's method with Bland's anti-cycling rule).
#include "flywheel/bandit/lp.h"

#include <cmath>
#include <string>

namespace fw::bandit {

Result<LpSolution> SolveLp(const std::vector<double>& c, const std::vector<double>& a,
                           const std::vector<double>& b) {
  const size_t n = c.size();
  const size_t m = b.size();
  if (a.size() != n * m) {
    return InvalidArgument("lp: constraint matrix has " + std::to_string(a.size()) +
                           " entries, expected " + std::to_string(m) + " x " + std::to_string(n));
  }
  for (size_t i = 0; i < m; ++i) {
    if (!(b[i] >= 0.0)) return InvalidArgument("lp: b[" + std::to_string(i) + "] must be >= 0");
  }
  // Tableau: m constraint rows [A | I | b] and the objective row [-c | 0 | 0].
  const size_t width = n + m + 1;
  std::vector<double> t((m + 1) * width, 0.0);
  auto at = [&](size_t r, size_t col) -> double& { return t[r * width + col]; };
  std::vector<size_t> basis(m);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) at(i, j) = a[i * n + j];
    at(i, n + i) = 1.0;
    at(i, width - 1) = b[i];
    basis[i] = n + i;
  }
  for (size_t j = 0; j < n; ++j) at(m, j) = -c[j];
  constexpr double kEps = 1e-12;
  for (int iter = 0; iter < 100000; ++iter) {
    // Bland: the lowest-index column with a negative reduced cost enters.
    size_t enter = width;
    for (size_t j = 0; j + 1 < width; ++j) {
      if (at(m, j) < -kEps) {
        enter = j;
        break;
      }
    }
    if (enter == width) break;  // optimal
    size_t leave = m;
    double best_ratio = 0.0;
    for (size_t i = 0; i < m; ++i) {
      if (at(i, enter) > kEps) {
        const double ratio = at(i, width - 1) / at(i, enter);
        if (leave == m || ratio < best_ratio - kEps ||
            (std::fabs(ratio - best_ratio) <= kEps && basis[i] < basis[leave])) {
          leave = i;
          best_ratio = ratio;
        }
      }
    }
    if (leave == m) return FailedPrecondition("lp: the problem is unbounded");
    const double pivot = at(leave, enter);
    for (size_t j = 0; j < width; ++j) at(leave, j) /= pivot;
    for (size_t i = 0; i <= m; ++i) {
      if (i == leave) continue;
      const double f = at(i, enter);
      if (f == 0.0) continue;
      for (size_t j = 0; j < width; ++j) at(i, j) -= f * at(leave, j);
    }
    basis[leave] = enter;
  }
  LpSolution sol;
  sol.x.assign(n, 0.0);
  for (size_t i = 0; i < m; ++i) {
    if (basis[i] < n) sol.x[basis[i]] = at(i, width - 1);
  }
  sol.objective = at(m, width - 1);
  return sol;
}

}  // namespace fw::bandit
