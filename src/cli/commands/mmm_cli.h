// SPDX-License-Identifier: Apache-2.0
//
// mmm_cli.h: what the `flywheel mmm` command files share: loading a saved model (a file from
// --model-out, or the workspace `models` table) and registering the plan/curves subcommands.
//
// Thread safety: main thread only, like every command.
#pragma once

#include <string>

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

// Registers `mmm plan` and `mmm curves` on the mmm group (mmm_plan.cc).
void RegisterMmmPlanCommands(CLI::App& group, CliContext& ctx);

}  // namespace fw::cli
