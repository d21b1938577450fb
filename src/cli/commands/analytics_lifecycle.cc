// SPDX-License-Identifier: Apache-2.0
//
// analytics_lifecycle.cc: `flywheel lifecycle` and `flywheel stickiness`.
#include <iostream>

#include "analytics_common.h"
#include "clickhouse_backend.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/core/time.h"
#include "output.h"

namespace fw::cli {
namespace {

using nlohmann::json;

struct LifecycleArgs {
  std::string period = "week";
  analytics::LifecycleDefinition definition;
  AnalyticsFlags flags;
};

json LifecycleJson(const analytics::LifecycleTable& table) {
  json periods = json::array();
  for (const auto& p : table.periods) {
    periods.push_back({{"start", FormatDate(p.start_day)},
                       {"new", p.new_users},
                       {"returning", p.returning},
                       {"resurrecting", p.resurrecting},
                       {"dormant", p.dormant},
                       {"active", p.new_users + p.returning + p.resurrecting},
                       {"incomplete", p.incomplete}});
  }
  return periods;
}

Status RunLifecycle(const CliContext& ctx, LifecycleArgs& args) {
  FW_ASSIGN_OR_RETURN(args.definition.period, analytics::ParsePeriod(args.period));
  // The same definition goes to the EventFrame kernel or to ClickHouse (--backend).
  auto compute = [&]() -> Result<std::vector<analytics::LifecycleTable>> {
    if (ctx.UsesClickHouse()) return ClickHouseLifecycle(ctx, args.definition, args.flags);
    FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
    ReportFrameTiming(args.flags, loaded);
    FW_ASSIGN_OR_RETURN(const auto groups, BuildGroups(loaded, args.flags, std::nullopt));
    ThreadPool pool;
    const double kernel_start = NowSeconds();  // the kernel alone, after the frame load
    auto computed = analytics::ComputeLifecycle(loaded.frame, args.definition, groups, &pool);
    ReportTiming(args.flags, "kernel", NowSeconds() - kernel_start);
    return computed;
  };
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(const auto tables, compute());
  if (ctx.UsesClickHouse()) ReportTiming(args.flags, "backend", NowSeconds() - start);
  const std::string period(analytics::PeriodName(args.definition.period));
  if (ctx.json) {
    json doc = {{"period", period}};
    if (args.flags.by.empty()) {
      doc["periods"] = LifecycleJson(tables[0]);
    } else {
      json groups_json = json::array();
      for (const auto& table : tables) {
        groups_json.push_back({{"group", table.group}, {"periods", LifecycleJson(table)}});
      }
      doc["by"] = args.flags.by;
      doc["groups"] = groups_json;
    }
    PrintJson(doc);
    return OkStatus();
  }
  std::cout << "lifecycle by " << period << " (* = period not fully elapsed; dormant = active "
            << "in the previous period only)\n";
  for (const auto& table : tables) {
    if (!args.flags.by.empty()) std::cout << "\n" << args.flags.by << " = " << table.group << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : table.periods) {
      auto count = [](uint64_t n) { return FormatCount(static_cast<long long>(n)); };
      rows.push_back({FormatDate(p.start_day) + (p.incomplete ? "*" : ""), count(p.new_users),
                      count(p.returning), count(p.resurrecting), count(p.dormant),
                      count(p.new_users + p.returning + p.resurrecting)});
    }
    PrintTable({"period", "new", "returning", "resurrecting", "dormant", "active"}, rows);
  }
  return OkStatus();
}

struct StickinessArgs {
  std::string event;
  AnalyticsFlags flags;
};

Status RunStickiness(const CliContext& ctx, const StickinessArgs& args) {
  FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
  ReportFrameTiming(args.flags, loaded);
  ThreadPool pool;
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(const auto days,
                      analytics::ComputeStickiness(loaded.frame, args.event, &pool));
  ReportTiming(args.flags, "kernel", NowSeconds() - start);
  if (ctx.json) {
    json rows = json::array();
    for (const auto& d : days) {
      rows.push_back({{"date", FormatDate(d.day)},
                      {"dau", d.dau},
                      {"wau", d.wau},
                      {"mau", d.mau},
                      {"dau_over_mau", OptionalNumber(d.dau_over_mau)},
                      {"wau_partial", d.wau_partial},
                      {"mau_partial", d.mau_partial},
                      {"incomplete", d.incomplete}});
    }
    PrintJson({{"days", rows}});
    return OkStatus();
  }
  std::cout << "stickiness per UTC day (WAU/MAU are rolling 7/30 days ending that day; "
            << "* = fewer days of data than the window; a date with * has not fully elapsed)\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : days) {
    auto count = [](uint64_t n) { return FormatCount(static_cast<long long>(n)); };
    rows.push_back({FormatDate(d.day) + (d.incomplete ? "*" : ""), count(d.dau), count(d.wau) + (d.wau_partial ? "*" : ""),
                    count(d.mau) + (d.mau_partial ? "*" : ""),
                    d.dau_over_mau ? Percent(*d.dau_over_mau) : "n/a"});
  }
  PrintTable({"date", "DAU", "WAU", "MAU", "DAU/MAU"}, rows);
  return OkStatus();
}

}  // namespace

void RegisterLifecycleCommands(CLI::App& app, CliContext& ctx) {
  auto* lifecycle = app.add_subcommand(
      "lifecycle", "New, returning, resurrecting and dormant users per period (see "
                   "docs/metrics.md)");
  auto l = std::make_shared<LifecycleArgs>();
  lifecycle->add_option("--period", l->period, "day, week (Monday, UTC) or month")
      ->capture_default_str();
  lifecycle->add_option("--event", l->definition.event, "Activity event (default: any event)");
  AddAnalyticsFlags(lifecycle, l->flags);
  lifecycle->callback([&ctx, l] { ctx.action = [&ctx, l] { return RunLifecycle(ctx, *l); }; });

  auto* stickiness =
      app.add_subcommand("stickiness", "DAU, WAU, MAU and DAU/MAU per UTC day");
  auto s = std::make_shared<StickinessArgs>();
  stickiness->add_option("--event", s->event, "Activity event (default: any event)");
  stickiness->add_flag("--timing", s->flags.timing, "Print load and kernel seconds to stderr");
  stickiness->callback([&ctx, s] { ctx.action = [&ctx, s] { return RunStickiness(ctx, *s); }; });
}

}  // namespace fw::cli
