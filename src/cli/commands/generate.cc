// SPDX-License-Identifier: Apache-2.0
//
// generate.cc: `flywheel generate` writes a seeded synthetic e-commerce data set.
#include "cli_context.h"
#include "flywheel/gen/generator.h"
#include "output.h"

#include <iostream>

namespace fw::cli {

void RegisterGenerateCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "generate", "Write a synthetic e-commerce data set: events.csv, spend.csv, exposures.csv, "
                  "truth.json");
  auto options = std::make_shared<gen::GenerateOptions>();
  cmd->add_option("--users", options->num_users, "Users to simulate")->capture_default_str();
  cmd->add_option("--days", options->num_days, "Days in the window")->capture_default_str();
  cmd->add_option("--seed", options->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", options->out_dir, "Output folder")->capture_default_str();
  cmd->callback([&ctx, cmd, options] {
    if (!cmd->get_subcommands().empty()) return;  // `generate mmm` (mmm.cc) chose the action
    ctx.action = [&ctx, options]() -> Status {
      FW_ASSIGN_OR_RETURN(const auto summary, gen::Generate(*options));
      if (ctx.json) {
        PrintJson({{"out", options->out_dir},
                   {"users", summary.users},
                   {"events", summary.events},
                   {"spend_rows", summary.spend_rows},
                   {"exposures", summary.exposures},
                   {"seconds", summary.seconds}});
      } else {
        std::cout << "wrote " << FormatCount(summary.events) << " events for "
                  << FormatCount(summary.users) << " users, " << summary.spend_rows
                  << " spend rows and " << FormatCount(summary.exposures)
                  << " exposures to " << options->out_dir << " in "
                  << FormatNumber(summary.seconds, 3) << " s\n";
      }
      return OkStatus();
    };
  });
}

}  // namespace fw::cli
