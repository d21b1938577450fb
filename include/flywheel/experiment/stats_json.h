// SPDX-License-Identifier: Apache-2.0
//
// stats_json.h: reads the summary-statistics input (`--stats FILE.json`) for teams whose
// warehouse already aggregated.
//
// Format (docs/experiment.md):
//   {"type": "mean"|"proportion"|"ratio", "control": "NAME", "metric": "optional name",
//    "variants": [{"name": "...", "n": 1000, "sum": 120, "sum_squares": 120,
//                  "weight": 0.5,                                   (optional, for SRM)
//                  "denominator_sum": ..., "denominator_sum_squares": ...,
//                  "main_denominator_sum_product": ...,             (ratio only)
//                  "covariate_sum": ..., "covariate_sum_squares": ...,
//                  "main_covariate_sum_product": ...}]}             (all three turn CUPED on)
// A document may also hold {"control": ..., "metrics": [ {type, metric, variants}, ... ]}.
// For proportions sum_squares may be omitted (it equals sum).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/experiment/analysis.h"

namespace fw::experiment {

struct StatsInput {
  std::string control;
  std::vector<MetricInput> metrics;
  std::vector<double> weights;  // per arm, empty when no variant gave a weight
};

// Parses the document in `text`; `source` names it in errors ("file.json: variants[1].n: ...").
// Errors: kInvalidArgument for malformed JSON, a missing or mistyped field, a negative or
// non-integer n, an unknown type, a proportion with sum > n, or a partial covariate triple.
Result<StatsInput> ParseStatsJson(const std::string& text, const std::string& source);

}  // namespace fw::experiment
