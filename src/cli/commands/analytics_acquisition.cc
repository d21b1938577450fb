// SPDX-License-Identifier: Apache-2.0
//
// analytics_acquisition.cc: `flywheel acquisition`: new users by first-touch channel, spend,
// CAC, ROAS and attributed purchases, over the workspace's events and spend tables.
#include <algorithm>
#include <iostream>

#include "analytics_common.h"
#include "clickhouse_backend.h"
#include "flywheel/analytics/acquisition.h"
#include "flywheel/core/time.h"
#include "output.h"

namespace fw::cli {
namespace {

using nlohmann::json;

struct AcquisitionArgs {
  std::string period = "week";
  std::string conversion_window = "30d";
  std::string lookback = "30d";
  std::string attribution = "last";
  analytics::AcquisitionDefinition definition;
  AnalyticsFlags flags;
};


json NullableWithReason(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : json(nullptr);
}

Status RunAcquisition(const CliContext& ctx, AcquisitionArgs& args) {
  FW_ASSIGN_OR_RETURN(args.definition.period, analytics::ParsePeriod(args.period));
  FW_ASSIGN_OR_RETURN(args.definition.conversion_window_us,
                      analytics::ParseDurationMicros(args.conversion_window, "--conversion-window"));
  FW_ASSIGN_OR_RETURN(args.definition.lookback_us,
                      analytics::ParseDurationMicros(args.lookback, "--lookback"));
  FW_ASSIGN_OR_RETURN(args.definition.attribution, analytics::ParseAttribution(args.attribution));
  analytics::AcquisitionResult result;
  if (ctx.UsesClickHouse()) {  // the same definition, pushed down to ClickHouse (--backend)
    const double start = NowSeconds();
    FW_ASSIGN_OR_RETURN(result, ClickHouseAcquisition(ctx, args.definition));
    ReportTiming(args.flags, "backend", NowSeconds() - start);
  } else {
    FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
    ReportFrameTiming(args.flags, loaded);
    if (!loaded.frame.events.Find(args.definition.purchase_event)) {
      return NotFound("--purchase-event '" + args.definition.purchase_event +
                      "' does not occur in the events table");
    }
    FW_ASSIGN_OR_RETURN(const auto spend, LoadSpend(*loaded.workspace));
    ThreadPool pool;
    const double start = NowSeconds();
    FW_ASSIGN_OR_RETURN(result, analytics::ComputeAcquisition(loaded.frame, spend,
                                                              args.definition, &pool));
    ReportTiming(args.flags, "kernel", NowSeconds() - start);
  }
  double credited_conversions = 0, credited_revenue = 0;
  for (const auto& ch : result.channels) {
    credited_conversions += ch.attributed_conversions;
    credited_revenue += ch.attributed_revenue;
  }
  const std::string attribution = analytics::AttributionName(args.definition.attribution);
  if (ctx.json) {
    json channels = json::array();
    for (const auto& ch : result.channels) {
      json row = {{"channel", ch.channel},
                  {"new_users", ch.new_users},
                  {"customers", ch.customers},
                  {"conversion_rate", NullableWithReason(ch.conversion_rate)},
                  {"revenue", JsonNumber(ch.revenue)},
                  {"spend", ch.has_spend_rows ? JsonNumber(ch.spend) : json(nullptr)},
                  {"cac", NullableWithReason(ch.cac)},
                  {"roas", NullableWithReason(ch.roas)},
                  {"attributed_conversions", JsonNumber(ch.attributed_conversions)},
                  {"attributed_revenue", JsonNumber(ch.attributed_revenue)}};
      if (!ch.cac) row["cac_null_reason"] = ch.cac_null_reason;
      if (!ch.roas) row["roas_null_reason"] = ch.roas_null_reason;
      if (!ch.conversion_rate) row["conversion_rate_null_reason"] = "no new users";
      channels.push_back(std::move(row));
    }
    json periods = json::array();
    for (const auto& cell : result.cells) {
      periods.push_back({{"start", FormatDate(cell.start_day)},
                         {"channel", cell.channel},
                         {"new_users", cell.new_users},
                         {"spend", JsonNumber(cell.spend)}});
    }
    PrintJson({{"period", analytics::PeriodName(args.definition.period)},
               {"attribution", attribution},
               {"conversion_window_seconds", args.definition.conversion_window_us / kMicrosPerSecond},
               {"lookback_seconds", args.definition.lookback_us / kMicrosPerSecond},
               {"channels", channels},
               {"periods", periods},
               {"totals", {{"conversions", result.total_conversions},
                           {"revenue", JsonNumber(result.total_revenue)},
                           {"attributed_conversions", JsonNumber(credited_conversions)},
                           {"attributed_revenue", JsonNumber(credited_revenue)}}}});
    return OkStatus();
  }
  std::cout << "acquisition by first-touch channel; customers purchase within "
            << args.conversion_window << " of their first event; attribution " << attribution
            << " over a " << args.lookback << " lookback\n";
  std::vector<std::vector<std::string>> rows;
  auto money = [](double v) { return FormatMoney(v); };
  for (const auto& ch : result.channels) {
    rows.push_back({ch.channel, FormatCount(static_cast<long long>(ch.new_users)),
                    FormatCount(static_cast<long long>(ch.customers)),
                    ch.conversion_rate ? Percent(*ch.conversion_rate) : "n/a", money(ch.revenue),
                    ch.has_spend_rows ? money(ch.spend) : "-",
                    ch.cac ? money(*ch.cac) : "n/a (" + ch.cac_null_reason + ")",
                    ch.roas ? FormatNumber(*ch.roas, 4) : "n/a (" + ch.roas_null_reason + ")",
                    FormatNumber(ch.attributed_conversions, 6), money(ch.attributed_revenue)});
  }
  PrintTable({"channel", "new users", "customers", "conv. rate", "revenue", "spend", "CAC", "ROAS",
              "credited purchases", "credited revenue"},
             rows);
  // New users (and spend, where the channel has spend rows) per period and channel.
  std::vector<std::string> names;
  for (const auto& ch : result.channels) names.push_back(ch.channel);
  std::vector<std::string> header = {"period"};
  header.insert(header.end(), names.begin(), names.end());
  std::vector<std::vector<std::string>> period_rows;
  for (const auto& cell : result.cells) {
    if (period_rows.empty() || period_rows.back()[0] != FormatDate(cell.start_day)) {
      period_rows.push_back(std::vector<std::string>(header.size(), ""));
      period_rows.back()[0] = FormatDate(cell.start_day);
    }
    const auto column = static_cast<size_t>(
        std::find(names.begin(), names.end(), cell.channel) - names.begin() + 1);
    std::string text = FormatCount(static_cast<long long>(cell.new_users));
    if (cell.spend != 0) text += " / " + money(cell.spend);
    period_rows.back()[column] = text;
  }
  std::cout << "\nnew users by first-touch channel per " << analytics::PeriodName(args.definition.period)
            << " (\"new / spend\" where the channel has spend)\n";
  PrintTable(header, period_rows);
  std::cout << "totals: " << result.total_conversions << " purchases, revenue "
            << money(result.total_revenue) << " (credited: " << FormatNumber(credited_conversions, 10)
            << ", " << money(credited_revenue) << ")\n";
  return OkStatus();
}

}  // namespace

void RegisterAcquisitionCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "acquisition", "New users by first-touch channel, spend, CAC, ROAS and attributed "
                     "purchases (see docs/metrics.md)");
  auto a = std::make_shared<AcquisitionArgs>();
  cmd->add_option("--period", a->period, "day, week (Monday, UTC) or month")->capture_default_str();
  cmd->add_option("--purchase-event", a->definition.purchase_event, "The purchase event")
      ->capture_default_str();
  cmd->add_option("--conversion-window", a->conversion_window,
                  "A new user is a customer if they purchase within this time of their first "
                  "event")
      ->capture_default_str();
  cmd->add_option("--attribution", a->attribution,
                  "first, last, linear, time-decay[:DAYS] or position[:F/M/L]")
      ->capture_default_str();
  cmd->add_option("--lookback", a->lookback, "Touches older than this before a purchase get no "
                                             "credit")
      ->capture_default_str();
  cmd->add_flag("--timing", a->flags.timing, "Print load and kernel seconds to stderr");
  cmd->callback([&ctx, a] { ctx.action = [&ctx, a] { return RunAcquisition(ctx, *a); }; });
}

}  // namespace fw::cli
