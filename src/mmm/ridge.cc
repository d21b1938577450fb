// SPDX-License-Identifier: Apache-2.0
//
// ridge.cc: Lawson-Hanson / Bro-De Jong active set on the Gram matrix, with free coefficients.
#include "flywheel/mmm/ridge.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <string>

namespace fw::mmm {
namespace {

// Solves G_PP s_P = c_P for the passive set P; other entries of s are 0.
bool SolvePassive(const Eigen::MatrixXd& g, const Eigen::VectorXd& c,
                  const std::vector<bool>& passive, Eigen::VectorXd* s) {
  std::vector<Eigen::Index> idx;
  for (size_t j = 0; j < passive.size(); ++j) {
    if (passive[j]) idx.push_back(static_cast<Eigen::Index>(j));
  }
  s->setZero();
  if (idx.empty()) return true;
  const auto m = static_cast<Eigen::Index>(idx.size());
  Eigen::MatrixXd sub(m, m);
  Eigen::VectorXd rhs(m);
  for (Eigen::Index a = 0; a < m; ++a) {
    rhs(a) = c(idx[a]);
    for (Eigen::Index b = 0; b < m; ++b) sub(a, b) = g(idx[a], idx[b]);
  }
  // LDLT with pivoting handles the semi-definite case; check the solve actually reproduces rhs.
  Eigen::LDLT<Eigen::MatrixXd> ldlt(sub);
  if (ldlt.info() != Eigen::Success) return false;
  // A semi-definite G_PP still gives a consistent system (c is in the range of X'X), but the
  // answer is then not unique: treat a pivot that vanishes relative to the largest as singular.
  const Eigen::VectorXd d = ldlt.vectorD().cwiseAbs();
  if (d.minCoeff() <= 1e-13 * d.maxCoeff()) return false;
  Eigen::VectorXd sol = ldlt.solve(rhs);
  if (!sol.allFinite()) return false;
  const double resid = (sub * sol - rhs).norm();
  if (resid > 1e-8 * (rhs.norm() + 1e-300) + 1e-300) return false;
  for (Eigen::Index a = 0; a < m; ++a) (*s)(idx[a]) = sol(a);
  return true;
}

}  // namespace

Result<std::vector<double>> SolveSignConstrainedGram(std::span<const double> gram,
                                                     std::span<const double> xty,
                                                     const std::vector<bool>& nonneg) {
  const size_t p = xty.size();
  if (gram.size() != p * p || nonneg.size() != p) {
    return InvalidArgument("ridge: gram is " + std::to_string(gram.size()) + " entries, xty " +
                           std::to_string(p) + ", expected p*p and p");
  }
  const auto pi = static_cast<Eigen::Index>(p);
  Eigen::MatrixXd g(pi, pi);
  Eigen::VectorXd c(pi);
  for (size_t i = 0; i < p; ++i) {
    c(static_cast<Eigen::Index>(i)) = xty[i];
    for (size_t j = 0; j < p; ++j) {
      g(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = gram[i * p + j];
    }
  }
  // Passive set: free coefficients always; constrained ones enter when their gradient is
  // positive. x stays feasible (constrained entries >= 0) throughout.
  std::vector<bool> passive(p);
  for (size_t j = 0; j < p; ++j) passive[j] = !nonneg[j];
  Eigen::VectorXd x = Eigen::VectorXd::Zero(pi), s(pi);
  if (!SolvePassive(g, c, passive, &s)) {
    return FailedPrecondition("ridge: the free columns are collinear; add a penalty");
  }
  x = s;
  const double tol = 1e-12 * std::max(1.0, c.cwiseAbs().maxCoeff()) * static_cast<double>(p);
  const size_t max_outer = 3 * p + 10;
  for (size_t outer = 0; outer < max_outer; ++outer) {
    const Eigen::VectorXd w = c - g * x;  // minus the gradient of 0.5 x'Gx - c'x
    Eigen::Index best = -1;
    double best_w = tol;
    for (size_t j = 0; j < p; ++j) {
      const auto jj = static_cast<Eigen::Index>(j);
      if (!passive[j] && w(jj) > best_w) {
        best_w = w(jj);
        best = jj;
      }
    }
    if (best < 0) break;  // KKT holds: every active constraint has a non-positive gradient
    passive[static_cast<size_t>(best)] = true;
    for (size_t inner = 0; inner <= p; ++inner) {
      if (!SolvePassive(g, c, passive, &s)) {
        return FailedPrecondition("ridge: singular passive system; add a penalty");
      }
      double alpha = 1.0;
      bool feasible = true;
      for (size_t j = 0; j < p; ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        if (passive[j] && nonneg[j] && s(jj) <= 0.0) {
          feasible = false;
          const double denom = x(jj) - s(jj);
          if (denom > 0.0) alpha = std::min(alpha, x(jj) / denom);
        }
      }
      if (feasible) {
        x = s;
        break;
      }
      // Step toward s as far as feasibility allows, and drop the coefficients that hit 0.
      x += alpha * (s - x);
      for (size_t j = 0; j < p; ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        if (passive[j] && nonneg[j] && x(jj) <= 1e-15 * (1.0 + std::abs(s(jj)))) {
          passive[j] = false;
          x(jj) = 0.0;
        }
      }
    }
  }
  std::vector<double> out(p);
  for (size_t j = 0; j < p; ++j) {
    const double v = x(static_cast<Eigen::Index>(j));
    out[j] = (nonneg[j] && v < 0.0) ? 0.0 : v;
  }
  return out;
}

Result<std::vector<double>> NonNegativeRidge(const Design& x, std::span<const double> y,
                                             std::span<const double> penalty,
                                             const std::vector<bool>& nonneg, size_t row_begin,
                                             size_t row_end) {
  const size_t p = x.cols;
  if (y.size() != x.rows || penalty.size() != p || nonneg.size() != p || row_end > x.rows ||
      row_begin >= row_end) {
    return InvalidArgument("ridge: inconsistent sizes (rows " + std::to_string(x.rows) + ", y " +
                           std::to_string(y.size()) + ", range " + std::to_string(row_begin) +
                           ".." + std::to_string(row_end) + ")");
  }
  std::vector<double> gram(p * p, 0.0), xty(p, 0.0);
  for (size_t i = 0; i < p; ++i) {
    const double* ci = x.col(i);
    double acc = 0.0;
    for (size_t r = row_begin; r < row_end; ++r) acc += ci[r] * y[r];
    xty[i] = acc;
    for (size_t j = 0; j <= i; ++j) {
      const double* cj = x.col(j);
      double g = 0.0;
      for (size_t r = row_begin; r < row_end; ++r) g += ci[r] * cj[r];
      gram[i * p + j] = g;
      gram[j * p + i] = g;
    }
    gram[i * p + i] += penalty[i];
  }
  return SolveSignConstrainedGram(gram, xty, nonneg);
}

}  // namespace fw::mmm
