// SPDX-License-Identifier: Apache-2.0
//
// alert_rules.h: user-defined alert rules of `flywheel serve`, stored in the workspace table
// `alert_rules` and shared by the CLI (`flywheel alert add|list|remove`) and the server
// (GET/POST /v1/alerts/rules, DELETE /v1/alerts/rules/{name}), so both write the same rows.
//
// Two kinds of rule exist. Both cut the data into windows of `window` ending at the newest
// event (the frame's own clock, as for the built-in conversion_drop); with `by` = channel or
// campaign the rule watches every value of that column separately. Metrics:
//   conversion:<event>   number of <event> events;
//   revenue              sum of revenue over all events.
// - drop: the last window is compared with the mean of the 24 windows before it, and the rule
//   fires when it fell by at least `drop_share`.
// - ewma / cusum (anomaly mode): a control chart (src/server/control_chart.h) over the last
//   kAnomalyMonitoredWindows windows, with mean and sd estimated from the
//   kAnomalyBaselineWindows windows before them; the rule fires while the chart is out of
//   control at the newest window (a rise or a fall; the message says which).
// A series whose baseline mean is below kMinRuleBaseline is not judged (too few to tell).
//
// Thread safety: the functions take the workspace by reference; the caller serialises access
// (the server holds its workspace mutex).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

inline constexpr double kMinRuleBaseline = 5;  // mean per window, below it nothing is judged
inline constexpr int kRuleBaselineWindows = 24;
inline constexpr int kAnomalyBaselineWindows = 24;   // phase I: estimate mean and sd
inline constexpr int kAnomalyMonitoredWindows = 24;  // phase II: the chart runs over these

struct AlertRule {
  std::string name;        // [A-Za-z0-9_.-]{1,64}: it appears in /metrics labels and logs
  std::string kind = "drop";  // drop, ewma or cusum
  std::string metric;      // conversion:<event> or revenue
  std::string by;          // "" (all events), channel or campaign
  double drop_share = 0;   // drop: fires at a drop of at least this share, in (0, 1]
  int64_t window_us = 0;   // length of the watched window (the chart's bucket), > 0
  double lambda = 0.2, sigma = 3;  // ewma: smoothing in (0, 1], limit in sd units > 0
  double k = 0.5, h = 5;           // cusum: allowance >= 0 and decision interval > 0 (sd units)
  std::string created_at;  // ISO 8601 UTC, set by SaveAlertRule
};

// Anomaly parameters as typed; empty = the default above.
struct AnomalyParamsText {
  std::string lambda, sigma, k, h;
};

// Builds a validated rule from CLI/API text: `drop` is "30%" or "0.3", `window` a duration
// such as "1h" or "30m". kInvalidArgument names the bad value (unknown metric, drop outside
// (0, 100%], window <= 0, bad name or by).
Result<AlertRule> MakeAlertRule(const std::string& name, const std::string& metric,
                                const std::string& by, const std::string& drop,
                                const std::string& window);

// Builds a validated anomaly rule: `method` is ewma or cusum; parameters of the other method
// must be empty. kInvalidArgument names the bad value.
Result<AlertRule> MakeAnomalyRule(const std::string& name, const std::string& metric,
                                  const std::string& by, const std::string& method,
                                  const std::string& window, const AnomalyParamsText& params);

// {name, kind, metric, by, window_s, created_at} plus drop (drop rules), lambda and sigma
// (ewma) or k and h (cusum): the JSON of `alert list --json` and GET /v1/alerts/rules.
nlohmann::json AlertRuleToJson(const AlertRule& rule);

// Stores a new rule and returns it as stored (with created_at); kAlreadyExists if the name
// is taken.
Result<AlertRule> SaveAlertRule(store::Workspace& workspace, const AlertRule& rule);

// Every rule, by name (creates the table if absent).
Result<std::vector<AlertRule>> ListAlertRules(store::Workspace& workspace);

// Deletes a rule; kNotFound if there is none with that name.
Status RemoveAlertRule(store::Workspace& workspace, const std::string& name);

}  // namespace fw::server
