// SPDX-License-Identifier: Apache-2.0
//
// workspace.cc: opening, migrating, querying and appending to the DuckDB workspace.
#include "flywheel/store/workspace.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <type_traits>

#include "duckdb_util.h"
#include "schema.h"
#include "workspace_impl.h"

namespace fw::store {

namespace {

// Runs `sql` with `params` bound (or as a plain multi-statement query when there are none) and
// leaves the result in `holder`.
Status Run(duckdb_connection con, const std::string& sql, const std::vector<SqlValue>& params,
           ResultHolder* holder) {
  if (params.empty()) {
    if (duckdb_query(con, sql.c_str(), holder->get()) == DuckDBError) {
      return StatusFromDuckDbError("query failed", duckdb_result_error(holder->get()));
    }
    return OkStatus();
  }
  PreparedHolder stmt;
  if (duckdb_prepare(con, sql.c_str(), stmt.get()) == DuckDBError) {
    return StatusFromDuckDbError("query failed", duckdb_prepare_error(stmt.value()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const idx_t idx = i + 1;
    duckdb_state state = DuckDBSuccess;
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            state = duckdb_bind_null(stmt.value(), idx);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            state = duckdb_bind_int64(stmt.value(), idx, value);
          } else if constexpr (std::is_same_v<T, double>) {
            state = duckdb_bind_double(stmt.value(), idx, value);
          } else {
            state = duckdb_bind_varchar_length(stmt.value(), idx, value.data(), value.size());
          }
        },
        params[i]);
    if (state == DuckDBError) {
      return InvalidArgument("cannot bind parameter " + std::to_string(idx) + " of: " + sql);
    }
  }
  if (duckdb_execute_prepared(stmt.value(), holder->get()) == DuckDBError) {
    return StatusFromDuckDbError("query failed", duckdb_result_error(holder->get()));
  }
  return OkStatus();
}

// Types that duckdb_value_varchar can render.
bool HasTextForm(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL: case DUCKDB_TYPE_TIMESTAMP: case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_VARCHAR:
      return true;
    default:
      return false;
  }
}

// True for statements that only read (SELECT, WITH, FROM-first, VALUES, SHOW, DESCRIBE).
bool IsSelect(const std::string& sql) {
  size_t pos = sql.find_first_not_of(" \t\r\n(");
  if (pos == std::string::npos) return false;
  std::string word;
  while (pos < sql.size() && std::isalpha(static_cast<unsigned char>(sql[pos]))) {
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[pos++])));
  }
  return word == "select" || word == "with" || word == "from" || word == "values" ||
         word == "show" || word == "describe" || word == "summarize";
}

duckdb_type ToDuckDbType(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar: return DUCKDB_TYPE_VARCHAR;
    case ColumnType::kBigint: return DUCKDB_TYPE_BIGINT;
    case ColumnType::kUbigint: return DUCKDB_TYPE_UBIGINT;
    case ColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kTimestamp: return DUCKDB_TYPE_TIMESTAMP;
    case ColumnType::kDate: return DUCKDB_TYPE_DATE;
  }
  return DUCKDB_TYPE_VARCHAR;
}

// Copies rows [begin, begin+count) of `column` into the chunk vector.
void FillVector(const BatchColumn& column, size_t begin, size_t count, duckdb_vector vector) {
  void* data = duckdb_vector_get_data(vector);
  for (size_t i = 0; i < count; ++i) {
    const size_t row = begin + i;
    if (!column.valid.empty() && column.valid[row] == 0) {
      duckdb_vector_ensure_validity_writable(vector);
      duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), i);
      continue;
    }
    switch (column.type) {
      case ColumnType::kVarchar:
        duckdb_vector_assign_string_element_len(vector, i, column.text[row].data(),
                                                column.text[row].size());
        break;
      case ColumnType::kBigint:
        static_cast<int64_t*>(data)[i] = column.ints[row];
        break;
      case ColumnType::kUbigint:
        static_cast<uint64_t*>(data)[i] = column.uints[row];
        break;
      case ColumnType::kDouble:
        static_cast<double*>(data)[i] = column.doubles[row];
        break;
      case ColumnType::kTimestamp:
        static_cast<duckdb_timestamp*>(data)[i].micros = column.ints[row];
        break;
      case ColumnType::kDate:
        static_cast<duckdb_date*>(data)[i].days = static_cast<int32_t>(column.ints[row]);
        break;
    }
  }
}

}  // namespace

Workspace::Workspace(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}

Workspace::~Workspace() = default;

int Workspace::CurrentSchemaVersion() { return static_cast<int>(Migrations().size()); }

Result<std::unique_ptr<Workspace>> Workspace::Open(const std::string& path,
                                                   const OpenOptions& options) {
  const bool in_memory = path == ":memory:";
  std::error_code ec;
  if (options.read_only && !in_memory && !std::filesystem::exists(path, ec)) {
    return NotFound("workspace '" + path + "' does not exist; create it with `flywheel ingest`");
  }
  auto impl = std::make_unique<Impl>();
  impl->read_only = options.read_only;
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) return Internal("cannot create DuckDB config");
  if (options.read_only) duckdb_set_config(config, "access_mode", "READ_ONLY");
  char* error = nullptr;
  const duckdb_state state =
      duckdb_open_ext(in_memory ? nullptr : path.c_str(), &impl->db, config, &error);
  duckdb_destroy_config(&config);
  if (state == DuckDBError) {
    Status status = StatusFromDuckDbError("cannot open workspace '" + path + "'", error);
    duckdb_free(error);
    return status;
  }
  if (duckdb_connect(impl->db, &impl->con) == DuckDBError) {
    return Internal("cannot connect to workspace '" + path + "'");
  }
  std::unique_ptr<Workspace> workspace(new Workspace(path, std::move(impl)));
  FW_RETURN_IF_ERROR(workspace->Migrate());
  return workspace;
}

Result<std::unique_ptr<Workspace>> Workspace::OpenReader() {
  auto impl = std::make_unique<Impl>();
  impl->db = impl_->db;
  impl->owns_db = false;
  impl->read_only = true;
  if (duckdb_connect(impl->db, &impl->con) == DuckDBError) {
    return Internal("cannot open a second connection to workspace '" + path_ + "'");
  }
  std::unique_ptr<Workspace> reader(new Workspace(path_, std::move(impl)));
  reader->schema_version_ = schema_version_;
  return reader;
}

Status Workspace::Migrate() {
  // A fresh file has no meta table: that is version 0.
  auto has_meta = QueryInt(
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'");
  if (!has_meta.ok()) return has_meta.status();
  int version = 0;
  if (*has_meta > 0) {
    auto stored = QueryInt(
        "SELECT COALESCE(MAX(TRY_CAST(value AS INTEGER)), 0) FROM meta "
        "WHERE key = 'schema_version'");
    if (!stored.ok()) return stored.status();
    version = static_cast<int>(*stored);
  }
  const int target = CurrentSchemaVersion();
  if (version > target) {
    return FailedPrecondition("workspace '" + path_ + "' has schema version " +
                              std::to_string(version) + ", newer than this flywheel (" +
                              std::to_string(target) + "); upgrade flywheel");
  }
  if (version < target && impl_->read_only) {
    return FailedPrecondition("workspace '" + path_ + "' needs a schema upgrade; run any "
                              "writing command (e.g. `flywheel info`) once first");
  }
  for (int v = version; v < target; ++v) {
    FW_RETURN_IF_ERROR(Begin());
    Status status = Execute(Migrations()[static_cast<size_t>(v)]);
    if (status.ok()) {
      status = Execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                       {std::to_string(v + 1)});
    }
    if (!status.ok()) {
      Rollback().IgnoreError();
      return status.WithContext("migrating workspace '" + path_ + "' to version " +
                                std::to_string(v + 1));
    }
    FW_RETURN_IF_ERROR(Commit());
  }
  schema_version_ = target;
  return OkStatus();
}

Status Workspace::Execute(const std::string& sql, const std::vector<SqlValue>& params) {
  ResultHolder holder;
  return Run(impl_->con, sql, params, &holder);
}

Result<QueryResult> Workspace::Query(const std::string& sql, const std::vector<SqlValue>& params) {
  ResultHolder first;
  FW_RETURN_IF_ERROR(Run(impl_->con, sql, params, &first));
  QueryResult out;
  const idx_t num_cols = duckdb_column_count(first.get());
  bool needs_cast = false;
  for (idx_t col = 0; col < num_cols; ++col) {
    out.column_names.emplace_back(duckdb_column_name(first.get(), col));
    const duckdb_type type = duckdb_column_type(first.get(), col);
    out.column_types.emplace_back(DuckDbTypeName(type));
    needs_cast |= !HasTextForm(type);
  }
  // The C API's text conversion knows only the basic types (a TIMESTAMPTZ cell would read as
  // NULL), so a query that returns others is re-run with every column cast to VARCHAR by
  // DuckDB itself. Only read-only statements are wrapped, so nothing runs twice with effects.
  ResultHolder cast;
  duckdb_result* result = first.get();
  if (needs_cast && IsSelect(sql)) {
    FW_RETURN_IF_ERROR(
        Run(impl_->con, "SELECT COLUMNS(*)::VARCHAR FROM (" + sql + ") AS q", params, &cast));
    result = cast.get();
  }
  const idx_t num_rows = duckdb_row_count(result);
  out.rows.reserve(num_rows);
  for (idx_t row = 0; row < num_rows; ++row) {
    auto& cells = out.rows.emplace_back(num_cols);
    for (idx_t col = 0; col < num_cols; ++col) {
      if (duckdb_value_is_null(result, col, row)) continue;
      char* text = duckdb_value_varchar(result, col, row);
      if (text != nullptr) {
        cells[col] = std::string(text);
        duckdb_free(text);
      }
    }
  }
  return out;
}

Result<int64_t> Workspace::QueryInt(const std::string& sql, const std::vector<SqlValue>& params) {
  ResultHolder holder;
  FW_RETURN_IF_ERROR(Run(impl_->con, sql, params, &holder));
  if (duckdb_row_count(holder.get()) < 1 || duckdb_column_count(holder.get()) < 1) {
    return Internal("query returned no value: " + sql);
  }
  if (duckdb_value_is_null(holder.get(), 0, 0)) return int64_t{0};
  return duckdb_value_int64(holder.get(), 0, 0);
}

Status Workspace::Begin() {
  FW_RETURN_IF_ERROR(Execute("BEGIN TRANSACTION"));
  impl_->in_transaction = true;
  return OkStatus();
}
Status Workspace::Commit() {
  impl_->in_transaction = false;  // a failed COMMIT rolls back: the transaction is over
  return Execute("COMMIT");
}
Status Workspace::Rollback() {
  impl_->in_transaction = false;
  return Execute("ROLLBACK");
}
Status Workspace::Checkpoint() { return Execute("CHECKPOINT"); }

Status Workspace::Append(const std::string& table, const RowBatch& batch) {
  if (batch.num_rows == 0) return OkStatus();
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(impl_->con, nullptr, table.c_str(), &appender) == DuckDBError) {
    Status status = StatusFromDuckDbError("cannot append to table '" + table + "'",
                                          duckdb_appender_error(appender));
    duckdb_appender_destroy(&appender);
    return status;
  }
  std::vector<duckdb_logical_type> types;
  for (const auto& column : batch.columns) {
    types.push_back(duckdb_create_logical_type(ToDuckDbType(column.type)));
  }
  const size_t chunk_rows = duckdb_vector_size();
  Status status;
  for (size_t begin = 0; begin < batch.num_rows && status.ok(); begin += chunk_rows) {
    const size_t count = std::min(chunk_rows, batch.num_rows - begin);
    duckdb_data_chunk chunk = duckdb_create_data_chunk(types.data(), types.size());
    for (size_t col = 0; col < batch.columns.size(); ++col) {
      FillVector(batch.columns[col], begin, count, duckdb_data_chunk_get_vector(chunk, col));
    }
    duckdb_data_chunk_set_size(chunk, count);
    if (duckdb_append_data_chunk(appender, chunk) == DuckDBError) {
      status = StatusFromDuckDbError("appending to '" + table + "'",
                                     duckdb_appender_error(appender));
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  if (status.ok() && duckdb_appender_close(appender) == DuckDBError) {
    status = StatusFromDuckDbError("appending to '" + table + "'", duckdb_appender_error(appender));
  }
  duckdb_appender_destroy(&appender);
  for (auto& type : types) duckdb_destroy_logical_type(&type);
  return status;
}

}  // namespace fw::store
