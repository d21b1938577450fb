// SPDX-License-Identifier: Apache-2.0
//
// alert_rules.cc: storing user alert rules and evaluating them over the frame (alert_rules.h).
#include "flywheel/server/alert_rules.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "alerts.h"
#include "control_chart.h"
#include "flywheel/analytics/period.h"

namespace fw::server {
namespace {

Status EnsureTable(store::Workspace& workspace) {
  FW_RETURN_IF_ERROR(workspace.Execute(
      "CREATE TABLE IF NOT EXISTS alert_rules (name VARCHAR PRIMARY KEY, kind VARCHAR, "
      "metric VARCHAR, by_column VARCHAR, drop_share DOUBLE, window_us BIGINT, "
      "created_at TIMESTAMP)"));
  // Anomaly rules' chart parameters, as JSON; added to tables made before anomaly mode.
  return workspace.Execute("ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS params VARCHAR");
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A finite number from `text`; kInvalidArgument naming the flag otherwise.
Result<double> ParseParam(const std::string& flag, const std::string& text) {
  double v = NAN;
  size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {  // std::stod throws on bad input; answered as a Status below
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(v)) {
    return InvalidArgument(flag + " '" + text + "': expected a number");
  }
  return v;
}

// The shared checks of both kinds: name, metric, by, window.
Status CheckCommon(const std::string& name, const std::string& metric, const std::string& by,
                   const std::string& window, AlertRule* rule) {
  if (!ValidName(name)) {
    return InvalidArgument("rule name '" + name + "': expected 1-64 of [A-Za-z0-9_.-]");
  }
  const bool conversion = metric.rfind("conversion:", 0) == 0 && metric.size() > 11;
  if (!conversion && metric != "revenue") {
    return InvalidArgument("--metric '" + metric +
                           "': unknown metric; expected conversion:<event> or revenue");
  }
  if (!by.empty() && by != "channel" && by != "campaign") {
    return InvalidArgument("--by '" + by + "': expected channel or campaign");
  }
  auto window_us = analytics::ParseDurationMicros(window, "--window");
  if (!window_us.ok() || *window_us <= 0) {
    return InvalidArgument("--window '" + window +
                           "': expected a positive duration such as 30m, 1h or 1d");
  }
  rule->name = name;
  rule->metric = metric;
  rule->by = by;
  rule->window_us = *window_us;
  return OkStatus();
}

std::string InstanceName(const AlertRule& rule, const std::string& label) {
  if (rule.by.empty()) return rule.name;
  return rule.name + "[" + rule.by + "=" + label + "]";
}

Result<std::vector<AlertSignal>> AnomalySignals(const AlertRule& rule, const WindowSumsFn& sums_of) {
  std::vector<AlertSignal> out;
  constexpr int kWindows = kAnomalyBaselineWindows + kAnomalyMonitoredWindows;
  FW_ASSIGN_OR_RETURN(const WindowSeries groups, sums_of(rule.metric, rule.by, rule.window_us, kWindows));
  ControlChartParams params;
  params.kind = rule.kind == "cusum" ? ControlChartParams::Kind::kCusum
                                     : ControlChartParams::Kind::kEwma;
  params.lambda = rule.lambda;
  params.sigma = rule.sigma;
  params.k = rule.k;
  params.h = rule.h;
  params.count_floor = rule.metric != "revenue";
  for (const auto& [label, sums] : groups) {
    const std::vector<double> baseline(sums.begin(), sums.begin() + kAnomalyBaselineWindows);
    const std::vector<double> monitored(sums.begin() + kAnomalyBaselineWindows, sums.end());
    double mean = 0;
    for (double x : baseline) mean += x / kAnomalyBaselineWindows;
    if (mean < kMinRuleBaseline) continue;
    auto chart = RunControlChart(baseline, monitored, params);
    if (!chart.ok()) continue;  // a baseline without variation cannot be judged
    const ControlChartPoint& now = chart->points.back();
    char buf[300];
    std::snprintf(buf, sizeof buf, "%s: %s %.2f (limit %.2f) at the newest window (%.1f); "
                  "baseline mean %.1f, sd %.2f over %d windows%s",
                  rule.metric.c_str(), rule.kind == "cusum" ? "CUSUM" : "EWMA z", now.statistic,
                  chart->limit, monitored.back(), chart->mu0, chart->sigma0,
                  kAnomalyBaselineWindows,
                  now.out_of_control ? (now.direction > 0 ? "; above its control limit"
                                                          : "; below its control limit")
                                     : "");
    out.push_back({InstanceName(rule, label), rule.kind, now.out_of_control, buf,
                   now.direction * now.statistic});
  }
  return out;
}

Result<double> ParseDrop(const std::string& text) {
  std::string number = text;
  double scale = 1;
  if (!number.empty() && number.back() == '%') {
    number.pop_back();
    scale = 0.01;
  }
  double value = NAN;
  size_t used = 0;
  try {
    value = std::stod(number, &used);
  } catch (...) {  // std::stod throws on bad input; answered as a Status below
    used = 0;
  }
  const double share = value * scale;
  if (number.empty() || used != number.size() || !std::isfinite(share) || !(share > 0) ||
      share > 1) {
    return InvalidArgument("--drop '" + text + "': expected a share in (0, 100%], e.g. 30% or 0.3");
  }
  return share;
}

}  // namespace

Result<AlertRule> MakeAlertRule(const std::string& name, const std::string& metric,
                                const std::string& by, const std::string& drop,
                                const std::string& window) {
  AlertRule rule;
  FW_RETURN_IF_ERROR(CheckCommon(name, metric, by, window, &rule));
  rule.kind = "drop";
  FW_ASSIGN_OR_RETURN(rule.drop_share, ParseDrop(drop));
  return rule;
}

Result<AlertRule> MakeAnomalyRule(const std::string& name, const std::string& metric,
                                  const std::string& by, const std::string& method,
                                  const std::string& window, const AnomalyParamsText& params) {
  AlertRule rule;
  FW_RETURN_IF_ERROR(CheckCommon(name, metric, by, window, &rule));
  if (method != "ewma" && method != "cusum") {
    return InvalidArgument("--anomaly '" + method + "': expected ewma or cusum");
  }
  rule.kind = method;
  if (method == "ewma") {
    if (!params.k.empty() || !params.h.empty()) {
      return InvalidArgument("--k and --h are CUSUM parameters; with --anomaly ewma use "
                             "--lambda and --sigma");
    }
    if (!params.lambda.empty()) {
      FW_ASSIGN_OR_RETURN(rule.lambda, ParseParam("--lambda", params.lambda));
    }
    if (!params.sigma.empty()) {
      FW_ASSIGN_OR_RETURN(rule.sigma, ParseParam("--sigma", params.sigma));
    }
    if (!(rule.lambda > 0) || rule.lambda > 1) {
      return InvalidArgument("--lambda '" + params.lambda + "': expected a weight in (0, 1]");
    }
    if (!(rule.sigma > 0)) {
      return InvalidArgument("--sigma '" + params.sigma + "': expected a limit > 0 (in sd)");
    }
  } else {
    if (!params.lambda.empty() || !params.sigma.empty()) {
      return InvalidArgument("--lambda and --sigma are EWMA parameters; with --anomaly cusum use "
                             "--k and --h");
    }
    if (!params.k.empty()) {
      FW_ASSIGN_OR_RETURN(rule.k, ParseParam("--k", params.k));
    }
    if (!params.h.empty()) {
      FW_ASSIGN_OR_RETURN(rule.h, ParseParam("--h", params.h));
    }
    if (!(rule.k >= 0)) return InvalidArgument("--k '" + params.k + "': expected >= 0 (in sd)");
    if (!(rule.h > 0)) return InvalidArgument("--h '" + params.h + "': expected > 0 (in sd)");
  }
  return rule;
}

nlohmann::json AlertRuleToJson(const AlertRule& r) {
  using nlohmann::json;
  json out = {{"name", r.name}, {"kind", r.kind}, {"metric", r.metric},
              {"by", r.by.empty() ? json() : json(r.by)},
              {"window_s", static_cast<double>(r.window_us) / 1e6},
              {"created_at", r.created_at.empty() ? json() : json(r.created_at)}};
  if (r.kind == "drop") out["drop"] = r.drop_share;
  if (r.kind == "ewma") {
    out["lambda"] = r.lambda;
    out["sigma"] = r.sigma;
  }
  if (r.kind == "cusum") {
    out["k"] = r.k;
    out["h"] = r.h;
  }
  return out;
}

Result<AlertRule> SaveAlertRule(store::Workspace& workspace, const AlertRule& rule) {
  FW_RETURN_IF_ERROR(EnsureTable(workspace));
  FW_ASSIGN_OR_RETURN(int64_t n, workspace.QueryInt(
      "SELECT count(*) FROM alert_rules WHERE name = ?", {rule.name}));
  if (n > 0) return AlreadyExists("alert rule '" + rule.name + "' exists; remove it first");
  std::string params;
  if (rule.kind == "ewma") params = nlohmann::json{{"lambda", rule.lambda}, {"sigma", rule.sigma}}.dump();
  if (rule.kind == "cusum") params = nlohmann::json{{"k", rule.k}, {"h", rule.h}}.dump();
  FW_RETURN_IF_ERROR(workspace.Execute(
      "INSERT INTO alert_rules (name, kind, metric, by_column, drop_share, window_us, created_at, "
      "params) VALUES (?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP, ?)",
      {rule.name, rule.kind, rule.metric, rule.by, rule.drop_share, rule.window_us,
       params.empty() ? store::SqlValue() : store::SqlValue(params)}));
  FW_ASSIGN_OR_RETURN(auto rows, workspace.Query(
      "SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') FROM alert_rules WHERE name = ?",
      {rule.name}));
  AlertRule stored = rule;
  if (!rows.rows.empty()) stored.created_at = rows.rows[0][0].value_or("");
  return stored;
}

Result<std::vector<AlertRule>> ListAlertRules(store::Workspace& workspace) {
  FW_RETURN_IF_ERROR(EnsureTable(workspace));
  FW_ASSIGN_OR_RETURN(auto rows, workspace.Query(
      "SELECT name, metric, by_column, drop_share, window_us, "
      "strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'), coalesce(kind, 'drop'), params "
      "FROM alert_rules ORDER BY name"));
  std::vector<AlertRule> out;
  for (const auto& row : rows.rows) {
    AlertRule r;
    r.name = row[0].value_or("");
    r.metric = row[1].value_or("");
    r.by = row[2].value_or("");
    r.drop_share = std::stod(row[3].value_or("0"));
    r.window_us = std::stoll(row[4].value_or("0"));
    r.created_at = row[5].value_or("");
    r.kind = row[6].value_or("drop");
    const auto params = nlohmann::json::parse(row[7].value_or("{}"), nullptr, false);
    if (params.is_object()) {
      r.lambda = params.value("lambda", r.lambda);
      r.sigma = params.value("sigma", r.sigma);
      r.k = params.value("k", r.k);
      r.h = params.value("h", r.h);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status RemoveAlertRule(store::Workspace& workspace, const std::string& name) {
  FW_RETURN_IF_ERROR(EnsureTable(workspace));
  FW_ASSIGN_OR_RETURN(int64_t n, workspace.QueryInt(
      "SELECT count(*) FROM alert_rules WHERE name = ?", {name}));
  if (n == 0) {
    return NotFound("alert rule '" + name + "': no such rule (see `flywheel alert list`)");
  }
  return workspace.Execute("DELETE FROM alert_rules WHERE name = ?", {name});
}

WindowSeries FrameWindowSums(const store::EventFrame& frame, const std::string& metric,
                             const std::string& by, int64_t window_us, int windows) {
  WindowSeries out;
  if (frame.num_events() == 0 || window_us <= 0 || windows <= 0) return out;
  std::optional<uint32_t> event;
  if (metric != "revenue") {
    event = frame.events.Find(metric.substr(metric.find(':') + 1));
    if (!event) return out;
  }
  const std::vector<uint32_t>* group_col = by == "channel"    ? &frame.channel
                                           : by == "campaign" ? &frame.campaign
                                                              : nullptr;
  const store::Dictionary* dict = by == "channel" ? &frame.channels : &frame.campaigns;
  const int64_t end = frame.max_time_us;
  // Summed by code first (no string per event), labelled at the end.
  std::map<uint32_t, std::vector<double>> by_code;
  for (size_t i = 0; i < frame.num_events(); ++i) {
    if (event && frame.event[i] != *event) continue;
    const int64_t age = end - frame.time_us[i];  // >= 0; window j holds ages [j w, (j + 1) w)
    const int64_t j = age / window_us;
    if (j >= windows) continue;
    auto& sums = by_code[group_col ? (*group_col)[i] : 0];
    if (sums.empty()) sums.assign(static_cast<size_t>(windows), 0.0);
    sums[static_cast<size_t>(windows - 1 - j)] += event ? 1.0 : frame.revenue[i];
  }
  for (auto& [code, sums] : by_code) {
    const std::string label = !group_col ? "" : code ? dict->Value(code) : "none";
    out[label] = std::move(sums);
  }
  return out;
}

Result<std::vector<AlertSignal>> RuleSignals(const AlertRule& rule, const WindowSumsFn& sums_of) {
  if (rule.kind == "ewma" || rule.kind == "cusum") return AnomalySignals(rule, sums_of);
  std::vector<AlertSignal> out;
  // The newest window against the kRuleBaselineWindows before it.
  FW_ASSIGN_OR_RETURN(const WindowSeries groups,
                      sums_of(rule.metric, rule.by, rule.window_us, kRuleBaselineWindows + 1));
  for (const auto& [label, sums] : groups) {
    const double last = sums.back();
    double baseline = 0;
    for (size_t j = 0; j + 1 < sums.size(); ++j) baseline += sums[j];
    const double mean = baseline / kRuleBaselineWindows;
    if (mean < kMinRuleBaseline) continue;
    const double drop = 1.0 - last / mean;
    char buf[240];
    std::snprintf(buf, sizeof buf, "%s: %.1f in the last window of data vs %.1f per window over "
                  "the %d before (%+.0f%%; fires at -%.0f%%)", rule.metric.c_str(), last,
                  mean, kRuleBaselineWindows, -100.0 * drop, 100.0 * rule.drop_share);
    out.push_back({InstanceName(rule, label), "drop", drop >= rule.drop_share, buf, drop});
  }
  return out;
}

std::vector<AlertSignal> RuleSignals(const AlertRule& rule, const store::EventFrame& frame) {
  auto signals = RuleSignals(rule, [&frame](const std::string& metric, const std::string& by,
                                            int64_t window_us, int windows) -> Result<WindowSeries> {
    return FrameWindowSums(frame, metric, by, window_us, windows);
  });
  return signals.ok() ? std::move(*signals) : std::vector<AlertSignal>();
}

}  // namespace fw::server
