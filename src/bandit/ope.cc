// SPDX-License-Identifier: Apache-2.0
//
// ope.cc: reading bandit logs, the reward model, target policies and the IPS / SNIPS / DM / DR
// estimators with bootstrap intervals (see ope.h for the formulas).
#include "flywheel/bandit/ope.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "flywheel/core/rng.h"
#include "flywheel/core/text_table.h"

namespace fw::bandit {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// Distinct values in a stable order: numeric order when every value is a number, else text order.
std::vector<std::string> DistinctSorted(const std::vector<std::string>& values) {
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  bool numeric = true;
  std::vector<double> keys(out.size());
  for (size_t i = 0; i < out.size() && numeric; ++i) numeric = ParseFiniteDouble(out[i], &keys[i]);
  if (numeric) {
    std::vector<size_t> idx(out.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    std::vector<std::string> sorted;
    for (size_t i : idx) sorted.push_back(out[i]);
    out = std::move(sorted);
  }
  return out;
}

std::vector<uint32_t> Encode(const std::vector<std::string>& values,
                             const std::vector<std::string>& dictionary) {
  std::map<std::string, uint32_t> index;
  for (size_t i = 0; i < dictionary.size(); ++i) index[dictionary[i]] = static_cast<uint32_t>(i);
  std::vector<uint32_t> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(index.at(v));
  return out;
}

Status CheckRows(const LoggedBandit& log) {
  if (log.size() == 0) return InvalidArgument(log.source + ": the log has no rows");
  for (size_t i = 0; i < log.size(); ++i) {
    const std::string where = log.source + ":" + std::to_string(log.lines[i]);
    if (!(log.propensity[i] > 0.0 && log.propensity[i] <= 1.0)) {
      return InvalidArgument(where + ": propensity " + Num(log.propensity[i]) +
                             " is not in (0, 1]; IPS needs the logging policy's probability");
    }
    if (!std::isfinite(log.reward[i])) {
      return InvalidArgument(where + ": reward is not a finite number");
    }
  }
  return OkStatus();
}

// Percentile of sorted values (linear interpolation, as numpy's default).
double Percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

Result<LoggedBandit> ReadLoggedBandit(const std::string& path, const LogColumns& columns) {
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTextTable(path));
  LoggedBandit log;
  log.source = path;
  log.context_columns = columns.context;
  FW_ASSIGN_OR_RETURN(auto actions, table.StringColumn(columns.action));
  FW_ASSIGN_OR_RETURN(log.reward, table.NumericColumn(columns.reward));
  FW_ASSIGN_OR_RETURN(log.propensity, table.NumericColumn(columns.propensity));
  std::vector<std::string> keys(table.num_rows());
  for (size_t ci = 0; ci < columns.context.size(); ++ci) {
    FW_ASSIGN_OR_RETURN(auto values, table.StringColumn(columns.context[ci]));
    for (size_t i = 0; i < values.size(); ++i) keys[i] += (ci == 0 ? "" : "|") + values[i];
  }
  log.lines = table.row_lines;
  log.action_names = DistinctSorted(actions);
  log.action = Encode(actions, log.action_names);
  log.context_keys = DistinctSorted(keys);
  log.context = Encode(keys, log.context_keys);
  FW_RETURN_IF_ERROR(CheckRows(log));
  return log;
}

Result<LoggedBandit> MakeLoggedBandit(const std::vector<std::string>& actions,
                                      const std::vector<std::string>& contexts,
                                      const std::vector<double>& rewards,
                                      const std::vector<double>& propensities) {
  const size_t n = actions.size();
  if (contexts.size() != n || rewards.size() != n || propensities.size() != n) {
    return InvalidArgument("log: actions, contexts, rewards and propensities differ in length");
  }
  LoggedBandit log;
  log.source = "log";
  log.reward = rewards;
  log.propensity = propensities;
  for (size_t i = 0; i < n; ++i) log.lines.push_back(i + 1);
  log.action_names = DistinctSorted(actions);
  log.action = Encode(actions, log.action_names);
  log.context_keys = DistinctSorted(contexts);
  log.context = Encode(contexts, log.context_keys);
  FW_RETURN_IF_ERROR(CheckRows(log));
  return log;
}

RewardModel FitRewardModel(const LoggedBandit& log) {
  const size_t k = log.action_names.size();
  const size_t m = log.context_keys.size();
  double global = 0.0;
  std::vector<double> a_sum(k, 0.0), a_n(k, 0.0);
  std::vector<std::vector<double>> c_sum(m, std::vector<double>(k, 0.0)), c_n = c_sum;
  for (size_t i = 0; i < log.size(); ++i) {
    global += log.reward[i];
    a_sum[log.action[i]] += log.reward[i];
    a_n[log.action[i]] += 1.0;
    c_sum[log.context[i]][log.action[i]] += log.reward[i];
    c_n[log.context[i]][log.action[i]] += 1.0;
  }
  global /= static_cast<double>(log.size());
  RewardModel model;
  model.q.assign(m, std::vector<double>(k, 0.0));
  for (size_t a = 0; a < k; ++a) {
    // One pseudo-observation at the parent mean: cells with no data fall back to the parent.
    const double action_mean = (a_sum[a] + global) / (a_n[a] + 1.0);
    for (size_t c = 0; c < m; ++c) {
      model.q[c][a] = (c_sum[c][a] + action_mean) / (c_n[c][a] + 1.0);
    }
  }
  return model;
}

Result<TargetPolicy> ParseTargetPolicy(const std::string& spec, const LoggedBandit& log,
                                       const RewardModel& model) {
  const size_t k = log.action_names.size();
  const size_t m = log.context_keys.size();
  TargetPolicy pi;
  pi.spec = spec;
  pi.probs.assign(m, std::vector<double>(k, 0.0));
  auto greedy = [&](double eps) {
    for (size_t c = 0; c < m; ++c) {
      size_t best = 0;
      for (size_t a = 1; a < k; ++a) {
        if (model.q[c][a] > model.q[c][best]) best = a;
      }
      for (size_t a = 0; a < k; ++a) pi.probs[c][a] = eps / static_cast<double>(k);
      pi.probs[c][best] += 1.0 - eps;
    }
  };
  if (spec == "uniform") {
    for (auto& row : pi.probs) row.assign(k, 1.0 / static_cast<double>(k));
  } else if (spec == "greedy-dm") {
    greedy(0.0);
  } else if (spec.rfind("epsilon:", 0) == 0) {
    double eps = 0.0;
    if (!ParseFiniteDouble(spec.substr(8), &eps) || eps < 0.0 || eps > 1.0) {
      return InvalidArgument("--policy '" + spec + "': epsilon must be a number in [0, 1]");
    }
    greedy(eps);
  } else if (spec.rfind("fixed:", 0) == 0) {
    const std::string action = spec.substr(6);
    auto it = std::find(log.action_names.begin(), log.action_names.end(), action);
    if (it == log.action_names.end()) {
      return InvalidArgument("--policy '" + spec + "': action '" + action +
                             "' never appears in the log, so no estimator can value it");
    }
    for (auto& row : pi.probs) row[static_cast<size_t>(it - log.action_names.begin())] = 1.0;
  } else if (spec.rfind("file:", 0) == 0) {
    const std::string path = spec.substr(5);
    FW_ASSIGN_OR_RETURN(TextTable t, ReadTextTable(path));
    FW_ASSIGN_OR_RETURN(auto actions, t.StringColumn("action"));
    FW_ASSIGN_OR_RETURN(auto probs, t.NumericColumn("probability"));
    std::vector<std::string> keys(t.num_rows());
    bool keyed = false;
    for (size_t ci = 0; ci < log.context_columns.size(); ++ci) {
      auto col = t.StringColumn(log.context_columns[ci]);
      if (!col.ok()) {
        if (keyed || ci > 0) return col.status().WithContext(path);
        break;  // no context columns: one distribution for every context
      }
      keyed = true;
      for (size_t i = 0; i < keys.size(); ++i) keys[i] += (ci == 0 ? "" : "|") + (*col)[i];
    }
    std::vector<std::vector<double>> filled(m, std::vector<double>(k, 0.0));
    std::vector<uint8_t> seen(m, 0);
    for (size_t i = 0; i < t.num_rows(); ++i) {
      const std::string where = path + ":" + std::to_string(t.row_lines[i]);
      if (!(probs[i] >= 0.0 && probs[i] <= 1.0)) {
        return InvalidArgument(where + ": probability " + Num(probs[i]) + " is not in [0, 1]");
      }
      auto at = std::find(log.action_names.begin(), log.action_names.end(), actions[i]);
      if (at == log.action_names.end()) {
        if (probs[i] > 0.0) {
          return InvalidArgument(where + ": action '" + actions[i] +
                                 "' has probability > 0 but never appears in the log");
        }
        continue;
      }
      const size_t a = static_cast<size_t>(at - log.action_names.begin());
      for (size_t c = 0; c < m; ++c) {
        if (keyed && log.context_keys[c] != keys[i]) continue;
        filled[c][a] = probs[i];
        seen[c] = 1;
      }
    }
    for (size_t c = 0; c < m; ++c) {
      double total = 0.0;
      for (double p : filled[c]) total += p;
      if (!seen[c] || std::fabs(total - 1.0) > 1e-6) {
        return InvalidArgument(path + ": probabilities for context '" + log.context_keys[c] +
                               "' sum to " + Num(total) + ", expected 1");
      }
    }
    pi.probs = std::move(filled);
  } else {
    return InvalidArgument("--policy '" + spec +
                           "': expected uniform, fixed:ACTION, greedy-dm, epsilon:EPS or "
                           "file:PATH");
  }
  return pi;
}

Status OpeOptions::Validate() const {
  if (bootstrap < 0) return InvalidArgument("--bootstrap must be >= 0");
  if (!(clip >= 0.0 && clip < 1.0)) return InvalidArgument("--clip must be in [0, 1)");
  if (!(confidence > 0.0 && confidence < 1.0)) return InvalidArgument("--confidence must be in (0, 1)");
  return OkStatus();
}

Result<OpeResult> EvaluatePolicy(const LoggedBandit& log, const TargetPolicy& target,
                                 const RewardModel& model, const OpeOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  const size_t n = log.size();
  OpeResult out;
  out.n = n;
  out.num_actions = log.action_names.size();
  out.num_contexts = log.context_keys.size();
  // Per-row terms: weight, weighted reward, DM value and DR value.
  std::vector<double> w(n), wr(n), dm(n), dr(n);
  double sum_w = 0.0, sum_w2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double p = log.propensity[i];
    if (p < options.clip) {
      p = options.clip;
      ++out.num_clipped;
    }
    const auto& probs = target.probs[log.context[i]];
    const auto& q = model.q[log.context[i]];
    w[i] = probs[log.action[i]] / p;
    wr[i] = w[i] * log.reward[i];
    double v = 0.0;
    for (size_t a = 0; a < probs.size(); ++a) v += probs[a] * q[a];
    dm[i] = v;
    dr[i] = v + w[i] * (log.reward[i] - q[log.action[i]]);
    sum_w += w[i];
    sum_w2 += w[i] * w[i];
    out.max_weight = std::max(out.max_weight, w[i]);
    out.logged_reward += log.reward[i] / static_cast<double>(n);
  }
  if (sum_w <= 0.0) {
    return FailedPrecondition("the target policy '" + target.spec +
                              "' gives probability 0 to every logged action; no estimate exists");
  }
  out.effective_n = sum_w * sum_w / sum_w2;
  auto estimates = [&](const std::vector<size_t>* idx, double res[4]) {
    double s_wr = 0, s_w = 0, s_dm = 0, s_dr = 0;
    for (size_t j = 0; j < n; ++j) {
      const size_t i = idx ? (*idx)[j] : j;
      s_wr += wr[i];
      s_w += w[i];
      s_dm += dm[i];
      s_dr += dr[i];
    }
    const double dn = static_cast<double>(n);
    res[0] = s_wr / dn;
    res[1] = s_w > 0 ? s_wr / s_w : 0.0;  // a resample with no weight: SNIPS taken as 0
    res[2] = s_dm / dn;
    res[3] = s_dr / dn;
  };
  double point[4];
  estimates(nullptr, point);
  Estimate* est[4] = {&out.ips, &out.snips, &out.dm, &out.dr};
  for (int e = 0; e < 4; ++e) est[e]->value = point[e];
  if (options.bootstrap > 0) {
    Rng rng(options.seed);
    std::vector<std::vector<double>> boot(4);
    std::vector<size_t> idx(n);
    for (int b = 0; b < options.bootstrap; ++b) {
      for (size_t j = 0; j < n; ++j) idx[j] = rng.UniformInt(n);
      double res[4];
      estimates(&idx, res);
      for (int e = 0; e < 4; ++e) boot[e].push_back(res[e]);
    }
    const double alpha = 1.0 - options.confidence;
    for (int e = 0; e < 4; ++e) {
      auto& v = boot[e];
      double mean = 0, sq = 0;
      for (double x : v) mean += x / static_cast<double>(v.size());
      for (double x : v) sq += (x - mean) * (x - mean);
      est[e]->se = v.size() > 1 ? std::sqrt(sq / static_cast<double>(v.size() - 1)) : 0.0;
      std::sort(v.begin(), v.end());
      est[e]->lo = Percentile(v, alpha / 2);
      est[e]->hi = Percentile(v, 1 - alpha / 2);
    }
    out.has_ci = true;
  }
  return out;
}

}  // namespace fw::bandit
