// SPDX-License-Identifier: Apache-2.0
//
// alerts.h: alert states with fire/resolve timestamps, fed by the server's periodic checks.
//
// Built-in rules (evaluated by the server after each frame reload, see server.cc):
//   srm:<experiment>          sample ratio mismatch, chi-square p < 0.001 on first exposures;
//   budget:<bandit>           a budgeted bandit has spent its whole budget;
//   conversion_drop:<event>   the last hour of data has >= 30% fewer <event> events than the
//                             mean hour of the 24 hours before it (needs a baseline of >= 5/h).
// User rules (kind drop, ewma or cusum, table alert_rules, see flywheel/server/alert_rules.h) give one
// signal per rule, or per rule and channel/campaign value: "<rule>[channel=email]".
// A check produces a Signal per rule instance; Update turns signals into state changes
// (firing <-> resolved) and returns the transitions so the caller can log them in
// `alerts_log`.
//
// Thread safety: not thread-safe; the server calls it under its own mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flywheel/core/result.h"
#include "flywheel/server/alert_rules.h"
#include "flywheel/store/event_frame.h"

namespace fw::server {

struct AlertSignal {
  std::string name;     // rule instance, e.g. "srm:checkout_test"
  std::string kind;     // srm | budget | conversion_drop | drop | ewma | cusum
  bool firing = false;
  std::string message;  // why, with the numbers
  double value = 0;     // the watched number (p-value, remaining budget, drop share)
};

struct AlertTransition {
  std::string name, kind, state, message;  // state: "firing" or "resolved"
  double value = 0;
  int64_t at_us = 0;
};

class AlertEngine {
 public:
  // Applies one round of signals observed at `now_us`; returns the state changes.
  std::vector<AlertTransition> Update(const std::vector<AlertSignal>& signals, int64_t now_us);

  // [{name, kind, state, message, value, since, fired_at, resolved_at}] sorted by name.
  nlohmann::json ToJson() const;

  // Number of alerts currently firing.
  size_t num_firing() const;

  // name -> 1 firing / 0 resolved, for /metrics.
  std::map<std::string, int> States() const;

  // Forgets the states of user rules (kind drop, ewma or cusum, name "<rule>" or "<rule>[...]") whose
  // rule is not in `rules`, so a removed rule leaves /v1/alerts and /metrics. Returns how many.
  size_t ForgetRemovedRules(const std::set<std::string>& rules);

 private:
  struct State {
    std::string kind, message;
    bool firing = false;
    double value = 0;
    int64_t since_us = 0, fired_at_us = 0, resolved_at_us = 0;
  };
  std::map<std::string, State> states_;
};

// The per-window sums of an alert metric (conversion:<event> counts or revenue) for each
// series: label ("" without `by`; else the channel or campaign value, "none" when absent) ->
// the last `windows` windows of `window_us` ending at the newest event, oldest first. No series
// when the event never occurs. Each data source computes it (the frame, or ClickHouse).
using WindowSeries = std::map<std::string, std::vector<double>>;
using WindowSumsFn = std::function<Result<WindowSeries>(
    const std::string& metric, const std::string& by, int64_t window_us, int windows)>;

// WindowSums over the hot frame. Pure; O(num_events). Defined in alert_rules.cc.
WindowSeries FrameWindowSums(const store::EventFrame& frame, const std::string& metric,
                             const std::string& by, int64_t window_us, int windows);

// The signals of one user rule (none when the metric's event is absent or the baseline is too
// small), from the sums `sums_of` gives; its error is returned. Defined in alert_rules.cc.
Result<std::vector<AlertSignal>> RuleSignals(const AlertRule& rule, const WindowSumsFn& sums_of);

// RuleSignals over `frame`. Pure; O(num_events).
std::vector<AlertSignal> RuleSignals(const AlertRule& rule, const store::EventFrame& frame);

}  // namespace fw::server
