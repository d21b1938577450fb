// SPDX-License-Identifier: Apache-2.0
//
// bandit_cli.h: helpers shared by the bandit command files (bandit.cc, bandit_workspace.cc).
//
// Thread safety: main thread only, as every command.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli_context.h"

namespace fw::cli {

// Splits "a,b , c" into {"a", "b", "c"}, dropping empty items.
std::vector<std::string> SplitList(const std::string& text);

// `flywheel bandit create|decide|reward|show`: named bandits persisted in the workspace.
void RegisterBanditWorkspaceCommands(CLI::App& app, CliContext& ctx);

}  // namespace fw::cli
