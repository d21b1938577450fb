// SPDX-License-Identifier: Apache-2.0
//
// duckdb_util.h: RAII holders for DuckDB C API handles and the one place DuckDB errors become
// Status values (B2.9: third-party errors stop at the wrapper).
//
// Thread safety: each holder is owned by one thread.
#pragma once

#include <duckdb.h>

#include <functional>
#include <string>

#include "flywheel/core/status.h"

namespace fw::store {

// Owns a duckdb_result; destroys it on scope exit.
class ResultHolder {
 public:
  ResultHolder() = default;
  ~ResultHolder() { duckdb_destroy_result(&result_); }
  ResultHolder(const ResultHolder&) = delete;
  ResultHolder& operator=(const ResultHolder&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

// Owns a prepared statement.
class PreparedHolder {
 public:
  PreparedHolder() = default;
  ~PreparedHolder() { duckdb_destroy_prepare(&stmt_); }
  PreparedHolder(const PreparedHolder&) = delete;
  PreparedHolder& operator=(const PreparedHolder&) = delete;
  duckdb_prepared_statement* get() { return &stmt_; }
  duckdb_prepared_statement value() const { return stmt_; }

 private:
  duckdb_prepared_statement stmt_ = nullptr;
};

// Runs `sql` as a streaming query on `con` and calls `on_chunk` for each result chunk in order,
// so large results are consumed as DuckDB produces them instead of being materialised first.
Status StreamQuery(duckdb_connection con, const std::string& sql,
                   const std::function<void(duckdb_data_chunk)>& on_chunk);

// Turns a DuckDB error message into a Status: lock conflicts become kUnavailable with advice,
// constraint and conversion errors kInvalidArgument, missing tables kNotFound, others kInternal.
Status StatusFromDuckDbError(const std::string& what, const char* message);

// The SQL type name of a C API type id, e.g. "BIGINT".
const char* DuckDbTypeName(duckdb_type type);

}  // namespace fw::store
