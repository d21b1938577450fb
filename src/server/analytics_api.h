// SPDX-License-Identifier: Apache-2.0
//
// analytics_api.h: GET /v1/analytics/{retention|funnel|acquisition|lifecycle} over the hot
// EventFrame, with the JSON documents of the matching `flywheel <command> --json` (without a
// --by breakdown).
//
// Query parameters mirror the CLI flags: retention ?period=week&mode=recurring&periods=8&
// start_event=&return_event=; funnel ?steps=a,b,c&window=7d&order=ordered; acquisition
// ?period=week&purchase_event=purchase&attribution=last&window=30d; lifecycle ?period=week&
// event=. The CLI's JSON builders are private to their command files, so these are the
// server's copies of those few lines.
//
// Each endpoint is three steps, split so that every data source (the hot frame, ClickHouse;
// see analytics_source.h) shares the parsing and the JSON: Parse*Query turns the parameters
// into the metric definition, the source computes the result struct, *ToJson prints it.
//
// Thread safety: pure functions of the frame (read-only) and the parameters.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/funnel.h"
#include "flywheel/analytics/lifecycle.h"
#include "flywheel/analytics/retention.h"
#include "flywheel/core/result.h"
#include "flywheel/store/event_frame.h"

namespace fw::server {

using QueryParams = std::map<std::string, std::string>;

// The definitions from the query parameters (kInvalidArgument names the bad parameter).
Result<analytics::RetentionDefinition> ParseRetentionQuery(const QueryParams& params);
Result<analytics::FunnelDefinition> ParseFunnelQuery(const QueryParams& params);
Result<analytics::LifecycleDefinition> ParseLifecycleQuery(const QueryParams& params);
Result<analytics::AcquisitionDefinition> ParseAcquisitionQuery(const QueryParams& params);

// The JSON documents of the results (no breakdown: group 0 / table 0).
nlohmann::json RetentionToJson(const analytics::RetentionDefinition& def,
                               const analytics::RetentionResult& result);
nlohmann::json FunnelToJson(const analytics::FunnelDefinition& def,
                            const analytics::FunnelResult& result);
nlohmann::json LifecycleToJson(const analytics::LifecycleDefinition& def,
                               const std::vector<analytics::LifecycleTable>& tables);
nlohmann::json AcquisitionToJson(const analytics::AcquisitionDefinition& def,
                                 const analytics::AcquisitionResult& result);

// Parse, compute over `frame`, print (the embedded server's path).
Result<nlohmann::json> RetentionJson(const store::EventFrame& frame, const QueryParams& params);
Result<nlohmann::json> FunnelJson(const store::EventFrame& frame, const QueryParams& params);
Result<nlohmann::json> LifecycleJson(const store::EventFrame& frame, const QueryParams& params);
// `spend` is the spend table by (day, channel), read by the caller under the workspace lock.
Result<nlohmann::json> AcquisitionJson(const store::EventFrame& frame,
                                       const std::vector<analytics::SpendRow>& spend,
                                       const QueryParams& params);

}  // namespace fw::server
