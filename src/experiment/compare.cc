// SPDX-License-Identifier: Apache-2.0
//
// compare.cc: frequentist, Bayesian and sequential comparison of two arms (see compare.h for
// the formulas and their sources).
#include "flywheel/experiment/compare.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "distributions.h"

namespace fw::experiment {
namespace {

using internal::NormalCdf;
using internal::NormalPdf;
using internal::NormalQuantile;
using internal::NormalSf;
using internal::StudentTCdf;
using internal::StudentTQuantile;
using internal::StudentTSf;

std::string Num(double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  return buf;
}

// Welch-Satterthwaite degrees of freedom for per-unit variances v and sizes n.
double WelchDf(double v_c, double n_c, double v_t, double n_t) {
  const double a = v_c / n_c;
  const double b = v_t / n_t;
  const double den = a * a / (n_c - 1) + b * b / (n_t - 1);
  return den > 0 ? (a + b) * (a + b) / den : 0.0;
}

// Fills p_value and the interval from a point estimate, its se and a two-sided/one-sided
// quantile function; `upper_tail(x)` = P(T > x), `lower_tail(x)` = P(T < x).
template <typename Upper, typename Lower, typename Quantile>
void FillTest(Comparison& out, double point, double se, Alternative alternative, double alpha,
              Upper upper_tail, Lower lower_tail, Quantile quantile) {
  const double stat = point / se;
  out.statistic = stat;
  switch (alternative) {
    case Alternative::kTwoSided: {
      out.p_value = std::min(1.0, 2.0 * upper_tail(std::fabs(stat)));
      const double half = quantile(1.0 - alpha / 2.0) * se;
      out.ci_low = point - half;
      out.ci_high = point + half;
      break;
    }
    case Alternative::kGreater:
      out.p_value = upper_tail(stat);
      out.ci_low = point - quantile(1.0 - alpha) * se;
      break;
    case Alternative::kLess:
      out.p_value = lower_tail(stat);
      out.ci_high = point + quantile(1.0 - alpha) * se;
      break;
  }
}

}  // namespace

bool SumsImplyNegativeVariance(double n, double sum, double sum_squares) {
  if (n < 2) return false;
  const double centred = sum * sum / n;
  // Rounding in the caller's sums can leave a tiny negative for constant data; only a gap
  // beyond that (relative 1e-9) is impossible for real values.
  return sum_squares - centred < -1e-9 * std::max({1.0, std::fabs(sum_squares), centred});
}

Status CompareOptions::Validate() const {
  if (!(alpha > 0.0 && alpha <= 0.5)) {
    return InvalidArgument("alpha is " + Num(alpha) + ", expected a value in (0, 0.5]");
  }
  if (!(std::isfinite(sequential_tuning) && sequential_tuning > 0)) {
    return InvalidArgument("sequential tuning is " + Num(sequential_tuning) +
                           ", expected a positive number of units");
  }
  if (prior_variance && !(std::isfinite(*prior_variance) && *prior_variance > 0)) {
    return InvalidArgument("prior variance is " + Num(*prior_variance) + ", expected > 0");
  }
  if (prior_mean && !std::isfinite(*prior_mean)) {
    return InvalidArgument("prior mean is " + Num(*prior_mean) + ", expected a finite number");
  }
  if (prior_mean && !prior_variance) {
    return InvalidArgument("a prior mean needs a prior variance (--prior-variance)");
  }
  return OkStatus();
}

Result<Method> ParseMethod(const std::string& text) {
  if (text == "frequentist") return Method::kFrequentist;
  if (text == "bayesian") return Method::kBayesian;
  if (text == "sequential") return Method::kSequential;
  return InvalidArgument("unknown method '" + text + "', expected frequentist|bayesian|sequential");
}

Result<TestKind> ParseTestKind(const std::string& text) {
  if (text == "welch") return TestKind::kWelch;
  if (text == "z-pooled") return TestKind::kZPooled;
  return InvalidArgument("unknown test '" + text + "', expected welch|z-pooled");
}

Result<Alternative> ParseAlternative(const std::string& text) {
  if (text == "two-sided") return Alternative::kTwoSided;
  if (text == "greater") return Alternative::kGreater;
  if (text == "less") return Alternative::kLess;
  return InvalidArgument("unknown alternative '" + text + "', expected two-sided|greater|less");
}

const char* MethodName(Method method) {
  switch (method) {
    case Method::kFrequentist:
      return "frequentist";
    case Method::kBayesian:
      return "bayesian";
    case Method::kSequential:
      return "sequential";
  }
  return "frequentist";
}

double SequentialRho(double alpha, double tuning, bool two_sided) {
  const double a = two_sided ? alpha : 2.0 * alpha;
  return std::sqrt((-2.0 * std::log(a) + std::log(-2.0 * std::log(a) + 1.0)) / tuning);
}

double SequentialHalfwidth(double s2, double n, double alpha, double rho) {
  const double nr2p1 = n * rho * rho + 1.0;
  return std::sqrt(s2) *
         std::sqrt(2.0 * nr2p1 * std::log(std::sqrt(nr2p1) / alpha) / ((n * rho) * (n * rho)));
}

double SequentialHalfwidthOneSided(double s2, double n, double alpha, double rho) {
  const double nr2p1 = n * rho * rho + 1.0;
  return std::sqrt(s2 * 2.0 * nr2p1 / ((n * rho) * (n * rho)) *
                   std::log(1.0 + std::sqrt(nr2p1) / (2.0 * alpha)));
}

Result<Comparison> Compare(const ArmStats& control, const ArmStats& treatment, MetricType type,
                           const CompareOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  const bool cuped = control.has_covariate && treatment.has_covariate;
  if (options.method == Method::kFrequentist && options.test == TestKind::kZPooled) {
    if (type != MetricType::kProportion) {
      return InvalidArgument(std::string("the pooled z-test needs a proportion metric, got a ") +
                             MetricTypeName(type) + " metric (use --test welch)");
    }
    if (cuped) return InvalidArgument("CUPED needs --test welch, not the pooled z-test");
  }
  Comparison out;
  out.variant = treatment.name;
  out.n = treatment.n;
  const ArmMoments mc = ComputeMoments(control, type);
  const ArmMoments mt = ComputeMoments(treatment, type);
  out.mean = mt.mean;
  if (control.n < 2 || treatment.n < 2) {
    out.null_reason = "need at least 2 units per arm, got n=" + std::to_string(control.n) +
                      " in '" + control.name + "' and n=" + std::to_string(treatment.n) + " in '" +
                      treatment.name + "'";
    return out;
  }
  // GrowthBook returns its empty result for such arms too (ZERO_NEGATIVE_VARIANCE_MESSAGE).
  for (const ArmStats* arm : {&control, &treatment}) {
    const double n = static_cast<double>(arm->n);
    const bool bad =
        (type != MetricType::kProportion &&
         SumsImplyNegativeVariance(n, arm->sum, arm->sum_squares)) ||
        (type == MetricType::kRatio &&
         SumsImplyNegativeVariance(n, arm->denominator_sum, arm->denominator_sum_squares)) ||
        (arm->has_covariate &&
         SumsImplyNegativeVariance(n, arm->covariate_sum, arm->covariate_sum_squares));
    if (bad) {
      out.null_reason = "the sums of '" + arm->name +
                        "' imply a negative variance (sum_squares < sum^2/n): inconsistent input";
      return out;
    }
  }
  if (type == MetricType::kRatio &&
      (control.denominator_sum == 0 || treatment.denominator_sum == 0)) {
    out.null_reason = "ratio denominator sums to 0 in an arm: ratio undefined";
    return out;
  }
  const double theta = cuped ? PooledTheta(control, treatment, type) : 0.0;
  out.theta = theta;
  const double var_c =
      mc.variance + theta * theta * mc.covariate_variance - 2.0 * theta * mc.covariance;
  const double var_t =
      mt.variance + theta * theta * mt.covariate_variance - 2.0 * theta * mt.covariance;
  if (!(var_c > 0) && !(var_t > 0)) {
    out.null_reason = "zero variance in both arms: no test is possible";
    return out;
  }
  if (options.relative && mc.mean == 0) {
    out.null_reason = "control mean is 0: relative lift undefined (use --absolute)";
    return out;
  }
  const double adj_c = mc.mean - theta * mc.covariate_mean;
  const double adj_t = mt.mean - theta * mt.covariate_mean;
  const double point = options.relative ? (adj_t - adj_c) / mc.mean : adj_t - adj_c;
  double variance = 0;
  if (!options.relative) {
    variance = var_t / mt.n + var_c / mc.n;
  } else if (theta != 0) {
    // gbstats frequentist_variance_relative_cuped: delta method on (adj_t - adj_c)/m_c.
    const double m2 = mc.mean * mc.mean;
    const double v_trt = var_t / (mt.n * m2);
    const double k = -mt.mean;
    const double v_ctrl = (mc.variance * k * k / m2 + 2.0 * theta * mc.covariance * k / mc.mean +
                           theta * theta * mc.covariate_variance) /
                          (mc.n * m2);
    variance = v_trt + v_ctrl;
  } else {
    const double m2 = mc.mean * mc.mean;
    variance = var_t / (mt.n * m2) + var_c * mt.mean * mt.mean / (mc.n * m2 * m2);
  }
  if (!(variance > 0) || !std::isfinite(variance)) {
    out.null_reason = "the lift's variance is " + Num(variance) + ": no test is possible";
    return out;
  }
  const double se = std::sqrt(variance);
  out.se = se;
  const double alpha = options.alpha;

  switch (options.method) {
    case Method::kFrequentist: {
      out.lift = point;
      if (options.test == TestKind::kWelch) {
        const double df = WelchDf(var_c, mc.n, var_t, mt.n);
        out.df = df;
        FillTest(
            out, point, se, options.alternative, alpha,
            [df](double x) { return StudentTSf(x, df); },
            [df](double x) { return StudentTCdf(x, df); },
            [df](double p) { return StudentTQuantile(p, df); });
      } else {
        // statsmodels proportions_ztest: the pooled proportion under H0 p_t == p_c.
        const double pooled = (control.sum + treatment.sum) / (mc.n + mt.n);
        const double se0 = std::sqrt(pooled * (1.0 - pooled) * (1.0 / mc.n + 1.0 / mt.n));
        if (!(se0 > 0)) {
          out.null_reason = "pooled proportion is " + Num(pooled) + ": the z-test is undefined";
          return out;
        }
        const double z = (mt.mean - mc.mean) / se0;
        // The test uses the pooled se; the interval the unpooled (Wald) se of the lift.
        FillTest(
            out, point, se, options.alternative, alpha, [](double x) { return NormalSf(x); },
            [](double x) { return NormalCdf(x); }, [](double p) { return NormalQuantile(p); });
        out.statistic = z;
        switch (options.alternative) {
          case Alternative::kTwoSided:
            out.p_value = std::min(1.0, 2.0 * NormalSf(std::fabs(z)));
            break;
          case Alternative::kGreater:
            out.p_value = NormalSf(z);
            break;
          case Alternative::kLess:
            out.p_value = NormalCdf(z);
            break;
        }
      }
      break;
    }
    case Method::kBayesian: {
      const bool proper = options.prior_variance.has_value();
      const double prior_mean = options.prior_mean.value_or(0.0);
      const double prior_var = options.prior_variance.value_or(1.0);
      const double post_prec = 1.0 / variance + (proper ? 1.0 / prior_var : 0.0);
      const double mu = proper ? (point / variance + prior_mean / prior_var) / post_prec : point;
      const double sd = std::sqrt(1.0 / post_prec);
      out.lift = mu;
      out.se = sd;
      out.chance_to_win = NormalCdf(mu / sd);
      out.ci_low = mu + sd * NormalQuantile(alpha / 2.0);
      out.ci_high = mu + sd * NormalQuantile(1.0 - alpha / 2.0);
      // E[max(X, 0)] and E[max(-X, 0)] for X ~ N(mu, sd^2); equal to gbstats get_risk's
      // P(X>0) E[X | X>0] and -P(X<0) E[X | X<0], without dividing by tiny tail masses.
      const double z = mu / sd;
      out.risk_control = mu * NormalCdf(z) + sd * NormalPdf(z);
      out.risk_treatment = -mu * NormalCdf(-z) + sd * NormalPdf(z);
      break;
    }
    case Method::kSequential: {
      out.lift = point;
      const double n = mc.n + mt.n;
      const double s2 = variance * n;
      const double tuning = options.sequential_tuning;
      if (options.alternative == Alternative::kTwoSided) {
        const double rho = SequentialRho(alpha, tuning, true);
        const double half = SequentialHalfwidth(s2, n, alpha, rho);
        out.ci_low = point - half;
        out.ci_high = point + half;
        // Waudby-Smith et al. eq. 155: the mixture e-value; p = min(1, 1/e).
        const double st2 = point * point * n / variance;
        const double nr2p1 = n * rho * rho + 1.0;
        const double log_e = rho * rho * st2 / (2.0 * nr2p1) - 0.5 * std::log(nr2p1);
        out.p_value = std::min(1.0, std::exp(-log_e));
      } else {
        const double rho = SequentialRho(alpha, tuning, false);
        const double half = SequentialHalfwidthOneSided(s2, n, alpha, rho);
        const bool greater = options.alternative == Alternative::kGreater;
        if (greater) {
          out.ci_low = point - half;
        } else {
          out.ci_high = point + half;
        }
        // The smallest alpha whose one-sided sequence excludes 0, with rho held fixed as
        // GrowthBook's bisection does; solved in closed form since the half-width is
        // monotone in alpha: log(1 + sqrt(n rho^2 + 1)/(2a)) = point^2 (n rho)^2 /
        // (2 s2 (n rho^2 + 1)).
        const double signed_point = greater ? point : -point;
        if (signed_point <= 0) {
          out.p_value = 1.0;
        } else {
          const double nr2p1 = n * rho * rho + 1.0;
          const double l = signed_point * signed_point * (n * rho) * (n * rho) / (2.0 * s2 * nr2p1);
          out.p_value = std::min(1.0, std::sqrt(nr2p1) / (2.0 * std::expm1(l)));
        }
      }
      break;
    }
  }
  return out;
}

}  // namespace fw::experiment
