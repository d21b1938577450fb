// SPDX-License-Identifier: Apache-2.0
//
// analytics.cc: `flywheel retention` and `flywheel funnel`, thin shells over the analytics
// kernels: parse flags into the metric definition, load the frame, print the result.
#include <cstdio>
#include <iostream>

#include "analytics_common.h"
#include "cli_context.h"
#include "clickhouse_backend.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/core/time.h"
#include "output.h"

namespace fw::cli {
namespace {

using nlohmann::json;

// ---- retention ----

struct RetentionArgs {
  std::string period = "week";
  std::string mode = "recurring";
  analytics::RetentionDefinition definition;
  AnalyticsFlags flags;
};

json RetentionTableJson(const analytics::RetentionTable& table) {
  json cohorts = json::array();
  for (const auto& cohort : table.cohorts) {
    json rates = json::array();
    for (uint64_t n : cohort.retained) {
      rates.push_back(JsonNumber(static_cast<double>(n) / static_cast<double>(cohort.size)));
    }
    cohorts.push_back({{"start", FormatDate(cohort.start_day)},
                       {"size", cohort.size},
                       {"retained", cohort.retained},
                       {"rates", rates},
                       {"incomplete", cohort.incomplete}});
  }
  json average = json::array();
  for (const auto& value : table.average) average.push_back(OptionalNumber(value));
  return {{"cohorts", cohorts}, {"average", average}};
}

void PrintRetentionTable(const analytics::RetentionTable& table, analytics::Period period,
                         size_t num_offsets, int64_t data_end_us) {
  std::vector<std::string> header = {"cohort", "size"};
  for (size_t w = 0; w < num_offsets; ++w) header.push_back(std::to_string(w));
  std::vector<std::vector<std::string>> rows;
  for (const auto& cohort : table.cohorts) {
    std::vector<std::string> row = {FormatDate(cohort.start_day),
                                    FormatCount(static_cast<long long>(cohort.size))};
    for (size_t w = 0; w < num_offsets; ++w) {
      // A period that has not started yet is left blank rather than shown as a drop to 0%.
      const int64_t offset_period = cohort.period_index + static_cast<int64_t>(w);
      if (analytics::PeriodStartMicros(offset_period, period) > data_end_us) {
        row.emplace_back("");
        continue;
      }
      std::string cell = Percent(static_cast<double>(cohort.retained[w]) /
                                 static_cast<double>(cohort.size));
      row.push_back(cohort.incomplete[w] ? cell + "*" : cell);
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> average = {"average", ""};
  for (const auto& value : table.average) average.push_back(value ? Percent(*value) : "n/a");
  rows.push_back(std::move(average));
  PrintTable(header, rows);
}

Status RunRetention(const CliContext& ctx, RetentionArgs& args) {
  FW_ASSIGN_OR_RETURN(args.definition.period, analytics::ParsePeriod(args.period));
  FW_ASSIGN_OR_RETURN(args.definition.mode, analytics::ParseRetentionMode(args.mode));
  FW_RETURN_IF_ERROR(args.definition.Validate());
  // The same definition goes to the EventFrame kernel or to ClickHouse (--backend).
  auto compute = [&]() -> Result<analytics::RetentionResult> {
    if (ctx.UsesClickHouse()) return ClickHouseRetention(ctx, args.definition, args.flags);
    FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
    ReportFrameTiming(args.flags, loaded);
    std::optional<uint32_t> entry;
    if (!args.definition.start_event.empty()) {
      FW_ASSIGN_OR_RETURN(entry,
                          analytics::FindEventCode(loaded.frame, args.definition.start_event));
    }
    FW_ASSIGN_OR_RETURN(const auto groups, BuildGroups(loaded, args.flags, entry));
    ThreadPool pool;
    const double kernel_start = NowSeconds();  // the kernel alone, after the frame load
    auto computed = analytics::ComputeRetention(loaded.frame, args.definition, groups, &pool);
    ReportTiming(args.flags, "kernel", NowSeconds() - kernel_start);
    return computed;
  };
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(const auto result, compute());
  if (ctx.UsesClickHouse()) ReportTiming(args.flags, "backend", NowSeconds() - start);
  const std::string period(analytics::PeriodName(args.definition.period));
  const std::string mode(analytics::RetentionModeName(args.definition.mode));
  if (ctx.json) {
    json doc = {{"period", period}, {"mode", mode}};
    if (args.flags.by.empty()) {
      doc.update(RetentionTableJson(result.groups[0]));
    } else {
      json groups_json = json::array();
      for (const auto& table : result.groups) {
        json entry_json = {{"group", table.group}};
        entry_json.update(RetentionTableJson(table));
        groups_json.push_back(std::move(entry_json));
      }
      doc["by"] = args.flags.by;
      doc["groups"] = groups_json;
    }
    PrintJson(doc);
    return OkStatus();
  }
  std::cout << mode << " retention by " << period << ", data up to "
            << FormatTimestamp(result.data_end_us) << " (* = period not fully elapsed)\n";
  for (const auto& table : result.groups) {
    if (!args.flags.by.empty()) std::cout << "\n" << args.flags.by << " = " << table.group << "\n";
    PrintRetentionTable(table, args.definition.period,
                        static_cast<size_t>(args.definition.num_periods), result.data_end_us);
  }
  return OkStatus();
}

// ---- funnel ----

struct FunnelArgs {
  std::string window = "7d";
  std::string order = "ordered";
  analytics::FunnelDefinition definition;
  AnalyticsFlags flags;
};

json FunnelTableJson(const analytics::FunnelTable& table) {
  json steps = json::array();
  for (const auto& step : table.steps) {
    steps.push_back({{"event", step.event},
                     {"users", step.users},
                     {"conversion_from_previous", OptionalNumber(step.conversion_from_previous)},
                     {"conversion_from_first", OptionalNumber(step.conversion_from_first)},
                     {"dropped", step.dropped},
                     {"in_progress", step.in_progress},
                     {"median_seconds", OptionalNumber(step.median_seconds)},
                     {"p90_seconds", OptionalNumber(step.p90_seconds)}});
  }
  return {{"steps", steps}, {"in_progress", table.in_progress}};
}

std::string Duration(const std::optional<double>& seconds) {
  if (!seconds) return "-";
  if (*seconds < 120) return FormatNumber(*seconds, 3) + " s";
  if (*seconds < 7200) return FormatNumber(*seconds / 60, 3) + " min";
  if (*seconds < 172800) return FormatNumber(*seconds / 3600, 3) + " h";
  return FormatNumber(*seconds / 86400, 3) + " d";
}

void PrintFunnelTable(const analytics::FunnelTable& table) {
  std::vector<std::vector<std::string>> rows;
  for (size_t j = 0; j < table.steps.size(); ++j) {
    const auto& step = table.steps[j];
    auto rate = [](const std::optional<double>& r) { return r ? Percent(*r) : "n/a"; };
    rows.push_back({std::to_string(j + 1), step.event,
                    FormatCount(static_cast<long long>(step.users)),
                    j == 0 ? "" : rate(step.conversion_from_previous),
                    rate(step.conversion_from_first),
                    j == 0 ? "" : FormatCount(static_cast<long long>(step.dropped)),
                    j == 0 ? "" : FormatCount(static_cast<long long>(step.in_progress)),
                    Duration(step.median_seconds), Duration(step.p90_seconds)});
  }
  PrintTable({"step", "event", "users", "from prev", "from first", "dropped", "in progress",
              "median time", "p90 time"},
             rows);
  std::cout << FormatCount(static_cast<long long>(table.in_progress))
            << " users still inside an open window (in progress, not counted as dropped)\n";
}

Status RunFunnel(const CliContext& ctx, FunnelArgs& args) {
  FW_ASSIGN_OR_RETURN(args.definition.window_us,
                      analytics::ParseDurationMicros(args.window, "--window"));
  FW_ASSIGN_OR_RETURN(args.definition.order, analytics::ParseFunnelOrder(args.order));
  FW_RETURN_IF_ERROR(args.definition.Validate());
  // The same definition goes to the EventFrame kernel or to ClickHouse (--backend).
  auto compute = [&]() -> Result<analytics::FunnelResult> {
    if (ctx.UsesClickHouse()) return ClickHouseFunnel(ctx, args.definition, args.flags);
    FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
    ReportFrameTiming(args.flags, loaded);
    FW_ASSIGN_OR_RETURN(const uint32_t entry,
                        analytics::FindEventCode(loaded.frame, args.definition.steps[0]));
    FW_ASSIGN_OR_RETURN(const auto groups, BuildGroups(loaded, args.flags, entry));
    ThreadPool pool;
    const double kernel_start = NowSeconds();  // the kernel alone, after the frame load
    auto computed = analytics::ComputeFunnel(loaded.frame, args.definition, groups, &pool);
    ReportTiming(args.flags, "kernel", NowSeconds() - kernel_start);
    return computed;
  };
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(const auto result, compute());
  if (ctx.UsesClickHouse()) ReportTiming(args.flags, "backend", NowSeconds() - start);
  const std::string order(analytics::FunnelOrderName(args.definition.order));
  const double window_seconds =
      static_cast<double>(args.definition.window_us) / static_cast<double>(kMicrosPerSecond);
  if (ctx.json) {
    json doc = {{"order", order}, {"window_seconds", window_seconds}};
    if (args.flags.by.empty()) {
      doc.update(FunnelTableJson(result.groups[0]));
    } else {
      json groups_json = json::array();
      for (const auto& table : result.groups) {
        json entry_json = {{"group", table.group}};
        entry_json.update(FunnelTableJson(table));
        groups_json.push_back(std::move(entry_json));
      }
      doc["by"] = args.flags.by;
      doc["groups"] = groups_json;
    }
    PrintJson(doc);
    return OkStatus();
  }
  std::cout << order << " funnel, window " << args.window << " from step 1, data up to "
            << FormatTimestamp(result.data_end_us) << "\n";
  for (const auto& table : result.groups) {
    if (!args.flags.by.empty()) std::cout << "\n" << args.flags.by << " = " << table.group << "\n";
    PrintFunnelTable(table);
  }
  return OkStatus();
}

}  // namespace

void RegisterAnalyticsCommands(CLI::App& app, CliContext& ctx) {
  auto* retention = app.add_subcommand(
      "retention", "Cohort retention: cohorts by first (or --start-event) event period, retained "
                   "share per period offset (see docs/metrics.md)");
  auto r = std::make_shared<RetentionArgs>();
  retention->add_option("--period", r->period, "day, week (Monday, UTC) or month")
      ->capture_default_str();
  retention->add_option("--periods", r->definition.num_periods, "Offsets shown: 0..N-1")
      ->capture_default_str();
  retention->add_option("--start-event", r->definition.start_event,
                        "Cohort-defining event (default: the user's first event)");
  retention->add_option("--return-event", r->definition.return_event,
                        "Event that counts as a return (default: any event)");
  retention->add_option("--mode", r->mode, "recurring, first-time or unbounded")
      ->capture_default_str();
  retention->add_option("--min-occurrences", r->definition.min_occurrences,
                        "Return events needed in one period")
      ->capture_default_str();
  AddAnalyticsFlags(retention, r->flags);
  retention->callback([&ctx, r] { ctx.action = [&ctx, r] { return RunRetention(ctx, *r); }; });

  auto* funnel = app.add_subcommand(
      "funnel", "Conversion funnel through STEP1 STEP2 ... within a window from step 1 (see "
                "docs/metrics.md)");
  auto f = std::make_shared<FunnelArgs>();
  funnel->add_option("steps", f->definition.steps, "Step event names, in order")->required();
  funnel->add_option("--window", f->window, "Window from entering step 1, e.g. 7d, 12h")
      ->capture_default_str();
  funnel->add_option("--order", f->order, "ordered, strict or any")->capture_default_str();
  AddAnalyticsFlags(funnel, f->flags);
  funnel->callback([&ctx, f] { ctx.action = [&ctx, f] { return RunFunnel(ctx, *f); }; });

  RegisterLifecycleCommands(app, ctx);
  RegisterClvCommands(app, ctx);
  RegisterAcquisitionCommands(app, ctx);
}

}  // namespace fw::cli
