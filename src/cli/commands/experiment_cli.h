// SPDX-License-Identifier: Apache-2.0
//
// experiment_cli.h: shared pieces of the `flywheel experiment` command files.
//
// Thread safety: main thread only, like every command.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli_context.h"
#include "flywheel/experiment/assignment.h"
#include "flywheel/experiment/event_metrics.h"
#include "flywheel/store/workspace.h"

namespace fw::cli {

// The stored definition of experiment `name`, or kNotFound with how to create it.
Result<experiment::ExperimentDefinition> LoadDefinition(store::Workspace& ws,
                                                        const std::string& name);

// Adds `analyze` to the experiment group (experiment_analyze.cc).
void RegisterExperimentAnalyze(CLI::App& group, CliContext& ctx);

}  // namespace fw::cli
