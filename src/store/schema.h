// SPDX-License-Identifier: Apache-2.0
//
// schema.h: the workspace schema as an ordered list of migrations.
//
// Migration i (0-based) takes a workspace from schema version i to i+1. The version lives in
// meta(key='schema_version'). Never edit a released migration; append a new one.
#pragma once

#include <string>
#include <vector>

namespace fw::store {

// The SQL of each migration, in order.
const std::vector<std::string>& Migrations();

}  // namespace fw::store
