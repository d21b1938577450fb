// SPDX-License-Identifier: Apache-2.0
//
// cli_context.h: what every `flywheel` subcommand shares: global options and the action to run.
//
// Each command file registers its subcommands on the CLI11 app and, in the subcommand's
// callback, stores the work to do in `action`. main() parses, runs the action once, and maps
// the returned Status to an exit code (exit_codes.cc). Commands never call exit().
//
// Thread safety: used from the main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "flywheel/core/status.h"

namespace fw::cli {

struct CliContext {
  std::string db_flag;  // --db as given; empty means $FLYWHEEL_DB, else ./flywheel.db
  std::string backend_flag;  // --backend as given; empty means $FLYWHEEL_BACKEND, else embedded
  bool json = false;    // --json: one JSON document on stdout and nothing else
  std::function<Status()> action;  // set by the chosen subcommand's callback

  // The workspace path: --db, else $FLYWHEEL_DB, else ./flywheel.db.
  std::string DbPath() const;

  // The analytics backend: --backend, else $FLYWHEEL_BACKEND, else "" (the embedded workspace).
  std::string BackendUrl() const;
  // True when a backend other than "embedded" is set (it must be a clickhouse:// URL).
  bool UsesClickHouse() const;
};

// Registers every command group. Defined in commands/registry.cc, the one list of commands.
void RegisterAllCommands(CLI::App& app, CliContext& ctx);

}  // namespace fw::cli
