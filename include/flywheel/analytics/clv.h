// SPDX-License-Identifier: Apache-2.0
//
// clv.h: customer lifetime value with BG/NBD (purchase frequency and dropout; Fader, Hardie &
// Lee 2005, "Counting your customers the easy way") and Gamma-Gamma (spend per transaction;
// Fader, Hardie & Lee 2005, "RFM and CLV"), both fitted by maximum likelihood.
//
// The fit works on a per-customer summary (frequency x, recency t_x, age T, mean repeat value).
// Identical (x, t_x, T) rows are collapsed with weights; terms that depend only on x (the
// log-gamma and digamma parts) are computed once per distinct x per evaluation, so one
// likelihood-and-gradient pass costs a few logarithms per distinct row. The optimiser is NLopt's
// L-BFGS on log-parameters with the analytic gradient; standard errors come from the inverse of
// the numerically differentiated Hessian of the log-likelihood at the optimum.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/event_frame.h"

namespace fw::analytics {

// Per-customer RFM summary in one time unit (docs/metrics.md, "Customer lifetime value").
// Invariant: all vectors have the same length; 0 <= recency <= T (T may be 0 for a customer
// first seen at the end of calibration); frequency is a whole number.
struct ClvSummary {
  std::vector<std::string> customer_ids;
  std::vector<double> frequency;       // x: repeat purchase periods
  std::vector<double> recency;         // t_x: first to last purchase, in time units
  std::vector<double> T;               // first purchase to the end of calibration
  std::vector<double> monetary_value;  // mean repeat value; 0 when frequency == 0
  size_t size() const { return frequency.size(); }
  // kInvalidArgument naming the row (1-based) and field for a broken invariant.
  Status Validate() const;
};

struct ClvDefinition {
  std::string purchase_event = "purchase";  // the event that is a transaction
  double time_unit_days = 7;  // 7 = weeks (the CDNOW convention), 1 = days
  std::optional<int64_t> calibration_end_us;  // default: the last event of the data
};

// Builds the summary from (customer, time, value) transactions: purchases are grouped by UTC
// day; frequency = purchase days after the first one; recency and T in time units of whole
// days (lifetimes' summary_data_from_transaction_data with freq='D'). Transactions after
// calibration_end are ignored. Requires: equal lengths.
ClvSummary SummarizeTransactions(const std::vector<std::string>& customers,
                                 const std::vector<int64_t>& times_us,
                                 const std::vector<double>& values, double time_unit_days,
                                 int64_t calibration_end_us);

// The same from the EventFrame's `purchase_event` rows (value = revenue). kNotFound when the
// event does not occur.
Result<ClvSummary> SummarizeFrame(const store::EventFrame& frame, const ClvDefinition& definition);

struct BgNbdFit {
  double r = 0, alpha = 0, a = 0, b = 0;
  double r_se = 0, alpha_se = 0, a_se = 0, b_se = 0;  // NaN-free: 0 when the Hessian is singular
  double log_likelihood = 0;  // sum over customers, FHL eq. 6
  int evaluations = 0;
  size_t distinct_rows = 0;  // after collapsing identical (x, t_x, T)
};

struct GammaGammaFit {
  double p = 0, q = 0, v = 0;
  double p_se = 0, q_se = 0, v_se = 0;
  double log_likelihood = 0;
  int evaluations = 0;
  size_t customers = 0;  // repeat customers used (frequency > 0)
};

// Fits BG/NBD. kFailedPrecondition when there are fewer than 2 customers or no repeat purchase;
// kInternal when the optimiser fails from every start. `pool` parallelises the likelihood.
Result<BgNbdFit> FitBgNbd(const ClvSummary& summary, ThreadPool* pool = nullptr);

// Fits Gamma-Gamma on customers with frequency > 0 and monetary_value > 0.
// kFailedPrecondition when fewer than 2 such customers.
Result<GammaGammaFit> FitGammaGamma(const ClvSummary& summary);

// BG/NBD log-likelihood of one summary row (FHL eq. 6), for tests.
double BgNbdLogLikelihood(double r, double alpha, double a, double b, double x, double t_x,
                          double T);

// E[X(t) | x, t_x, T]: expected purchases in the next t time units (FHL eq. 10).
double ExpectedPurchases(const BgNbdFit& fit, double t, double x, double t_x, double T);

// P(alive | x, t_x, T) (FHL 2005 appendix, eq. 11 of the note).
double ProbabilityAlive(const BgNbdFit& fit, double x, double t_x, double T);

// E[M | x, mean value]: p(v + x m) / (p x + q - 1); the population mean p v / (q - 1) for x = 0.
double ExpectedAverageValue(const GammaGammaFit& fit, double x, double monetary_value);

// CLV over `horizon` time units: sum_i (E[X(i)] - E[X(i-1)]) * value / (1 + discount)^i.
double CustomerLifetimeValue(const BgNbdFit& fit, double x, double t_x, double T,
                             double expected_value, int horizon, double discount);

}  // namespace fw::analytics
