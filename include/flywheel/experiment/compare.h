// SPDX-License-Identifier: Apache-2.0
//
// compare.h: one treatment against the control for one metric, by every method the engine
// offers (frequentist Welch t or pooled z, Bayesian, sequential), with CUPED when the arms
// carry a covariate.
//
// Formulas and where they come from:
//   - Welch t-test with Welch-Satterthwaite df on the absolute difference; the relative lift
//     (mean_t - mean_c) / mean_c gets a delta-method variance
//       var_t/(n_t m_c^2) + var_c m_t^2/(n_c m_c^4)
//     as in GrowthBook's frequentist engine (docs.growthbook.io/statistics/details; gbstats
//     frequentist_variance). p-values use the t survival function (as scipy ttest_ind).
//   - Pooled two-proportion z-test as statsmodels proportions_ztest; its interval is the Wald
//     interval with unpooled variances.
//   - CUPED (Deng et al. 2013): adjusted mean m - theta m_x, variance v + theta^2 v_x -
//     2 theta c with theta pooled over both arms; the relative variance is gbstats
//     frequentist_variance_relative_cuped.
//   - Bayesian: a Gaussian on the lift (relative or absolute) with a flat prior, or a proper
//     N(prior_mean, prior_variance); chance to win = P(effect > 0); risk = [E max(effect, 0),
//     E max(-effect, 0)], the expected loss of shipping control / treatment (gbstats
//     EffectBayesianABTest.get_risk).
//   - Sequential: asymptotic confidence sequences (Waudby-Smith et al. 2023,
//     arXiv:2103.06476v7), with rho from the tuning parameter N* as gbstats sequential_rho;
//     the two-sided p-value is 1/e-value (their eq. 155); one-sided p-values by bisection on
//     alpha, as GrowthBook does.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "flywheel/core/result.h"
#include "flywheel/experiment/arm_stats.h"

namespace fw::experiment {

enum class Method { kFrequentist, kBayesian, kSequential };
enum class TestKind { kWelch, kZPooled };
enum class Alternative { kTwoSided, kGreater, kLess };

struct CompareOptions {
  Method method = Method::kFrequentist;  // the engine
  TestKind test = TestKind::kWelch;      // frequentist test; z-pooled only for proportions
  bool relative = true;                  // lift as (t - c)/c (default) or the difference t - c
  Alternative alternative = Alternative::kTwoSided;  // H1 of the frequentist/sequential test
  double alpha = 0.05;                   // error rate of tests and intervals, in (0, 0.5]
  double sequential_tuning = 5000;       // N*: total n where the sequence is tightest (gbstats)
  std::optional<double> prior_mean;      // Bayesian prior on the lift; flat when unset
  std::optional<double> prior_variance;  // must be > 0 when given; makes the prior proper

  // kInvalidArgument naming the bad field and value.
  Status Validate() const;
};

// Parses "frequentist|bayesian|sequential", "welch|z-pooled", "two-sided|greater|less".
Result<Method> ParseMethod(const std::string& text);
Result<TestKind> ParseTestKind(const std::string& text);
Result<Alternative> ParseAlternative(const std::string& text);
const char* MethodName(Method method);

// One comparison. Fields that do not apply to the method, or that cannot be computed, are
// nullopt; `null_reason` then says why (e.g. "control mean is 0: relative lift undefined").
struct Comparison {
  std::string variant;
  int64_t n = 0;
  double mean = 0;               // the arm's unadjusted mean
  std::optional<double> lift;    // relative or absolute, CUPED-adjusted when on
  std::optional<double> ci_low;  // nullopt also for the open side of a one-sided interval
  std::optional<double> ci_high;
  std::optional<double> p_value;           // frequentist and sequential only
  std::optional<double> adjusted_p_value;  // after the correction across variants and metrics
  std::optional<double> se;                // standard error of the lift
  std::optional<double> df;                // Welch-Satterthwaite df (Welch only)
  std::optional<double> statistic;         // t or z (frequentist only)
  std::optional<double> chance_to_win;     // Bayesian only
  std::optional<double> risk_control;      // Bayesian only: expected loss of keeping control
  std::optional<double> risk_treatment;    // Bayesian only: expected loss of shipping treatment
  double theta = 0;                        // CUPED coefficient used (0 = off)
  std::string null_reason;                 // why some fields are null; empty when all computed
};

// Compares `treatment` to `control` for a metric of `type`. Input problems that only make the
// result undefined (n < 2, zero variance in both arms, control mean 0 with a relative lift)
// give a Comparison with nulls and a reason; invalid options or a z-test on a non-proportion
// give kInvalidArgument.
Result<Comparison> Compare(const ArmStats& control, const ArmStats& treatment, MetricType type,
                           const CompareOptions& options);

// True when per-unit sums cannot come from real values: sum_squares < sum^2/n beyond rounding
// (relative 1e-9), i.e. a negative sample variance. Always false for n < 2.
bool SumsImplyNegativeVariance(double n, double sum, double sum_squares);

// Sequential-test helpers, exposed for tests. rho for error rate `alpha` and tuning N*:
// sqrt((-2 ln a + ln(-2 ln a + 1)) / N*) with a = alpha (two-sided) or 2 alpha (one-sided).
double SequentialRho(double alpha, double tuning, bool two_sided);
// Half-width of the two-sided confidence sequence at total n for per-unit variance s2.
double SequentialHalfwidth(double s2, double n, double alpha, double rho);
// Half-width of the one-sided confidence sequence.
double SequentialHalfwidthOneSided(double s2, double n, double alpha, double rho);

}  // namespace fw::experiment
