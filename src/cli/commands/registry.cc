// SPDX-License-Identifier: Apache-2.0
//
// registry.cc: the one list of command groups. Each group lives in commands/<group>.cc and adds
// its subcommands to the app; add a line here (and the file to src/cli/CMakeLists.txt) for a
// new group.
#include "cli_context.h"

namespace fw::cli {

void RegisterWorkspaceCommands(CLI::App& app, CliContext& ctx);  // info, sql
void RegisterIngestCommands(CLI::App& app, CliContext& ctx);     // ingest
void RegisterGenerateCommands(CLI::App& app, CliContext& ctx);   // generate
void RegisterAnalyticsCommands(CLI::App& app, CliContext& ctx);  // retention, funnel, ...
void RegisterExperimentCommands(CLI::App& app, CliContext& ctx);  // experiment ...
void RegisterBanditCommands(CLI::App& app, CliContext& ctx);      // simulate, ope, bandit ...
void RegisterMmmCommands(CLI::App& app, CliContext& ctx);         // mmm fit|plan|curves|simulate
void RegisterSegmentCommands(CLI::App& app, CliContext& ctx);     // segment
void RegisterServeCommands(CLI::App& app, CliContext& ctx);       // serve
void RegisterAllocateCommands(CLI::App& app, CliContext& ctx);    // allocate
void RegisterKeysCommands(CLI::App& app, CliContext& ctx);        // keys create|list|revoke
void RegisterAlertCommands(CLI::App& app, CliContext& ctx);       // alert add|list|remove
void RegisterReportCommands(CLI::App& app, CliContext& ctx);      // report
void RegisterDemoCommands(CLI::App& app, CliContext& ctx);        // demo
void AddExampleFooters(CLI::App& app);  // examples.cc: an example in every --help

void RegisterAllCommands(CLI::App& app, CliContext& ctx) {
  RegisterWorkspaceCommands(app, ctx);
  RegisterIngestCommands(app, ctx);
  RegisterGenerateCommands(app, ctx);
  RegisterAnalyticsCommands(app, ctx);
  RegisterExperimentCommands(app, ctx);
  RegisterBanditCommands(app, ctx);
  RegisterMmmCommands(app, ctx);
  RegisterSegmentCommands(app, ctx);
  RegisterServeCommands(app, ctx);
  RegisterAllocateCommands(app, ctx);
  RegisterKeysCommands(app, ctx);
  RegisterAlertCommands(app, ctx);
  RegisterReportCommands(app, ctx);
  RegisterDemoCommands(app, ctx);
  AddExampleFooters(app);
}

}  // namespace fw::cli
