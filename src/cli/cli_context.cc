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

std::string CliContext::BackendUrl() const {
  if (!backend_flag.empty()) return backend_flag;
  if (const char* env = std::getenv("FLYWHEEL_BACKEND"); env != nullptr) return env;
  return "";
}

bool CliContext::UsesClickHouse() const {
  // Any value but "embedded" goes to the ClickHouse path, whose URL parser rejects a typo clearly.
  const std::string url = BackendUrl();
  return !url.empty() && url != "embedded";
}

}  // namespace fw::cli
