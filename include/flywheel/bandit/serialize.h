// SPDX-License-Identifier: Apache-2.0
//
// serialize.h: JSON text for a policy's configuration and state, so the workspace (the
// `bandits` table) and the server store one format.
//
//   config: {"kind": "budgeted-ts", "num_arms": 3, "budget": 10000, "known_costs": [..], ...}
//           (an unlimited budget or cap is stored as null)
//   state:  {"kind": "budgeted-ts", "values": {"pulls": [..], "arm_spend": [..], ...}}
//
// Doubles are written with 17 significant digits, so a state read back is bit-identical.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "flywheel/bandit/policy.h"
#include "flywheel/core/result.h"

namespace fw::bandit {

std::string PolicyConfigToJson(const PolicyConfig& config);
// kInvalidArgument naming the field on malformed JSON; the result is validated.
Result<PolicyConfig> PolicyConfigFromJson(const std::string& text);

std::string PolicyStateToJson(const PolicyState& state);
Result<PolicyState> PolicyStateFromJson(const std::string& text);

}  // namespace fw::bandit
