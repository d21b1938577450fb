// SPDX-License-Identifier: Apache-2.0
//
// alert.cc: `flywheel alert add NAME --metric conversion:purchase [--by channel] --drop 30%
// --window 1h` (or `--anomaly ewma [--lambda 0.2 --sigma 3]` / `--anomaly cusum [--k 0.5
// --h 5]` instead of --drop), `flywheel alert list`, `flywheel alert remove NAME`: the user alert rules that
// `flywheel serve` evaluates (table alert_rules, shared with POST /v1/alerts/rules; see
// include/flywheel/server/alert_rules.h). While a server holds the workspace, use the API.
#include <iostream>
#include <memory>

#include "cli_context.h"
#include "flywheel/server/alert_rules.h"
#include "output.h"

namespace fw::cli {
namespace {

struct AlertArgs {
  std::string name, metric, by, drop, window, anomaly;
  server::AnomalyParamsText params;
};

// What the rule watches for, in words: "drops by 30%" or "EWMA (lambda 0.2, 3 sd)".
std::string Condition(const server::AlertRule& r) {
  if (r.kind == "ewma") {
    return "EWMA chart (lambda " + FormatNumber(r.lambda, 4) + ", limit " +
           FormatNumber(r.sigma, 4) + " sd)";
  }
  if (r.kind == "cusum") {
    return "CUSUM chart (k " + FormatNumber(r.k, 4) + " sd, h " + FormatNumber(r.h, 4) + " sd)";
  }
  return "drop " + FormatNumber(100 * r.drop_share, 4) + "%";
}

Status RunAdd(const CliContext& ctx, const AlertArgs& args) {
  // Validate before opening the workspace, so a typo never creates a database file.
  server::AlertRule rule;
  if (!args.anomaly.empty()) {
    if (!args.drop.empty()) return InvalidArgument("--drop and --anomaly: give one, not both");
    FW_ASSIGN_OR_RETURN(rule, server::MakeAnomalyRule(args.name, args.metric, args.by,
                                                      args.anomaly, args.window, args.params));
  } else {
    if (args.drop.empty()) {
      return InvalidArgument("alert add: give --drop SHARE or --anomaly ewma|cusum");
    }
    if (!args.params.lambda.empty() || !args.params.sigma.empty() || !args.params.k.empty() ||
        !args.params.h.empty()) {
      return InvalidArgument("--lambda, --sigma, --k and --h need --anomaly ewma|cusum");
    }
    FW_ASSIGN_OR_RETURN(rule, server::MakeAlertRule(args.name, args.metric, args.by, args.drop,
                                                    args.window));
  }
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(rule, server::SaveAlertRule(*workspace, rule));
  if (ctx.json) {
    PrintJson(server::AlertRuleToJson(rule));
  } else {
    std::cout << "added alert rule " << rule.name << ": " << rule.metric
              << (rule.by.empty() ? "" : " by " + rule.by) << ", " << Condition(rule)
              << ", windows of " << FormatNumber(static_cast<double>(rule.window_us) / 1e6, 6)
              << " s\n";
  }
  return OkStatus();
}

Status RunList(const CliContext& ctx) {
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(auto rules, server::ListAlertRules(*workspace));
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rules) out.push_back(server::AlertRuleToJson(r));
    PrintJson(out);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : rules) {
    rows.push_back({r.name, r.metric, r.by.empty() ? "-" : r.by, Condition(r),
                    FormatNumber(static_cast<double>(r.window_us) / 1e6, 6) + " s", r.created_at});
  }
  PrintTable({"name", "metric", "by", "condition", "window", "created_at"}, rows);
  return OkStatus();
}

Status RunRemove(const CliContext& ctx, const AlertArgs& args) {
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_RETURN_IF_ERROR(server::RemoveAlertRule(*workspace, args.name));
  if (ctx.json) {
    PrintJson({{"removed", args.name}});
  } else {
    std::cout << "removed alert rule " << args.name << "\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterAlertCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<AlertArgs>();
  auto* alert = app.add_subcommand("alert", "Alert rules that `flywheel serve` evaluates");
  alert->require_subcommand(1);
  alert->footer("Example:\n  flywheel --db fw.db alert add low_purchases "
                "--metric conversion:purchase --by channel --drop 30% --window 1h\n"
                "  flywheel --db fw.db alert list");
  auto* add = alert->add_subcommand(
      "add", "Add a rule: fire when a metric falls (--drop) or leaves its control chart "
             "(--anomaly)");
  add->add_option("name", args->name, "Rule name ([A-Za-z0-9_.-], up to 64)")->required();
  add->add_option("--metric", args->metric, "conversion:<event> (count of the event) or revenue")
      ->required();
  add->add_option("--by", args->by, "Watch each channel or campaign separately");
  add->add_option("--drop", args->drop, "Fire at this drop vs the 24 windows before: 30% or 0.3");
  add->add_option("--anomaly", args->anomaly,
                  "Instead of --drop: ewma or cusum control chart over the last 24 windows, "
                  "mean and sd from the 24 before");
  add->add_option("--lambda", args->params.lambda, "EWMA smoothing weight in (0, 1] (default 0.2)");
  add->add_option("--sigma", args->params.sigma, "EWMA control limit in sd (default 3)");
  add->add_option("--k", args->params.k, "CUSUM allowance in sd (default 0.5)");
  add->add_option("--h", args->params.h, "CUSUM decision interval in sd (default 5)");
  add->add_option("--window", args->window, "Window length (the chart's bucket): 30m, 1h, 1d ...")
      ->default_val("1h");
  add->footer("Examples:\n  flywheel --db fw.db alert add low_purchases --metric "
              "conversion:purchase --by channel --drop 30% --window 1h\n"
              "  flywheel --db fw.db alert add purchases_chart --metric conversion:purchase "
              "--anomaly cusum --k 0.5 --h 5 --window 1h");
  add->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunAdd(ctx, *args); }; });
  auto* list = alert->add_subcommand("list", "List the rules");
  list->callback([&ctx] { ctx.action = [&ctx] { return RunList(ctx); }; });
  auto* remove = alert->add_subcommand("remove", "Delete a rule");
  remove->add_option("name", args->name, "The rule name (see `flywheel alert list`)")->required();
  remove->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunRemove(ctx, *args); }; });
}

}  // namespace fw::cli
