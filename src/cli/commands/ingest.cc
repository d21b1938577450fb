// SPDX-License-Identifier: Apache-2.0
//
// ingest.cc: `flywheel ingest (events|spend|exposures) FILE...`.
#include "cli_context.h"
#include "clickhouse_backend.h"
#include "flywheel/ingest/ingest.h"
#include "output.h"

#include <iostream>

namespace fw::cli {
namespace {

struct IngestArgs {
  std::string table;
  std::vector<std::string> files;
  std::string rejects_csv;
};

nlohmann::json SummaryJson(const ingest::IngestSummary& s) {
  return {{"source", s.source},         {"rows_read", s.rows_read},
          {"inserted", s.inserted},     {"duplicates", s.duplicates},
          {"rejected", s.rejected},     {"rejected_by_reason", s.rejected_by_reason},
          {"notices", s.notices},       {"seconds", s.seconds}};
}

Status RunIngest(const CliContext& ctx, const IngestArgs& args) {
  FW_ASSIGN_OR_RETURN(const ingest::TableKind kind, ingest::ParseTableKind(args.table));
  if (ctx.UsesClickHouse()) {
    if (kind != ingest::TableKind::kEvents) {
      return Unimplemented("ingest " + args.table + " with --backend clickhouse: only events live "
                           "in ClickHouse; ingest " + args.table + " without --backend");
    }
    if (!args.rejects_csv.empty()) {
      return InvalidArgument("--rejects is not supported with --backend clickhouse; rejects go "
                             "to the rejects table of --db");
    }
    return RunClickHouseIngest(ctx, args.files);
  }
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  nlohmann::json files = nlohmann::json::array();
  ingest::IngestSummary total;
  for (size_t i = 0; i < args.files.size(); ++i) {
    ingest::IngestOptions options;
    options.kind = kind;
    if (!args.rejects_csv.empty()) {
      options.rejects_csv_path =
          args.files.size() == 1 ? args.rejects_csv : args.rejects_csv + "." + std::to_string(i + 1);
    }
    FW_ASSIGN_OR_RETURN(const auto summary, ingest::IngestFile(*workspace, args.files[i], options));
    for (const auto& notice : summary.notices) std::cerr << "notice: " << notice << "\n";
    files.push_back(SummaryJson(summary));
    total.rows_read += summary.rows_read;
    total.inserted += summary.inserted;
    total.duplicates += summary.duplicates;
    total.rejected += summary.rejected;
    total.seconds += summary.seconds;
    for (const auto& [reason, count] : summary.rejected_by_reason) {
      total.rejected_by_reason[reason] += count;
    }
    if (!ctx.json) {
      std::cout << args.files[i] << ": read " << FormatCount(summary.rows_read) << ", inserted "
                << FormatCount(summary.inserted) << ", duplicates "
                << FormatCount(summary.duplicates) << ", rejected " << FormatCount(summary.rejected)
                << " (" << FormatNumber(summary.seconds, 3) << " s)\n";
      for (const auto& [reason, count] : summary.rejected_by_reason) {
        std::cout << "  rejected " << reason << ": " << FormatCount(count) << "\n";
      }
    }
  }
  if (ctx.json) {
    nlohmann::json doc = {{"rows_read", total.rows_read},
                          {"inserted", total.inserted},
                          {"duplicates", total.duplicates},
                          {"rejected", total.rejected},
                          {"rejected_by_reason", total.rejected_by_reason},
                          {"files", files}};
    PrintJson(doc);
  } else if (total.rejected > 0) {
    std::cout << "rejected rows are in the rejects table: flywheel sql \"SELECT * FROM rejects\"\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterIngestCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "ingest", "Load events, spend or exposures files (CSV/TSV, JSON Lines, Parquet; .gz ok)");
  auto args = std::make_shared<IngestArgs>();
  cmd->add_option("table", args->table, "events | spend | exposures")->required();
  cmd->add_option("files", args->files, "Files to load, each in one transaction")->required();
  cmd->add_option("--rejects", args->rejects_csv, "Also write rejected rows to this CSV file");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunIngest(ctx, *args); }; });
}

}  // namespace fw::cli
