// SPDX-License-Identifier: Apache-2.0
//
// analytics_common.cc: frame loading and --by groups for the analytics commands.
#include "analytics_common.h"

#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "flywheel/core/time.h"
#include "output.h"

namespace fw::cli {

void AddAnalyticsFlags(CLI::App* cmd, AnalyticsFlags& flags) {
  cmd->add_option("--by", flags.by, "Breakdown: channel, first_channel, segment, variant");
  cmd->add_option("--experiment", flags.experiment, "Experiment whose variants --by variant uses");
  cmd->add_option("--segment-run", flags.segment_run,
                  "Segmentation run for --by segment (default: the latest run)");
  cmd->add_flag("--timing", flags.timing, "Print load and kernel seconds to stderr");
}

nlohmann::json OptionalNumber(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : nlohmann::json(nullptr);
}

std::string Percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * rate);
  return buf;
}

Result<std::vector<analytics::SpendRow>> LoadSpend(store::Workspace& workspace) {
  FW_ASSIGN_OR_RETURN(const auto result,
                      workspace.Query("SELECT CAST(date AS VARCHAR), channel, spend FROM spend"));
  std::vector<analytics::SpendRow> rows;
  for (const auto& row : result.rows) {
    if (!row[0] || !row[1] || !row[2]) continue;  // the schema forbids NULLs; be safe anyway
    FW_ASSIGN_OR_RETURN(const int64_t day, ParseDate(*row[0]));
    rows.push_back({day, *row[1], std::stod(*row[2])});
  }
  return rows;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void ReportTiming(const AnalyticsFlags& flags, const char* what, double seconds) {
  if (flags.timing) std::fprintf(stderr, "timing %s: %.4f s\n", what, seconds);
}

void ReportFrameTiming(const AnalyticsFlags& flags, const LoadedFrame& loaded) {
  if (!flags.timing) return;
  std::fprintf(stderr, "timing load: %.4f s (%s)\n", loaded.load_seconds,
               loaded.workspace->last_frame_from_cache() ? "frame cache" : "events table");
}

Result<LoadedFrame> LoadFrame(const std::string& db_path) {
  LoadedFrame loaded;
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(loaded.workspace, store::Workspace::Open(db_path, {.read_only = true}));
  FW_ASSIGN_OR_RETURN(loaded.frame, loaded.workspace->LoadEventFrame());
  loaded.load_seconds = NowSeconds() - start;
  if (loaded.frame.num_events() == 0) {
    return FailedPrecondition("the events table of " + db_path +
                              " is empty: run `flywheel ingest` first");
  }
  return loaded;
}

namespace {

// Reads a two-column (user_id, label) query into a map.
Result<std::unordered_map<std::string, std::string>> ReadLabels(
    store::Workspace& workspace, const std::string& sql, const std::vector<store::SqlValue>& params) {
  FW_ASSIGN_OR_RETURN(const auto result, workspace.Query(sql, params));
  std::unordered_map<std::string, std::string> labels;
  for (const auto& row : result.rows) {
    if (row[0] && row[1]) labels.emplace(*row[0], *row[1]);
  }
  return labels;
}

}  // namespace

Status ValidateBreakdown(const AnalyticsFlags& flags) {
  if (flags.by.empty() || flags.by == "channel" || flags.by == "first_channel" ||
      flags.by == "segment") {
    return OkStatus();
  }
  if (flags.by == "variant") {
    if (flags.experiment.empty()) {
      return InvalidArgument("--by variant needs --experiment NAME (the exposures to split by)");
    }
    return OkStatus();
  }
  return InvalidArgument("--by '" + flags.by +
                         "' is not one of channel, first_channel, segment, variant");
}

Result<WorkspaceLabels> ReadWorkspaceLabels(store::Workspace& workspace,
                                            const AnalyticsFlags& flags) {
  FW_RETURN_IF_ERROR(ValidateBreakdown(flags));
  WorkspaceLabels out;
  if (flags.by == "segment") {
    std::string run = flags.segment_run;
    if (run.empty()) {
      FW_ASSIGN_OR_RETURN(const auto runs, workspace.Query(
          // The latest run is the one whose rows were written last (run ids are hashes).
          "SELECT run_id FROM segments ORDER BY rowid DESC LIMIT 1"));
      if (runs.rows.empty() || !runs.rows[0][0]) {
        return NotFound("--by segment: the segments table is empty; run `flywheel segment` first");
      }
      run = *runs.rows[0][0];
    }
    FW_ASSIGN_OR_RETURN(out.label_of_user,
                        ReadLabels(workspace,
                                   "SELECT user_id, COALESCE(label, CAST(segment AS VARCHAR)) "
                                   "FROM segments WHERE run_id = ?",
                                   {run}));
    if (out.label_of_user.empty()) {
      return NotFound("--by segment: segment run '" + run + "' has no rows");
    }
    out.missing_label = "(none)";
    return out;
  }
  if (flags.by == "variant") {
    FW_ASSIGN_OR_RETURN(out.label_of_user,
                        ReadLabels(workspace,
                                   "SELECT user_id, arg_min(variant, ts) FROM exposures "
                                   "WHERE experiment = ? GROUP BY user_id",
                                   {flags.experiment}));
    if (out.label_of_user.empty()) {
      return NotFound("--by variant: experiment '" + flags.experiment +
                      "' has no rows in the exposures table");
    }
    out.missing_label = "(not exposed)";
    return out;
  }
  return InvalidArgument("--by '" + flags.by + "' takes no labels from the workspace");
}

Result<analytics::UserGroups> BuildGroups(const LoadedFrame& loaded, const AnalyticsFlags& flags,
                                          std::optional<uint32_t> entry_event) {
  FW_RETURN_IF_ERROR(ValidateBreakdown(flags));
  if (flags.by.empty()) return analytics::UserGroups{};
  if (flags.by == "channel") return analytics::GroupByEntryChannel(loaded.frame, entry_event);
  if (flags.by == "first_channel") return analytics::GroupByFirstChannel(loaded.frame);
  FW_ASSIGN_OR_RETURN(const auto labels, ReadWorkspaceLabels(*loaded.workspace, flags));
  return analytics::GroupByLabel(loaded.frame, labels.label_of_user, labels.missing_label);
}

}  // namespace fw::cli
