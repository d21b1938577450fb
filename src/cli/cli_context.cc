// SPDX-License-Identifier: Apache-2.0
//
// cli_context.cc: workspace path resolution.
#include "cli_context.h"

#include <cstdlib>

namespace fw::cli {

std::string CliContext::DbPath() const {
  if (!db_flag.empty()) return db_flag;
  if (const char* env = std::getenv("FLYWHEEL_DB"); env != nullptr && *env != '\0') return env;
  return "flywheel.db";
}

}  // namespace fw::cli
