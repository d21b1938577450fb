// SPDX-License-Identifier: Apache-2.0
//
// exit_codes.cc: Status code -> exit code.
#include "exit_codes.h"

namespace fw::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
    case StatusCode::kAlreadyExists:
    case StatusCode::kDataLoss:
    case StatusCode::kResourceExhausted:
      return kExitInvalidData;
    case StatusCode::kUnavailable:
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace fw::cli
