// SPDX-License-Identifier: Apache-2.0
//
// demo.cc: `flywheel demo`: the whole growth loop of the founding document, end to end, in a
// fresh workspace: generate → ingest → segment → acquisition/retention/funnel/lifecycle →
// experiment analyze checkout_v2 (CUPED) → simulate → allocate → mmm fit/plan → clv → report.
//
// Each step is the command a user would type, re-entered in process (command_runner.h), so the
// demo exercises exactly the CLI. Progress goes to stderr, one line per step with its time. The
// first failing step stops the run: its name and message are the error, and the report is still
// written but marked INCOMPLETE (it lists the failed step and the ones that did not run), so a
// partial report can never pass for a complete one. The run's record is saved in the models
// table (kind demo_run), so a later `flywheel report` on the workspace knows it too.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "cli_context.h"
#include "command_runner.h"
#include "flywheel/report/report.h"
#include "output.h"
#include "report_cli.h"

namespace fw::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "demo-out";
  int64_t users = 100000;
  int days = 90;
  uint64_t seed = 42;
  std::string data;  // use DIR/{events,spend,exposures}.csv instead of generating
};

struct Step {
  std::string name;                // what the progress line and an error call it
  std::function<Status()> run;
};

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Saves `state` in the models table under (name, kind), replacing an older one.
Status SaveModel(const std::string& db, const std::string& kind, const std::string& name,
                 const json& state) {
  const std::string text = state.dump(-1, ' ', false, json::error_handler_t::replace);
  FW_RETURN_IF_ERROR(RunCommandJson(db, {"sql", "--write",
                                         "DELETE FROM models WHERE kind = " + Quote(kind) +
                                             " AND name = " + Quote(name)})
                         .status());
  return RunCommandJson(db, {"sql", "--write",
                             "INSERT INTO models VALUES (" + Quote(name) + ", " + Quote(kind) +
                                 ", " + Quote(text) + ", current_timestamp::TIMESTAMP)"})
      .status();
}

// The segment command's document in the report's shape (the one segment_profiles holds).
json SegmentInputs(const json& doc) {
  json seg = {{"run_id", doc.value("run_id", "")}, {"profiles", json::array()}};
  for (const auto& s : doc.value("segments", json::array())) {
    seg["profiles"].push_back({{"segment", s.value("id", 0)},
                               {"label", s.value("label", "")},
                               {"size", s.value("size", json())},
                               {"share", s.value("share", json())},
                               {"centroid", s.value("centroid", json())},
                               {"top_features", s.value("top_features", json())}});
  }
  return seg;
}

// The spend columns of an `mmm simulate` CSV: every header column but date, sales and promo.
Result<std::string> MmmChannels(const std::string& csv) {
  std::ifstream in(csv);
  std::string header;
  if (!in || !std::getline(in, header)) return NotFound(csv + ": cannot read the header");
  std::string channels, column;
  std::stringstream stream(header);
  while (std::getline(stream, column, ',')) {
    if (column == "date" || column == "sales" || column == "promo") continue;
    channels += (channels.empty() ? "" : ",") + column;
  }
  if (channels.empty()) return InvalidArgument(csv + ": no spend columns in the header");
  return channels;
}

Status RunDemo(const CliContext& ctx, const DemoArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec) return InvalidArgument("--out " + args.out + ": cannot create: " + ec.message());
  const std::string db = (fs::path(args.out) / "flywheel.db").string();
  const std::string data = args.data.empty() ? (fs::path(args.out) / "data").string() : args.data;
  const std::string report_path = (fs::path(args.out) / "report.html").string();
  // A fresh workspace: the demo's own files only, never anything else in the folder.
  for (const auto& name : {"flywheel.db", "flywheel.db.wal", "report.html", "clv_predictions.csv"}) {
    fs::remove(fs::path(args.out) / name, ec);
  }
  const std::string seed = std::to_string(args.seed);
  auto file = [&](const char* name) { return (fs::path(data) / name).string(); };

  json inputs = {{"problems", json::array()}};
  // Runs a command and keeps its document under `key` of the report inputs (if key is set).
  auto command = [&](const std::string& key, std::vector<std::string> argv) -> Status {
    FW_ASSIGN_OR_RETURN(json doc, RunCommandJson(db, argv));
    if (!key.empty()) inputs[key] = std::move(doc);
    return OkStatus();
  };
  double next_budget = 0;
  const std::string mmm_csv = file("mmm.csv");
  ReportArgs report_args;
  report_args.out = report_path;
  report_args.work_dir = args.out;

  std::vector<Step> steps;
  if (args.data.empty()) {
    steps.push_back({"generate", [&] {
                       return RunCommandJson("", {"generate", "--users", std::to_string(args.users),
                                                  "--days", std::to_string(args.days), "--seed",
                                                  seed, "--out", data})
                           .status();
                     }});
  }
  for (const char* table : {"events", "spend", "exposures"}) {
    steps.push_back({std::string("ingest ") + table, [&, table] {
                       const std::string path = file((std::string(table) + ".csv").c_str());
                       if (!fs::exists(path)) return NotFound(path + ": no such file");
                       FW_ASSIGN_OR_RETURN(json doc, RunCommandJson(db, {"ingest", table, path}));
                       if (doc.value("inserted", 0) == 0) {
                         return FailedPrecondition(path + ": no rows were loaded (" +
                                                   std::to_string(doc.value("rejected", 0)) +
                                                   " rejected)");
                       }
                       return OkStatus();
                     }});
  }
  // The behaviour set (per-visit rates, nothing that grows with tenure) is the one that finds
  // the generator's planted segments; the RFM set mostly splits users by signup day.
  steps.push_back({"segment --features behaviour --k auto", [&] {
                     FW_ASSIGN_OR_RETURN(json doc, RunCommandJson(db, {"segment", "--features",
                                                                       "behaviour", "--k", "auto",
                                                                       "--seed", seed}));
                     inputs["segments"] = SegmentInputs(doc);
                     return OkStatus();
                   }});
  steps.push_back({"acquisition", [&] { return command("acquisition", {"acquisition"}); }});
  steps.push_back({"retention", [&] {
                     return command("retention", {"retention", "--period", "week", "--periods", "8"});
                   }});
  steps.push_back({"funnel", [&] {
                     return command("funnel", {"funnel", "signup", "view", "add_to_cart",
                                               "purchase", "--window", "7d"});
                   }});
  steps.push_back({"lifecycle", [&] {
                     return command("lifecycle", {"lifecycle", "--period", "week"});
                   }});
  steps.push_back({"experiment analyze checkout_v2", [&] {
                     FW_ASSIGN_OR_RETURN(
                         json doc, RunCommandJson(db, {"experiment", "analyze", "checkout_v2",
                                                       "--metric", "conversion:purchase",
                                                       "--metric", "revenue", "--metric",
                                                       "retention:7d", "--cuped",
                                                       "pre:count:view:14"}));
                     doc["experiment"] = "checkout_v2";
                     inputs["experiments"] = json::array({doc});
                     return OkStatus();
                   }});
  steps.push_back({"simulate --scenario ecommerce", [&] {
                     FW_ASSIGN_OR_RETURN(json doc, RunCommandJson(db, {"simulate", "--scenario",
                                                                       "ecommerce", "--seed",
                                                                       seed}));
                     inputs["simulation"] = doc;
                     return SaveModel(db, "bandit_simulation", "ecommerce", doc);
                   }});
  steps.push_back({"allocate", [&] {
                     // Next week's budget: what the last 7 days of spend cost.
                     FW_ASSIGN_OR_RETURN(
                         json rows,
                         RunCommandJson(db, {"sql", "SELECT sum(spend) AS budget FROM spend "
                                                    "WHERE date > (SELECT max(date) FROM spend) "
                                                    "- INTERVAL 7 DAY"}));
                     if (rows.empty() || !rows[0]["budget"].is_number() ||
                         !(rows[0]["budget"].get<double>() > 0)) {
                       return FailedPrecondition("the spend table has no spend in the last 7 days");
                     }
                     next_budget = rows[0]["budget"].get<double>();
                     char budget[64];
                     std::snprintf(budget, sizeof budget, "%.2f", next_budget);
                     FW_ASSIGN_OR_RETURN(json doc, RunCommandJson(db, {"allocate", "--budget",
                                                                       budget, "--by", "segment",
                                                                       "--seed", seed}));
                     inputs["allocation"] = doc;
                     return SaveModel(db, "bandit_allocation", "next_week", doc);
                   }});
  steps.push_back({"mmm simulate", [&] {
                     return RunCommandJson("", {"mmm", "simulate", "--out", mmm_csv, "--truth",
                                                file("mmm_truth.json"), "--seed", seed})
                         .status();
                   }});
  steps.push_back({"mmm fit", [&] {
                     FW_ASSIGN_OR_RETURN(const std::string channels, MmmChannels(mmm_csv));
                     return RunCommandJson(db, {"mmm", "fit", "--input", mmm_csv, "--date-col",
                                                "date", "--target", "sales", "--channels",
                                                channels, "--controls", "promo", "--save-as",
                                                "demo", "--seed", seed})
                         .status();
                   }});
  steps.push_back({"mmm plan", [&] {
                     json mmm;
                     FW_RETURN_IF_ERROR(GatherMmmModel(db, "demo", mmm));
                     inputs["mmm"] = mmm;
                     return OkStatus();
                   }});
  steps.push_back({"clv", [&] {
                     return command("clv", {"clv", "--by", "segment", "--out",
                                            (fs::path(args.out) / "clv_predictions.csv").string()});
                   }});

  json run = {{"steps", json::array()}, {"skipped", json::array()}, {"complete", false}};
  Status failure;
  std::string failed_step;
  const size_t total = steps.size() + 1;  // + report
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!failure.ok()) {
      run["skipped"].push_back(steps[i].name);
      continue;
    }
    const auto step_start = std::chrono::steady_clock::now();
    std::fprintf(stderr, "[%2zu/%zu] %-32s", i + 1, total, steps[i].name.c_str());
    std::fflush(stderr);
    Status status;
    try {
      status = steps[i].run();
    } catch (const std::exception& e) {
      status = Internal(std::string("unexpected exception: ") + e.what());
    }
    const double seconds = Seconds(step_start);
    json record = {{"name", steps[i].name}, {"ok", status.ok()}, {"seconds", seconds}};
    if (status.ok()) {
      std::fprintf(stderr, " ok  %6.2f s\n", seconds);
    } else {
      std::fprintf(stderr, " FAILED after %.2f s\n", seconds);
      record["error"] = status.message();
      failure = status;
      failed_step = steps[i].name;
    }
    run["steps"].push_back(record);
  }
  run["complete"] = failure.ok();
  inputs["run"] = run;

  // The report, complete or not. It needs a readable workspace; without one there is none.
  const auto report_start = std::chrono::steady_clock::now();
  std::fprintf(stderr, "[%2zu/%zu] %-32s", total, total, "report");
  json summary;
  Status report_status;
  if (fs::exists(db)) {
    report_status = SaveModel(db, "demo_run", "last", run);
    if (report_status.ok()) report_status = GatherReportInputs(db, report_args, inputs);
    if (report_status.ok()) {
      auto written = WriteReport(db, report_args, inputs);
      if (written.ok()) summary = *written;
      else report_status = written.status();
    }
  } else {
    report_status = FailedPrecondition("no workspace was created, so there is nothing to report");
  }
  std::fprintf(stderr, report_status.ok() ? " ok  %6.2f s\n" : " FAILED after %.2f s\n",
               Seconds(report_start));
  const double total_seconds = Seconds(start);

  if (ctx.json) {
    // Every step the progress lines showed, the report included.
    json report_steps = run["steps"];
    json report_record = {{"name", "report"}, {"ok", report_status.ok()},
                          {"seconds", Seconds(report_start)}};
    if (!report_status.ok()) report_record["error"] = report_status.message();
    report_steps.push_back(report_record);
    json doc = {{"out", args.out},          {"workspace", db},
                {"report", summary.is_null() ? json() : json(report_path)},
                {"complete", failure.ok() && report_status.ok() && summary.value("complete", false)},
                {"seconds", total_seconds}, {"steps", report_steps},
                {"skipped", run["skipped"]},
                {"findings", summary.value("findings", json::object())},
                {"narrative", summary.value("narrative", json::array())},
                {"problems", summary.value("problems", json::array())}};
    if (!failure.ok()) doc["failed_step"] = failed_step;
    PrintJson(doc);
  } else if (!summary.is_null()) {
    std::cout << "\nWhat the data says:\n";
    for (const auto& line : summary["narrative"]) std::cout << "  - " << line.get<std::string>() << "\n";
    std::cout << "\nReport: " << report_path
              << (summary.value("complete", false) ? "" : "  (INCOMPLETE: see its first lines)")
              << "\nWorkspace: " << db << "   total " << FormatNumber(total_seconds, 3) << " s\n";
  }
  if (!failure.ok()) {
    return failure.WithContext("demo step '" + failed_step + "' failed (later steps skipped; " +
                               (summary.is_null() ? std::string("no report written")
                                                  : "report " + report_path + " is marked INCOMPLETE") +
                               ")");
  }
  if (!report_status.ok()) return report_status.WithContext("demo step 'report' failed");
  return OkStatus();
}

}  // namespace

void RegisterDemoCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "demo", "Run the whole growth loop on generated data and write report.html");
  auto args = std::make_shared<DemoArgs>();
  cmd->add_option("--out", args->out, "Folder for the workspace, data and report")
      ->capture_default_str();
  cmd->add_option("--users", args->users, "Users to generate")->capture_default_str();
  cmd->add_option("--days", args->days, "Days to generate")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of every step")->capture_default_str();
  cmd->add_option("--data", args->data,
                  "Use DIR/events.csv, spend.csv, exposures.csv instead of generating");
  cmd->footer(
      "Example:\n  flywheel demo --out demo-out --users 100000 --seed 42\n"
      "  open demo-out/report.html\n"
      "Steps: generate, ingest events/spend/exposures, segment --features behaviour --k auto,\n"
      "acquisition, retention, funnel, lifecycle, experiment analyze checkout_v2 (CUPED),\n"
      "simulate --scenario ecommerce, allocate (next week's budget), mmm simulate/fit/plan,\n"
      "clv --by segment, report.");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunDemo(ctx, *args); }; });
}

}  // namespace fw::cli
