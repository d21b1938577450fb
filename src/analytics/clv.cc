// SPDX-License-Identifier: Apache-2.0
//
// clv.cc: RFM summaries, BG/NBD and Gamma-Gamma maximum likelihood, and per-customer
// predictions. Formulas: Fader, Hardie & Lee (2005) "Counting your customers the easy way"
// (eq. 6 likelihood, eq. 10 conditional expectation) and Fader & Hardie's note "The Gamma-Gamma
// model of monetary value" (2013).
#include "flywheel/analytics/clv.h"

#include <nlopt.h>

#include <algorithm>
#include <boost/math/special_functions/digamma.hpp>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>

#include "flywheel/core/time.h"
#include "mle.h"

namespace fw::analytics {
namespace {

using boost::math::digamma;

// Identical (x, t_x, T) rows collapsed; x_index points into the distinct frequencies.
struct CollapsedRows {
  std::vector<double> t_x, T, weight;
  std::vector<uint32_t> x_index;
  std::vector<double> xs;  // distinct frequencies
  double total_weight = 0;
};

CollapsedRows Collapse(const ClvSummary& s) {
  std::map<std::tuple<double, double, double>, double> counts;
  for (size_t i = 0; i < s.size(); ++i) counts[{s.frequency[i], s.recency[i], s.T[i]}] += 1;
  CollapsedRows rows;
  std::map<double, uint32_t> x_codes;
  for (const auto& [key, w] : counts) {
    const double x = std::get<0>(key);
    auto [it, added] = x_codes.emplace(x, static_cast<uint32_t>(rows.xs.size()));
    if (added) rows.xs.push_back(x);
    rows.x_index.push_back(it->second);
    rows.t_x.push_back(std::get<1>(key));
    rows.T.push_back(std::get<2>(key));
    rows.weight.push_back(w);
    rows.total_weight += w;
  }
  return rows;
}

// log(exp(u) + exp(v)) without overflow.
double LogAddExp(double u, double v) {
  const double m = std::max(u, v);
  return m + std::log1p(std::exp(std::min(u, v) - m));
}

// BG/NBD log-likelihood and its gradient in (r, alpha, a, b) over collapsed rows.
double BgNbdValueAndGradient(const CollapsedRows& rows, const double* theta, double* grad,
                             ThreadPool* pool) {
  const double r = theta[0], alpha = theta[1], a = theta[2], b = theta[3];
  const size_t nx = rows.xs.size();
  // Per distinct x: the terms that do not depend on t_x or T.
  std::vector<double> c(nx), dr(nx), da(nx), db(nx), log_a_term(nx);
  const double lg_r = std::lgamma(r), lg_b = std::lgamma(b), lg_ab = std::lgamma(a + b);
  const double psi_r = digamma(r), psi_b = digamma(b), psi_ab = digamma(a + b);
  const double log_alpha = std::log(alpha);
  for (size_t k = 0; k < nx; ++k) {
    const double x = rows.xs[k];
    c[k] = std::lgamma(r + x) - lg_r + r * log_alpha + lg_ab + std::lgamma(b + x) - lg_b -
           std::lgamma(a + b + x);
    dr[k] = digamma(r + x) - psi_r + log_alpha;
    da[k] = psi_ab - digamma(a + b + x);
    db[k] = psi_ab + digamma(b + x) - psi_b - digamma(a + b + x);
    log_a_term[k] = x > 0 ? std::log(a) - std::log(b + x - 1) : 0;
  }
  auto partial = [&](size_t begin, size_t end, std::array<double, 5>& acc) {
    acc.fill(0);
    for (size_t i = begin; i < end; ++i) {
      const uint32_t k = rows.x_index[i];
      const double x = rows.xs[k];
      const double w = rows.weight[i];
      const double log_at = std::log(alpha + rows.T[i]);
      const double a3 = -(r + x) * log_at;
      double pi3 = 1, pi4 = 0, log_atx = 0, l34 = a3;
      if (x > 0) {
        log_atx = std::log(alpha + rows.t_x[i]);
        const double a4 = log_a_term[k] - (r + x) * log_atx;
        l34 = LogAddExp(a3, a4);
        pi3 = std::exp(a3 - l34);
        pi4 = std::exp(a4 - l34);
      }
      acc[0] += w * (c[k] + l34);
      acc[1] += w * (dr[k] - pi3 * log_at - pi4 * log_atx);
      acc[2] += w * (r / alpha - pi3 * (r + x) / (alpha + rows.T[i]) -
                     pi4 * (r + x) / (alpha + rows.t_x[i]));
      acc[3] += w * (da[k] + pi4 / a);
      acc[4] += w * (db[k] - (x > 0 ? pi4 / (b + x - 1) : 0));
    }
  };
  const std::array<double, 5> sums = ParallelSum<5>(rows.weight.size(), pool, partial);
  if (grad != nullptr) {
    for (int j = 0; j < 4; ++j) grad[j] = sums[static_cast<size_t>(j) + 1];
  }
  return sums[0];
}

// Gamma-Gamma log-likelihood and gradient in (p, q, v) over repeat customers.
double GammaGammaValueAndGradient(const std::vector<double>& x, const std::vector<double>& m,
                                  const double* theta, double* grad) {
  const double p = theta[0], q = theta[1], v = theta[2];
  const double lg_q = std::lgamma(q), psi_q = digamma(q), log_v = std::log(v);
  double ll = 0, gp = 0, gq = 0, gv = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double px = p * x[i];
    const double log_xmv = std::log(x[i] * m[i] + v);
    ll += std::lgamma(px + q) - std::lgamma(px) - lg_q + q * log_v + (px - 1) * std::log(m[i]) +
          px * std::log(x[i]) - (px + q) * log_xmv;
    const double psi_pxq = digamma(px + q);
    gp += x[i] * (psi_pxq - digamma(px) + std::log(m[i]) + std::log(x[i]) - log_xmv);
    gq += psi_pxq - psi_q + log_v - log_xmv;
    gv += q / v - (px + q) / (x[i] * m[i] + v);
  }
  if (grad != nullptr) {
    grad[0] = gp;
    grad[1] = gq;
    grad[2] = gv;
  }
  return ll;
}

// Gauss's hypergeometric 2F1(a, b; c; z) by its power series; |z| < 1 here (z = t / (alpha +
// T + t)), and the terms shrink geometrically.
double Hyp2F1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  for (int n = 0; n < 100000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (std::abs(term) <= 1e-15 * std::abs(sum)) break;
  }
  return sum;
}

}  // namespace

Status ClvSummary::Validate() const {
  const size_t n = frequency.size();
  if (recency.size() != n || T.size() != n || monetary_value.size() != n) {
    return InvalidArgument("summary columns have different lengths");
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string row = "summary row " + std::to_string(i + 1);
    if (!(frequency[i] >= 0) || std::floor(frequency[i]) != frequency[i]) {
      return InvalidArgument(row + ": frequency " + std::to_string(frequency[i]) +
                             " is not a whole number >= 0");
    }
    // T = 0 is a customer first seen on the last day: a valid (uninformative) row.
    if (!(recency[i] >= 0) || !std::isfinite(T[i]) || recency[i] > T[i] + 1e-9) {
      return InvalidArgument(row + ": need 0 <= recency (" + std::to_string(recency[i]) +
                             ") <= T (" + std::to_string(T[i]) + ")");
    }
    if (frequency[i] == 0 && recency[i] != 0) {
      return InvalidArgument(row + ": recency " + std::to_string(recency[i]) +
                             " must be 0 when frequency is 0");
    }
    if (!std::isfinite(monetary_value[i]) || monetary_value[i] < 0) {
      return InvalidArgument(row + ": monetary_value " + std::to_string(monetary_value[i]) +
                             " must be finite and >= 0");
    }
  }
  return OkStatus();
}

ClvSummary SummarizeTransactions(const std::vector<std::string>& customers,
                                 const std::vector<int64_t>& times_us,
                                 const std::vector<double>& values, double time_unit_days,
                                 int64_t calibration_end_us) {
  // customer -> (day -> summed value), in first-seen order of customers.
  std::unordered_map<std::string, size_t> index;
  std::vector<std::map<int64_t, double>> days;
  std::vector<std::string> ids;
  for (size_t i = 0; i < customers.size(); ++i) {
    if (times_us[i] > calibration_end_us) continue;
    auto [it, added] = index.emplace(customers[i], ids.size());
    if (added) {
      ids.push_back(customers[i]);
      days.emplace_back();
    }
    days[it->second][DayOfMicros(times_us[i])] += values[i];
  }
  const int64_t end_day = DayOfMicros(calibration_end_us);
  ClvSummary s;
  s.customer_ids = std::move(ids);
  for (const auto& per_day : days) {
    const int64_t first = per_day.begin()->first;
    const int64_t last = per_day.rbegin()->first;
    const double x = static_cast<double>(per_day.size() - 1);
    double repeat_value = 0;
    for (auto it = std::next(per_day.begin()); it != per_day.end(); ++it) repeat_value += it->second;
    s.frequency.push_back(x);
    s.recency.push_back(static_cast<double>(last - first) / time_unit_days);
    s.T.push_back(static_cast<double>(end_day - first) / time_unit_days);
    s.monetary_value.push_back(x > 0 ? repeat_value / x : 0);
  }
  return s;
}

Result<ClvSummary> SummarizeFrame(const store::EventFrame& frame, const ClvDefinition& definition) {
  auto code = frame.events.Find(definition.purchase_event);
  if (!code) {
    return NotFound("--purchase-event '" + definition.purchase_event +
                    "' does not occur in the events table");
  }
  std::vector<std::string> customers;
  std::vector<int64_t> times;
  std::vector<double> values;
  for (size_t u = 0; u < frame.num_users(); ++u) {
    for (size_t r = frame.UserBegin(u); r < frame.UserEnd(u); ++r) {
      if (frame.event[r] != *code) continue;
      customers.push_back(frame.user_ids[u]);
      times.push_back(frame.time_us[r]);
      values.push_back(frame.revenue[r]);
    }
  }
  return SummarizeTransactions(customers, times, values, definition.time_unit_days,
                               definition.calibration_end_us.value_or(frame.max_time_us));
}

double BgNbdLogLikelihood(double r, double alpha, double a, double b, double x, double t_x,
                          double T) {
  const double a1 = std::lgamma(r + x) - std::lgamma(r) + r * std::log(alpha);
  const double a2 = std::lgamma(a + b) + std::lgamma(b + x) - std::lgamma(b) -
                    std::lgamma(a + b + x);
  const double a3 = -(r + x) * std::log(alpha + T);
  if (x <= 0) return a1 + a2 + a3;
  const double a4 = std::log(a) - std::log(b + x - 1) - (r + x) * std::log(alpha + t_x);
  return a1 + a2 + LogAddExp(a3, a4);
}

Result<BgNbdFit> FitBgNbd(const ClvSummary& summary, ThreadPool* pool) {
  FW_RETURN_IF_ERROR(summary.Validate());
  if (summary.size() < 2) {
    return FailedPrecondition("BG/NBD needs at least 2 customers, got " +
                              std::to_string(summary.size()));
  }
  double sum_x = 0, sum_t = 0;
  for (size_t i = 0; i < summary.size(); ++i) {
    sum_x += summary.frequency[i];
    sum_t += summary.T[i];
  }
  if (sum_x == 0) return FailedPrecondition("BG/NBD needs at least one repeat purchase, got none");
  const CollapsedRows rows = Collapse(summary);
  auto objective = [&](const double* theta, double* grad) {
    return BgNbdValueAndGradient(rows, theta, grad, pool);
  };
  // Start: r = 1 and alpha matching the mean purchase rate (E[lambda] = r / alpha), a = b = 1.
  const std::vector<double> start = {1.0, sum_t / sum_x, 1.0, 1.0};
  FW_ASSIGN_OR_RETURN(MleResult mle, MaximizeLogLikelihood(objective, start, rows.total_weight));
  BgNbdFit fit;
  fit.r = mle.theta[0];
  fit.alpha = mle.theta[1];
  fit.a = mle.theta[2];
  fit.b = mle.theta[3];
  fit.r_se = mle.standard_errors[0];
  fit.alpha_se = mle.standard_errors[1];
  fit.a_se = mle.standard_errors[2];
  fit.b_se = mle.standard_errors[3];
  fit.log_likelihood = mle.log_likelihood;
  fit.evaluations = mle.evaluations;
  fit.distinct_rows = rows.weight.size();
  return fit;
}

Result<GammaGammaFit> FitGammaGamma(const ClvSummary& summary) {
  FW_RETURN_IF_ERROR(summary.Validate());
  std::vector<double> x, m;
  for (size_t i = 0; i < summary.size(); ++i) {
    if (summary.frequency[i] > 0 && summary.monetary_value[i] > 0) {
      x.push_back(summary.frequency[i]);
      m.push_back(summary.monetary_value[i]);
    }
  }
  if (x.size() < 2) {
    return FailedPrecondition("Gamma-Gamma needs at least 2 repeat customers with a value > 0, "
                              "got " + std::to_string(x.size()));
  }
  double mean_m = 0;
  for (double v : m) mean_m += v / static_cast<double>(m.size());
  auto objective = [&](const double* theta, double* grad) {
    return GammaGammaValueAndGradient(x, m, theta, grad);
  };
  // Start: p = 1, q = 2 and v chosen so that the prior mean p v / (q - 1) equals the mean value.
  FW_ASSIGN_OR_RETURN(MleResult mle, MaximizeLogLikelihood(objective, {1.0, 2.0, mean_m},
                                                           static_cast<double>(x.size())));
  GammaGammaFit fit;
  fit.p = mle.theta[0];
  fit.q = mle.theta[1];
  fit.v = mle.theta[2];
  fit.p_se = mle.standard_errors[0];
  fit.q_se = mle.standard_errors[1];
  fit.v_se = mle.standard_errors[2];
  fit.log_likelihood = mle.log_likelihood;
  fit.evaluations = mle.evaluations;
  fit.customers = x.size();
  return fit;
}

double ExpectedPurchases(const BgNbdFit& f, double t, double x, double t_x, double T) {
  if (t <= 0) return 0;
  const double z = t / (f.alpha + T + t);
  const double head = (f.a + f.b + x - 1) / (f.a - 1);
  const double tail = 1 - std::pow((f.alpha + T) / (f.alpha + T + t), f.r + x) *
                              Hyp2F1(f.r + x, f.b + x, f.a + f.b + x - 1, z);
  double denominator = 1;
  if (x > 0) {
    denominator += f.a / (f.b + x - 1) * std::pow((f.alpha + T) / (f.alpha + t_x), f.r + x);
  }
  return head * tail / denominator;
}

double ProbabilityAlive(const BgNbdFit& f, double x, double t_x, double T) {
  if (x <= 0) return 1;
  return 1 / (1 + f.a / (f.b + x - 1) * std::pow((f.alpha + T) / (f.alpha + t_x), f.r + x));
}

double ExpectedAverageValue(const GammaGammaFit& f, double x, double monetary_value) {
  return f.p * (f.v + x * monetary_value) / (f.p * x + f.q - 1);
}

double CustomerLifetimeValue(const BgNbdFit& fit, double x, double t_x, double T,
                             double expected_value, int horizon, double discount) {
  double clv = 0, previous = 0;
  for (int i = 1; i <= horizon; ++i) {
    const double cumulative = ExpectedPurchases(fit, i, x, t_x, T);
    clv += (cumulative - previous) * expected_value / std::pow(1 + discount, i);
    previous = cumulative;
  }
  return clv;
}

}  // namespace fw::analytics
