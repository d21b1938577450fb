// SPDX-License-Identifier: Apache-2.0
//
// analysis.h: a whole experiment analysis: every treatment against the control for every
// metric, the sample-ratio-mismatch check, and the multiple-comparison correction.
//
// All three input paths (workspace exposures + events, a per-user table, summary statistics)
// end here with one MetricInput per metric, so they share one engine and one output format.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/experiment/arm_stats.h"
#include "flywheel/experiment/compare.h"
#include "flywheel/experiment/corrections.h"
#include "flywheel/experiment/srm.h"

namespace fw::experiment {

// One metric's per-arm statistics. Every metric of an analysis lists the same arms.
struct MetricInput {
  std::string name;
  MetricType type = MetricType::kMean;
  std::vector<ArmStats> arms;
};

struct AnalysisOptions {
  std::string control;                        // name of the control arm (required)
  CompareOptions compare;                     // method, test, alpha, ...
  Correction correction = Correction::kNone;  // across all (treatment, metric) p-values
  std::vector<double> weights;                // expected arm shares in arm order; empty = equal

  Status Validate() const;
};

struct MetricReport {
  std::string metric;
  MetricType type = MetricType::kMean;
  std::string control;
  int64_t control_n = 0;
  double control_mean = 0;
  std::vector<Comparison> results;  // one per treatment, in arm order
};

struct AnalysisReport {
  std::vector<std::string> arms;   // arm names in order
  std::vector<int64_t> arm_units;  // units per arm (of the first metric) for the SRM check
  SrmResult srm;
  std::vector<MetricReport> metrics;
  AnalysisOptions options;
};

// Runs the analysis. Errors: kInvalidArgument for no metrics, fewer than 2 arms, duplicate
// arm names, metrics whose arms differ, weights of the wrong size, bad options; kNotFound if
// the control is not among the arms (the message lists them).
Result<AnalysisReport> Analyze(std::span<const MetricInput> metrics,
                               const AnalysisOptions& options);

// The report as the documented JSON document (docs/experiment.md):
// {"srm": {...}, "metrics": [{"metric", "control": {...}, "results": [...]}], ...}.
// Non-applicable or uncomputable fields are null; never NaN.
nlohmann::json ReportToJson(const AnalysisReport& report);

// A one-line verdict in words, e.g. "treatment is better with 97.2% probability" (Bayesian)
// or "treatment is significantly worse (p = 0.003)".
std::string Verdict(const Comparison& result, const AnalysisOptions& options);

}  // namespace fw::experiment
