// SPDX-License-Identifier: Apache-2.0
//
// segment.cc: `flywheel segment`, a thin shell over fw_segment.
//
// Two sources of rows:
//   --input FILE   any CSV/TSV table; --columns picks the numeric columns (CSV-quoted names,
//                  e.g. '"Annual Income (k$)","Spending Score (1-100)"'), default every
//                  numeric column but --id-column. No workspace is touched. --assignments OUT
//                  writes id,segment.
//   (no --input)   per-user features from the workspace's EventFrame (--features), and the
//                  result is written to the workspace: `segments` (run_id, user_id, segment,
//                  label) and `segment_profiles` (run_id, segment, label, size, share,
//                  centroid, top_features as JSON text). With --backend clickhouse://...,
//                  the per-user counts come from ClickHouse (same features), and the run is
//                  still written to the --db workspace. --features-out FILE writes the matrix.
// --k N or --k auto (with --k-max) picks k by silhouette. --json prints one document:
// {k, inertia, iterations, fit_seconds, features, segments[], k_scores[], ...}.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli_context.h"
#include "clickhouse_backend.h"
#include "commands/table_file.h"
#include "flywheel/core/csv.h"
#include "flywheel/core/file_io.h"
#include "flywheel/core/hash.h"
#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"
#include "flywheel/segment/features.h"
#include "flywheel/segment/pipeline.h"
#include "flywheel/store/workspace.h"
#include "output.h"

namespace fw::cli {
namespace {

struct SegmentArgs {
  std::string input;
  std::string columns;
  std::string id_column;
  std::string k = "auto";
  size_t k_max = 10;
  std::string scale = "zscore";
  std::string features = "rfm";
  std::string purchase_event = "purchase";
  size_t n_init = 10;
  size_t max_iter = 300;
  double tol = 1e-4;
  uint64_t seed = 0;
  size_t threads = 0;
  size_t mini_batch = 0;
  size_t sample_size = 20000;
  std::string algorithm = "auto";
  std::string assignments;
  std::string features_out;
};

Result<segment::SegmentationOptions> BuildOptions(const SegmentArgs& args) {
  segment::SegmentationOptions opt;
  if (args.k != "auto") {
    double k = 0;
    if (!ParseFiniteDouble(args.k, &k) || k < 1 ||
        k != static_cast<double>(static_cast<size_t>(k))) {
      return InvalidArgument("--k is '" + args.k + "', expected a whole number >= 1 or 'auto'");
    }
    opt.k = static_cast<size_t>(k);
  }
  opt.k_max = args.k_max;
  opt.sample_size = args.sample_size;
  FW_ASSIGN_OR_RETURN(opt.scale, segment::ParseScaleMethod(args.scale));
  opt.kmeans.n_init = args.n_init;
  opt.kmeans.max_iter = args.max_iter;
  opt.kmeans.tol = args.tol;
  opt.kmeans.seed = args.seed;
  opt.kmeans.mini_batch = args.mini_batch;
  if (args.algorithm == "hamerly") {
    opt.kmeans.algorithm = segment::KMeansAlgorithm::kHamerly;
  } else if (args.algorithm == "lloyd") {
    opt.kmeans.algorithm = segment::KMeansAlgorithm::kLloyd;
  } else if (args.algorithm != "auto") {
    return InvalidArgument("--algorithm is '" + args.algorithm +
                           "', expected auto, lloyd or hamerly");
  }
  FW_RETURN_IF_ERROR(opt.Validate());
  return opt;
}

struct TableInput {
  Matrix features;
  std::vector<std::string> ids;  // per row: --id-column, else the 1-based row number
  std::vector<std::string> notices;
};

// Reads the --input table: the chosen numeric columns, and the ids.
Result<TableInput> ReadInput(const SegmentArgs& args) {
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTableFile(args.input));
  if (table.num_rows() == 0) return InvalidArgument(args.input + ": the table has no data rows");
  TableInput out;
  std::vector<std::string> names;
  if (!args.columns.empty()) {
    for (const std::string& name : SplitCsvLine(args.columns, ',')) {
      names.emplace_back(TrimAscii(name));
    }
  } else {
    for (size_t c = 0; c < table.header.size(); ++c) {
      if (table.header[c] == args.id_column) continue;
      std::string lower;
      for (char ch : table.header[c]) lower += static_cast<char>(std::tolower(ch));
      if (lower.size() >= 2 && lower.compare(lower.size() - 2, 2, "id") == 0) {
        // Identifiers are numbers without magnitude; clustering on them is meaningless.
        out.notices.push_back("column '" + table.header[c] +
                              "' looks like an identifier and was left out (name it in "
                              "--columns to use it)");
        continue;
      }
      if (table.NumericColumn(table.header[c]).ok()) {
        names.push_back(table.header[c]);
      } else {
        out.notices.push_back("column '" + table.header[c] +
                              "' is not numeric and was left out (name it in --columns to see "
                              "why)");
      }
    }
    if (names.empty()) return InvalidArgument(args.input + ": no numeric column to cluster");
  }
  std::vector<std::vector<double>> values;
  for (const std::string& name : names) {
    auto column = table.NumericColumn(name);
    if (!column.ok()) {
      // A missing column is bad input to this command (exit 3), not a missing resource.
      return InvalidArgument(column.status().message());
    }
    values.push_back(std::move(column).value());
  }
  out.features = Matrix(table.num_rows(), names.size());
  out.features.column_names = names;
  for (size_t c = 0; c < names.size(); ++c) {
    for (size_t i = 0; i < table.num_rows(); ++i) {
      out.features.At(i, c) = static_cast<float>(values[c][i]);
    }
  }
  if (!args.id_column.empty()) {
    auto ids = table.StringColumn(args.id_column);
    if (!ids.ok()) return InvalidArgument(ids.status().message());
    out.ids = std::move(ids).value();
  } else {
    for (size_t i = 0; i < table.num_rows(); ++i) out.ids.push_back(std::to_string(i + 1));
  }
  return out;
}

std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    quoted += ch;
    if (ch == '"') quoted += '"';
  }
  return quoted + "\"";
}

Status WriteAssignments(const std::string& path, const std::vector<std::string>& ids,
                        const std::vector<uint32_t>& labels, const std::string& id_name) {
  std::string text = CsvCell(id_name.empty() ? "row" : id_name) + ",segment\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    text += CsvCell(ids[i]) + "," + std::to_string(labels[i]) + "\n";
  }
  return WriteFileAtomic(path, text);
}

// The feature matrix as CSV (user_id, then one column per feature), each float printed with
// the digits that read back to the same float: what the backends' parity test compares.
Status WriteFeatures(const std::string& path, const std::vector<std::string>& ids,
                     const Matrix& features) {
  std::string text = "user_id";
  for (const std::string& name : features.column_names) text += "," + CsvCell(name);
  text += "\n";
  char buf[32];
  for (size_t i = 0; i < features.rows; ++i) {
    text += CsvCell(ids[i]);
    for (float v : features.Row(i)) {
      std::snprintf(buf, sizeof buf, ",%.9g", static_cast<double>(v));
      text += buf;
    }
    text += "\n";
  }
  return WriteFileAtomic(path, text);
}

nlohmann::json ToJson(const segment::SegmentationResult& r, const Matrix& features,
                      const std::string& run_id) {
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& s : r.segments) {
    nlohmann::json centroid = nlohmann::json::object();
    for (size_t c = 0; c < s.centroid.size(); ++c) {
      centroid[features.column_names[c]] = JsonNumber(s.centroid[c]);
    }
    nlohmann::json top = nlohmann::json::array();
    for (const auto& f : s.top_features)
      top.push_back({{"feature", f.feature}, {"z", JsonNumber(f.z)}});
    segments.push_back({{"id", s.id},
                        {"size", s.size},
                        {"share", JsonNumber(s.share)},
                        {"label", s.label},
                        {"centroid", centroid},
                        {"top_features", top}});
  }
  nlohmann::json k_scores = nlohmann::json::array();
  for (const auto& row : r.k_scores) {
    auto opt = [](const std::optional<double>& v) {
      return v.has_value() ? JsonNumber(*v) : nlohmann::json(nullptr);
    };
    nlohmann::json entry = {{"k", row.k},
                            {"inertia", JsonNumber(row.inertia)},
                            {"silhouette", opt(row.scores.silhouette)},
                            {"calinski_harabasz", opt(row.scores.calinski_harabasz)},
                            {"davies_bouldin", opt(row.scores.davies_bouldin)},
                            {"silhouette_sample", row.scores.silhouette_sample}};
    if (!row.scores.note.empty()) entry["note"] = row.scores.note;
    k_scores.push_back(entry);
  }
  nlohmann::json doc = {{"k", r.k},
                        {"inertia", JsonNumber(r.inertia)},
                        {"iterations", r.iterations},
                        {"fit_seconds", JsonNumber(r.fit_seconds)},
                        {"rows", r.labels.size()},
                        {"features", r.features},
                        {"segments", segments},
                        {"k_scores", k_scores},
                        {"notices", r.notices},
                        {"kernel", r.kernel}};
  if (!run_id.empty()) doc["run_id"] = run_id;
  return doc;
}

void PrintReadable(const segment::SegmentationResult& r, const Matrix& features) {
  for (const auto& notice : r.notices) std::cout << "notice: " << notice << "\n";
  if (r.k_scores.size() > 1) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : r.k_scores) {
      auto cell = [](const std::optional<double>& v) {
        return v.has_value() ? FormatNumber(*v, 4) : std::string("null");
      };
      rows.push_back({std::to_string(row.k) + (row.k == r.k ? " *" : ""),
                      FormatNumber(row.inertia, 6), cell(row.scores.silhouette),
                      cell(row.scores.calinski_harabasz), cell(row.scores.davies_bouldin)});
    }
    std::cout << "choosing k by silhouette (* = chosen):\n";
    PrintTable({"k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin"}, rows);
    std::cout << "\n";
  }
  std::cout << "k = " << r.k << ", inertia " << FormatNumber(r.inertia, 6) << " (scaled), "
            << r.iterations << " iterations, fit " << FormatNumber(r.fit_seconds, 3) << " s, "
            << FormatCount(static_cast<long long>(r.labels.size())) << " rows\n\n";
  std::vector<std::string> header = {"segment", "label", "size", "share"};
  for (const auto& name : features.column_names) header.push_back(name);
  header.push_back("top features (z)");
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r.segments) {
    std::vector<std::string> row = {std::to_string(s.id), s.label,
                                    FormatCount(static_cast<long long>(s.size)),
                                    FormatNumber(100.0 * s.share, 3) + "%"};
    for (double v : s.centroid) row.push_back(FormatNumber(v, 5));
    std::string top;
    for (const auto& f : s.top_features) {
      if (!top.empty()) top += ", ";
      top += f.feature + " " + (f.z >= 0 ? "+" : "") + FormatNumber(f.z, 2);
    }
    row.push_back(top);
    rows.push_back(row);
  }
  PrintTable(header, rows);
}

// Writes the run to the workspace: segments and segment_profiles, in one transaction.
Status SaveToWorkspace(store::Workspace& ws, const std::string& run_id,
                       const std::vector<std::string>& user_ids,
                       const segment::SegmentationResult& r, const nlohmann::json& doc) {
  // segment_profiles is this command's own table; segments comes from the store schema.
  FW_RETURN_IF_ERROR(ws.Execute(
      "CREATE TABLE IF NOT EXISTS segment_profiles (run_id VARCHAR, segment INTEGER, "
      "label VARCHAR, size BIGINT, share DOUBLE, centroid VARCHAR, top_features VARCHAR)"));
  // Staged through a temporary table because the batch carries BIGINT while segments.segment
  // is INTEGER; the INSERT casts.
  FW_RETURN_IF_ERROR(ws.Execute(
      "CREATE TEMPORARY TABLE IF NOT EXISTS segments_stage (run_id VARCHAR, user_id VARCHAR, "
      "segment BIGINT, label VARCHAR); DELETE FROM segments_stage"));
  FW_RETURN_IF_ERROR(ws.Begin());
  store::RowBatch batch;
  batch.columns.resize(4);
  const char* names[] = {"run_id", "user_id", "segment", "label"};
  for (size_t c = 0; c < 4; ++c) {
    batch.columns[c].name = names[c];
    batch.columns[c].type = c == 2 ? store::ColumnType::kBigint : store::ColumnType::kVarchar;
  }
  std::vector<std::string> label_of(r.k);
  for (const auto& s : r.segments) label_of[s.id] = s.label;
  for (size_t i = 0; i < user_ids.size(); ++i) {
    batch.columns[0].text.push_back(run_id);
    batch.columns[1].text.push_back(user_ids[i]);
    batch.columns[2].ints.push_back(r.labels[i]);
    batch.columns[3].text.push_back(label_of[r.labels[i]]);
    for (auto& column : batch.columns) column.valid.push_back(1);
  }
  batch.num_rows = user_ids.size();
  Status status = ws.Execute("DELETE FROM segments WHERE run_id = ?", {run_id});
  if (status.ok()) status = ws.Execute("DELETE FROM segment_profiles WHERE run_id = ?", {run_id});
  if (status.ok()) status = ws.Append("segments_stage", batch);
  if (status.ok()) {
    status = ws.Execute(
        "INSERT INTO segments SELECT run_id, user_id, CAST(segment AS INTEGER), label "
        "FROM segments_stage");
  }
  for (size_t s = 0; status.ok() && s < r.segments.size(); ++s) {
    const auto& seg = doc["segments"][s];
    status = ws.Execute("INSERT INTO segment_profiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                        {run_id, static_cast<int64_t>(r.segments[s].id), r.segments[s].label,
                         static_cast<int64_t>(r.segments[s].size), r.segments[s].share,
                         seg["centroid"].dump(), seg["top_features"].dump()});
  }
  if (!status.ok()) {
    ws.Rollback().IgnoreError();
    return status;
  }
  return ws.Commit();
}

Status RunSegment(const CliContext& ctx, const SegmentArgs& args) {
  FW_ASSIGN_OR_RETURN(segment::SegmentationOptions opt, BuildOptions(args));
  ThreadPool pool(args.threads > 0 ? args.threads : DefaultThreadCount());
  Matrix features;
  std::vector<std::string> ids;
  std::vector<std::string> notices;
  std::unique_ptr<store::Workspace> ws;
  if (!args.input.empty()) {
    FW_ASSIGN_OR_RETURN(TableInput input, ReadInput(args));
    features = std::move(input.features);
    ids = std::move(input.ids);
    notices = std::move(input.notices);
  } else {
    FW_ASSIGN_OR_RETURN(segment::FeatureSet set, segment::ParseFeatureSet(args.features));
    const segment::FeatureOptions feature_options{.set = set,
                                                  .purchase_event = args.purchase_event};
    if (ctx.UsesClickHouse()) {
      // The per-user counts are computed in ClickHouse; the run is saved to --db as usual.
      FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
      FW_ASSIGN_OR_RETURN(clickhouse::UserFeatureMatrix matrix,
                          backend->UserFeatures(feature_options));
      features = std::move(matrix.features);
      ids = std::move(matrix.user_ids);
      FW_ASSIGN_OR_RETURN(ws, store::Workspace::Open(ctx.DbPath()));
    } else {
      FW_ASSIGN_OR_RETURN(ws, store::Workspace::Open(ctx.DbPath()));
      FW_ASSIGN_OR_RETURN(store::EventFrame frame, ws->LoadEventFrame());
      if (frame.num_users() == 0) {
        return FailedPrecondition("the events table of " + ctx.DbPath() +
                                  " is empty: run `flywheel ingest` first");
      }
      FW_ASSIGN_OR_RETURN(features, segment::ExtractFeatures(frame, feature_options, &pool));
      ids = frame.user_ids;
    }
    if (!args.features_out.empty()) {
      FW_RETURN_IF_ERROR(WriteFeatures(args.features_out, ids, features));
    }
  }
  FW_ASSIGN_OR_RETURN(segment::SegmentationResult result,
                      segment::RunSegmentation(features, opt, &pool));
  result.notices.insert(result.notices.begin(), notices.begin(), notices.end());
  std::string run_id;
  if (ws != nullptr) {
    // A run id that is the same for the same data, options and seed (byte-identical reruns).
    std::string key = args.features + "|" + args.scale + "|" + std::to_string(result.k) + "|" +
                      std::to_string(args.seed) + "|" + std::to_string(ids.size());
    for (uint32_t label : result.labels) key += static_cast<char>('0' + label % 64);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "seg-%016llx",
                  static_cast<unsigned long long>(HashBytes64(key)));
    run_id = buf;
  }
  const nlohmann::json doc = ToJson(result, features, run_id);
  if (ws != nullptr) FW_RETURN_IF_ERROR(SaveToWorkspace(*ws, run_id, ids, result, doc));
  if (!args.assignments.empty()) {
    FW_RETURN_IF_ERROR(WriteAssignments(args.assignments, ids, result.labels,
                                        args.input.empty() ? "user_id" : args.id_column));
  }
  if (ctx.json) {
    PrintJson(doc);
  } else {
    PrintReadable(result, features);
    if (!run_id.empty()) {
      std::cout << "\nwrote " << FormatCount(static_cast<long long>(ids.size()))
                << " rows to segments and " << result.segments.size()
                << " to segment_profiles (run_id " << run_id << ")\n";
    }
    if (!args.assignments.empty()) std::cout << "wrote assignments to " << args.assignments << "\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterSegmentCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "segment", "Cluster users (workspace features) or any table (--input) with k-means");
  auto args = std::make_shared<SegmentArgs>();
  cmd->add_option("--input", args->input, "CSV/TSV or Parquet table to cluster instead of the workspace");
  cmd->add_option("--columns", args->columns,
                  "Comma-separated columns of --input (CSV quoting for names with commas)");
  cmd->add_option("--id-column", args->id_column, "Column of --input that identifies a row");
  cmd->add_option("--k", args->k, "Number of segments, or 'auto' (best silhouette)")
      ->capture_default_str();
  cmd->add_option("--k-max", args->k_max, "Largest k tried by --k auto")->capture_default_str();
  cmd->add_option("--scale", args->scale, "zscore, robust, log1p or none")->capture_default_str();
  cmd->add_option("--features", args->features, "rfm, engagement, behaviour, channels or all (workspace)")
      ->capture_default_str();
  cmd->add_option("--purchase-event", args->purchase_event, "Event name that is a purchase")
      ->capture_default_str();
  cmd->add_option("--n-init", args->n_init, "k-means++ restarts; the best inertia wins")
      ->capture_default_str();
  cmd->add_option("--max-iter", args->max_iter, "Lloyd iterations per restart")
      ->capture_default_str();
  cmd->add_option("--tol", args->tol, "Stop when centre moves <= tol * mean column variance")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--mini-batch", args->mini_batch, "Mini-batch k-means with this batch size")
      ->capture_default_str();
  cmd->add_option("--sample-size", args->sample_size, "Silhouette sample (points)")
      ->capture_default_str();
  cmd->add_option("--algorithm", args->algorithm, "auto (lloyd for k <= 16, else hamerly), lloyd or hamerly")
      ->capture_default_str();
  cmd->add_option("--assignments", args->assignments, "Write id,segment to this CSV file");
  cmd->add_option("--features-out", args->features_out,
                  "Write the workspace feature matrix (user_id, features) to this CSV file");
  cmd->callback(
      [&ctx, args] { ctx.action = [&ctx, args]() -> Status { return RunSegment(ctx, *args); }; });
}

}  // namespace fw::cli
