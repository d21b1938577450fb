// SPDX-License-Identifier: Apache-2.0
//
// status_http.cc: Status -> HTTP status and JSON error body.
#include "flywheel/server/status_http.h"

#include <nlohmann/json.hpp>

namespace fw::server {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kUnimplemented: return 501;
    default: return 500;
  }
}

std::string ErrorJson(const Status& status, int http_status) {
  const std::string code(StatusCodeName(status.code()));
  nlohmann::json doc = {{"error", {{"code", code}, {"message", status.message()},
                                   {"http_status", http_status}}}};
  // Replace, never throw, on invalid UTF-8 that a message may quote from the request.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fw::server
