// SPDX-License-Identifier: Apache-2.0
//
// report.cc: assembles the report model from the section builders, and the demo's narrative.
#include "flywheel/report/report.h"

#include <algorithm>

#include "report_internal.h"

namespace fw::report {
namespace {

using internal::json;

// Whether the caller's inputs say the run behind them is complete; failed steps and problems
// met while gathering become the status banner's list.
bool CollectRunProblems(const json& inputs, json& problems) {
  bool complete = true;
  if (inputs.contains("run") && inputs["run"].is_object()) {
    const auto& run = inputs["run"];
    complete = run.value("complete", false);
    for (const auto& step : run.value("steps", json::array())) {
      if (!step.value("ok", false)) {
        problems.push_back("step '" + step.value("name", "?") +
                           "' failed: " + step.value("error", "no message"));
      }
    }
    for (const auto& step : run.value("skipped", json::array())) {
      problems.push_back("step '" + step.get<std::string>() + "' did not run");
    }
  }
  for (const auto& problem : inputs.value("problems", json::array())) problems.push_back(problem);
  return complete;
}

}  // namespace

const std::vector<std::string>& SectionIds() {
  static const std::vector<std::string> kIds = {"overview",  "acquisition", "retention",
                                                "funnel",    "lifecycle",   "segments",
                                                "experiments", "bandits",   "mmm",
                                                "clv"};
  return kIds;
}

Result<ReportModel> BuildReport(const ReportInputs& inputs, const BuildOptions& options) {
  for (const auto& id : options.sections) {
    const auto& ids = SectionIds();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      std::string known;
      for (const auto& k : ids) known += (known.empty() ? "" : ", ") + k;
      return InvalidArgument("unknown report section '" + id + "', expected one of: " + known);
    }
  }
  auto wanted = [&](const std::string& id) {
    return options.sections.empty() ||
           std::find(options.sections.begin(), options.sections.end(), id) !=
               options.sections.end();
  };
  json model = {{"title", options.title},     {"workspace", options.workspace},
                {"sections", json::array()},  {"kpis", json::array()},
                {"problems", json::array()},  {"findings", json::object()}};
  json& problems = model["problems"];
  json& findings = model["findings"];
  bool complete = CollectRunProblems(inputs, problems);

  std::string data_range;
  json overview = internal::BuildOverview(inputs, model["kpis"], data_range);
  if (!data_range.empty()) model["data_range"] = data_range;
  if (!overview.is_null() && wanted("overview")) model["sections"].push_back(overview);

  using Builder = json (*)(const json&, json&, json&);
  const std::vector<std::pair<std::string, Builder>> builders = {
      {"acquisition", internal::BuildAcquisition}, {"retention", internal::BuildRetention},
      {"funnel", internal::BuildFunnel},           {"lifecycle", internal::BuildLifecycle},
      {"segments", internal::BuildSegments},       {"experiments", internal::BuildExperiments},
      {"bandits", internal::BuildBandits},         {"mmm", internal::BuildMmm},
      {"clv", internal::BuildClv}};
  for (const auto& [id, build] : builders) {
    if (!wanted(id)) continue;
    json section = build(inputs, findings, problems);
    if (!section.is_null()) model["sections"].push_back(std::move(section));
  }
  if (model["sections"].empty()) problems.push_back("the workspace holds no data for any section");
  model["complete"] = complete && problems.empty();
  return model;
}

std::vector<std::string> Narrative(const ReportModel& model) {
  std::vector<std::string> lines;
  const auto& findings = model.value("findings", json::object());
  for (const char* key : {"channel", "segment", "experiment", "retention", "bandit", "mmm", "clv"}) {
    if (findings.contains(key) && findings[key].contains("sentence")) {
      lines.push_back(findings[key]["sentence"].get<std::string>());
    }
  }
  if (!model.value("complete", false)) {
    lines.push_back("The report is INCOMPLETE: " +
                    std::to_string(model.value("problems", json::array()).size()) +
                    " problem(s), listed at its top.");
  }
  return lines;
}

}  // namespace fw::report
