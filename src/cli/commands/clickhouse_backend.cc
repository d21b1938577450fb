// SPDX-License-Identifier: Apache-2.0
//
// clickhouse_backend.cc: ingest, info and the metrics on a ClickHouse backend.
#include "clickhouse_backend.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "analytics_common.h"
#include "flywheel/core/time.h"
#include "flywheel/ingest/ingest.h"
#include "flywheel/store/workspace.h"
#include "output.h"

namespace fw::cli {
namespace {

// The --by breakdown for ClickHouse. segment and variant labels live in the --db workspace.
Result<clickhouse::Breakdown> BreakdownFor(const CliContext& ctx, const AnalyticsFlags& flags) {
  FW_RETURN_IF_ERROR(ValidateBreakdown(flags));
  clickhouse::Breakdown by;
  if (flags.by.empty()) return by;
  if (flags.by == "channel") {
    by.kind = clickhouse::BreakdownKind::kEntryChannel;
    return by;
  }
  if (flags.by == "first_channel") {
    by.kind = clickhouse::BreakdownKind::kFirstChannel;
    return by;
  }
  if (std::error_code ec; !std::filesystem::exists(ctx.DbPath(), ec)) {
    return NotFound("--by " + flags.by + " reads the " +
                    (flags.by == "segment" ? "segments" : "exposures") +
                    " table of the --db workspace, and " + ctx.DbPath() + " does not exist");
  }
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
  FW_ASSIGN_OR_RETURN(auto labels, ReadWorkspaceLabels(*workspace, flags));
  by.kind = clickhouse::BreakdownKind::kTable;
  by.missing_label = labels.missing_label;
  by.labels.assign(labels.label_of_user.begin(), labels.label_of_user.end());
  std::sort(by.labels.begin(), by.labels.end());  // the same request bytes on every run
  return by;
}

// DuckDB string literal for ATTACH.
std::string SqlPath(const std::string& path) {
  std::string out = "'";
  for (char ch : path) {
    if (ch == '\'') out.push_back('\'');
    out.push_back(ch);
  }
  return out + "'";
}

}  // namespace

Result<std::unique_ptr<clickhouse::Backend>> OpenClickHouse(const CliContext& ctx) {
  FW_ASSIGN_OR_RETURN(const auto url, clickhouse::ParseBackendUrl(ctx.BackendUrl()));
  return clickhouse::Backend::Connect(url);
}

Status RunClickHouseIngest(const CliContext& ctx, const std::vector<std::string>& files) {
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  FW_RETURN_IF_ERROR(backend->EnsureSchema());
  nlohmann::json per_file = nlohmann::json::array();
  int64_t rows_read = 0, sent = 0, duplicates = 0, rejected = 0;
  for (const std::string& file : files) {
    const double start = NowSeconds();
    // Validation and in-file dedup are exactly the embedded ingest's: it runs into a staging
    // workspace in memory, and only its valid rows are sent.
    FW_ASSIGN_OR_RETURN(auto staging, store::Workspace::Open(":memory:"));
    FW_ASSIGN_OR_RETURN(const auto summary,
                        ingest::IngestFile(*staging, file,
                                           ingest::IngestOptions{.kind = ingest::TableKind::kEvents, .now_us = 0, .rejects_csv_path = {}}));
    for (const auto& notice : summary.notices) std::cerr << "notice: " << notice << "\n";
    FW_ASSIGN_OR_RETURN(const int64_t file_sent, backend->UploadEvents(*staging));
    if (summary.rejected > 0) {
      // Rejects stay in the embedded workspace, where `flywheel sql` lists them.
      { FW_ASSIGN_OR_RETURN(auto target, store::Workspace::Open(ctx.DbPath())); }
      FW_RETURN_IF_ERROR(staging->Execute("ATTACH " + SqlPath(ctx.DbPath()) + " AS target"));
      FW_RETURN_IF_ERROR(staging->Execute("INSERT INTO target.rejects SELECT * FROM rejects"));
      FW_RETURN_IF_ERROR(staging->Execute("DETACH target"));
    }
    const double seconds = NowSeconds() - start;
    rows_read += summary.rows_read;
    sent += file_sent;
    duplicates += summary.duplicates;
    rejected += summary.rejected;
    per_file.push_back({{"source", file},
                        {"rows_read", summary.rows_read},
                        {"sent", file_sent},
                        {"duplicates_in_file", summary.duplicates},
                        {"rejected", summary.rejected},
                        {"rejected_by_reason", summary.rejected_by_reason},
                        {"seconds", seconds}});
    if (!ctx.json) {
      std::cout << file << ": read " << FormatCount(summary.rows_read) << ", sent "
                << FormatCount(file_sent) << " to " << backend->url().text << ", duplicates in file "
                << FormatCount(summary.duplicates) << ", rejected "
                << FormatCount(summary.rejected) << " (" << FormatNumber(seconds, 3) << " s)\n";
    }
  }
  FW_ASSIGN_OR_RETURN(const auto info, backend->Info());
  if (ctx.json) {
    PrintJson({{"backend", backend->url().text},
               {"rows_read", rows_read},
               {"sent", sent},
               {"duplicates_in_file", duplicates},
               {"rejected", rejected},
               {"events_in_backend", info.num_events},
               {"files", per_file}});
  } else {
    std::cout << "events in the backend after dedup: " << FormatCount(info.num_events)
              << " (rows sent again are collapsed through their event key)\n";
    if (rejected > 0) {
      std::cout << "rejected rows are in the rejects table of " << ctx.DbPath()
                << ": flywheel sql \"SELECT * FROM rejects\"\n";
    }
  }
  return OkStatus();
}

Status RunClickHouseInfo(const CliContext& ctx) {
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  FW_ASSIGN_OR_RETURN(const auto info, backend->Info());
  auto when = [&](int64_t us) {
    return info.num_events ? nlohmann::json(FormatTimestamp(us)) : nlohmann::json(nullptr);
  };
  if (ctx.json) {
    PrintJson({{"backend", info.url},
               {"server_version", info.server_version},
               {"cluster", info.cluster.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.cluster)},
               {"shards", info.num_shards},
               {"events", info.num_events},
               {"users", info.num_users},
               {"events_from", when(info.min_time_us)},
               {"events_to", when(info.max_time_us)}});
    return OkStatus();
  }
  std::cout << "backend " << info.url << " (ClickHouse " << info.server_version << ", "
            << (info.cluster.empty() ? std::string("one server")
                                     : "cluster " + info.cluster + ", " +
                                           std::to_string(info.num_shards) + " shards")
            << ")\n";
  std::cout << "events " << FormatCount(info.num_events) << ", users "
            << FormatCount(info.num_users);
  if (info.num_events) {
    std::cout << ", from " << FormatTimestamp(info.min_time_us) << " to "
              << FormatTimestamp(info.max_time_us);
  }
  std::cout << "\n";
  return OkStatus();
}

Result<analytics::RetentionResult> ClickHouseRetention(
    const CliContext& ctx, const analytics::RetentionDefinition& definition,
    const AnalyticsFlags& flags) {
  FW_ASSIGN_OR_RETURN(const auto by, BreakdownFor(ctx, flags));
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  return backend->Retention(definition, by);
}

Result<analytics::FunnelResult> ClickHouseFunnel(const CliContext& ctx,
                                                 const analytics::FunnelDefinition& definition,
                                                 const AnalyticsFlags& flags) {
  FW_ASSIGN_OR_RETURN(const auto by, BreakdownFor(ctx, flags));
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  return backend->Funnel(definition, by);
}

Result<std::vector<analytics::LifecycleTable>> ClickHouseLifecycle(
    const CliContext& ctx, const analytics::LifecycleDefinition& definition,
    const AnalyticsFlags& flags) {
  FW_ASSIGN_OR_RETURN(const auto by, BreakdownFor(ctx, flags));
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  return backend->Lifecycle(definition, by);
}

Result<analytics::AcquisitionResult> ClickHouseAcquisition(
    const CliContext& ctx, const analytics::AcquisitionDefinition& definition) {
  std::vector<analytics::SpendRow> spend;
  if (std::error_code ec; std::filesystem::exists(ctx.DbPath(), ec)) {
    FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
    FW_ASSIGN_OR_RETURN(spend, LoadSpend(*workspace));
  }
  FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
  return backend->Acquisition(definition, spend);
}

}  // namespace fw::cli
