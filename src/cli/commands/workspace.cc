// SPDX-License-Identifier: Apache-2.0
//
// workspace.cc: `flywheel info` (workspace summary) and `flywheel sql` (ad-hoc queries).
#include "cli_context.h"
#include "clickhouse_backend.h"
#include "flywheel/store/workspace.h"
#include "output.h"

#include <chrono>
#include <iostream>

namespace fw::cli {
namespace {

bool IsNumericType(const std::string& type) {
  return type == "BIGINT" || type == "INTEGER" || type == "SMALLINT" || type == "TINYINT" ||
         type == "UBIGINT" || type == "UINTEGER" || type == "USMALLINT" || type == "UTINYINT" ||
         type == "HUGEINT" || type == "DOUBLE" || type == "FLOAT" || type == "DECIMAL";
}

nlohmann::json CellJson(const std::optional<std::string>& cell, const std::string& type) {
  if (!cell) return nullptr;
  if (type == "BOOLEAN") return *cell == "true";
  if (IsNumericType(type)) {
    try {
      if (type == "DOUBLE" || type == "FLOAT" || type == "DECIMAL") return JsonNumber(std::stod(*cell));
      if (type == "UBIGINT") return std::stoull(*cell);
      return std::stoll(*cell);
    } catch (const std::exception&) {
      return *cell;  // nan/inf text or out of range: keep the text rather than invent a number
    }
  }
  return *cell;
}

Status RunSql(const CliContext& ctx, const std::string& sql, bool write) {
  FW_ASSIGN_OR_RETURN(auto workspace,
                      store::Workspace::Open(ctx.DbPath(), {.read_only = !write}));
  auto queried = workspace->Query(sql);
  // An UPDATE can change the events without changing the snapshot's fingerprint.
  if (write) workspace->DropFrameCache();
  FW_ASSIGN_OR_RETURN(const auto result, std::move(queried));
  if (ctx.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : result.rows) {
      nlohmann::json obj = nlohmann::json::object();
      for (size_t c = 0; c < row.size(); ++c) {
        obj[result.column_names[c]] = CellJson(row[c], result.column_types[c]);
      }
      rows.push_back(std::move(obj));
    }
    PrintJson(rows);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : result.rows) {
    auto& out = cells.emplace_back();
    for (const auto& cell : row) out.push_back(cell ? *cell : "NULL");
  }
  PrintTable(result.column_names, cells);
  std::cout << "(" << result.rows.size() << (result.rows.size() == 1 ? " row)\n" : " rows)\n");
  return OkStatus();
}

// Loads the EventFrame and reports its shape and the load time (what every analytics command
// pays first, and what `flywheel serve` keeps hot).
Status RunFrameInfo(const CliContext& ctx, store::Workspace& workspace) {
  const auto start = std::chrono::steady_clock::now();
  FW_ASSIGN_OR_RETURN(const auto frame, workspace.LoadEventFrame());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (ctx.json) {
    PrintJson({{"events", frame.num_events()},
               {"users", frame.num_users()},
               {"event_names", frame.events.size()},
               {"channels", frame.channels.size() - 1},
               {"campaigns", frame.campaigns.size() - 1},
               {"load_seconds", seconds},
               {"source", workspace.last_frame_from_cache() ? "cache" : "tables"}});
  } else {
    std::cout << "EventFrame: " << FormatCount(static_cast<long long>(frame.num_events()))
              << " events, " << FormatCount(static_cast<long long>(frame.num_users()))
              << " users, " << frame.events.size() << " event names, "
              << frame.channels.size() - 1 << " channels; loaded in "
              << FormatNumber(seconds, 3) << " s from "
              << (workspace.last_frame_from_cache() ? "the frame cache" : "the events table")
              << "\n";
  }
  return OkStatus();
}

Status RunInfo(const CliContext& ctx, bool frame) {
  if (ctx.UsesClickHouse()) return RunClickHouseInfo(ctx);
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  if (frame) return RunFrameInfo(ctx, *workspace);
  FW_ASSIGN_OR_RETURN(const auto tables,
                      workspace->Query("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'main' ORDER BY table_name"));
  nlohmann::json counts = nlohmann::json::object();
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : tables.rows) {
    const std::string name = *row[0];
    FW_ASSIGN_OR_RETURN(const int64_t n, workspace->QueryInt("SELECT count(*) FROM \"" + name + "\""));
    counts[name] = n;
    rows.push_back({name, FormatCount(n)});
  }
  FW_ASSIGN_OR_RETURN(const auto range,
                      workspace->Query("SELECT strftime(min(ts), '%Y-%m-%dT%H:%M:%SZ'), "
                                       "strftime(max(ts), '%Y-%m-%dT%H:%M:%SZ'), "
                                       "count(DISTINCT user_id) FROM events"));
  FW_ASSIGN_OR_RETURN(const auto reasons,
                      workspace->Query("SELECT reason, count(*) FROM rejects GROUP BY reason "
                                       "ORDER BY count(*) DESC, reason"));
  const auto& r = range.rows[0];
  nlohmann::json rejects = nlohmann::json::object();
  for (const auto& row : reasons.rows) rejects[*row[0]] = std::stoll(*row[1]);
  if (ctx.json) {
    PrintJson({{"workspace", ctx.DbPath()},
               {"schema_version", workspace->schema_version()},
               {"tables", counts},
               {"events_from", r[0] ? nlohmann::json(*r[0]) : nlohmann::json(nullptr)},
               {"events_to", r[1] ? nlohmann::json(*r[1]) : nlohmann::json(nullptr)},
               {"users", std::stoll(r[2].value_or("0"))},
               {"rejects_by_reason", rejects}});
    return OkStatus();
  }
  std::cout << "workspace " << ctx.DbPath() << " (schema version " << workspace->schema_version()
            << ")\n";
  std::cout << "events from " << r[0].value_or("-") << " to " << r[1].value_or("-") << ", "
            << FormatCount(std::stoll(r[2].value_or("0"))) << " users\n\n";
  PrintTable({"table", "rows"}, rows);
  if (!reasons.rows.empty()) {
    std::cout << "\nrejects by reason\n";
    std::vector<std::vector<std::string>> reason_rows;
    for (const auto& row : reasons.rows) reason_rows.push_back({*row[0], *row[1]});
    PrintTable({"reason", "rows"}, reason_rows);
  }
  return OkStatus();
}

}  // namespace

void RegisterWorkspaceCommands(CLI::App& app, CliContext& ctx) {
  auto* info = app.add_subcommand("info", "Workspace summary: tables, row counts, time range, "
                                          "users, rejects");
  auto frame = std::make_shared<bool>(false);
  info->add_flag("--frame", *frame, "Load the EventFrame and report its size and load time");
  info->callback([&ctx, frame] { ctx.action = [&ctx, frame] { return RunInfo(ctx, *frame); }; });

  auto* sql = app.add_subcommand("sql", "Run a SQL query on the workspace (read-only unless "
                                        "--write)");
  auto query = std::make_shared<std::string>();
  auto write = std::make_shared<bool>(false);
  sql->add_option("query", *query, "The SQL text")->required();
  sql->add_flag("--write", *write, "Allow statements that change the workspace");
  sql->callback([&ctx, query, write] {
    ctx.action = [&ctx, query, write] { return RunSql(ctx, *query, *write); };
  });
}

}  // namespace fw::cli
