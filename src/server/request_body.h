// SPDX-License-Identifier: Apache-2.0
//
// request_body.h: turning untrusted request bodies into validated values, at the edge
// (STYLE B2.6). Every failure is a Status that names what was wrong.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "flywheel/core/result.h"

namespace fw::server {

inline constexpr size_t kMaxJsonDepth = 32;             // decide/reward bodies are flat objects
inline constexpr size_t kMaxSmallBodyBytes = 64 * 1024; // decide/reward bodies are tiny

// Parses a small JSON object body (decide, reward). kInvalidArgument for empty, malformed,
// invalid UTF-8, nesting deeper than kMaxJsonDepth or a non-object; kResourceExhausted for a
// body over kMaxSmallBodyBytes.
Result<nlohmann::json> ParseSmallJsonObject(std::string_view body);

// An events body: a JSON array of objects or NDJSON, as JSON Lines with line i+1 = element i
// (for NDJSON the lines are kept as they are). `num_events` receives the number of elements or
// non-blank lines. kInvalidArgument for an empty body or a malformed array; kResourceExhausted
// if there are more than `max_events` events.
Result<std::string> EventsBodyToJsonLines(std::string_view body, size_t max_events,
                                          size_t* num_events);

}  // namespace fw::server
