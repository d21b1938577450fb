// SPDX-License-Identifier: Apache-2.0
//
// assignment.h: deterministic variant assignment from a hash of salt, experiment and user.
//
// Hash: fw::HashBytes64 (core/hash.h; stable across versions and platforms, words read
// little-endian) of "<salt>\x1f<key>\x1f<user_id>", mapped to [0, 1) by its top 53 bits. This is
// not GrowthBook's FNV-1a bucketing, so bucket numbers differ from a GrowthBook SDK's; the
// structure is the same:
//   1. holdout: a user whose position in the global holdout hash (salt "flywheel", key
//      "holdout") is below `holdout` gets no variant; the hash does not depend on the
//      experiment, so the same users are held out of every experiment with the same share;
//   2. layer (namespace): experiments in one layer own disjoint ranges [layer_start,
//      layer_end) of the layer hash (key "layer:<layer>"), so each user is in at most one;
//   3. coverage and weights: with u = hash(salt, experiment name), variant i owns
//      [W_{i-1}, W_{i-1} + coverage * w_i) where W are the cumulative weights (GrowthBook's
//      bucket ranges); u elsewhere means "not in the experiment". Raising coverage keeps
//      every covered user in its variant.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::experiment {

struct VariantSpec {
  std::string name;
  double weight = 0;  // share of covered users, in (0, 1]; all weights sum to 1
};

struct ExperimentDefinition {
  std::string name;                   // unique in the workspace
  std::vector<VariantSpec> variants;  // the first is the control unless `control` says otherwise
  std::string control;                // empty = the first variant
  double coverage = 1.0;              // share of eligible users that enter, in (0, 1]
  std::string salt;                   // hash salt; empty = the experiment name (set on create)
  std::string layer;                  // namespace; empty = none
  double layer_start = 0.0;           // this experiment's range of the layer hash
  double layer_end = 1.0;
  double holdout = 0.0;              // global holdout share, in [0, 1)
  std::vector<std::string> metrics;  // default metrics for `analyze` (e.g. "conversion:purchase")

  // kInvalidArgument with the offending value: no/one variant, empty or duplicate names,
  // weights not in (0, 1] or not summing to 1 (within 1e-9), coverage outside (0, 1], a layer
  // range outside [0, 1] or empty, a holdout outside [0, 1), an unknown control.
  Status Validate() const;

  // The control's name.
  const std::string& ControlName() const;
};

// Parses "control:0.5,treatment:0.5" (weights may be omitted for equal shares: "a,b,c").
Result<std::vector<VariantSpec>> ParseVariants(const std::string& text);

// Serialises a definition as JSON text, and parses it back (kInvalidArgument naming the
// field on malformed input; the result is validated).
std::string DefinitionToJson(const ExperimentDefinition& def);
Result<ExperimentDefinition> DefinitionFromJson(const std::string& text);

// Errors if two definitions in the same layer have overlapping ranges (kInvalidArgument
// naming both).
Status CheckLayerOverlap(const std::vector<ExperimentDefinition>& defs);

enum class AssignmentStatus { kAssigned, kHoldout, kOutsideLayer, kNotCovered };
const char* AssignmentStatusName(AssignmentStatus status);

struct Assignment {
  AssignmentStatus status = AssignmentStatus::kNotCovered;
  std::optional<size_t> variant_idx;  // set when assigned
  double bucket = 0;                  // the user's position in [0, 1) of the variant hash
};

// The user's variant. Requires: def.Validate() is OK. Cost: at most three 64-bit hashes.
Assignment Assign(const ExperimentDefinition& def, std::string_view user_id);

// hash(salt, key, user) mapped to [0, 1), as described above.
double HashToUnit(std::string_view salt, std::string_view key, std::string_view user_id);

}  // namespace fw::experiment
