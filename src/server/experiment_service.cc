// SPDX-License-Identifier: Apache-2.0
//
// experiment_service.cc: assignment and results over the hot frame (see experiment_service.h).
#include "experiment_service.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "flywheel/core/thread_pool.h"
#include "flywheel/experiment/analysis.h"
#include "flywheel/experiment/event_metrics.h"
#include "flywheel/experiment/user_summary.h"

namespace fw::server {

namespace ex = fw::experiment;
using nlohmann::json;

Result<ex::ExperimentDefinition> LoadExperiment(store::Workspace& workspace,
                                                const std::string& name) {
  FW_ASSIGN_OR_RETURN(auto rows,
                      workspace.Query("SELECT definition FROM experiments WHERE name = ?", {name}));
  if (rows.rows.empty() || !rows.rows[0][0]) {
    return NotFound("experiment '" + name + "' not found; create it with `flywheel experiment "
                    "create " + name + " --variants control:0.5,treatment:0.5`");
  }
  return ex::DefinitionFromJson(*rows.rows[0][0]);
}

json AssignmentJson(const ex::ExperimentDefinition& def, const std::string& user_id) {
  const ex::Assignment a = ex::Assign(def, user_id);
  return {{"experiment", def.name},
          {"user_id", user_id},
          {"variant", a.variant_idx ? json(def.variants[*a.variant_idx].name) : json(nullptr)},
          {"status", ex::AssignmentStatusName(a.status)},
          {"bucket", a.bucket}};
}

Result<store::QueryResult> ExposureRows(store::Workspace& workspace, const std::string& name) {
  return workspace.Query(
      "SELECT user_id, arg_min(variant, ts), epoch_us(min(ts)), min(variant) = max(variant) "
      "FROM exposures WHERE experiment = ? GROUP BY user_id ORDER BY user_id",
      {name});
}

ExposureMetricsFn FrameExposureMetrics(const store::EventFrame& frame) {
  return [&frame](const std::vector<std::string>& user_ids, const std::vector<int64_t>& exposure_us,
                  std::vector<ex::ResolvedMetric>& metrics,
                  int64_t window_us) -> Result<ex::ExposureMetricValues> {
    // Frame user ids -> dense index. A hash map: the frame is not guaranteed sorted by id.
    std::unordered_map<std::string_view, int64_t> by_id;
    by_id.reserve(frame.user_ids.size());
    for (size_t u = 0; u < frame.user_ids.size(); ++u) {
      by_id[frame.user_ids[u]] = static_cast<int64_t>(u);
    }
    std::vector<int64_t> frame_user(user_ids.size(), -1);
    for (size_t i = 0; i < user_ids.size(); ++i) {
      if (user_ids[i].empty()) continue;
      if (auto f = by_id.find(user_ids[i]); f != by_id.end()) frame_user[i] = f->second;
    }
    auto code_of = [&](const std::string& event) {
      auto c = frame.events.Find(event);
      return c ? *c : ex::kAbsentEvent;
    };
    for (ex::ResolvedMetric& rm : metrics) {
      rm.event_code = code_of(rm.spec.event);
      rm.denominator_code = code_of(rm.spec.denominator);
    }
    ex::EventColumns cols{.user_offsets = frame.user_offsets, .time_us = frame.time_us,
                          .event = frame.event, .revenue = frame.revenue};
    return ex::ComputeExposureMetrics(cols, frame_user, exposure_us, metrics, window_us, 2);
  };
}

Result<json> ExperimentResults(const std::optional<ex::ExperimentDefinition>& def,
                               const std::string& name, const store::QueryResult& exposures,
                               const ResultsQuery& query, const ExposureMetricsFn& metric_values) {
  std::vector<std::string> metric_texts = query.metrics;
  if (metric_texts.empty() && def) metric_texts = def->metrics;
  if (metric_texts.empty()) {
    return InvalidArgument("no metric: add ?metric=conversion:EVENT (or count:EVENT, revenue, "
                           "retention:Nd, ratio:NUM/DEN)");
  }
  if (exposures.rows.empty()) return NotFound("experiment '" + name + "' has no exposures yet");
  std::set<std::string> seen;
  if (def) {
    for (const auto& v : def->variants) seen.insert(v.name);
  } else {
    for (const auto& row : exposures.rows) seen.insert(row[1].value_or(""));
  }
  const std::string control = def ? def->ControlName() : std::string("control");
  if (!seen.count(control)) {
    return InvalidArgument("experiment '" + name + "' has no arm named '" + control + "'");
  }
  std::vector<std::string> arms = {control};
  if (def) {
    for (const auto& v : def->variants) {
      if (v.name != control) arms.push_back(v.name);
    }
  } else {
    for (const auto& s : seen) {
      if (s != control) arms.push_back(s);
    }
  }
  std::map<std::string, uint32_t> index;
  for (size_t i = 0; i < arms.size(); ++i) index[arms[i]] = static_cast<uint32_t>(i);
  const size_t n = exposures.rows.size();
  std::vector<std::string> user_ids(n);
  std::vector<int64_t> exposure_us(n, 0);
  std::vector<uint32_t> arm_of_user(n, ex::kNoArm);
  int64_t excluded = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& row = exposures.rows[i];
    if (row[3] && *row[3] != "true") {  // seen in more than one arm
      ++excluded;
      continue;
    }
    auto it = index.find(row[1].value_or(""));
    if (it == index.end()) {
      return InvalidArgument("an exposure of user '" + row[0].value_or("") + "' names variant '" +
                             row[1].value_or("") + "', which experiment '" + name +
                             "' does not define");
    }
    arm_of_user[i] = it->second;
    exposure_us[i] = std::stoll(row[2].value_or("0"));
    user_ids[i] = row[0].value_or("");
  }
  std::vector<ex::ResolvedMetric> resolved;
  for (const auto& text : metric_texts) {
    FW_ASSIGN_OR_RETURN(ex::MetricSpec spec, ex::ParseMetricSpec(text));
    ex::ResolvedMetric rm;
    rm.spec = spec;
    resolved.push_back(std::move(rm));
  }
  FW_ASSIGN_OR_RETURN(auto values, metric_values(user_ids, exposure_us, resolved, query.window_us));
  std::vector<ex::MetricInput> inputs;
  for (size_t m = 0; m < resolved.size(); ++m) {
    ex::UserValues uv{.name = resolved[m].spec.text, .type = resolved[m].spec.type(),
                      .values = values.values[m], .denominators = values.denominators[m],
                      .covariates = values.covariates[m]};
    FW_ASSIGN_OR_RETURN(auto in, ex::SummarizeByArm(uv, arm_of_user, arms));
    inputs.push_back(std::move(in));
  }
  ex::AnalysisOptions o;
  o.control = control;
  if (def) {
    for (const auto& arm : arms) {
      for (const auto& v : def->variants) {
        if (v.name == arm) o.weights.push_back(v.weight);
      }
    }
  }
  FW_ASSIGN_OR_RETURN(auto report, ex::Analyze(inputs, o));
  json doc = ex::ReportToJson(report);
  doc["source"] = "experiment '" + name + "' (flywheel serve)";
  doc["excluded_users"] = excluded;
  return doc;
}

}  // namespace fw::server
