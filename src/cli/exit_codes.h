// SPDX-License-Identifier: Apache-2.0
//
// exit_codes.h: the one mapping from Status codes to process exit codes (DESIGN.md):
// 0 success, 2 usage error, 3 invalid input data, 4 not found, 1 internal error.
#pragma once

#include "flywheel/core/status.h"

namespace fw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInvalidData = 3;
inline constexpr int kExitNotFound = 4;

// The exit code for a command's final status.
int ExitCodeFor(const Status& status);

}  // namespace fw::cli
