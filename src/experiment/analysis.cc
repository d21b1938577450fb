// SPDX-License-Identifier: Apache-2.0
//
// analysis.cc: the multi-arm, multi-metric analysis, its JSON document and verdicts.
#include "flywheel/experiment/analysis.h"

#include <cmath>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

namespace fw::experiment {
namespace {

using nlohmann::json;

json Opt(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

json Num(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

// One decimal, but never rounded up to a certainty the data do not give: 0.99995 prints as
// "more than 99.9%", not "100.0%".
std::string Percent(double p) {
  if (p > 0.999) return "more than 99.9%";
  if (p < 0.001) return "less than 0.1%";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * p);
  return buf;
}

}  // namespace

Status AnalysisOptions::Validate() const {
  if (control.empty()) return InvalidArgument("no control arm given (--control NAME)");
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] > 0) || !std::isfinite(weights[i])) {
      return InvalidArgument("weight #" + std::to_string(i + 1) + " is " +
                             std::to_string(weights[i]) + ", expected > 0");
    }
  }
  return compare.Validate();
}

Result<AnalysisReport> Analyze(std::span<const MetricInput> metrics,
                               const AnalysisOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  if (metrics.empty()) return InvalidArgument("no metrics to analyse");
  AnalysisReport report;
  report.options = options;
  const MetricInput& first = metrics.front();
  if (first.arms.size() < 2) {
    return InvalidArgument("metric '" + first.name + "' has " + std::to_string(first.arms.size()) +
                           " arm(s); an experiment needs a control and at least one treatment");
  }
  std::set<std::string> seen;
  for (const ArmStats& arm : first.arms) {
    if (!seen.insert(arm.name).second) {
      return InvalidArgument("arm '" + arm.name + "' appears twice");
    }
    report.arms.push_back(arm.name);
    report.arm_units.push_back(arm.n);
  }
  size_t control_idx = report.arms.size();
  for (size_t i = 0; i < report.arms.size(); ++i) {
    if (report.arms[i] == options.control) control_idx = i;
  }
  if (control_idx == report.arms.size()) {
    std::string list;
    for (const auto& name : report.arms) list += (list.empty() ? "" : ", ") + name;
    return NotFound("control '" + options.control + "' is not an arm; arms are: " + list);
  }
  for (const MetricInput& metric : metrics) {
    if (metric.arms.size() != report.arms.size()) {
      return InvalidArgument("metric '" + metric.name + "' has " +
                             std::to_string(metric.arms.size()) + " arms, expected " +
                             std::to_string(report.arms.size()));
    }
    for (size_t i = 0; i < metric.arms.size(); ++i) {
      if (metric.arms[i].name != report.arms[i]) {
        return InvalidArgument("metric '" + metric.name + "' arm #" + std::to_string(i + 1) +
                               " is '" + metric.arms[i].name + "', expected '" + report.arms[i] +
                               "'");
      }
      if (metric.arms[i].n < 0) {
        return InvalidArgument("metric '" + metric.name + "' arm '" + metric.arms[i].name +
                               "' has a negative n");
      }
    }
  }
  std::vector<double> weights = options.weights;
  if (weights.empty()) weights.assign(report.arms.size(), 1.0);
  if (weights.size() != report.arms.size()) {
    return InvalidArgument(std::to_string(weights.size()) + " weights for " +
                           std::to_string(report.arms.size()) + " arms");
  }
  int64_t total_units = 0;
  for (int64_t n : report.arm_units) total_units += n;
  if (total_units == 0) return InvalidArgument("the experiment has no units in any arm");
  FW_ASSIGN_OR_RETURN(report.srm, CheckSampleRatio(report.arm_units, weights, report.arms));

  std::vector<double> p_values;
  std::vector<std::pair<size_t, size_t>> where;  // (metric, result) of each p-value
  for (const MetricInput& metric : metrics) {
    MetricReport mr;
    mr.metric = metric.name;
    mr.type = metric.type;
    mr.control = options.control;
    const ArmStats& control = metric.arms[control_idx];
    mr.control_n = control.n;
    mr.control_mean = control.n > 0 ? ComputeMoments(control, metric.type).mean : 0.0;
    for (size_t i = 0; i < metric.arms.size(); ++i) {
      if (i == control_idx) continue;
      FW_ASSIGN_OR_RETURN(Comparison c,
                          Compare(control, metric.arms[i], metric.type, options.compare));
      if (c.p_value) {
        p_values.push_back(*c.p_value);
        where.emplace_back(report.metrics.size(), mr.results.size());
      }
      mr.results.push_back(std::move(c));
    }
    report.metrics.push_back(std::move(mr));
  }
  FW_ASSIGN_OR_RETURN(std::vector<double> adjusted, AdjustPValues(p_values, options.correction));
  for (size_t k = 0; k < adjusted.size(); ++k) {
    report.metrics[where[k].first].results[where[k].second].adjusted_p_value = adjusted[k];
  }
  return report;
}

json ReportToJson(const AnalysisReport& report) {
  const AnalysisOptions& o = report.options;
  json doc;
  doc["method"] = MethodName(o.compare.method);
  doc["lift_type"] = o.compare.relative ? "relative" : "absolute";
  doc["alpha"] = o.compare.alpha;
  doc["correction"] = CorrectionName(o.correction);
  json arms = json::array();
  for (size_t i = 0; i < report.arms.size(); ++i) {
    arms.push_back({{"variant", report.arms[i]}, {"n", report.arm_units[i]}});
  }
  doc["arms"] = arms;
  doc["srm"] = {{"chi_square", Num(report.srm.chi_square)},
                {"p_value", Num(report.srm.p_value)},
                {"warning", report.srm.warning},
                {"message", report.srm.message.empty() ? json(nullptr) : json(report.srm.message)}};
  json metrics = json::array();
  for (const MetricReport& m : report.metrics) {
    json results = json::array();
    for (const Comparison& c : m.results) {
      json r;
      r["variant"] = c.variant;
      r["n"] = c.n;
      r["mean"] = Num(c.mean);
      r["lift"] = Opt(c.lift);
      r["ci"] = json::array({Opt(c.ci_low), Opt(c.ci_high)});
      r["p_value"] = Opt(c.p_value);
      r["adjusted_p_value"] = Opt(c.adjusted_p_value);
      r["se"] = Opt(c.se);
      r["df"] = Opt(c.df);
      r["statistic"] = Opt(c.statistic);
      r["chance_to_win"] = Opt(c.chance_to_win);
      if (c.risk_control || c.risk_treatment) {
        r["risk"] = json::array({Opt(c.risk_control), Opt(c.risk_treatment)});
      } else {
        r["risk"] = nullptr;
      }
      r["cuped_theta"] = c.theta != 0 ? json(c.theta) : json(nullptr);
      r["null_reason"] = c.null_reason.empty() ? json(nullptr) : json(c.null_reason);
      r["verdict"] = Verdict(c, o);
      results.push_back(std::move(r));
    }
    metrics.push_back(
        {{"metric", m.metric},
         {"type", MetricTypeName(m.type)},
         {"control", {{"variant", m.control}, {"n", m.control_n}, {"mean", Num(m.control_mean)}}},
         {"results", std::move(results)}});
  }
  doc["metrics"] = std::move(metrics);
  return doc;
}

std::string Verdict(const Comparison& c, const AnalysisOptions& options) {
  if (!c.lift) return "no result: " + c.null_reason;
  const std::string& name = c.variant;
  if (options.compare.method == Method::kBayesian) {
    const double ctw = c.chance_to_win.value_or(0.5);
    if (ctw >= 0.5) return name + " is better with " + Percent(ctw) + " probability";
    return name + " is worse with " + Percent(1.0 - ctw) + " probability";
  }
  const double p = c.adjusted_p_value.value_or(c.p_value.value_or(1.0));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g", p);
  const bool significant = p < options.compare.alpha;
  const std::string label =
      c.adjusted_p_value && options.correction != Correction::kNone ? "adjusted p = " : "p = ";
  if (!significant) return "no significant difference for " + name + " (" + label + buf + ")";
  return name + " is significantly " + (*c.lift > 0 ? "better" : "worse") + " (" + label + buf +
         ")";
}

}  // namespace fw::experiment
