// SPDX-License-Identifier: Apache-2.0
//
// workspace_impl.h: the DuckDB handles behind a Workspace, shared by the store's .cc files.
#pragma once

#include <duckdb.h>

#include "flywheel/store/workspace.h"

namespace fw::store {

struct Workspace::Impl {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  bool read_only = false;
  bool in_transaction = false;  // between Begin() and Commit()/Rollback()
  bool owns_db = true;  // false for a reader connection (Workspace::OpenReader)

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (con != nullptr) duckdb_disconnect(&con);
    if (db != nullptr && owns_db) duckdb_close(&db);
  }
};

}  // namespace fw::store
