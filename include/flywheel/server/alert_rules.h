// SPDX-License-Identifier: Apache-2.0
//
// alert_rules.h: user-defined alert rules of `flywheel serve`, stored in the workspace table
// `alert_rules` and shared by the CLI (`flywheel alert add|list|remove`) and the server
// (GET/POST /v1/alerts/rules, DELETE /v1/alerts/rules/{name}), so both write the same rows.
//
// One kind of rule exists today, a drop rule: the metric over the last `window` of data
// (the frame's own clock, as for the built-in conversion_drop) is compared with the mean of
// the 24 windows before it, and the rule fires when it fell by at least `drop_share`. With
// `by` = channel or campaign the rule watches every value of that column separately. Metrics:
//   conversion:<event>   number of <event> events;
//   revenue              sum of revenue over all events.
// A window whose baseline mean is below kMinRuleBaseline is not judged (too few to tell).
//
// Thread safety: the functions take the workspace by reference; the caller serialises access
// (the server holds its workspace mutex).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

inline constexpr double kMinRuleBaseline = 5;  // mean per window, below it nothing is judged
inline constexpr int kRuleBaselineWindows = 24;

struct AlertRule {
  std::string name;        // [A-Za-z0-9_.-]{1,64}: it appears in /metrics labels and logs
  std::string metric;      // conversion:<event> or revenue
  std::string by;          // "" (all events), channel or campaign
  double drop_share = 0;   // fires at a drop of at least this share, in (0, 1]
  int64_t window_us = 0;   // length of the watched window, > 0
  std::string created_at;  // ISO 8601 UTC, set by SaveAlertRule
};

// Builds a validated rule from CLI/API text: `drop` is "30%" or "0.3", `window` a duration
// such as "1h" or "30m". kInvalidArgument names the bad value (unknown metric, drop outside
// (0, 100%], window <= 0, bad name or by).
Result<AlertRule> MakeAlertRule(const std::string& name, const std::string& metric,
                                const std::string& by, const std::string& drop,
                                const std::string& window);

// Stores a new rule and returns it as stored (with created_at); kAlreadyExists if the name
// is taken.
Result<AlertRule> SaveAlertRule(store::Workspace& workspace, const AlertRule& rule);

// Every rule, by name (creates the table if absent).
Result<std::vector<AlertRule>> ListAlertRules(store::Workspace& workspace);

// Deletes a rule; kNotFound if there is none with that name.
Status RemoveAlertRule(store::Workspace& workspace, const std::string& name);

}  // namespace fw::server
