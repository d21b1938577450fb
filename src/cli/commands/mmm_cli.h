// SPDX-License-Identifier: Apache-2.0
//
// mmm_cli.h: what the `flywheel mmm` command files share: loading a saved model (a file from
// --model-out, or the workspace `models` table) and registering the plan/curves subcommands.
//
// Thread safety: main thread only, like every command.
#pragma once

#include <string>
#include <vector>

#include "cli_context.h"
#include "flywheel/mmm/model.h"

namespace fw::cli {

// Where a command finds its model: --model FILE wins, else the workspace model named `name`.
struct ModelSource {
  std::string file;
  std::string name = "default";
};

// Registers --model and --name on `cmd`.
void AddModelSourceOptions(CLI::App* cmd, ModelSource* source);

// Loads the model. kNotFound (with the command that makes one) when there is none.
Result<mmm::MmmModel> LoadMmmModel(const CliContext& ctx, const ModelSource& source);

// `flywheel allocate --method curves`: the next period's budget split on a saved model's response
// curves (the planner with a per-period budget held for `periods` periods). Called from the
// bandit command file so the Thompson allocator and the planner share one command.
struct CurvesAllocateArgs {
  ModelSource source;
  double budget = 0.0;               // per period
  size_t periods = 13;               // horizon over which the outcome is counted
  std::vector<std::string> mins;     // CHANNEL:AMOUNT per period, repeatable or comma-separated
  std::vector<std::string> maxs;
};
Status RunAllocateCurves(const CliContext& ctx, const CurvesAllocateArgs& args);

// Registers `mmm plan` and `mmm curves` on the mmm group (mmm_plan.cc).
void RegisterMmmPlanCommands(CLI::App& group, CliContext& ctx);

}  // namespace fw::cli
