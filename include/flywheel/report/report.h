// SPDX-License-Identifier: Apache-2.0
//
// report.h: the growth report, built from the JSON documents the commands print and rendered as
// one self-contained HTML file, Markdown or JSON.
//
// The report is a pure function of its inputs: the CLI (`flywheel report`, `flywheel demo`)
// gathers each command's --json output into a ReportInputs object and this module turns it into
// a ReportModel: sections, each with charts (title, axis labels with units, data) and a
// one-sentence takeaway computed from the numbers. A section whose input is missing is left out;
// a section whose input is present but unusable is listed in `problems` instead of being drawn.
//
// The renderers never touch the network or the file system: the HTML renderer receives the
// JavaScript it inlines (Chart.js and the shared chart helpers) as strings.
//
// Thread safety: every function is pure and reentrant.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::report {

// Input keys, each the --json document of the command named in the comment. Any may be absent.
//   "info"        flywheel info
//   "acquisition" flywheel acquisition
//   "retention"   flywheel retention --period week
//   "funnel"      flywheel funnel signup view add_to_cart purchase
//   "lifecycle"   flywheel lifecycle --period week
//   "segments"    {"run_id", "profiles": rows of the segment_profiles table, "sizes"}
//   "experiments" array of flywheel experiment analyze NAME documents
//   "simulation"  flywheel simulate --scenario ecommerce
//   "allocation"  flywheel allocate
//   "mmm"         {"name", "fit": the saved model, "curves": mmm curves, "plan": mmm plan}
//   "clv"         flywheel clv (optionally "clv_by_segment": flywheel clv --by segment)
//   "run"         {"steps": [{"name", "ok", "seconds", "error"}], "complete": bool} from demo
using ReportInputs = nlohmann::json;

// The report as data: {"title", "workspace", "complete", "problems": [..], "kpis": [{label,
// value}], "sections": [{"id", "title", "takeaway", "charts": [..], "tables": [..]}]}. A chart is
// {"id", "title", "type" (bar|hbar|line|xy|forest|stacked), "x_label", "y_label", "labels",
// "series": [{"name", "data"}], "takeaway"}; a table is {"title", "columns", "rows", "heat"}.
using ReportModel = nlohmann::json;

// The sections in report order. `--sections` takes a comma-separated subset of these ids.
const std::vector<std::string>& SectionIds();

struct BuildOptions {
  std::string title = "Flywheel growth report";
  std::string workspace;                 // shown in the header; the workspace path
  std::vector<std::string> sections;     // ids to include (empty = all with data)
};

// Builds the model. Errors: kInvalidArgument for an unknown section id.
Result<ReportModel> BuildReport(const ReportInputs& inputs, const BuildOptions& options);

// The scripts the HTML renderer inlines, in this order.
struct HtmlAssets {
  std::string_view chart_js;   // the Chart.js UMD bundle (defines `Chart`)
  std::string_view charts_js;  // web/src/charts.js, the helpers shared with the dashboard
  std::string_view report_js;  // web/src/report.js, draws the model's charts
};

// One HTML document with every style and script inline and a Content-Security-Policy that
// forbids any request. Readable without JavaScript (tables, takeaways) and when printed.
std::string RenderHtml(const ReportModel& model, const HtmlAssets& assets);

// Markdown: takeaways, and each chart's data as a table.
std::string RenderMarkdown(const ReportModel& model);

// The short narrative `flywheel demo` prints: one line per finding (best channel, segment to
// fund, experiment verdict, retention trend, ...), from the same model as the report.
std::vector<std::string> Narrative(const ReportModel& model);

}  // namespace fw::report
