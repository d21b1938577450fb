// SPDX-License-Identifier: Apache-2.0
//
// stats_json.cc: the summary-statistics JSON reader (see stats_json.h). nlohmann's parse
// errors and type errors stop here and become Status values naming the field.
#include "flywheel/experiment/stats_json.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "flywheel/experiment/compare.h"

namespace fw::experiment {
namespace {

using nlohmann::json;

Result<double> GetNumber(const json& obj, const std::string& key, const std::string& where,
                         bool required, double fallback = 0) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return InvalidArgument(where + ": missing field '" + key + "'");
    return fallback;
  }
  if (!it->is_number()) {
    return InvalidArgument(where + "." + key + ": expected a number, got " + it->dump());
  }
  const double v = it->get<double>();
  if (!std::isfinite(v)) return InvalidArgument(where + "." + key + ": not a finite number");
  return v;
}

Result<MetricType> ParseType(const json& obj, const std::string& where) {
  auto it = obj.find("type");
  if (it == obj.end() || !it->is_string()) {
    return InvalidArgument(where + ": missing \"type\" (mean|proportion|ratio)");
  }
  const std::string t = it->get<std::string>();
  if (t == "mean") return MetricType::kMean;
  if (t == "proportion") return MetricType::kProportion;
  if (t == "ratio") return MetricType::kRatio;
  return InvalidArgument(where + ".type: unknown type '" + t + "', expected mean|proportion|ratio");
}

Result<MetricInput> ParseMetric(const json& obj, const std::string& where,
                                std::vector<double>* weights) {
  if (!obj.is_object()) return InvalidArgument(where + ": expected an object");
  MetricInput m;
  FW_ASSIGN_OR_RETURN(m.type, ParseType(obj, where));
  m.name = obj.contains("metric") && obj["metric"].is_string() ? obj["metric"].get<std::string>()
                                                               : std::string("metric");
  auto vit = obj.find("variants");
  if (vit == obj.end() || !vit->is_array() || vit->empty()) {
    return InvalidArgument(where + ": missing or empty \"variants\" array");
  }
  bool any_weight = false;
  std::vector<double> w;
  for (size_t i = 0; i < vit->size(); ++i) {
    const json& v = (*vit)[i];
    const std::string vw = where + ".variants[" + std::to_string(i) + "]";
    if (!v.is_object()) return InvalidArgument(vw + ": expected an object");
    ArmStats arm;
    auto nit = v.find("name");
    if (nit == v.end() || !nit->is_string() || nit->get<std::string>().empty()) {
      return InvalidArgument(vw + ": missing \"name\"");
    }
    arm.name = nit->get<std::string>();
    FW_ASSIGN_OR_RETURN(double n, GetNumber(v, "n", vw, true));
    if (n < 0 || n != std::floor(n) || n > 9e15) {
      return InvalidArgument(vw + ".n: expected a non-negative integer, got " + v["n"].dump());
    }
    arm.n = static_cast<int64_t>(n);
    FW_ASSIGN_OR_RETURN(arm.sum, GetNumber(v, "sum", vw, true));
    const bool proportion = m.type == MetricType::kProportion;
    FW_ASSIGN_OR_RETURN(arm.sum_squares, GetNumber(v, "sum_squares", vw, !proportion, arm.sum));
    if (proportion && (arm.sum < 0 || arm.sum > n)) {
      return InvalidArgument(vw + ".sum: a proportion's sum must be in [0, n], got " +
                             v["sum"].dump());
    }
    if (m.type == MetricType::kRatio) {
      FW_ASSIGN_OR_RETURN(arm.denominator_sum, GetNumber(v, "denominator_sum", vw, true));
      FW_ASSIGN_OR_RETURN(arm.denominator_sum_squares,
                          GetNumber(v, "denominator_sum_squares", vw, true));
      FW_ASSIGN_OR_RETURN(arm.main_denominator_sum_product,
                          GetNumber(v, "main_denominator_sum_product", vw, true));
    }
    // Sums no real data can produce: a clear error here rather than a null result later.
    auto check_sums = [&](const char* sum_key, double sum, const char* ss_key, double ss) {
      if (!SumsImplyNegativeVariance(n, sum, ss)) return OkStatus();
      return InvalidArgument(vw + "." + ss_key + ": " + v[ss_key].dump() + " is below " + sum_key +
                             "^2/n = " + std::to_string(sum * sum / n) +
                             ", which would make the variance negative");
    };
    if (!proportion) FW_RETURN_IF_ERROR(check_sums("sum", arm.sum, "sum_squares", arm.sum_squares));
    if (m.type == MetricType::kRatio) {
      FW_RETURN_IF_ERROR(check_sums("denominator_sum", arm.denominator_sum,
                                    "denominator_sum_squares", arm.denominator_sum_squares));
    }
    const int covariate_fields = static_cast<int>(v.contains("covariate_sum")) +
                                 static_cast<int>(v.contains("covariate_sum_squares")) +
                                 static_cast<int>(v.contains("main_covariate_sum_product"));
    if (covariate_fields != 0 && covariate_fields != 3) {
      return InvalidArgument(vw +
                             ": CUPED needs all of covariate_sum, covariate_sum_squares and "
                             "main_covariate_sum_product");
    }
    if (covariate_fields == 3) {
      if (m.type == MetricType::kRatio) {
        return Unimplemented(vw + ": CUPED on ratio metrics is not supported");
      }
      arm.has_covariate = true;
      FW_ASSIGN_OR_RETURN(arm.covariate_sum, GetNumber(v, "covariate_sum", vw, true));
      FW_ASSIGN_OR_RETURN(arm.covariate_sum_squares,
                          GetNumber(v, "covariate_sum_squares", vw, true));
      FW_ASSIGN_OR_RETURN(arm.main_covariate_sum_product,
                          GetNumber(v, "main_covariate_sum_product", vw, true));
      FW_RETURN_IF_ERROR(check_sums("covariate_sum", arm.covariate_sum, "covariate_sum_squares",
                                    arm.covariate_sum_squares));
    }
    if (v.contains("weight")) {
      any_weight = true;
      FW_ASSIGN_OR_RETURN(double wt, GetNumber(v, "weight", vw, true));
      w.push_back(wt);
    } else {
      w.push_back(0);
    }
    m.arms.push_back(std::move(arm));
  }
  const bool all_covariate =
      std::all_of(m.arms.begin(), m.arms.end(), [](const ArmStats& a) { return a.has_covariate; });
  const bool no_covariate =
      std::none_of(m.arms.begin(), m.arms.end(), [](const ArmStats& a) { return a.has_covariate; });
  if (!all_covariate && !no_covariate) {
    return InvalidArgument(where + ": covariate fields given for some variants but not all");
  }
  if (any_weight && weights->empty()) {
    for (size_t i = 0; i < w.size(); ++i) {
      if (!(w[i] > 0)) {
        return InvalidArgument(where + ".variants[" + std::to_string(i) +
                               "]: weight missing or not positive (give every variant a weight)");
      }
    }
    *weights = w;
  }
  return m;
}

}  // namespace

Result<StatsInput> ParseStatsJson(const std::string& text, const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(source + ": not valid JSON");
  if (!doc.is_object()) return InvalidArgument(source + ": expected a JSON object");
  StatsInput out;
  auto cit = doc.find("control");
  if (cit == doc.end() || !cit->is_string()) {
    return InvalidArgument(source + ": missing \"control\" (the control variant's name)");
  }
  out.control = cit->get<std::string>();
  if (doc.contains("metrics")) {
    const json& arr = doc["metrics"];
    if (!arr.is_array() || arr.empty()) {
      return InvalidArgument(source + ".metrics: expected a non-empty array");
    }
    for (size_t i = 0; i < arr.size(); ++i) {
      FW_ASSIGN_OR_RETURN(
          MetricInput m,
          ParseMetric(arr[i], source + ".metrics[" + std::to_string(i) + "]", &out.weights));
      out.metrics.push_back(std::move(m));
    }
  } else {
    FW_ASSIGN_OR_RETURN(MetricInput m, ParseMetric(doc, source, &out.weights));
    out.metrics.push_back(std::move(m));
  }
  return out;
}

}  // namespace fw::experiment
