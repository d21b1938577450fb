// SPDX-License-Identifier: Apache-2.0
//
// report.cc: `flywheel report`: one self-contained file (HTML, Markdown or JSON) with every
// section the workspace has data for.
//
// The data of each section is the --json output of the command a user would run for it
// (acquisition, retention, funnel, lifecycle, experiment analyze, mmm curves/plan, clv), plus
// what only the workspace keeps: the latest segment run, and the bandit simulation and allocation
// that `flywheel demo` saves in the models table. fw_report turns them into charts and sentences.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli_context.h"
#include "command_runner.h"
#include "flywheel/core/file_io.h"
#include "flywheel/report/report.h"
#include "flywheel/web/assets.h"
#include "output.h"
#include "report_cli.h"

namespace fw::cli {
namespace {

using nlohmann::json;

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string SqlText(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

Result<json> Sql(const std::string& db, const std::string& query) {
  return RunCommandJson(db, {"sql", query});
}

int64_t TableRows(const json& info, const std::string& table) {
  const auto& tables = info.value("tables", json::object());
  return tables.contains(table) && tables[table].is_number() ? tables[table].get<int64_t>() : 0;
}

// The latest state saved under `kind` in the models table, parsed, or null.
json LatestModelState(const std::string& db, const std::string& kind, json& problems) {
  auto rows = Sql(db, "SELECT name, state FROM models WHERE kind = " + SqlText(kind) +
                          " ORDER BY created_at DESC LIMIT 1");
  if (!rows.ok()) {
    problems.push_back("reading the " + kind + " model: " + rows.status().message());
    return nullptr;
  }
  if (rows->empty()) return nullptr;
  json state = json::parse((*rows)[0].value("state", std::string()), nullptr, false);
  if (state.is_discarded()) {
    problems.push_back("the saved " + kind + " in the models table is not valid JSON");
    return nullptr;
  }
  return state;
}

// Runs one section's command; a failure becomes a problem line rather than an error, so the
// other sections still appear (and the report says it is incomplete).
void Section(const std::string& db, json& inputs, const std::string& key,
             const std::vector<std::string>& command) {
  if (inputs.contains(key)) return;
  auto doc = RunCommandJson(db, command);
  if (doc.ok()) {
    inputs[key] = std::move(*doc);
  } else {
    inputs["problems"].push_back(command[0] + ": " + doc.status().message());
  }
}

void GatherSegments(const std::string& db, const json& info, json& inputs) {
  if (inputs.contains("segments") || TableRows(info, "segment_profiles") == 0) return;
  auto rows = Sql(db, "SELECT run_id, segment, label, size, share, centroid, top_features "
                      "FROM segment_profiles WHERE run_id = (SELECT last(run_id) FROM "
                      "segment_profiles) ORDER BY segment");
  if (!rows.ok()) {
    inputs["problems"].push_back("segments: " + rows.status().message());
    return;
  }
  json seg = {{"run_id", (*rows)[0].value("run_id", "")}, {"profiles", json::array()}};
  for (const auto& row : *rows) {
    json profile = row;
    for (const char* key : {"centroid", "top_features"}) {
      json parsed = json::parse(row.value(key, std::string("null")), nullptr, false);
      profile[key] = parsed.is_discarded() ? json() : parsed;
    }
    seg["profiles"].push_back(profile);
  }
  inputs["segments"] = seg;
}

void GatherExperiments(const std::string& db, const ReportArgs& args, const json& info,
                       json& inputs) {
  if (inputs.contains("experiments") || TableRows(info, "exposures") == 0) return;
  auto names = Sql(db, "SELECT DISTINCT experiment FROM exposures ORDER BY 1");
  if (!names.ok()) {
    inputs["problems"].push_back("experiments: " + names.status().message());
    return;
  }
  json docs = json::array();
  for (const auto& row : *names) {
    const std::string name = row.value("experiment", "");
    std::vector<std::string> command = {"experiment", "analyze", name};
    for (const auto& metric : SplitComma(args.experiment_metrics)) {
      command.push_back("--metric");
      command.push_back(metric);
    }
    if (!args.cuped.empty()) {
      command.push_back("--cuped");
      command.push_back(args.cuped);
    }
    auto doc = RunCommandJson(db, command);
    if (!doc.ok()) {
      inputs["problems"].push_back("experiment analyze " + name + ": " + doc.status().message());
      continue;
    }
    (*doc)["experiment"] = name;
    docs.push_back(std::move(*doc));
  }
  if (!docs.empty()) inputs["experiments"] = docs;
}

void GatherMmm(const std::string& db, json& inputs) {
  if (inputs.contains("mmm")) return;
  auto rows = Sql(db, "SELECT name FROM models WHERE kind = 'mmm' ORDER BY created_at DESC LIMIT 1");
  if (!rows.ok() || rows->empty()) return;
  json mmm;
  const Status status = GatherMmmModel(db, (*rows)[0].value("name", "default"), mmm);
  if (!status.ok()) inputs["problems"].push_back(status.message());
  if (mmm.contains("curves")) inputs["mmm"] = mmm;
}

// CLV per customer (clv --out), then quantiles by segment and a histogram, computed by DuckDB
// over the prediction file.
void GatherClv(const std::string& db, const ReportArgs& args, const json& info, json& inputs) {
  if (inputs.contains("clv") && inputs.contains("clv_distribution")) return;
  std::string dir = args.work_dir;
  if (dir.empty()) {
    dir = std::filesystem::path(args.out).parent_path().string();
    if (dir.empty()) dir = ".";
  }
  const std::string predictions = (std::filesystem::path(dir) / "clv_predictions.csv").string();
  const bool have_segments = inputs.contains("segments") && TableRows(info, "segments") > 0;
  if (!inputs.contains("clv")) {
    std::vector<std::string> command = {"clv", "--out", predictions};
    if (have_segments) {
      command.push_back("--by");
      command.push_back("segment");
    }
    Section(db, inputs, "clv", command);
    if (!inputs.contains("clv")) return;
  }
  if (!std::filesystem::exists(predictions)) return;
  const std::string source = "read_csv_auto(" + SqlText(predictions) + ")";
  std::string group = "'all customers'";
  std::string join;
  if (have_segments) {
    const std::string run = inputs["segments"].value("run_id", "");
    group = "coalesce(s.name, 'unsegmented')";
    join = " LEFT JOIN (SELECT user_id, '#' || segment || ' ' || label AS name FROM segments "
           "WHERE run_id = " + SqlText(run) + ") s ON s.user_id = CAST(c.customer_id AS VARCHAR)";
  }
  auto groups = Sql(db, "SELECT " + group + " AS \"group\", count(*) AS customers, avg(c.clv) AS mean, "
                        "quantile_cont(c.clv, 0.1) AS p10, quantile_cont(c.clv, 0.25) AS p25, "
                        "quantile_cont(c.clv, 0.5) AS p50, quantile_cont(c.clv, 0.75) AS p75, "
                        "quantile_cont(c.clv, 0.9) AS p90 FROM " + source + " c" + join +
                        " WHERE c.clv IS NOT NULL GROUP BY 1 ORDER BY 1");
  if (!groups.ok()) {
    inputs["problems"].push_back("clv distribution: " + groups.status().message());
    return;
  }
  json dist = {{"groups", *groups}};
  // Histogram: 20 equal bins up to the 99th percentile (the last bin takes the tail).
  auto top = Sql(db, "SELECT quantile_cont(clv, 0.99) AS p99, count(*) AS n FROM " + source +
                         " WHERE clv IS NOT NULL");
  if (top.ok() && !top->empty() && (*top)[0]["p99"].is_number() &&
      (*top)[0]["p99"].get<double>() > 0) {
    const double p99 = (*top)[0]["p99"].get<double>();
    const int kBins = 20;
    const double width = p99 / kBins;
    char w[64];
    std::snprintf(w, sizeof w, "%.17g", width);
    auto bins = Sql(db, "SELECT least(CAST(floor(greatest(clv, 0) / " + std::string(w) +
                            ") AS BIGINT), " + std::to_string(kBins - 1) +
                            ") AS bin, count(*) AS n FROM " + source +
                            " WHERE clv IS NOT NULL GROUP BY 1 ORDER BY 1");
    if (bins.ok()) {
      json labels = json::array(), counts = json::array();
      std::vector<double> n(kBins, 0);
      for (const auto& row : *bins) {
        const int64_t b = row.value("bin", int64_t{0});
        if (b >= 0 && b < kBins) n[b] = row.value("n", 0.0);
      }
      double total = 0, below_median_bin = 0;
      for (int b = 0; b < kBins; ++b) {
        char label[64];
        std::snprintf(label, sizeof label, b + 1 == kBins ? "≥%.0f" : "%.0f–%.0f", b * width,
                      (b + 1) * width);
        labels.push_back(label);
        counts.push_back(n[b]);
        total += n[b];
        if (b < kBins / 4) below_median_bin += n[b];
      }
      char sentence[256];
      std::snprintf(sentence, sizeof sentence,
                    "Value is concentrated: %.0f%% of customers are predicted below %.0f, a "
                    "quarter of the 99th percentile (%.0f).",
                    total > 0 ? 100.0 * below_median_bin / total : 0.0, p99 / 4, p99);
      dist["histogram"] = {{"labels", labels}, {"counts", counts}, {"takeaway", sentence}};
    }
  }
  inputs["clv_distribution"] = dist;
}

Result<std::string> FormatOf(const ReportArgs& args) {
  std::string format = args.format;
  if (format.empty()) {
    const std::string ext = std::filesystem::path(args.out).extension().string();
    format = ext == ".md" ? "md" : ext == ".json" ? "json" : "html";
  }
  if (format != "html" && format != "md" && format != "json") {
    return InvalidArgument("--format '" + format + "': expected html, md or json");
  }
  return format;
}

Status RunReport(const CliContext& ctx, const ReportArgs& args) {
  FW_ASSIGN_OR_RETURN(const std::string format, FormatOf(args));
  json inputs = json::object();
  FW_RETURN_IF_ERROR(GatherReportInputs(ctx.DbPath(), args, inputs));
  FW_ASSIGN_OR_RETURN(const json summary, WriteReport(ctx.DbPath(), args, inputs));
  if (ctx.json) {
    PrintJson(summary);
    return OkStatus();
  }
  std::cout << "wrote " << summary["out"].get<std::string>() << " (" << format << ", "
            << summary["sections"].size() << " sections"
            << (summary["complete"].get<bool>() ? ", complete" : ", INCOMPLETE") << ")\n";
  for (const auto& line : summary["narrative"]) std::cout << "  " << line.get<std::string>() << "\n";
  for (const auto& problem : summary["problems"]) {
    std::cerr << "problem: " << problem.get<std::string>() << "\n";
  }
  return OkStatus();
}

}  // namespace

Status GatherMmmModel(const std::string& db, const std::string& name, json& mmm) {
  mmm = {{"name", name}};
  auto curves = RunCommandJson(db, {"mmm", "curves", "--name", name});
  if (!curves.ok()) return curves.status().WithContext("mmm curves");
  mmm["curves"] = *curves;
  // The plan re-splits what is spent now: the model's mean spend per period, over 13 periods.
  double per_period = 0;
  for (const auto& [channel, c] : curves->items()) {
    if (c.contains("mean_spend") && c["mean_spend"].is_number()) per_period += c["mean_spend"].get<double>();
  }
  auto state = Sql(db, "SELECT state FROM models WHERE kind = 'mmm' AND name = " + SqlText(name) +
                           " ORDER BY created_at DESC LIMIT 1");
  if (state.ok() && !state->empty()) {
    json model = json::parse((*state)[0].value("state", std::string()), nullptr, false);
    if (!model.is_discarded() && model.contains("fit")) mmm["fit"] = model["fit"];
  }
  if (!(per_period > 0)) return FailedPrecondition("mmm plan: the model has no spend to re-split");
  char budget[64];
  std::snprintf(budget, sizeof budget, "%.2f", per_period * 13);
  auto plan = RunCommandJson(db, {"mmm", "plan", "--name", name, "--budget", budget,
                                  "--periods", "13"});
  if (!plan.ok()) return plan.status().WithContext("mmm plan");
  mmm["plan"] = *plan;
  return OkStatus();
}

Status GatherReportInputs(const std::string& db, const ReportArgs& args, json& inputs) {
  if (db != ":memory:" && !std::filesystem::exists(db)) {
    return NotFound("workspace " + db + " does not exist (give --db PATH, or run flywheel demo)");
  }
  if (!inputs.contains("problems")) inputs["problems"] = json::array();
  if (!inputs.contains("info")) {
    auto info = RunCommandJson(db, {"info"});
    if (!info.ok()) {
      return info.status().WithContext("reading workspace " + db);
    }
    inputs["info"] = *info;
  }
  const json info = inputs["info"];
  if (!inputs.contains("run") && TableRows(info, "models") > 0) {
    json problems = json::array();
    json run = LatestModelState(db, "demo_run", problems);
    if (!run.is_null()) inputs["run"] = run;
  }
  if (TableRows(info, "events") > 0) {
    Section(db, inputs, "acquisition", {"acquisition"});
    Section(db, inputs, "retention", {"retention", "--period", "week", "--periods", "8"});
    std::vector<std::string> funnel = {"funnel"};
    for (const auto& step : SplitComma(args.funnel)) funnel.push_back(step);
    funnel.insert(funnel.end(), {"--window", "7d"});
    Section(db, inputs, "funnel", funnel);
    Section(db, inputs, "lifecycle", {"lifecycle", "--period", "week"});
  }
  GatherSegments(db, info, inputs);
  GatherExperiments(db, args, info, inputs);
  if (TableRows(info, "models") > 0) {
    for (const auto& [key, kind] : {std::pair<const char*, const char*>{"simulation", "bandit_simulation"},
                                    {"allocation", "bandit_allocation"}}) {
      if (inputs.contains(key)) continue;
      json state = LatestModelState(db, kind, inputs["problems"]);
      if (!state.is_null()) inputs[key] = state;
    }
    GatherMmm(db, inputs);
  }
  if (TableRows(info, "events") > 0) GatherClv(db, args, info, inputs);
  return OkStatus();
}

Result<json> WriteReport(const std::string& db, const ReportArgs& args, const json& inputs) {
  FW_ASSIGN_OR_RETURN(const std::string format, FormatOf(args));
  report::BuildOptions options{.title = args.title, .workspace = db,
                               .sections = SplitComma(args.sections)};
  FW_ASSIGN_OR_RETURN(const report::ReportModel model, report::BuildReport(inputs, options));
  std::string text;
  if (format == "html") {
    const auto charts = web::FindAsset("charts.js");
    const auto script = web::FindAsset("report.js");
    if (!charts || !script) {
      return Internal("the binary lacks the embedded charts.js/report.js (re-run cmake so fw_web "
                      "picks up web/src)");
    }
    text = report::RenderHtml(model, {.chart_js = web::ChartJs(), .charts_js = *charts,
                                      .report_js = *script});
  } else if (format == "md") {
    text = report::RenderMarkdown(model);
  } else {
    text = model.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }
  FW_RETURN_IF_ERROR(WriteFileAtomic(args.out, text).WithContext("writing the report"));
  json sections = json::array();
  for (const auto& section : model["sections"]) sections.push_back(section["id"]);
  json narrative = json::array();
  for (const auto& line : report::Narrative(model)) narrative.push_back(line);
  return json{{"out", args.out},           {"format", format},
              {"complete", model["complete"]}, {"sections", sections},
              {"problems", model["problems"]}, {"findings", model["findings"]},
              {"narrative", narrative},    {"bytes", text.size()}};
}

void RegisterReportCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "report", "Write a self-contained growth report (HTML with inline charts, Markdown or JSON)");
  auto args = std::make_shared<ReportArgs>();
  cmd->add_option("--out", args->out, "Output file")->capture_default_str();
  cmd->add_option("--format", args->format, "html, md or json (default: from the --out extension)");
  std::string ids;
  for (const auto& id : report::SectionIds()) ids += (ids.empty() ? "" : ",") + id;
  // Checked at parse time, so a misspelt section is a usage error (exit 2) like any bad flag.
  const CLI::Validator known_sections(
      [](std::string& value) {
        const auto known = report::SectionIds();
        for (const auto& id : SplitComma(value)) {
          if (std::find(known.begin(), known.end(), id) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            return "unknown report section '" + id + "', expected one of: " + list;
          }
        }
        return std::string();
      },
      "SECTION[,SECTION...]");
  cmd->add_option("--sections", args->sections, "Comma-separated subset of: " + ids)
      ->check(known_sections);
  cmd->add_option("--title", args->title, "Report title")->capture_default_str();
  cmd->add_option("--funnel", args->funnel, "Funnel steps, comma-separated")->capture_default_str();
  cmd->add_option("--experiment-metrics", args->experiment_metrics,
                  "Metrics for each experiment in the exposures table")
      ->capture_default_str();
  cmd->add_option("--cuped", args->cuped, "CUPED covariate for experiments ('' for none)")
      ->capture_default_str();
  cmd->footer(
      "Example:\n  flywheel --db demo-out/flywheel.db report --out report.html\n"
      "  flywheel report --out summary.md --sections acquisition,experiments\n"
      "Sections without data in the workspace are left out; if a step failed, the report says\n"
      "INCOMPLETE at the top and lists the problems.");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunReport(ctx, *args); }; });
}

}  // namespace fw::cli
