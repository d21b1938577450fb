// SPDX-License-Identifier: Apache-2.0
//
// report_cli.h: the `flywheel report` pipeline, shared with `flywheel demo`: gather the inputs
// (each section's data, from the other commands' --json output and the workspace tables), build
// the model (fw_report) and write it as HTML, Markdown or JSON.
//
// Thread safety: re-enters the command layer (command_runner.h); main thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::cli {

struct ReportArgs {
  std::string out = "report.html";   // output file
  std::string format;                // html, md or json; empty = from the extension of `out`
  std::string sections;              // comma-separated section ids; empty = all with data
  std::string title = "Flywheel growth report";
  std::string funnel = "signup,view,add_to_cart,purchase";  // funnel steps, in order
  std::string experiment_metrics = "conversion:purchase,revenue,retention:7d";
  std::string cuped = "pre:count:view:14";  // CUPED covariate for experiment analyze
  std::string work_dir;              // scratch files (CLV predictions); default: beside `out`
};

// Fills the keys of `inputs` (see flywheel/report/report.h) that are not already there, by running
// the commands on the workspace `db`. A section whose command fails is recorded in
// inputs["problems"] and left out; a workspace that cannot be read at all is an error.
Status GatherReportInputs(const std::string& db, const ReportArgs& args, nlohmann::json& inputs);

// The MMM section's inputs for the saved model `name`: {"name", "curves", "plan", "fit"}. The plan
// re-splits the model's current mean spend per period over 13 periods, so it reads as "the same
// money, split better". Errors name the failing command (mmm curves or mmm plan).
Status GatherMmmModel(const std::string& db, const std::string& name, nlohmann::json& mmm);

// Builds the report from `inputs` and writes it to args.out (atomically). Returns a summary:
// {"out", "format", "complete", "sections": [ids], "problems", "findings", "narrative"}.
Result<nlohmann::json> WriteReport(const std::string& db, const ReportArgs& args,
                                   const nlohmann::json& inputs);

}  // namespace fw::cli
