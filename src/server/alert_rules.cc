// SPDX-License-Identifier: Apache-2.0
//
// alert_rules.cc: storing user alert rules and evaluating them over the frame (alert_rules.h).
#include "flywheel/server/alert_rules.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "alerts.h"
#include "flywheel/analytics/period.h"

namespace fw::server {
namespace {

Status EnsureTable(store::Workspace& workspace) {
  return workspace.Execute(
      "CREATE TABLE IF NOT EXISTS alert_rules (name VARCHAR PRIMARY KEY, kind VARCHAR, "
      "metric VARCHAR, by_column VARCHAR, drop_share DOUBLE, window_us BIGINT, "
      "created_at TIMESTAMP)");
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
  AlertRule rule;
  rule.name = name;
  rule.metric = metric;
  rule.by = by;
  FW_ASSIGN_OR_RETURN(rule.drop_share, ParseDrop(drop));
  auto window_us = analytics::ParseDurationMicros(window, "--window");
  if (!window_us.ok() || *window_us <= 0) {
    return InvalidArgument("--window '" + window +
                           "': expected a positive duration such as 30m, 1h or 1d");
  }
  rule.window_us = *window_us;
  return rule;
}

Result<AlertRule> SaveAlertRule(store::Workspace& workspace, const AlertRule& rule) {
  FW_RETURN_IF_ERROR(EnsureTable(workspace));
  FW_ASSIGN_OR_RETURN(int64_t n, workspace.QueryInt(
      "SELECT count(*) FROM alert_rules WHERE name = ?", {rule.name}));
  if (n > 0) return AlreadyExists("alert rule '" + rule.name + "' exists; remove it first");
  FW_RETURN_IF_ERROR(workspace.Execute(
      "INSERT INTO alert_rules VALUES (?, 'drop', ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
      {rule.name, rule.metric, rule.by, rule.drop_share, rule.window_us}));
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
      "strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') FROM alert_rules ORDER BY name"));
  std::vector<AlertRule> out;
  for (const auto& row : rows.rows) {
    out.push_back({.name = row[0].value_or(""), .metric = row[1].value_or(""),
                   .by = row[2].value_or(""), .drop_share = std::stod(row[3].value_or("0")),
                   .window_us = std::stoll(row[4].value_or("0")),
                   .created_at = row[5].value_or("")});
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

std::vector<AlertSignal> RuleSignals(const AlertRule& rule, const store::EventFrame& frame) {
  std::vector<AlertSignal> out;
  if (frame.num_events() == 0 || rule.window_us <= 0) return out;
  std::optional<uint32_t> event;
  if (rule.metric != "revenue") {
    event = frame.events.Find(rule.metric.substr(rule.metric.find(':') + 1));
    if (!event) return out;
  }
  const std::vector<uint32_t>* group_col = rule.by == "channel"    ? &frame.channel
                                           : rule.by == "campaign" ? &frame.campaign
                                                                   : nullptr;
  const store::Dictionary* dict = rule.by == "channel" ? &frame.channels : &frame.campaigns;
  const int64_t end = frame.max_time_us;
  const int64_t w = rule.window_us;
  std::map<uint32_t, std::pair<double, double>> by_group;  // code -> (last, baseline sum)
  for (size_t i = 0; i < frame.num_events(); ++i) {
    if (event && frame.event[i] != *event) continue;
    const int64_t t = frame.time_us[i];
    if (t <= end - (kRuleBaselineWindows + 1) * w) continue;
    const double x = event ? 1.0 : frame.revenue[i];
    auto& [last, baseline] = by_group[group_col ? (*group_col)[i] : 0];
    (t > end - w ? last : baseline) += x;
  }
  for (const auto& [code, sums] : by_group) {
    const double mean = sums.second / kRuleBaselineWindows;
    if (mean < kMinRuleBaseline) continue;
    const double drop = 1.0 - sums.first / mean;
    std::string name = rule.name;
    if (group_col) name += "[" + rule.by + "=" + (code ? dict->Value(code) : "none") + "]";
    char buf[240];
    std::snprintf(buf, sizeof buf, "%s: %.1f in the last window of data vs %.1f per window over "
                  "the %d before (%+.0f%%; fires at -%.0f%%)", rule.metric.c_str(), sums.first,
                  mean, kRuleBaselineWindows, -100.0 * drop, 100.0 * rule.drop_share);
    out.push_back({name, "drop", drop >= rule.drop_share, buf, drop});
  }
  return out;
}

}  // namespace fw::server
