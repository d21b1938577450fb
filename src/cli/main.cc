// SPDX-License-Identifier: Apache-2.0
//
// main.cc: the `flywheel` executable. Parses the command line, runs the chosen command, and
// turns its Status (or a stray exception) into a message on stderr and an exit code.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "cli_context.h"
#include "exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"Flywheel: a growth engine. Segments, budgeted bandits, A/B statistics and "
               "growth analytics over one event log.",
               "flywheel"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "flywheel 0.1.0");
  fw::cli::CliContext ctx;
  app.add_option("--db", ctx.db_flag, "Workspace file (default: $FLYWHEEL_DB, else ./flywheel.db)");
  app.add_option("--backend", ctx.backend_flag,
                 "Events and analytics backend: clickhouse://HOST:PORT/DB[?cluster=NAME] "
                 "(default: $FLYWHEEL_BACKEND, else the embedded workspace)");
  app.add_flag("--json", ctx.json, "Print one JSON document on stdout and nothing else");
  app.fallthrough();
  fw::cli::RegisterAllCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : fw::cli::kExitUsage;
  }
  if (!ctx.action) {
    std::cerr << "error: no command given; see flywheel --help\n";
    return fw::cli::kExitUsage;
  }
  fw::Status status;
  try {
    status = ctx.action();
  } catch (const std::exception& e) {
    status = fw::Internal(std::string("unexpected exception: ") + e.what());
  }
  if (!status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return fw::cli::ExitCodeFor(status);
  }
  return 0;
}
