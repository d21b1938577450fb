// SPDX-License-Identifier: Apache-2.0
//
// experiment.cc: `flywheel experiment create|assign|power|adjust`; `analyze` lives in
// experiment_analyze.cc. Thin shells over the pure fw_experiment library: they read the
// workspace or files, call the library, and print tables or one JSON document.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli_context.h"
#include "experiment_cli.h"
#include "flywheel/core/text_table.h"
#include "flywheel/experiment/assignment.h"
#include "flywheel/experiment/corrections.h"
#include "flywheel/experiment/power.h"
#include "flywheel/store/workspace.h"
#include "output.h"

namespace fw::cli {
namespace {

namespace ex = fw::experiment;

struct CreateArgs {
  std::string name;
  std::string variants;
  std::string control;
  double coverage = 1.0;
  std::string layer;
  std::string layer_range;  // "0,0.5"
  double holdout = 0.0;
  std::string salt;
  std::vector<std::string> metrics;
};

Result<std::vector<ex::ExperimentDefinition>> LoadAllDefinitions(store::Workspace& ws) {
  FW_ASSIGN_OR_RETURN(auto rows, ws.Query("SELECT definition FROM experiments ORDER BY name"));
  std::vector<ex::ExperimentDefinition> defs;
  for (const auto& row : rows.rows) {
    if (!row[0]) continue;
    FW_ASSIGN_OR_RETURN(auto def, ex::DefinitionFromJson(*row[0]));
    defs.push_back(std::move(def));
  }
  return defs;
}

Status RunCreate(const CliContext& ctx, const CreateArgs& args) {
  ex::ExperimentDefinition def;
  def.name = args.name;
  FW_ASSIGN_OR_RETURN(def.variants, ex::ParseVariants(args.variants));
  def.control = args.control;
  def.coverage = args.coverage;
  def.layer = args.layer;
  def.holdout = args.holdout;
  def.salt = args.salt.empty() ? args.name : args.salt;
  def.metrics = args.metrics;
  for (const auto& m : def.metrics) FW_RETURN_IF_ERROR(ex::ParseMetricSpec(m).status());
  if (!args.layer_range.empty()) {
    const size_t comma = args.layer_range.find(',');
    double lo = 0, hi = 0;
    if (comma == std::string::npos || !ParseFiniteDouble(args.layer_range.substr(0, comma), &lo) ||
        !ParseFiniteDouble(args.layer_range.substr(comma + 1), &hi)) {
      return InvalidArgument("--layer-range '" + args.layer_range + "': expected START,END");
    }
    def.layer_start = lo;
    def.layer_end = hi;
  }
  FW_RETURN_IF_ERROR(def.Validate());
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(const int64_t exists,
                      ws->QueryInt("SELECT count(*) FROM experiments WHERE name = ?", {def.name}));
  if (exists) return AlreadyExists("experiment '" + def.name + "' already exists");
  FW_ASSIGN_OR_RETURN(auto defs, LoadAllDefinitions(*ws));
  defs.push_back(def);
  FW_RETURN_IF_ERROR(ex::CheckLayerOverlap(defs));
  const std::string json_text = ex::DefinitionToJson(def);
  FW_RETURN_IF_ERROR(
      ws->Execute("INSERT INTO experiments VALUES (?, ?, current_timestamp::TIMESTAMP)",
                  {def.name, json_text}));
  if (ctx.json) {
    PrintJson(nlohmann::json::parse(json_text));
  } else {
    std::cout << "created experiment '" << def.name << "' with variants " << args.variants
              << " (control: " << def.ControlName() << ")\n";
  }
  return OkStatus();
}

struct AssignArgs {
  std::string experiment;
  std::string user;
  std::string users_file;
  std::string user_col = "user_id";
};

Status RunAssign(const CliContext& ctx, const AssignArgs& args) {
  if (args.user.empty() == args.users_file.empty()) {
    return InvalidArgument("give exactly one of --user ID or --users FILE");
  }
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
  FW_ASSIGN_OR_RETURN(auto def, LoadDefinition(*ws, args.experiment));
  std::vector<std::string> users;
  if (!args.user.empty()) {
    users.push_back(args.user);
  } else {
    FW_ASSIGN_OR_RETURN(auto table, ReadTextTable(args.users_file));
    FW_ASSIGN_OR_RETURN(users, table.StringColumn(args.user_col));
  }
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& user : users) {
    const ex::Assignment a = ex::Assign(def, user);
    const std::string variant = a.variant_idx ? def.variants[*a.variant_idx].name : "";
    if (ctx.json) {
      out.push_back({{"user_id", user},
                     {"variant", a.variant_idx ? nlohmann::json(variant) : nlohmann::json(nullptr)},
                     {"status", ex::AssignmentStatusName(a.status)},
                     {"bucket", a.bucket}});
    } else {
      rows.push_back({user, a.variant_idx ? variant : "-", ex::AssignmentStatusName(a.status)});
    }
  }
  if (ctx.json) {
    PrintJson({{"experiment", def.name}, {"assignments", out}});
  } else {
    PrintTable({"user_id", "variant", "status"}, rows);
  }
  return OkStatus();
}

struct PowerArgs {
  double baseline = 0;
  double mde = 0;
  int64_t n = 0;
  double alpha = 0.05;
  double power = 0.8;
  int variants = 2;
  bool one_sided = false;
};

Status RunPower(const CliContext& ctx, const PowerArgs& args) {
  ex::PowerOptions o{.alpha = args.alpha,
                     .power = args.power,
                     .num_variants = args.variants,
                     .two_sided = !args.one_sided};
  if ((args.mde != 0) == (args.n != 0)) {
    return InvalidArgument(
        "give exactly one of --mde X (for the sample size) or --n N (for the MDE)");
  }
  ex::PowerResult r;
  if (args.mde != 0) {
    FW_ASSIGN_OR_RETURN(r, ex::SampleSizeForProportion(args.baseline, args.mde, o));
  } else {
    FW_ASSIGN_OR_RETURN(r, ex::MdeForProportion(args.baseline, args.n, o));
  }
  if (ctx.json) {
    PrintJson({{"baseline", r.baseline},
               {"mde", JsonNumber(r.mde)},
               {"alpha", args.alpha},
               {"power", args.power},
               {"variants", args.variants},
               {"two_sided", !args.one_sided},
               {"n_per_arm", r.n_per_arm},
               {"n_total", r.n_total}});
  } else {
    PrintTable({"baseline", "relative MDE", "alpha", "power", "n per arm", "n total"},
               {{FormatNumber(r.baseline), FormatNumber(r.mde, 4), FormatNumber(args.alpha),
                 FormatNumber(args.power), FormatCount(r.n_per_arm), FormatCount(r.n_total)}});
  }
  return OkStatus();
}

Status RunAdjust(const CliContext& ctx, const std::string& method, const std::string& list) {
  FW_ASSIGN_OR_RETURN(const ex::Correction correction, ex::ParseCorrection(method));
  std::vector<double> ps;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(pos, comma - pos);
    double p = 0;
    if (!ParseFiniteDouble(item, &p)) {
      return InvalidArgument("p-value #" + std::to_string(ps.size() + 1) + " is '" + item +
                             "', expected a number in [0, 1]");
    }
    ps.push_back(p);
    pos = comma + 1;
  }
  FW_ASSIGN_OR_RETURN(auto adjusted, ex::AdjustPValues(ps, correction));
  if (ctx.json) {
    PrintJson({{"method", method}, {"adjusted", adjusted}});
  } else {
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < ps.size(); ++i) {
      rows.push_back({std::to_string(i + 1), FormatNumber(ps[i]), FormatNumber(adjusted[i])});
    }
    PrintTable({"#", "p_value", "adjusted"}, rows);
  }
  return OkStatus();
}

}  // namespace

Result<experiment::ExperimentDefinition> LoadDefinition(store::Workspace& ws,
                                                        const std::string& name) {
  FW_ASSIGN_OR_RETURN(auto rows,
                      ws.Query("SELECT definition FROM experiments WHERE name = ?", {name}));
  if (rows.rows.empty() || !rows.rows[0][0]) {
    return NotFound("experiment '" + name +
                    "' not found; create it with `flywheel experiment "
                    "create " +
                    name + " --variants control:0.5,treatment:0.5`");
  }
  return experiment::DefinitionFromJson(*rows.rows[0][0]);
}

void RegisterExperimentCommands(CLI::App& app, CliContext& ctx) {
  auto* group =
      app.add_subcommand("experiment", "A/B tests: create, assign, analyze, power, adjust");
  group->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  auto* create = group->add_subcommand("create", "Define an experiment in the workspace");
  create->add_option("name", create_args->name, "Experiment name")->required();
  create
      ->add_option("--variants", create_args->variants,
                   "Variants and weights, e.g. control:0.5,treatment:0.5")
      ->required();
  create->add_option("--control", create_args->control, "Control variant (default: the first)");
  create->add_option("--coverage", create_args->coverage, "Share of users that enter (0, 1]");
  create->add_option("--layer", create_args->layer, "Layer (namespace) for mutual exclusion");
  create->add_option("--layer-range", create_args->layer_range,
                     "This experiment's START,END of the layer");
  create->add_option("--holdout", create_args->holdout, "Global holdout share [0, 1)");
  create->add_option("--salt", create_args->salt, "Hash salt (default: the name)");
  create->add_option("--metric", create_args->metrics, "Default metric(s) for analyze");
  create->callback([&ctx, create_args] {
    ctx.action = [&ctx, create_args] { return RunCreate(ctx, *create_args); };
  });

  auto assign_args = std::make_shared<AssignArgs>();
  auto* assign = group->add_subcommand("assign", "Deterministic variant for users");
  assign->add_option("--experiment", assign_args->experiment, "Experiment name")->required();
  assign->add_option("--user", assign_args->user, "One user id");
  assign->add_option("--users", assign_args->users_file, "CSV with a user id column");
  assign->add_option("--user-col", assign_args->user_col, "User id column of --users");
  assign->callback([&ctx, assign_args] {
    ctx.action = [&ctx, assign_args] { return RunAssign(ctx, *assign_args); };
  });

  auto power_args = std::make_shared<PowerArgs>();
  auto* power = group->add_subcommand("power", "Sample size for a conversion MDE, or MDE for n");
  power->add_option("--baseline", power_args->baseline, "Control conversion rate")->required();
  power->add_option("--mde", power_args->mde, "Relative lift to detect (0.05 = +5%)");
  power->add_option("--n", power_args->n, "Units per arm (gives the MDE)");
  power->add_option("--alpha", power_args->alpha, "False-positive rate");
  power->add_option("--power", power_args->power, "1 - false-negative rate");
  power->add_option("--variants", power_args->variants, "Arms including control");
  power->add_flag("--one-sided", power_args->one_sided, "One-sided test");
  power->callback([&ctx, power_args] {
    ctx.action = [&ctx, power_args] { return RunPower(ctx, *power_args); };
  });

  auto method = std::make_shared<std::string>();
  auto list = std::make_shared<std::string>();
  auto* adjust = group->add_subcommand("adjust", "Adjust p-values for multiple comparisons");
  adjust->add_option("--method", *method, "holm or bh")->required();
  adjust->add_option("p_values", *list, "Comma-separated p-values, e.g. 0.01,0.04,0.03")
      ->required();
  adjust->callback([&ctx, method, list] {
    ctx.action = [&ctx, method, list] { return RunAdjust(ctx, *method, *list); };
  });

  RegisterExperimentAnalyze(*group, ctx);
}

}  // namespace fw::cli
