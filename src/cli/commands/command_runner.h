// SPDX-License-Identifier: Apache-2.0
//
// command_runner.h: runs a `flywheel` subcommand in this process and returns its --json output.
//
// `flywheel demo` and `flywheel report` are built from the other commands: rather than call each
// module's internals a second way, they re-enter the command layer with the same arguments a
// user would type, so a step of the demo is exactly the command it names. The command's stdout
// (one JSON document, since --json is always passed) is captured by swapping std::cout's buffer;
// every command prints through std::cout (output.h), never printf, when --json is on.
//
// Thread safety: swaps std::cout's buffer; main thread only, one call at a time.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "flywheel/core/result.h"

namespace fw::cli {

// Runs `flywheel --db DB --json ARGS...` in process. Returns the parsed JSON document, or the
// command's own Status (usage errors become kInvalidArgument with CLI11's message). `db` may be
// empty for commands that do not use the workspace.
Result<nlohmann::json> RunCommandJson(const std::string& db, const std::vector<std::string>& args);

}  // namespace fw::cli
