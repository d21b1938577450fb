// SPDX-License-Identifier: Apache-2.0
//
// assignment.cc: hashing users into variants, layers and the holdout (see assignment.h).
#include "flywheel/experiment/assignment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "flywheel/core/hash.h"

namespace fw::experiment {
namespace {

std::string Num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

}  // namespace

double HashToUnit(std::string_view salt, std::string_view key, std::string_view user_id) {
  std::string bytes;
  bytes.reserve(salt.size() + key.size() + user_id.size() + 2);
  bytes.append(salt).push_back('\x1f');
  bytes.append(key).push_back('\x1f');
  bytes.append(user_id);
  // Top 53 bits: every value is exactly representable, and the result is < 1.
  return static_cast<double>(HashBytes64(bytes) >> 11) * 0x1.0p-53;
}

Status ExperimentDefinition::Validate() const {
  if (name.empty()) return InvalidArgument("experiment name is empty");
  if (variants.size() < 2) {
    return InvalidArgument("experiment '" + name + "' has " + std::to_string(variants.size()) +
                           " variant(s), expected at least 2");
  }
  std::set<std::string> names;
  double total = 0;
  for (const VariantSpec& v : variants) {
    if (v.name.empty())
      return InvalidArgument("experiment '" + name + "' has an empty variant name");
    if (!names.insert(v.name).second) {
      return InvalidArgument("variant name '" + v.name + "' appears twice");
    }
    if (!(v.weight > 0 && v.weight <= 1)) {
      return InvalidArgument("variant '" + v.name + "' weight is " + Num(v.weight) +
                             ", expected a share in (0, 1]");
    }
    total += v.weight;
  }
  if (std::fabs(total - 1.0) > 1e-9) {
    return InvalidArgument("variant weights sum to " + Num(total) + ", expected 1.0");
  }
  if (!control.empty() && !names.count(control)) {
    return InvalidArgument("control '" + control + "' is not one of the variants");
  }
  if (!(coverage > 0 && coverage <= 1)) {
    return InvalidArgument("coverage is " + Num(coverage) + ", expected a share in (0, 1]");
  }
  if (!(layer_start >= 0 && layer_end <= 1 && layer_start < layer_end)) {
    return InvalidArgument("layer range [" + Num(layer_start) + ", " + Num(layer_end) +
                           ") is not a non-empty part of [0, 1)");
  }
  if (!(holdout >= 0 && holdout < 1)) {
    return InvalidArgument("holdout is " + Num(holdout) + ", expected a share in [0, 1)");
  }
  return OkStatus();
}

const std::string& ExperimentDefinition::ControlName() const {
  return control.empty() ? variants.front().name : control;
}

Result<std::vector<VariantSpec>> ParseVariants(const std::string& text) {
  std::vector<VariantSpec> out;
  size_t pos = 0;
  bool any_weight = false;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) return InvalidArgument("empty variant in '" + text + "'");
    const size_t colon = item.rfind(':');
    VariantSpec v;
    if (colon == std::string::npos) {
      v.name = item;
    } else {
      v.name = item.substr(0, colon);
      const std::string w = item.substr(colon + 1);
      char* end = nullptr;
      v.weight = std::strtod(w.c_str(), &end);
      if (w.empty() || end != w.c_str() + w.size() || !std::isfinite(v.weight)) {
        return InvalidArgument("variant '" + v.name + "' has weight '" + w +
                               "', expected a number");
      }
      any_weight = true;
    }
    out.push_back(std::move(v));
  }
  const bool all_weight =
      std::all_of(out.begin(), out.end(), [&](const VariantSpec& v) { return v.weight != 0; });
  if (any_weight && !all_weight) {
    return InvalidArgument("give every variant a weight or none in '" + text + "'");
  }
  if (!any_weight) {
    for (auto& v : out) v.weight = 1.0 / static_cast<double>(out.size());
  }
  return out;
}

std::string DefinitionToJson(const ExperimentDefinition& def) {
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& v : def.variants) variants.push_back({{"name", v.name}, {"weight", v.weight}});
  nlohmann::json doc = {{"name", def.name},
                        {"variants", variants},
                        {"control", def.ControlName()},
                        {"coverage", def.coverage},
                        {"salt", def.salt},
                        {"layer", def.layer},
                        {"layer_start", def.layer_start},
                        {"layer_end", def.layer_end},
                        {"holdout", def.holdout},
                        {"metrics", def.metrics}};
  return doc.dump();
}

Result<ExperimentDefinition> DefinitionFromJson(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument("experiment definition is not a JSON object");
  }
  ExperimentDefinition def;
  try {
    def.name = doc.at("name").get<std::string>();
    for (const auto& v : doc.at("variants")) {
      def.variants.push_back({v.at("name").get<std::string>(), v.at("weight").get<double>()});
    }
    def.control = doc.value("control", std::string());
    def.coverage = doc.value("coverage", 1.0);
    def.salt = doc.value("salt", std::string());
    def.layer = doc.value("layer", std::string());
    def.layer_start = doc.value("layer_start", 0.0);
    def.layer_end = doc.value("layer_end", 1.0);
    def.holdout = doc.value("holdout", 0.0);
    if (doc.contains("metrics")) def.metrics = doc["metrics"].get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's errors stop at this wrapper (STYLE B2.9).
    return InvalidArgument(std::string("experiment definition: ") + e.what());
  }
  FW_RETURN_IF_ERROR(def.Validate());
  return def;
}

Status CheckLayerOverlap(const std::vector<ExperimentDefinition>& defs) {
  for (size_t i = 0; i < defs.size(); ++i) {
    for (size_t j = i + 1; j < defs.size(); ++j) {
      const auto& a = defs[i];
      const auto& b = defs[j];
      if (a.layer.empty() || a.layer != b.layer) continue;
      if (a.layer_start < b.layer_end && b.layer_start < a.layer_end) {
        return InvalidArgument("experiments '" + a.name + "' [" + Num(a.layer_start) + ", " +
                               Num(a.layer_end) + ") and '" + b.name + "' [" + Num(b.layer_start) +
                               ", " + Num(b.layer_end) + ") overlap in layer '" + a.layer + "'");
      }
    }
  }
  return OkStatus();
}

const char* AssignmentStatusName(AssignmentStatus status) {
  switch (status) {
    case AssignmentStatus::kAssigned:
      return "assigned";
    case AssignmentStatus::kHoldout:
      return "holdout";
    case AssignmentStatus::kOutsideLayer:
      return "outside_layer";
    case AssignmentStatus::kNotCovered:
      return "not_covered";
  }
  return "not_covered";
}

Assignment Assign(const ExperimentDefinition& def, std::string_view user_id) {
  Assignment out;
  if (def.holdout > 0 && HashToUnit("flywheel", "holdout", user_id) < def.holdout) {
    out.status = AssignmentStatus::kHoldout;
    return out;
  }
  if (!def.layer.empty()) {
    const double pos = HashToUnit("flywheel", "layer:" + def.layer, user_id);
    if (pos < def.layer_start || pos >= def.layer_end) {
      out.status = AssignmentStatus::kOutsideLayer;
      return out;
    }
  }
  const std::string_view salt = def.salt.empty() ? std::string_view(def.name) : def.salt;
  out.bucket = HashToUnit(salt, def.name, user_id);
  double start = 0;
  for (size_t i = 0; i < def.variants.size(); ++i) {
    // Variant i owns [W_{i-1}, W_{i-1} + coverage * w_i) (GrowthBook's bucket ranges), so a
    // covered user keeps its variant when coverage is raised later.
    const double end = start + def.coverage * def.variants[i].weight;
    if (out.bucket >= start && out.bucket < end) {
      out.status = AssignmentStatus::kAssigned;
      out.variant_idx = i;
      return out;
    }
    start += def.variants[i].weight;
  }
  out.status = AssignmentStatus::kNotCovered;
  return out;
}

}  // namespace fw::experiment
