// SPDX-License-Identifier: Apache-2.0
//
// status_http.h: the one table that maps fw::Status codes to HTTP statuses (STYLE B2.8), and
// the JSON error body every endpoint answers with.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "flywheel/core/status.h"

namespace fw::server {

// The HTTP status for `status`: OK 200, kInvalidArgument/kOutOfRange 400, kNotFound 404,
// kAlreadyExists/kFailedPrecondition 409, kResourceExhausted 429 (413 is chosen by the caller
// for oversize bodies), kUnavailable 503, kUnimplemented 501, everything else 500.
int HttpStatusFor(const Status& status);

// {"error": {"code": "InvalidArgument", "message": "...", "http_status": 400}}.
std::string ErrorJson(const Status& status, int http_status);

}  // namespace fw::server
