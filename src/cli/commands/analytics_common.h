// SPDX-License-Identifier: Apache-2.0
//
// analytics_common.h: what the analytics commands share: loading the EventFrame from the
// workspace, building --by groups from the frame or workspace tables, and a stderr timer for
// `--timing` (used by bench/analytics.sh to separate load time from kernel time).
//
// Thread safety: main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/breakdown.h"
#include "flywheel/core/result.h"
#include "flywheel/store/event_frame.h"
#include "flywheel/store/workspace.h"
#include "cli_context.h"

namespace fw::cli {

// Flags every analytics command takes.
struct AnalyticsFlags {
  std::string by;          // "", channel, first_channel, segment, variant
  std::string experiment;  // for --by variant
  std::string segment_run; // for --by segment; empty = the latest run
  bool timing = false;     // print load and kernel seconds to stderr
};

// The opened workspace and its frame.
struct LoadedFrame {
  std::unique_ptr<store::Workspace> workspace;
  store::EventFrame frame;
  double load_seconds = 0;
};

// Opens the workspace read-only and loads the EventFrame. kFailedPrecondition when the events
// table is empty.
Result<LoadedFrame> LoadFrame(const std::string& db_path);

// kInvalidArgument unless flags.by is empty, channel, first_channel, segment or variant (which
// needs --experiment). Every backend checks the same way.
Status ValidateBreakdown(const AnalyticsFlags& flags);

// The labels of --by segment (the latest or --segment-run segmentation run) or --by variant
// (first exposure in --experiment), read from the workspace, and the label of users without
// one ("(none)", "(not exposed)"). kNotFound when the table has no such rows.
struct WorkspaceLabels {
  std::unordered_map<std::string, std::string> label_of_user;
  std::string missing_label;
};
Result<WorkspaceLabels> ReadWorkspaceLabels(store::Workspace& workspace,
                                            const AnalyticsFlags& flags);

// Builds the --by groups. `entry_event` is the event whose channel `--by channel` uses (nullopt:
// the user's first event). kInvalidArgument for an unknown --by, kNotFound when the table the
// breakdown needs has no rows.
Result<analytics::UserGroups> BuildGroups(const LoadedFrame& loaded, const AnalyticsFlags& flags,
                                          std::optional<uint32_t> entry_event);

// The spend table as rows (date, channel, spend).
Result<std::vector<analytics::SpendRow>> LoadSpend(store::Workspace& workspace);

// A steady-clock reading in seconds; differences of two readings time a step.
double NowSeconds();

// Prints "<what>: <seconds> s" to stderr when flags.timing is set.
void ReportTiming(const AnalyticsFlags& flags, const char* what, double seconds);

// "timing load: S s (frame cache|events table)": where the frame came from matters to timings.
void ReportFrameTiming(const AnalyticsFlags& flags, const LoadedFrame& loaded);

// Adds --by, --experiment, --segment-run and --timing to `cmd`.
void AddAnalyticsFlags(CLI::App* cmd, AnalyticsFlags& flags);

// A JSON number, or null when absent or not finite.
nlohmann::json OptionalNumber(const std::optional<double>& value);

// "12.3%".
std::string Percent(double rate);

// Subcommand groups defined in their own files, registered by RegisterAnalyticsCommands.
void RegisterLifecycleCommands(CLI::App& app, CliContext& ctx);  // lifecycle, stickiness
void RegisterAcquisitionCommands(CLI::App& app, CliContext& ctx);  // acquisition
void RegisterClvCommands(CLI::App& app, CliContext& ctx);        // clv

}  // namespace fw::cli
