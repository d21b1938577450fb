// SPDX-License-Identifier: Apache-2.0
//
// duckdb_util.cc: DuckDB error text -> Status.
#include "duckdb_util.h"

#include <string_view>

namespace fw::store {

Status StatusFromDuckDbError(const std::string& what, const char* message) {
  const std::string text = message != nullptr ? message : "unknown DuckDB error";
  const std::string_view view(text);
  if (view.find("Could not set lock") != std::string_view::npos ||
      view.find("Conflicting lock") != std::string_view::npos) {
    return Unavailable(what + ": the workspace is held by another process (for example "
                       "`flywheel serve`); stop it, or send the command through the server "
                       "(--server URL). DuckDB said: " + text);
  }
  if (view.find("Catalog Error") != std::string_view::npos &&
      view.find("does not exist") != std::string_view::npos) {
    return NotFound(what + ": " + text);
  }
  if (view.find("Parser Error") != std::string_view::npos ||
      view.find("Binder Error") != std::string_view::npos ||
      view.find("Conversion Error") != std::string_view::npos ||
      view.find("Constraint Error") != std::string_view::npos ||
      view.find("Invalid Input Error") != std::string_view::npos) {
    return InvalidArgument(what + ": " + text);
  }
  if (view.find("read-only") != std::string_view::npos) {
    return FailedPrecondition(what + ": " + text + " (pass --write to allow changes)");
  }
  if (view.find("IO Error") != std::string_view::npos) return DataLoss(what + ": " + text);
  return Internal(what + ": " + text);
}

Status StreamQuery(duckdb_connection con, const std::string& sql,
                   const std::function<void(duckdb_data_chunk)>& on_chunk) {
  PreparedHolder stmt;
  if (duckdb_prepare(con, sql.c_str(), stmt.get()) == DuckDBError) {
    return StatusFromDuckDbError("query failed", duckdb_prepare_error(stmt.value()));
  }
  duckdb_pending_result pending = nullptr;
  if (duckdb_pending_prepared_streaming(stmt.value(), &pending) == DuckDBError) {
    Status status = StatusFromDuckDbError("query failed", duckdb_pending_error(pending));
    duckdb_destroy_pending(&pending);
    return status;
  }
  ResultHolder result;
  const duckdb_state state = duckdb_execute_pending(pending, result.get());
  duckdb_destroy_pending(&pending);
  if (state == DuckDBError) {
    return StatusFromDuckDbError("query failed", duckdb_result_error(result.get()));
  }
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*result.get());
    if (chunk == nullptr) break;
    on_chunk(chunk);
    duckdb_destroy_data_chunk(&chunk);
  }
  if (const char* error = duckdb_result_error(result.get()); error != nullptr) {
    return StatusFromDuckDbError("query failed while streaming", error);
  }
  return OkStatus();
}

const char* DuckDbTypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL: return "DECIMAL";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    default: return "OTHER";
  }
}

}  // namespace fw::store
