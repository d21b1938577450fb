// SPDX-License-Identifier: Apache-2.0
//
// alert.cc: `flywheel alert add NAME --metric conversion:purchase [--by channel] --drop 30%
// --window 1h`, `flywheel alert list`, `flywheel alert remove NAME`: the user alert rules that
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
  std::string name, metric, by, drop, window;
};

nlohmann::json RuleJson(const server::AlertRule& r) {
  return {{"name", r.name}, {"kind", "drop"}, {"metric", r.metric},
          {"by", r.by.empty() ? nlohmann::json() : nlohmann::json(r.by)},
          {"drop", r.drop_share}, {"window_s", static_cast<double>(r.window_us) / 1e6},
          {"created_at", r.created_at.empty() ? nlohmann::json() : nlohmann::json(r.created_at)}};
}

Status RunAdd(const CliContext& ctx, const AlertArgs& args) {
  // Validate before opening the workspace, so a typo never creates a database file.
  FW_ASSIGN_OR_RETURN(auto rule, server::MakeAlertRule(args.name, args.metric, args.by,
                                                       args.drop, args.window));
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(rule, server::SaveAlertRule(*workspace, rule));
  if (ctx.json) {
    PrintJson(RuleJson(rule));
  } else {
    std::cout << "added alert rule " << rule.name << ": " << rule.metric
              << (rule.by.empty() ? "" : " by " + rule.by) << " drops by "
              << FormatNumber(100 * rule.drop_share, 4) << "% over "
              << FormatNumber(static_cast<double>(rule.window_us) / 1e6, 6) << " s\n";
  }
  return OkStatus();
}

Status RunList(const CliContext& ctx) {
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(auto rules, server::ListAlertRules(*workspace));
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rules) out.push_back(RuleJson(r));
    PrintJson(out);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : rules) {
    rows.push_back({r.name, r.metric, r.by.empty() ? "-" : r.by,
                    FormatNumber(100 * r.drop_share, 4) + "%",
                    FormatNumber(static_cast<double>(r.window_us) / 1e6, 6) + " s", r.created_at});
  }
  PrintTable({"name", "metric", "by", "drop", "window", "created_at"}, rows);
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
  auto* add = alert->add_subcommand("add", "Add a drop rule: fire when a metric falls");
  add->add_option("name", args->name, "Rule name ([A-Za-z0-9_.-], up to 64)")->required();
  add->add_option("--metric", args->metric, "conversion:<event> (count of the event) or revenue")
      ->required();
  add->add_option("--by", args->by, "Watch each channel or campaign separately");
  add->add_option("--drop", args->drop, "Fire at this drop vs the 24 windows before: 30% or 0.3")
      ->required();
  add->add_option("--window", args->window, "Window length: 30m, 1h, 1d ...")->default_val("1h");
  add->footer("Example:\n  flywheel --db fw.db alert add low_purchases --metric "
              "conversion:purchase --by channel --drop 30% --window 1h");
  add->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunAdd(ctx, *args); }; });
  auto* list = alert->add_subcommand("list", "List the rules");
  list->callback([&ctx] { ctx.action = [&ctx] { return RunList(ctx); }; });
  auto* remove = alert->add_subcommand("remove", "Delete a rule");
  remove->add_option("name", args->name, "The rule name (see `flywheel alert list`)")->required();
  remove->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunRemove(ctx, *args); }; });
}

}  // namespace fw::cli
