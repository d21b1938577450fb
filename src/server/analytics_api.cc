// SPDX-License-Identifier: Apache-2.0
//
// analytics_api.cc: analytics endpoints' parameter parsing and JSON (see analytics_api.h).
#include "analytics_api.h"

#include <cmath>

#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/analytics/period.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/core/time.h"

namespace fw::server {
namespace {

using nlohmann::json;

std::string Param(const QueryParams& p, const std::string& key, const std::string& fallback) {
  auto it = p.find(key);
  return it == p.end() || it->second.empty() ? fallback : it->second;
}

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json Opt(const std::optional<double>& v) { return v ? Num(*v) : json(nullptr); }

Status NeedEvents(const store::EventFrame& frame) {
  if (frame.num_events() == 0) {
    return FailedPrecondition("the workspace has no events yet; POST /v1/events first");
  }
  return OkStatus();
}

Result<int> ParseInt(const std::string& text, const std::string& name) {
  try {
    size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used == text.size()) return v;
  } catch (...) {  // std::stoi reports bad input by throwing; turned into a Status here
  }
  return InvalidArgument(name + " '" + text + "': expected an integer");
}

}  // namespace

Result<analytics::RetentionDefinition> ParseRetentionQuery(const QueryParams& params) {
  analytics::RetentionDefinition def;
  FW_ASSIGN_OR_RETURN(def.period, analytics::ParsePeriod(Param(params, "period", "week")));
  FW_ASSIGN_OR_RETURN(def.mode, analytics::ParseRetentionMode(Param(params, "mode", "recurring")));
  FW_ASSIGN_OR_RETURN(def.num_periods, ParseInt(Param(params, "periods", "8"), "periods"));
  def.start_event = Param(params, "start_event", "");
  def.return_event = Param(params, "return_event", "");
  FW_RETURN_IF_ERROR(def.Validate());
  return def;
}

Result<json> RetentionJson(const store::EventFrame& frame, const QueryParams& params) {
  FW_RETURN_IF_ERROR(NeedEvents(frame));
  FW_ASSIGN_OR_RETURN(const auto def, ParseRetentionQuery(params));
  if (!def.start_event.empty()) {
    FW_RETURN_IF_ERROR(analytics::FindEventCode(frame, def.start_event).status());
  }
  FW_ASSIGN_OR_RETURN(const auto result, analytics::ComputeRetention(frame, def, {}, nullptr));
  return RetentionToJson(def, result);
}

json RetentionToJson(const analytics::RetentionDefinition& def,
                     const analytics::RetentionResult& result) {
  const auto& table = result.groups[0];
  json cohorts = json::array();
  for (const auto& cohort : table.cohorts) {
    json rates = json::array();
    for (uint64_t n : cohort.retained) {
      rates.push_back(Num(static_cast<double>(n) / static_cast<double>(cohort.size)));
    }
    cohorts.push_back({{"start", FormatDate(cohort.start_day)}, {"size", cohort.size},
                       {"retained", cohort.retained}, {"rates", rates},
                       {"incomplete", cohort.incomplete}});
  }
  json average = json::array();
  for (const auto& value : table.average) average.push_back(Opt(value));
  return json{{"period", analytics::PeriodName(def.period)},
              {"mode", analytics::RetentionModeName(def.mode)},
              {"cohorts", cohorts},
              {"average", average}};
}

Result<analytics::FunnelDefinition> ParseFunnelQuery(const QueryParams& params) {
  analytics::FunnelDefinition def;
  const std::string steps = Param(params, "steps", "");
  size_t start = 0;
  while (start <= steps.size() && !steps.empty()) {
    const size_t comma = steps.find(',', start);
    const std::string step = steps.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start);
    if (!step.empty()) def.steps.push_back(step);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (def.steps.size() < 2) {
    return InvalidArgument("steps '" + steps + "': expected at least two events, e.g. "
                           "steps=signup,activate,purchase");
  }
  FW_ASSIGN_OR_RETURN(def.window_us,
                      analytics::ParseDurationMicros(Param(params, "window", "7d"), "window"));
  FW_ASSIGN_OR_RETURN(def.order, analytics::ParseFunnelOrder(Param(params, "order", "ordered")));
  FW_RETURN_IF_ERROR(def.Validate());
  return def;
}

Result<json> FunnelJson(const store::EventFrame& frame, const QueryParams& params) {
  FW_RETURN_IF_ERROR(NeedEvents(frame));
  FW_ASSIGN_OR_RETURN(const auto def, ParseFunnelQuery(params));
  FW_RETURN_IF_ERROR(analytics::FindEventCode(frame, def.steps[0]).status());
  FW_ASSIGN_OR_RETURN(const auto result, analytics::ComputeFunnel(frame, def, {}, nullptr));
  return FunnelToJson(def, result);
}

json FunnelToJson(const analytics::FunnelDefinition& def, const analytics::FunnelResult& result) {
  const auto& table = result.groups[0];
  json out_steps = json::array();
  for (const auto& step : table.steps) {
    out_steps.push_back({{"event", step.event},
                         {"users", step.users},
                         {"conversion_from_previous", Opt(step.conversion_from_previous)},
                         {"conversion_from_first", Opt(step.conversion_from_first)},
                         {"dropped", step.dropped},
                         {"in_progress", step.in_progress},
                         {"median_seconds", Opt(step.median_seconds)},
                         {"p90_seconds", Opt(step.p90_seconds)}});
  }
  return json{{"order", analytics::FunnelOrderName(def.order)},
              {"window_seconds", static_cast<double>(def.window_us) / 1e6},
              {"steps", out_steps},
              {"in_progress", table.in_progress}};
}

Result<analytics::LifecycleDefinition> ParseLifecycleQuery(const QueryParams& params) {
  analytics::LifecycleDefinition def;
  FW_ASSIGN_OR_RETURN(def.period, analytics::ParsePeriod(Param(params, "period", "week")));
  def.event = Param(params, "event", "");
  return def;
}

Result<json> LifecycleJson(const store::EventFrame& frame, const QueryParams& params) {
  FW_RETURN_IF_ERROR(NeedEvents(frame));
  FW_ASSIGN_OR_RETURN(const auto def, ParseLifecycleQuery(params));
  FW_ASSIGN_OR_RETURN(const auto tables, analytics::ComputeLifecycle(frame, def, {}, nullptr));
  return LifecycleToJson(def, tables);
}

json LifecycleToJson(const analytics::LifecycleDefinition& def,
                     const std::vector<analytics::LifecycleTable>& tables) {
  json periods = json::array();
  for (const auto& p : tables[0].periods) {
    periods.push_back({{"start", FormatDate(p.start_day)}, {"new", p.new_users},
                       {"returning", p.returning}, {"resurrecting", p.resurrecting},
                       {"dormant", p.dormant},
                       {"active", p.new_users + p.returning + p.resurrecting},
                       {"incomplete", p.incomplete}});
  }
  return json{{"period", analytics::PeriodName(def.period)}, {"periods", periods}};
}

Result<analytics::AcquisitionDefinition> ParseAcquisitionQuery(const QueryParams& params) {
  analytics::AcquisitionDefinition def;
  FW_ASSIGN_OR_RETURN(def.period, analytics::ParsePeriod(Param(params, "period", "week")));
  def.purchase_event = Param(params, "purchase_event", "purchase");
  FW_ASSIGN_OR_RETURN(def.attribution,
                      analytics::ParseAttribution(Param(params, "attribution", "last")));
  FW_ASSIGN_OR_RETURN(def.conversion_window_us,
                      analytics::ParseDurationMicros(Param(params, "window", "30d"), "window"));
  FW_RETURN_IF_ERROR(def.Validate());
  return def;
}

Result<json> AcquisitionJson(const store::EventFrame& frame,
                             const std::vector<analytics::SpendRow>& spend,
                             const QueryParams& params) {
  FW_RETURN_IF_ERROR(NeedEvents(frame));
  FW_ASSIGN_OR_RETURN(const auto def, ParseAcquisitionQuery(params));
  FW_ASSIGN_OR_RETURN(const auto result,
                      analytics::ComputeAcquisition(frame, spend, def, nullptr));
  return AcquisitionToJson(def, result);
}

json AcquisitionToJson(const analytics::AcquisitionDefinition& def,
                       const analytics::AcquisitionResult& result) {
  json channels = json::array();
  for (const auto& c : result.channels) {
    json row = {{"channel", c.channel},
                {"new_users", c.new_users},
                {"customers", c.customers},
                {"conversion_rate", Opt(c.conversion_rate)},
                {"revenue", Num(c.revenue)},
                {"spend", Num(c.spend)},
                {"cac", Opt(c.cac)},
                {"roas", Opt(c.roas)},
                {"attributed_conversions", Num(c.attributed_conversions)},
                {"attributed_revenue", Num(c.attributed_revenue)}};
    if (!c.cac) row["cac_null_reason"] = c.cac_null_reason;
    if (!c.roas) row["roas_null_reason"] = c.roas_null_reason;
    channels.push_back(std::move(row));
  }
  json cells = json::array();
  for (const auto& cell : result.cells) {
    cells.push_back({{"start", FormatDate(cell.start_day)}, {"channel", cell.channel},
                     {"new_users", cell.new_users}, {"spend", Num(cell.spend)}});
  }
  return json{{"period", analytics::PeriodName(def.period)},
              {"attribution", analytics::AttributionName(def.attribution)},
              {"purchase_event", def.purchase_event},
              {"channels", channels},
              {"cells", cells},
              {"total_conversions", result.total_conversions},
              {"total_revenue", Num(result.total_revenue)}};
}

}  // namespace fw::server
