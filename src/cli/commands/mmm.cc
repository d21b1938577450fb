// SPDX-License-Identifier: Apache-2.0
//
// mmm.cc: `flywheel mmm fit` and `flywheel mmm simulate`, thin shells over fw_mmm.
//
// fit reads either an --input table (CSV/TSV or Parquet, one row per period) or the workspace: weekly spend
// per channel from the `spend` table and weekly revenue (or conversions) from `events`. The
// model is printed, written to --model-out, and saved in the workspace `models` table (kind
// 'mmm') when it came from the workspace or a workspace was named with --db / $FLYWHEEL_DB.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands/table_file.h"
#include "flywheel/core/file_io.h"
#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"
#include "flywheel/mmm/dataset.h"
#include "flywheel/mmm/fit.h"
#include "flywheel/mmm/simulate.h"
#include "flywheel/store/workspace.h"
#include "mmm_cli.h"
#include "output.h"

namespace fw::cli {
namespace {

struct FitArgs {
  std::string input;
  std::string date_col = "date";
  std::string target;
  std::string channels;
  std::string controls;
  std::string adstock = "geometric";
  std::string saturation = "hill";
  std::string conversion_event;  // workspace mode: count this event instead of summing revenue
  size_t max_lag = 0;
  int yearly_order = 2;
  bool no_trend = false;
  double holdout = 0.1;
  size_t cv_folds = 3;
  size_t bootstrap = 0;
  size_t samples = 0;
  size_t starts = 4;
  size_t local_evals = 400;
  double max_slope = 1.0;
  uint64_t seed = 1;
  size_t threads = 0;
  std::string model_out;
  std::string name = "default";
};

bool WorkspaceNamed(const CliContext& ctx) {
  const char* env = std::getenv("FLYWHEEL_DB");
  return !ctx.db_flag.empty() || (env != nullptr && *env != '\0');
}

// Weekly spend per channel and the weekly outcome from the workspace. Weeks with no spend row
// for a channel have zero spend; the series runs from the first to the last week with spend.
Result<mmm::MmmData> LoadFromWorkspace(store::Workspace& ws, const FitArgs& args) {
  FW_ASSIGN_OR_RETURN(auto spend, ws.Query(
      "SELECT strftime(date_trunc('week', date), '%Y-%m-%d') AS wk, channel, sum(spend) "
      "FROM spend GROUP BY 1, 2 ORDER BY 1, 2"));
  if (spend.rows.empty()) {
    return NotFound("the workspace has no spend rows; run `flywheel ingest spend FILE` or pass "
                    "--input FILE --target COL --channels a,b");
  }
  std::map<std::string, std::map<int64_t, double>> by_channel;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& row : spend.rows) {
    FW_ASSIGN_OR_RETURN(const int64_t day, ParseDate(*row[0]));
    by_channel[*row[1]][day] += std::stod(*row[2]);
    first = std::min(first, day);
    last = std::max(last, day);
  }
  std::vector<std::string> wanted = mmm::SplitNames(args.channels);
  if (wanted.empty()) {
    for (const auto& [name, _] : by_channel) wanted.push_back(name);
  }
  mmm::MmmData data;
  data.period_days = 7;
  for (int64_t d = first; d <= last; d += 7) data.days.push_back(d);
  const size_t n = data.days.size();
  for (const auto& name : wanted) {
    auto it = by_channel.find(name);
    if (it == by_channel.end()) return NotFound("channel '" + name + "' has no rows in the spend table");
    std::vector<double> x(n, 0.0);
    for (const auto& [day, v] : it->second) {
      if (v < 0) {
        return InvalidArgument("spend table: channel '" + name + "' has negative spend " +
                               std::to_string(v) + " in the week of " + FormatDate(day));
      }
      x[static_cast<size_t>((day - first) / 7)] = v;
    }
    data.channel_names.push_back(name);
    data.spend.push_back(std::move(x));
  }
  const std::string outcome = args.conversion_event.empty()
                                  ? "sum(coalesce(revenue, 0))"
                                  : "count(*) FILTER (WHERE event = $1)";
  std::vector<store::SqlValue> params;
  if (!args.conversion_event.empty()) params.emplace_back(args.conversion_event);
  FW_ASSIGN_OR_RETURN(auto target, ws.Query(
      "SELECT strftime(date_trunc('week', ts), '%Y-%m-%d'), " + outcome +
      " FROM events GROUP BY 1 ORDER BY 1", params));
  data.target.assign(n, 0.0);
  for (const auto& row : target.rows) {
    FW_ASSIGN_OR_RETURN(const int64_t day, ParseDate(*row[0]));
    if (day < first || day > last || !row[1]) continue;
    data.target[static_cast<size_t>((day - first) / 7)] = std::stod(*row[1]);
  }
  // The same checks as a file input: enough weeks and a target that varies.
  double lo = data.target.front(), hi = lo;
  for (double v : data.target) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi <= lo) {
    return FailedPrecondition("the weekly " +
                              std::string(args.conversion_event.empty() ? "revenue" : "conversions") +
                              " from the events table is constant over the spend weeks (" +
                              std::to_string(lo) + "); nothing to model");
  }
  return data;
}

std::string WithInterval(double v, const mmm::Interval& ci) {
  std::string s = FormatNumber(v, 4);
  if (ci.present) s += " [" + FormatNumber(ci.lo, 3) + ", " + FormatNumber(ci.hi, 3) + "]";
  return s;
}

Status RunFit(const CliContext& ctx, const FitArgs& args) {
  mmm::FitOptions options;
  FW_ASSIGN_OR_RETURN(options.adstock, mmm::ParseAdstockKind(args.adstock));
  FW_ASSIGN_OR_RETURN(options.saturation, mmm::ParseSaturationKind(args.saturation));
  options.max_lag = args.max_lag;
  options.yearly_order = args.yearly_order;
  options.trend = !args.no_trend;
  options.holdout_fraction = args.holdout;
  options.cv_folds = args.cv_folds;
  options.bootstrap = args.bootstrap;
  options.num_samples = args.samples;
  options.num_local_starts = args.starts;
  options.local_max_evals = args.local_evals;
  options.max_slope = args.max_slope;
  options.seed = args.seed;
  options.num_threads = args.threads;
  FW_RETURN_IF_ERROR(options.Validate());

  mmm::MmmData data;
  std::string target_name = args.target;
  std::unique_ptr<store::Workspace> ws;
  if (!args.input.empty()) {
    if (args.target.empty() || args.channels.empty()) {
      return InvalidArgument("--input needs --target COL and --channels a,b,c");
    }
    FW_ASSIGN_OR_RETURN(TextTable table, ReadTableFile(args.input));
    FW_ASSIGN_OR_RETURN(data, mmm::LoadMmmData(table, {.date_col = args.date_col,
                                                       .target_col = args.target,
                                                       .channel_cols = mmm::SplitNames(args.channels),
                                                       .control_cols = mmm::SplitNames(args.controls)}));
  } else {
    FW_ASSIGN_OR_RETURN(ws, store::Workspace::Open(ctx.DbPath()));
    FW_ASSIGN_OR_RETURN(data, LoadFromWorkspace(*ws, args));
    if (target_name.empty()) {
      target_name = args.conversion_event.empty() ? "revenue" : args.conversion_event;
    }
  }
  FW_ASSIGN_OR_RETURN(mmm::MmmModel model, mmm::FitMmm(data, options, target_name));
  const std::string model_json = mmm::ModelToJson(model);
  if (!args.model_out.empty()) FW_RETURN_IF_ERROR(WriteFileAtomic(args.model_out, model_json + "\n"));
  std::string saved_as;
  if (ws == nullptr && WorkspaceNamed(ctx)) {
    FW_ASSIGN_OR_RETURN(ws, store::Workspace::Open(ctx.DbPath()));
  }
  if (ws != nullptr) {
    FW_RETURN_IF_ERROR(ws->Execute("DELETE FROM models WHERE kind = 'mmm' AND name = $1", {args.name}));
    FW_RETURN_IF_ERROR(ws->Execute(
        "INSERT INTO models VALUES ($1, 'mmm', $2, current_timestamp::TIMESTAMP)",
        {args.name, model_json}));
    saved_as = args.name;
  }

  if (ctx.json) {
    nlohmann::json doc = nlohmann::json::parse(model_json);
    for (auto& [name, ch] : doc["channels"].items()) {
      ch.erase("draws");
      ch.erase("recent_spend");
    }
    doc["model_out"] = args.model_out.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.model_out);
    doc["saved_as"] = saved_as.empty() ? nlohmann::json(nullptr) : nlohmann::json(saved_as);
    PrintJson(doc);
    return OkStatus();
  }
  const mmm::FitMetrics& m = model.metrics;
  std::cout << "mmm fit: " << model.num_periods << " periods of " << model.period_days
            << " day(s), " << model.channels.size() << " channels, target '" << target_name << "'\n"
            << "  R2 " << WithInterval(m.r2, m.r2_ci) << "   NRMSE " << WithInterval(m.nrmse, m.nrmse_ci)
            << "   decomp.RSSD " << FormatNumber(m.decomp_rssd, 4) << "\n"
            << "  holdout (last " << m.holdout_periods << " periods): R2 "
            << (m.holdout_periods ? FormatNumber(m.r2_holdout, 4) : "n/a") << "   NRMSE "
            << (m.holdout_periods ? FormatNumber(m.nrmse_holdout, 4) : "n/a")
            << "   CV NRMSE " << FormatNumber(m.cv_nrmse, 4) << "   ridge lambda "
            << FormatNumber(m.ridge_lambda, 3) << "   (" << m.evaluations << " evaluations)\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : model.channels) {
    std::string ad = mmm::AdstockKindName(c.adstock.kind) + " ";
    ad += c.adstock.kind == mmm::AdstockKind::kGeometric
              ? "theta=" + FormatNumber(c.adstock.theta, 3)
              : "k=" + FormatNumber(c.adstock.shape, 3) + " lambda=" + FormatNumber(c.adstock.scale, 3);
    std::string sat = mmm::SaturationKindName(c.saturation.kind) + " ";
    sat += c.saturation.kind == mmm::SaturationKind::kHill
               ? "K=" + FormatNumber(c.saturation.half_sat, 4) + " S=" + FormatNumber(c.saturation.slope, 3)
               : "lambda=" + FormatNumber(c.saturation.lambda, 4);
    rows.push_back({c.name, WithInterval(c.roas, c.roas_ci), WithInterval(c.mroas, c.mroas_ci),
                    WithInterval(c.share, c.share_ci), FormatNumber(c.spend_share, 3),
                    WithInterval(c.beta, c.beta_ci), ad, sat});
  }
  PrintTable({"channel", "roas", "mroas", "effect_share", "spend_share", "beta", "adstock",
              "saturation"}, rows);
  if (!args.model_out.empty()) std::cout << "\nmodel written to " << args.model_out << "\n";
  if (!saved_as.empty()) std::cout << "model saved in " << ctx.DbPath() << " as '" << saved_as << "'\n";
  return OkStatus();
}

// The simulated data set's shape, shared by `mmm simulate` and `generate mmm`.
struct SimulationFlags {
  size_t weeks = 156;
  size_t channels = 4;
  double noise = 0.02;
  uint64_t seed = 1;

  mmm::SimulationOptions Options() const {
    mmm::SimulationOptions options;
    options.periods = weeks;
    options.num_channels = channels;
    options.noise_cv = noise;
    options.seed = seed;
    return options;
  }
};

void AddSimulationFlags(CLI::App* cmd, SimulationFlags* flags) {
  cmd->add_option("--weeks", flags->weeks, "Weeks (156)");
  cmd->add_option("--channels", flags->channels, "Channels 1..6 (4)");
  cmd->add_option("--noise", flags->noise, "Noise sd as a share of mean sales (0.02)");
  cmd->add_option("--seed", flags->seed, "Random seed (1)");
}

struct SimulateArgs {
  SimulationFlags sim;
  std::string out;
  std::string truth;
};

Status RunSimulate(const CliContext& ctx, const SimulateArgs& args) {
  FW_ASSIGN_OR_RETURN(mmm::Simulation sim,
                      mmm::Simulate(args.sim.Options()));
  const std::string csv = mmm::SimulationCsv(sim.data);
  if (args.out.empty()) {
    std::cout << csv;
  } else {
    FW_RETURN_IF_ERROR(WriteFileAtomic(args.out, csv));
  }
  if (!args.truth.empty()) FW_RETURN_IF_ERROR(WriteFileAtomic(args.truth, mmm::ModelToJson(sim.truth) + "\n"));
  if (!args.out.empty()) {
    if (ctx.json) {
      PrintJson({{"data", args.out}, {"truth", args.truth.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.truth)},
                 {"periods", sim.data.num_periods()}, {"channels", sim.data.channel_names}});
    } else {
      std::cout << "wrote " << sim.data.num_periods() << " weeks to " << args.out
                << (args.truth.empty() ? "" : " and the true model to " + args.truth) << "\n";
    }
  }
  return OkStatus();
}

// `flywheel generate mmm`: the same data set as `mmm simulate`, written into a folder like the
// e-commerce generator's output: DIR/mmm.csv and DIR/truth.json.
struct GenerateMmmArgs {
  SimulationFlags sim;
  std::string out_dir = "data";
};

Status RunGenerateMmm(const CliContext& ctx, const GenerateMmmArgs& args) {
  FW_ASSIGN_OR_RETURN(mmm::Simulation sim,
                      mmm::Simulate(args.sim.Options()));
  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  if (ec) return InvalidArgument("--out '" + args.out_dir + "': " + ec.message());
  const std::string data_path = (std::filesystem::path(args.out_dir) / "mmm.csv").string();
  const std::string truth_path = (std::filesystem::path(args.out_dir) / "truth.json").string();
  FW_RETURN_IF_ERROR(WriteFileAtomic(data_path, mmm::SimulationCsv(sim.data)));
  FW_RETURN_IF_ERROR(WriteFileAtomic(truth_path, mmm::ModelToJson(sim.truth) + "\n"));
  std::string fit_cmd = "flywheel mmm fit --input " + data_path + " --target sales --channels ";
  for (size_t c = 0; c < sim.data.channel_names.size(); ++c) {
    fit_cmd += (c ? "," : "") + sim.data.channel_names[c];
  }
  fit_cmd += " --controls promo";
  if (ctx.json) {
    nlohmann::json roas = nlohmann::json::object();
    for (const auto& ch : sim.truth.channels) roas[ch.name] = JsonNumber(ch.roas);
    PrintJson({{"data", data_path}, {"truth", truth_path}, {"periods", sim.data.num_periods()},
               {"channels", sim.data.channel_names}, {"true_roas", roas}, {"fit_command", fit_cmd}});
  } else {
    std::cout << "wrote " << sim.data.num_periods() << " weeks of " << sim.data.channel_names.size()
              << " channels to " << data_path << " and the true model to " << truth_path
              << "\nfit it with: " << fit_cmd << "\n";
  }
  return OkStatus();
}

}  // namespace

void AddModelSourceOptions(CLI::App* cmd, ModelSource* source) {
  cmd->add_option("--model", source->file, "Model JSON written by `mmm fit --model-out`");
  cmd->add_option("--name", source->name, "Model name in the workspace (default: default)");
}

Result<mmm::MmmModel> LoadMmmModel(const CliContext& ctx, const ModelSource& source) {
  if (!source.file.empty()) {
    FW_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(source.file));
    return mmm::ModelFromJson(text, source.file);
  }
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
  FW_ASSIGN_OR_RETURN(auto rows, ws->Query(
      "SELECT state FROM models WHERE kind = 'mmm' AND name = $1 ORDER BY created_at DESC LIMIT 1",
      {source.name}));
  if (rows.rows.empty() || !rows.rows[0][0]) {
    return NotFound("no mmm model named '" + source.name + "' in " + ctx.DbPath() +
                    "; fit one with `flywheel mmm fit` or pass --model FILE");
  }
  return mmm::ModelFromJson(*rows.rows[0][0], ctx.DbPath() + ": model '" + source.name + "'");
}

void RegisterMmmCommands(CLI::App& app, CliContext& ctx) {
  auto* group = app.add_subcommand("mmm", "Marketing-mix model: fit, plan, curves, simulate");
  group->require_subcommand(1);

  auto fa = std::make_shared<FitArgs>();
  auto* fit = group->add_subcommand("fit", "Fit channel response curves from spend history");
  fit->add_option("--input", fa->input, "CSV/TSV or Parquet with one row per period (else the workspace)");
  fit->add_option("--date-col", fa->date_col, "Date column (default: date)");
  fit->add_option("--target", fa->target, "Outcome column (revenue or conversions)");
  fit->add_option("--channels", fa->channels, "Spend columns, comma-separated");
  fit->add_option("--controls", fa->controls, "Control columns, comma-separated (text = dummies)");
  fit->add_option("--conversion-event", fa->conversion_event,
                  "Workspace mode: model weekly counts of this event instead of revenue");
  fit->add_option("--adstock", fa->adstock, "geometric, weibull_cdf or weibull_pdf");
  fit->add_option("--saturation", fa->saturation, "hill or logistic");
  fit->add_option("--max-lag", fa->max_lag, "Adstock lag weights (default 13 weekly, 28 daily)");
  fit->add_option("--yearly-order", fa->yearly_order, "Fourier pairs for yearly seasonality (2)");
  fit->add_flag("--no-trend", fa->no_trend, "Drop the linear trend");
  fit->add_option("--holdout", fa->holdout, "Share of last periods held out and scored (0.1)");
  fit->add_option("--cv-folds", fa->cv_folds, "Time-ordered CV folds for the ridge penalty (3)");
  fit->add_option("--bootstrap", fa->bootstrap, "Block-bootstrap refits for intervals (0)");
  fit->add_option("--samples", fa->samples, "Search: Latin hypercube samples (default 60/dim)");
  fit->add_option("--starts", fa->starts, "Search: local searches per ridge penalty (4)");
  fit->add_option("--local-evals", fa->local_evals, "Search: evaluations per local search (400)");
  fit->add_option("--max-slope", fa->max_slope, "Hill slope cap; > 1 allows S-curves (1)");
  fit->add_option("--seed", fa->seed, "Random seed (1)");
  fit->add_option("--threads", fa->threads, "Worker threads (default: all cores)");
  fit->add_option("--model-out", fa->model_out, "Write the model JSON to this file");
  fit->add_option("--save-as", fa->name, "Model name in the workspace (default: default)");
  fit->callback([&ctx, fa] { ctx.action = [&ctx, fa] { return RunFit(ctx, *fa); }; });

  auto sa = std::make_shared<SimulateArgs>();
  auto* sim = group->add_subcommand("simulate", "Write a synthetic weekly data set with known truth");
  AddSimulationFlags(sim, &sa->sim);
  sim->add_option("--out", sa->out, "CSV path (default: stdout)");
  sim->add_option("--truth", sa->truth, "Write the true model (same JSON as a fit) here");
  sim->callback([&ctx, sa] { ctx.action = [&ctx, sa] { return RunSimulate(ctx, *sa); }; });

  RegisterMmmPlanCommands(*group, ctx);

  // `generate mmm` hangs under the generator's command (registered before this group).
  for (CLI::App* gen : app.get_subcommands([](CLI::App* a) { return a->get_name() == "generate"; })) {
    auto ga = std::make_shared<GenerateMmmArgs>();
    auto* g = gen->add_subcommand("mmm", "Write a weekly media-spend data set with truth.json");
    AddSimulationFlags(g, &ga->sim);
    g->add_option("--out", ga->out_dir, "Output folder: mmm.csv and truth.json (data)");
    g->callback([&ctx, ga] { ctx.action = [&ctx, ga] { return RunGenerateMmm(ctx, *ga); }; });
  }
}

}  // namespace fw::cli
