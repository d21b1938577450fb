// SPDX-License-Identifier: Apache-2.0
//
// simulator.cc: the oracle LPs and the simulation loop (see simulator.h for the model).
#include "flywheel/bandit/simulator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numbers>

#include "flywheel/bandit/lp.h"
#include "flywheel/core/hash.h"

namespace fw::bandit {
namespace {

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (scipy.stats.t.ppf).
constexpr double kT975[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                            2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                            2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

double TQuantile975(int df) { return df <= 30 ? kT975[df - 1] : 1.96; }

// The environment's random numbers: a pure function of (key, stream), so that every policy sees
// the same outcome for contact t on channel c (common random numbers).
inline uint64_t Mix(uint64_t key, uint64_t stream) {
  return SplitMix64(key ^ (stream * 0x9E3779B97F4A7C15ULL));
}
inline double U01(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
// Standard normal by Box-Muller from one 64-bit hash (two 32-bit uniforms in (0, 1)).
inline double Z(uint64_t bits) {
  const double u1 = (static_cast<double>(bits >> 32) + 0.5) * 0x1.0p-32;
  const double u2 = (static_cast<double>(bits & 0xFFFFFFFFULL) + 0.5) * 0x1.0p-32;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Builds and solves the oracle LP. Channel oracle variables: n_c (contacts per channel).
// Segment oracle variables: n_{s,c} then N (total contacts).
// With `revenue`, the objective is expected revenue (conversion x mean revenue) instead.
Result<LpSolution> SolveOracleLp(const Scenario& sc, bool per_segment, double budget,
                                 double horizon, bool revenue) {
  const size_t k = sc.channels.size();
  const size_t s = sc.segments.size();
  std::vector<double> c, a, b;
  auto add_row = [&](const std::vector<double>& row, double rhs) {
    a.insert(a.end(), row.begin(), row.end());
    b.push_back(rhs);
  };
  if (!per_segment) {
    for (size_t ch = 0; ch < k; ++ch) {
      double v = 0.0;
      for (const auto& seg : sc.segments) {
        v += seg.share * seg.conversion[ch] * (revenue ? seg.revenue_mean : 1.0);
      }
      c.push_back(v);
    }
    std::vector<double> row(k);
    for (size_t ch = 0; ch < k; ++ch) row[ch] = sc.channels[ch].cost;
    add_row(row, budget);
    add_row(std::vector<double>(k, 1.0), horizon);
    for (size_t ch = 0; ch < k; ++ch) {
      if (!std::isfinite(sc.channels[ch].cap)) continue;
      std::vector<double> cap_row(k, 0.0);
      cap_row[ch] = sc.channels[ch].cost;
      add_row(cap_row, sc.channels[ch].cap);
    }
    return SolveLp(c, a, b);
  }
  const size_t n = s * k + 1;
  for (size_t seg = 0; seg < s; ++seg) {
    for (size_t ch = 0; ch < k; ++ch) {
      c.push_back(sc.segments[seg].conversion[ch] * (revenue ? sc.segments[seg].revenue_mean : 1.0));
    }
  }
  c.push_back(0.0);
  std::vector<double> row(n, 0.0);
  for (size_t seg = 0; seg < s; ++seg) {
    for (size_t ch = 0; ch < k; ++ch) row[seg * k + ch] = sc.channels[ch].cost;
  }
  add_row(row, budget);
  row.assign(n, 0.0);
  row[n - 1] = 1.0;
  add_row(row, horizon);
  // Users arrive in proportion to the shares: sum_c n_{s,c} = share_s * N, as two inequalities.
  for (size_t seg = 0; seg < s; ++seg) {
    row.assign(n, 0.0);
    for (size_t ch = 0; ch < k; ++ch) row[seg * k + ch] = 1.0;
    row[n - 1] = -sc.segments[seg].share;
    add_row(row, 0.0);
    for (double& v : row) v = -v;
    add_row(row, 0.0);
  }
  for (size_t ch = 0; ch < k; ++ch) {
    if (!std::isfinite(sc.channels[ch].cap)) continue;
    row.assign(n, 0.0);
    for (size_t seg = 0; seg < s; ++seg) row[seg * k + ch] = sc.channels[ch].cost;
    add_row(row, sc.channels[ch].cap);
  }
  return SolveLp(c, a, b);
}

bool IsContextualKind(const std::string& kind) {
  return kind == "segment-ts" || kind == "linucb" || kind == "lints";
}

struct RunTrace {
  double conversions = 0.0, expected = 0.0, revenue = 0.0, spend = 0.0;
  int64_t contacts = 0;
  std::vector<double> arm_spend;
  std::vector<double> regret;                    // per checkpoint
  std::vector<std::vector<double>> share_curve;  // per checkpoint
};

}  // namespace

Status SimulationOptions::Validate() const {
  if (policies.empty()) return InvalidArgument("simulate: --policies is empty");
  if (runs < 1) return InvalidArgument("simulate: --runs is " + std::to_string(runs) + ", expected >= 1");
  if (num_checkpoints < 2) return InvalidArgument("simulate: num_checkpoints must be >= 2");
  const auto& kinds = PolicyKinds();
  if (revenue_reward) {
    for (const auto& p : policies) {
      if (p == "ts" || p == "budgeted-ts" || p == "bwk" || p == "segment-ts") {
        return InvalidArgument("simulate: policy '" + p +
                               "' models conversions (rewards in [0, 1]); with revenue rewards "
                               "use ts-gaussian, ucb1, eps, softmax, uniform, linucb, lints or oracle");
      }
    }
  }
  for (const auto& p : policies) {
    if (p != "oracle" && std::find(kinds.begin(), kinds.end(), p) == kinds.end()) {
      std::string list = "oracle";
      for (const auto& k : kinds) list += ", " + k;
      return InvalidArgument("simulate: unknown policy '" + p + "' in --policies, expected one of " +
                             list);
    }
  }
  return OkStatus();
}

Result<double> OracleValue(const Scenario& scenario, bool per_segment, double budget,
                           double horizon, bool revenue) {
  FW_ASSIGN_OR_RETURN(LpSolution sol,
                      SolveOracleLp(scenario, per_segment, budget, horizon, revenue));
  return sol.objective;
}

Result<OracleSummary> SolveOracle(const Scenario& sc, bool per_segment, bool revenue) {
  FW_RETURN_IF_ERROR(sc.Validate());
  FW_ASSIGN_OR_RETURN(LpSolution sol, SolveOracleLp(sc, per_segment, sc.budget,
                                                    static_cast<double>(sc.horizon), revenue));
  const size_t k = sc.channels.size();
  OracleSummary out;
  out.channel_spend.assign(k, 0.0);
  for (size_t ch = 0; ch < k; ++ch) {
    out.channel_value.push_back(sc.ChannelConversion(ch) / sc.channels[ch].cost);
  }
  for (size_t seg = 0; seg < sc.segments.size(); ++seg) {
    const SegmentSpec& spec = sc.segments[seg];
    for (size_t ch = 0; ch < k; ++ch) {
      // Channel oracle: contacts on a channel split over segments by share.
      const double n = per_segment ? sol.x[seg * k + ch] : sol.x[ch] * spec.share;
      out.channel_spend[ch] += n * sc.channels[ch].cost;
      out.contacts += n;
      out.conversions += n * spec.conversion[ch];
      out.revenue += n * spec.conversion[ch] * spec.revenue_mean;
    }
  }
  for (double v : out.channel_spend) out.spend += v;
  return out;
}

Result<SimulationReport> Simulate(const Scenario& sc, const SimulationOptions& options) {
  FW_RETURN_IF_ERROR(sc.Validate());
  FW_RETURN_IF_ERROR(options.Validate());
  const size_t k = sc.channels.size();
  const size_t num_seg = sc.segments.size();
  SimulationReport report;
  report.scenario = sc;
  report.options = options;
  const bool by_revenue = options.revenue_reward;
  FW_ASSIGN_OR_RETURN(report.oracle, SolveOracle(sc, false, by_revenue));
  FW_ASSIGN_OR_RETURN(report.segment_oracle, SolveOracle(sc, true, by_revenue));
  FW_ASSIGN_OR_RETURN(LpSolution chan_lp, SolveOracleLp(sc, false, sc.budget,
                                                        static_cast<double>(sc.horizon), by_revenue));
  FW_ASSIGN_OR_RETURN(LpSolution seg_lp, SolveOracleLp(sc, true, sc.budget,
                                                       static_cast<double>(sc.horizon), by_revenue));

  // Log-spaced checkpoints from 10 contacts to the most contacts the budget could buy.
  double min_cost = kUnlimited;
  for (const auto& ch : sc.channels) min_cost = std::min(min_cost, ch.cost);
  const double t_max = std::min(static_cast<double>(sc.horizon), std::floor(sc.budget / min_cost));
  const double t_min = std::min(10.0, t_max);
  for (int i = 0; i < options.num_checkpoints; ++i) {
    const double f = static_cast<double>(i) / (options.num_checkpoints - 1);
    const auto t = static_cast<int64_t>(std::llround(t_min * std::pow(t_max / t_min, f)));
    if (report.checkpoints.empty() || t > report.checkpoints.back()) report.checkpoints.push_back(t);
  }
  const size_t num_cp = report.checkpoints.size();

  // Cumulative segment shares, for drawing the arriving user's segment.
  std::vector<double> cum_share;
  double acc = 0.0;
  for (const auto& seg : sc.segments) cum_share.push_back(acc += seg.share);

  const OracleSummary& bench = options.contextual ? report.segment_oracle : report.oracle;
  const double oracle_value = by_revenue ? bench.revenue : bench.conversions;
  for (size_t pi = 0; pi < options.policies.size(); ++pi) {
    const std::string& name = options.policies[pi];
    const bool is_oracle = name == "oracle";
    const bool seg_benchmark = options.contextual || IsContextualKind(name);
    PolicyResult result;
    result.name = name;
    result.spend_share.assign(k, 0.0);
    result.regret.assign(num_cp, 0.0);
    result.share_curve.assign(num_cp, std::vector<double>(k, 0.0));
    int64_t min_stop = sc.horizon;
    std::vector<double> run_value;  // conversions, or revenue with revenue_reward
    for (int run = 0; run < options.runs; ++run) {
      PolicyConfig config = options.base;
      config.kind = is_oracle ? "uniform" : name;
      config.num_arms = k;
      config.budget = sc.budget;
      config.horizon = sc.horizon;
      config.num_segments = num_seg;
      config.num_features = num_seg;
      config.propensity_samples = 0;
      config.known_costs.clear();
      config.spend_caps.clear();
      if (options.known_costs) {
        for (const auto& ch : sc.channels) config.known_costs.push_back(ch.cost);
      }
      for (const auto& ch : sc.channels) config.spend_caps.push_back(ch.cap);
      FW_ASSIGN_OR_RETURN(auto policy, MakePolicy(config));
      // The policy's own randomness: independent of the environment's and of other policies'.
      Rng rng(SplitMix64(options.seed ^ HashBytes64(name)) + static_cast<uint64_t>(run));
      const uint64_t run_key = SplitMix64(SplitMix64(options.seed) ^ static_cast<uint64_t>(run));

      struct Pending {
        size_t arm;
        double reward, cost;
        size_t seg;
      };
      std::deque<Pending> pending;
      std::vector<double> log_mult(k, 0.0);  // random-walk drift state
      RunTrace tr;
      tr.arm_spend.assign(k, 0.0);
      std::vector<double> onehot(num_seg, 0.0);
      std::vector<double> cp_spend(num_cp, -1.0), cp_expected(num_cp, 0.0);
      std::vector<int64_t> cp_t(num_cp, 0);
      std::vector<std::vector<double>> cp_arm(num_cp);
      size_t next_cp = 0;
      for (int64_t t = 0; t < sc.horizon; ++t) {
        const uint64_t key = Mix(run_key, static_cast<uint64_t>(t));
        const double u_seg = U01(Mix(key, 0));
        size_t seg = 0;
        while (seg + 1 < num_seg && u_seg >= cum_share[seg]) ++seg;
        onehot.assign(num_seg, 0.0);
        onehot[seg] = 1.0;
        const Context ctx{.segment = static_cast<int32_t>(seg), .features = onehot};
        size_t arm;
        if (is_oracle) {
          // Play the oracle LP's mixture (per segment for the segment oracle).
          const double* x = seg_benchmark ? &seg_lp.x[seg * k] : chan_lp.x.data();
          double total = 0.0;
          for (size_t ch = 0; ch < k; ++ch) total += x[ch];
          if (total <= 0.0) break;
          double u = rng.Uniform() * total;
          arm = 0;
          while (arm + 1 < k && u >= x[arm]) u -= x[arm++];
        } else {
          auto d = policy->Choose(ctx, rng);
          if (!d.ok()) break;  // no arm playable: the budget is spent
          arm = d->arm;
        }
        const Channel& ch = sc.channels[arm];
        double cost = std::max(0.0, ch.cost + ch.cost_sd * Z(Mix(key, 1000 + arm)));
        if (cost > sc.budget - tr.spend) break;  // the budget cannot pay this contact: stop
        cost = std::min(cost, ch.cap - tr.arm_spend[arm]);  // a cap stops spend exactly at it
        const SegmentSpec& spec = sc.segments[seg];
        // Drift: the channel's multiplier at contact t (common to every policy of the run).
        if (sc.drift.kind == Drift::Kind::kRandomWalk && t > 0 && t % sc.drift.every == 0) {
          const uint64_t epoch = static_cast<uint64_t>(t / sc.drift.every);
          for (size_t c = 0; c < k; ++c) {
            log_mult[c] += sc.drift.sd * Z(Mix(run_key ^ 0xD41F7ULL, epoch * k + c));
          }
        }
        double mult = 1.0;
        if (sc.drift.kind == Drift::Kind::kStep && t >= sc.drift.at) mult = sc.drift.multiplier[arm];
        if (sc.drift.kind == Drift::Kind::kRandomWalk) mult = std::exp(log_mult[arm]);
        const double p_conv = std::min(1.0, spec.conversion[arm] * mult);
        const bool converted = U01(Mix(key, 2000 + arm)) < p_conv;
        const double revenue =
            converted ? std::max(0.0, spec.revenue_mean + spec.revenue_sd * Z(Mix(key, 3000 + arm)))
                      : 0.0;
        if (!is_oracle) {
          // Delayed feedback: the outcome reaches the policy `delay` contacts later.
          pending.push_back({arm, by_revenue ? revenue : (converted ? 1.0 : 0.0), cost, seg});
          while (static_cast<int64_t>(pending.size()) > sc.delay) {
            const Pending& f = pending.front();
            std::vector<double> f_onehot(num_seg, 0.0);
            f_onehot[f.seg] = 1.0;
            const Context f_ctx{.segment = static_cast<int32_t>(f.seg), .features = f_onehot};
            FW_RETURN_IF_ERROR(policy->Update(f.arm, f.reward, f.cost, f_ctx));
            pending.pop_front();
          }
        }
        tr.spend += cost;
        tr.arm_spend[arm] += cost;
        tr.expected += by_revenue ? p_conv * spec.revenue_mean : p_conv;
        if (converted) tr.conversions += 1.0;
        tr.revenue += revenue;
        tr.contacts = t + 1;
        while (next_cp < num_cp && report.checkpoints[next_cp] == tr.contacts) {
          cp_spend[next_cp] = tr.spend;
          cp_expected[next_cp] = tr.expected;
          cp_t[next_cp] = tr.contacts;
          cp_arm[next_cp] = tr.arm_spend;
          ++next_cp;
        }
      }
      min_stop = std::min(min_stop, tr.contacts);
      for (size_t i = next_cp; i < num_cp; ++i) {  // after the stop the trace stays flat
        cp_spend[i] = tr.spend;
        cp_expected[i] = tr.expected;
        cp_t[i] = tr.contacts;
        cp_arm[i] = tr.arm_spend;
      }
      for (size_t i = 0; i < num_cp; ++i) {
        FW_ASSIGN_OR_RETURN(double opt, OracleValue(sc, seg_benchmark, cp_spend[i],
                                                    static_cast<double>(cp_t[i]), by_revenue));
        result.regret[i] += (opt - cp_expected[i]) / options.runs;
        for (size_t ch = 0; ch < k; ++ch) {
          result.share_curve[i][ch] +=
              (cp_spend[i] > 0 ? cp_arm[i][ch] / cp_spend[i] : 0.0) / options.runs;
        }
      }
      result.run_conversions.push_back(tr.conversions);
      run_value.push_back(by_revenue ? tr.revenue : tr.conversions);
      result.conversions += tr.conversions / options.runs;
      result.expected_conversions += tr.expected / options.runs;
      result.revenue += tr.revenue / options.runs;
      result.spend += tr.spend / options.runs;
      result.contacts += static_cast<double>(tr.contacts) / options.runs;
      result.max_spend = std::max(result.max_spend, tr.spend);
      for (size_t ch = 0; ch < k; ++ch) {
        result.spend_share[ch] += (tr.spend > 0 ? tr.arm_spend[ch] / tr.spend : 0.0) / options.runs;
      }
    }
    // Ratio to the oracle with a t interval over runs.
    double sum = 0.0, sumsq = 0.0;
    for (double c : run_value) {
      const double r = oracle_value > 0 ? c / oracle_value : 0.0;
      sum += r;
      sumsq += r * r;
    }
    const double n = options.runs;
    result.ratio = sum / n;
    if (options.runs >= 2) {
      const double sd = std::sqrt(std::max(0.0, (sumsq - n * result.ratio * result.ratio) / (n - 1)));
      const double half = TQuantile975(options.runs - 1) * sd / std::sqrt(n);
      result.ratio_lo = result.ratio - half;
      result.ratio_hi = result.ratio + half;
      result.has_ci = true;
    }
    // Regret slope over the second half (in log t) of the checkpoints every run reached.
    std::vector<double> lx, ly;
    size_t last = 0;
    while (last < num_cp && report.checkpoints[last] <= min_stop) ++last;
    if (last >= 2) {
      const double lo = std::log(static_cast<double>(report.checkpoints[0]));
      const double hi = std::log(static_cast<double>(report.checkpoints[last - 1]));
      for (size_t i = 0; i < last; ++i) {
        const double x = std::log(static_cast<double>(report.checkpoints[i]));
        if (x < (lo + hi) / 2) continue;
        lx.push_back(x);
        ly.push_back(std::log(std::max(result.regret[i], 1e-6)));
      }
    }
    // The oracle's regret is zero up to noise, so its slope means nothing.
    if (lx.size() >= 3 && !is_oracle) {
      double mx = 0, my = 0;
      for (size_t i = 0; i < lx.size(); ++i) mx += lx[i] / lx.size(), my += ly[i] / ly.size();
      double sxy = 0, sxx = 0;
      for (size_t i = 0; i < lx.size(); ++i) {
        sxy += (lx[i] - mx) * (ly[i] - my);
        sxx += (lx[i] - mx) * (lx[i] - mx);
      }
      result.regret_slope = sxy / sxx;
      result.has_slope = true;
    }
    report.policies.push_back(std::move(result));
  }
  return report;
}

}  // namespace fw::bandit
