// SPDX-License-Identifier: Apache-2.0
//
// experiment_analyze.cc: `flywheel experiment analyze`, with three inputs feeding one engine:
//   - the workspace: `analyze NAME --metric M` (exposures + the EventFrame, one pass per user);
//   - a per-user table: `analyze --input FILE --variant-col COL --control NAME --metric COL`;
//   - summary statistics: `analyze --stats FILE.json`.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include <sys/resource.h>

#include "commands/table_file.h"
#include "flywheel/core/file_io.h"
#include "flywheel/core/text_table.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/experiment/analysis.h"
#include "flywheel/experiment/stats_json.h"
#include "flywheel/experiment/user_summary.h"

#include "clickhouse_backend.h"
#include "experiment_cli.h"
#include "output.h"

namespace fw::cli {
namespace {

namespace ex = fw::experiment;

// CPU seconds (user + system, all threads) used by this process so far: with other jobs on the
// machine, wall time overstates our cost, so --timing reports both.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

struct AnalyzeArgs {
  std::string name;   // workspace experiment
  std::string input;  // per-user table
  std::string variant_col;
  std::string stats;  // summary JSON
  std::string control;
  std::vector<std::string> metrics;
  std::string covariate;  // --input: covariate column; workspace: pre:METRIC:DAYS
  std::string method = "frequentist";
  std::string test = "welch";
  bool absolute = false;
  bool relative = false;
  std::string alternative = "two-sided";
  double alpha = 0.05;
  double sequential_tuning = 5000;
  std::string prior_mean;
  std::string prior_variance;
  std::string correction = "none";
  double winsorize = 0;
  std::string weights;  // name:w,... for the SRM check
  std::string window = "14d";
  bool timing = false;
};

Result<double> ParseOptionalDouble(const std::string& text, const std::string& flag) {
  double v = 0;
  if (!ParseFiniteDouble(text, &v)) {
    return InvalidArgument(flag + " '" + text + "' is not a number");
  }
  return v;
}

Result<int64_t> ParseDays(const std::string& text) {
  if (text.size() < 2 || text.back() != 'd') {
    return InvalidArgument("--window '" + text + "': expected a day count like 14d");
  }
  double d = 0;
  if (!ParseFiniteDouble(text.substr(0, text.size() - 1), &d) || d <= 0) {
    return InvalidArgument("--window '" + text + "': expected a positive day count like 14d");
  }
  return static_cast<int64_t>(d * static_cast<double>(ex::kMicrosPerDay));
}

Result<ex::AnalysisOptions> BuildOptions(const AnalyzeArgs& a) {
  ex::AnalysisOptions o;
  FW_ASSIGN_OR_RETURN(o.compare.method, ex::ParseMethod(a.method));
  FW_ASSIGN_OR_RETURN(o.compare.test, ex::ParseTestKind(a.test));
  FW_ASSIGN_OR_RETURN(o.compare.alternative, ex::ParseAlternative(a.alternative));
  FW_ASSIGN_OR_RETURN(o.correction, ex::ParseCorrection(a.correction));
  if (a.absolute && a.relative) return InvalidArgument("give --relative or --absolute, not both");
  o.compare.relative = !a.absolute;
  o.compare.alpha = a.alpha;
  o.compare.sequential_tuning = a.sequential_tuning;
  if (!a.prior_mean.empty()) {
    FW_ASSIGN_OR_RETURN(double v, ParseOptionalDouble(a.prior_mean, "--prior-mean"));
    o.compare.prior_mean = v;
  }
  if (!a.prior_variance.empty()) {
    FW_ASSIGN_OR_RETURN(double v, ParseOptionalDouble(a.prior_variance, "--prior-variance"));
    o.compare.prior_variance = v;
  }
  FW_RETURN_IF_ERROR(o.compare.Validate());
  return o;
}

// Weights for the SRM check, in `arms` order, from "name:w,..." (missing = equal weights).
Result<std::vector<double>> WeightsFor(const std::string& text,
                                       const std::vector<std::string>& arms) {
  if (text.empty()) return std::vector<double>{};
  FW_ASSIGN_OR_RETURN(auto specs, ex::ParseVariants(text));
  std::vector<double> w;
  for (const auto& arm : arms) {
    auto it =
        std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.name == arm; });
    if (it == specs.end()) return InvalidArgument("--weights has no weight for arm '" + arm + "'");
    w.push_back(it->weight);
  }
  if (specs.size() != arms.size()) {
    return InvalidArgument("--weights names " + std::to_string(specs.size()) +
                           " arms but the data has " + std::to_string(arms.size()));
  }
  return w;
}

// Control first, then the other arms by name: a stable order for every path.
std::vector<std::string> OrderArms(const std::set<std::string>& seen, const std::string& control) {
  std::vector<std::string> arms = {control};
  for (const auto& a : seen) {
    if (a != control) arms.push_back(a);
  }
  return arms;
}

Status ControlPresent(const std::set<std::string>& seen, const std::string& control,
                      const std::string& where) {
  if (control.empty()) return InvalidArgument("no control given (--control NAME)");
  if (seen.count(control)) return OkStatus();
  std::string list;
  for (const auto& a : seen) list += (list.empty() ? "" : ", ") + a;
  return NotFound("control '" + control + "' does not appear in " + where + "; arms are: " + list);
}

void PrintHuman(const ex::AnalysisReport& report, const std::string& title, int64_t excluded) {
  std::cout << title << "\n";
  std::cout << "method: " << ex::MethodName(report.options.compare.method)
            << ", lift: " << (report.options.compare.relative ? "relative" : "absolute")
            << ", alpha: " << FormatNumber(report.options.compare.alpha)
            << ", correction: " << ex::CorrectionName(report.options.correction) << "\n";
  std::cout << "arms:";
  for (size_t i = 0; i < report.arms.size(); ++i) {
    std::cout << (i ? ", " : " ") << report.arms[i] << " " << FormatCount(report.arm_units[i]);
  }
  std::cout << "\nSRM check: chi2 = " << FormatNumber(report.srm.chi_square, 4)
            << ", p = " << FormatNumber(report.srm.p_value, 4)
            << (report.srm.warning ? "" : " (ok)") << "\n";
  if (report.srm.warning) {
    std::cout << "!!! WARNING: " << report.srm.message << " !!!\n";
    std::cerr << "warning: " << report.srm.message << "\n";
  }
  if (excluded > 0) {
    std::cout << "excluded " << FormatCount(excluded) << " users seen in more than one arm\n";
  }
  const bool bayes = report.options.compare.method == ex::Method::kBayesian;
  for (const auto& m : report.metrics) {
    std::cout << "\nmetric " << m.metric << " (" << ex::MetricTypeName(m.type) << "): control arm "
              << m.control << " n=" << FormatCount(m.control_n)
              << " mean=" << FormatNumber(m.control_mean) << "\n";
    std::vector<std::vector<std::string>> rows;
    auto pct = [&](const std::optional<double>& v) {
      if (!v) return std::string("-");
      return report.options.compare.relative ? FormatNumber(100.0 * *v, 4) + "%"
                                             : FormatNumber(*v, 4);
    };
    for (const auto& r : m.results) {
      std::vector<std::string> row = {r.variant, FormatCount(r.n), FormatNumber(r.mean),
                                      pct(r.lift),
                                      "[" + pct(r.ci_low) + ", " + pct(r.ci_high) + "]"};
      if (bayes) {
        // Four digits would print 0.9999999 as "100%": cap instead of rounding to certainty.
        const auto ctw = r.chance_to_win;
        row.push_back(!ctw            ? "-"
                      : *ctw > 0.9999 ? ">99.99%"
                      : *ctw < 0.0001 ? "<0.01%"
                                      : FormatNumber(100.0 * *ctw, 4) + "%");
        // Expected loss of keeping control / shipping the treatment, in lift units.
        row.push_back(r.risk_control ? pct(r.risk_control) + " / " + pct(r.risk_treatment) : "-");
      } else {
        row.push_back(r.p_value ? FormatNumber(*r.p_value, 4) : "-");
        if (report.options.correction != ex::Correction::kNone) {
          row.push_back(r.adjusted_p_value ? FormatNumber(*r.adjusted_p_value, 4) : "-");
        }
      }
      row.push_back(ex::Verdict(r, report.options));
      rows.push_back(std::move(row));
    }
    std::vector<std::string> header = {"variant", "n", "mean", "lift", "ci"};
    if (bayes) {
      header.push_back("chance to win");
      header.push_back("risk control / treatment");
    } else {
      header.push_back("p_value");
      if (report.options.correction != ex::Correction::kNone) header.push_back("adjusted p");
    }
    header.push_back("verdict");
    PrintTable(header, rows);
  }
}

Status Emit(const CliContext& ctx, const ex::AnalysisReport& report, const std::string& source,
            int64_t excluded) {
  if (ctx.json) {
    // stdout stays one JSON document; the alarm still goes to stderr.
    if (report.srm.warning) std::cerr << "warning: " << report.srm.message << "\n";
    nlohmann::json doc = ex::ReportToJson(report);
    doc["source"] = source;
    doc["excluded_users"] = excluded;
    PrintJson(doc);
  } else {
    PrintHuman(report, "experiment analysis of " + source, excluded);
  }
  return OkStatus();
}

Status AnalyzeStats(const CliContext& ctx, const AnalyzeArgs& a, ex::AnalysisOptions o) {
  FW_ASSIGN_OR_RETURN(const std::string text, ReadFileBytes(a.stats));
  FW_ASSIGN_OR_RETURN(ex::StatsInput in, ex::ParseStatsJson(text, a.stats));
  o.control = a.control.empty() ? in.control : a.control;
  o.weights = in.weights;
  if (!a.weights.empty()) {
    std::vector<std::string> arms;
    for (const auto& arm : in.metrics[0].arms) arms.push_back(arm.name);
    FW_ASSIGN_OR_RETURN(o.weights, WeightsFor(a.weights, arms));
  }
  FW_ASSIGN_OR_RETURN(auto report, ex::Analyze(in.metrics, o));
  return Emit(ctx, report, a.stats, 0);
}

Status AnalyzeTable(const CliContext& ctx, const AnalyzeArgs& a, ex::AnalysisOptions o) {
  if (a.variant_col.empty()) return InvalidArgument("--input needs --variant-col COL");
  if (a.metrics.empty()) return InvalidArgument("--input needs at least one --metric COL");
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTableFile(a.input));
  if (table.num_rows() == 0) return InvalidArgument(a.input + ": no data rows");
  FW_ASSIGN_OR_RETURN(auto labels, table.StringColumn(a.variant_col));
  std::set<std::string> seen;
  for (size_t r = 0; r < labels.size(); ++r) {
    if (labels[r].empty()) {
      return InvalidArgument(a.input + ":" + std::to_string(table.row_lines[r]) + ": column '" +
                             a.variant_col + "' is empty");
    }
    seen.insert(labels[r]);
  }
  FW_RETURN_IF_ERROR(ControlPresent(seen, a.control, a.input + " column '" + a.variant_col + "'"));
  o.control = a.control;
  const std::vector<std::string> arms = OrderArms(seen, a.control);
  std::map<std::string, uint32_t> index;
  for (size_t i = 0; i < arms.size(); ++i) index[arms[i]] = static_cast<uint32_t>(i);
  std::vector<uint32_t> arm_of_user(labels.size());
  for (size_t r = 0; r < labels.size(); ++r) arm_of_user[r] = index[labels[r]];
  std::vector<double> covariate;
  if (!a.covariate.empty()) {
    FW_ASSIGN_OR_RETURN(covariate, table.NumericColumn(a.covariate));
  }
  std::vector<ex::MetricInput> inputs;
  for (const std::string& metric : a.metrics) {
    ex::UserValues uv;
    uv.name = metric;
    std::vector<double> values, denominators;
    if (metric.rfind("ratio:", 0) == 0) {
      const std::string spec = metric.substr(6);
      const size_t slash = spec.find('/');
      if (slash == std::string::npos) {
        return InvalidArgument("--metric '" + metric + "': expected ratio:NUMCOL/DENCOL");
      }
      FW_ASSIGN_OR_RETURN(values, table.NumericColumn(spec.substr(0, slash)));
      FW_ASSIGN_OR_RETURN(denominators, table.NumericColumn(spec.substr(slash + 1)));
      uv.type = ex::MetricType::kRatio;
      if (!covariate.empty()) return Unimplemented("CUPED on ratio metrics is not supported");
    } else {
      FW_ASSIGN_OR_RETURN(values, table.NumericColumn(metric));
      FW_ASSIGN_OR_RETURN(const size_t col, table.ColumnIndex(metric));
      uv.type = table.IsBooleanColumn(col) ? ex::MetricType::kProportion : ex::MetricType::kMean;
      uv.covariates = covariate;
    }
    uv.values = values;
    uv.denominators = denominators;
    FW_ASSIGN_OR_RETURN(auto in, ex::SummarizeByArm(uv, arm_of_user, arms, a.winsorize));
    inputs.push_back(std::move(in));
  }
  FW_ASSIGN_OR_RETURN(o.weights, WeightsFor(a.weights, arms));
  FW_ASSIGN_OR_RETURN(auto report, ex::Analyze(inputs, o));
  return Emit(ctx, report, a.input, 0);
}

// Per-arm summaries of the per-user metric values (from either backend), then the tests.
Result<ex::AnalysisReport> SummarizeAndAnalyze(const AnalyzeArgs& a, ex::AnalysisOptions o,
                                               const std::optional<ex::ExperimentDefinition>& def,
                                               const std::vector<std::string>& arms,
                                               const std::vector<uint32_t>& arm_of_user,
                                               const std::vector<ex::ResolvedMetric>& resolved,
                                               const ex::ExposureMetricValues& values) {
  std::vector<ex::MetricInput> inputs;
  for (size_t m = 0; m < resolved.size(); ++m) {
    ex::UserValues uv{.name = resolved[m].spec.text,
                      .type = resolved[m].spec.type(),
                      .values = values.values[m],
                      .denominators = values.denominators[m],
                      .covariates = values.covariates[m]};
    FW_ASSIGN_OR_RETURN(auto in, ex::SummarizeByArm(uv, arm_of_user, arms, a.winsorize));
    inputs.push_back(std::move(in));
  }
  if (def) {
    for (const auto& arm : arms) {
      for (const auto& v : def->variants) {
        if (v.name == arm) o.weights.push_back(v.weight);
      }
    }
  }
  if (!a.weights.empty()) {
    FW_ASSIGN_OR_RETURN(o.weights, WeightsFor(a.weights, arms));
  }
  return ex::Analyze(inputs, o);
}

Status AnalyzeWorkspace(const CliContext& ctx, const AnalyzeArgs& a, ex::AnalysisOptions o) {
  using Clock = std::chrono::steady_clock;
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
  auto def_or = LoadDefinition(*ws, a.name);
  std::optional<ex::ExperimentDefinition> def;
  if (def_or.ok()) {
    def = std::move(def_or).value();
  } else if (def_or.status().code() != StatusCode::kNotFound) {
    return def_or.status();
  }
  std::vector<std::string> metric_texts = a.metrics;
  if (metric_texts.empty() && def) metric_texts = def->metrics;
  if (metric_texts.empty()) {
    return InvalidArgument(
        "no metric: give --metric (conversion:EVENT, count:EVENT, revenue, "
        "retention:Nd, ratio:NUM/DEN)");
  }
  FW_ASSIGN_OR_RETURN(const int64_t window_us, ParseDays(a.window));
  std::optional<std::pair<ex::MetricSpec, int64_t>> cuped;
  if (!a.covariate.empty()) {
    FW_ASSIGN_OR_RETURN(cuped, ex::ParseCupedSpec(a.covariate));
  }
  // First exposure per user; users seen in two arms are counted and excluded.
  const auto t_query = Clock::now();
  FW_ASSIGN_OR_RETURN(auto exp_rows,
                      ws->Query("SELECT user_id, arg_min(variant, ts), epoch_us(min(ts)), "
                                "min(variant) = max(variant) FROM exposures WHERE experiment = ? "
                                "GROUP BY user_id ORDER BY user_id",
                                {a.name}));
  if (exp_rows.rows.empty()) {
    return NotFound("experiment '" + a.name + "' has no exposures in " + ctx.DbPath());
  }
  std::set<std::string> seen;
  if (def) {
    for (const auto& v : def->variants) seen.insert(v.name);
  }
  for (const auto& row : exp_rows.rows) {
    if (!def) seen.insert(row[1].value_or(""));
  }
  const std::string control = !a.control.empty() ? a.control
                              : def              ? def->ControlName()
                                                 : std::string("control");
  FW_RETURN_IF_ERROR(ControlPresent(seen, control, "experiment '" + a.name + "'"));
  o.control = control;
  std::vector<std::string> arms;
  if (def) {
    arms.push_back(control);
    for (const auto& v : def->variants) {
      if (v.name != control) arms.push_back(v.name);
    }
  } else {
    arms = OrderArms(seen, control);
  }
  // Exposures to arms and times; this needs no events, so it runs before the frame is loaded.
  const size_t n = exp_rows.rows.size();
  std::vector<int64_t> frame_user(n, -1), exposure_us(n, 0);
  std::vector<uint32_t> arm_of_user(n, ex::kNoArm);
  int64_t excluded = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& row = exp_rows.rows[i];
    if (row[3] && *row[3] != "true") {  // seen in more than one arm
      ++excluded;
      continue;
    }
    const std::string& variant = row[1] ? *row[1] : std::string();
    // A linear scan: experiments have a handful of arms.
    uint32_t arm_idx = ex::kNoArm;
    for (size_t k = 0; k < arms.size(); ++k) {
      if (arms[k] == variant) arm_idx = static_cast<uint32_t>(k);
    }
    if (arm_idx == ex::kNoArm) {
      return InvalidArgument("exposure of user '" + row[0].value_or("") + "' names variant '" +
                             variant + "', which experiment '" + a.name + "' does not define");
    }
    const std::string& t0 = row[2] ? *row[2] : std::string();
    int64_t t0_us = 0;
    if (std::from_chars(t0.data(), t0.data() + t0.size(), t0_us).ec != std::errc()) {
      return Internal("exposure time '" + t0 + "' of user '" + row[0].value_or("") +
                      "' is not an integer");
    }
    arm_of_user[i] = arm_idx;
    exposure_us[i] = t0_us;
  }

  std::vector<ex::ResolvedMetric> resolved;
  for (const auto& text : metric_texts) {
    FW_ASSIGN_OR_RETURN(ex::MetricSpec spec, ex::ParseMetricSpec(text));
    ex::ResolvedMetric rm;
    rm.spec = spec;
    if (cuped && spec.kind != ex::MetricKind::kRatio) {
      rm.cuped_pre_days = cuped->second;
      rm.cuped_spec = cuped->first;
    }
    resolved.push_back(std::move(rm));
  }
  const auto t_frame = Clock::now();
  if (ctx.UsesClickHouse()) {
    // The per-user metrics are computed in ClickHouse; exposures and definitions stay in --db.
    std::vector<std::string> user_ids(n);
    for (size_t i = 0; i < n; ++i) user_ids[i] = exp_rows.rows[i][0].value_or("");
    FW_ASSIGN_OR_RETURN(auto backend, OpenClickHouse(ctx));
    FW_ASSIGN_OR_RETURN(auto values,
                        backend->ExposureMetrics(user_ids, exposure_us, resolved, window_us));
    const auto t_stats = Clock::now();
    FW_ASSIGN_OR_RETURN(auto report, SummarizeAndAnalyze(a, o, def, arms, arm_of_user, resolved,
                                                         values));
    if (a.timing) {
      auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
      std::fprintf(stderr,
                   "timing: exposures query %.3f s, backend metrics %.3f s, sums and tests %.3f s "
                   "(%zu exposed users, %zu metrics)\n",
                   s(t_frame - t_query), s(t_stats - t_frame), s(Clock::now() - t_stats), n,
                   resolved.size());
    }
    return Emit(ctx, report, "experiment '" + a.name + "' on " + ctx.BackendUrl(), excluded);
  }
  FW_ASSIGN_OR_RETURN(store::EventFrame frame, ws->LoadEventFrame());
  const auto t_analysis = Clock::now();
  const double cpu_analysis = CpuSeconds();
  // Both lists are normally sorted by user id (ORDER BY user_id; the frame by construction),
  // so one merge walk maps every exposed user to its frame row in O(users) string compares.
  // If either is not (another collation), fall back to a hash map.
  const bool sorted = std::is_sorted(frame.user_ids.begin(), frame.user_ids.end());
  bool merged = sorted;
  if (sorted) {
    size_t cursor = 0;
    const std::string* prev = nullptr;
    for (size_t i = 0; i < n && merged; ++i) {
      const std::string& user = *exp_rows.rows[i][0];
      if (prev && user < *prev) merged = false;
      prev = &user;
      while (cursor < frame.user_ids.size() && frame.user_ids[cursor] < user) ++cursor;
      if (cursor < frame.user_ids.size() && frame.user_ids[cursor] == user) {
        frame_user[i] = static_cast<int64_t>(cursor);
      }
    }
  }
  if (!merged) {
    std::unordered_map<std::string_view, int64_t> by_id;
    by_id.reserve(frame.user_ids.size());
    for (size_t u = 0; u < frame.user_ids.size(); ++u) {
      by_id[frame.user_ids[u]] = static_cast<int64_t>(u);
    }
    for (size_t i = 0; i < n; ++i) {
      auto f = by_id.find(*exp_rows.rows[i][0]);
      frame_user[i] = f != by_id.end() ? f->second : -1;
    }
  }
  auto code_of = [&](const std::string& event) {
    auto c = frame.events.Find(event);
    return c ? *c : ex::kAbsentEvent;
  };
  for (ex::ResolvedMetric& rm : resolved) {
    rm.event_code = code_of(rm.spec.event);
    rm.denominator_code = code_of(rm.spec.denominator);
    if (rm.cuped_spec) {
      rm.cuped_event_code = code_of(rm.cuped_spec->event);
      rm.cuped_denominator_code = code_of(rm.cuped_spec->denominator);
    }
  }
  const auto t_kernel = Clock::now();
  ex::EventColumns cols{.user_offsets = frame.user_offsets,
                        .time_us = frame.time_us,
                        .event = frame.event,
                        .revenue = frame.revenue};
  FW_ASSIGN_OR_RETURN(auto values,
                      ex::ComputeExposureMetrics(cols, frame_user, exposure_us, resolved, window_us,
                                                 DefaultThreadCount()));
  const auto t_stats = Clock::now();
  FW_ASSIGN_OR_RETURN(auto report,
                      SummarizeAndAnalyze(a, o, def, arms, arm_of_user, resolved, values));
  const auto t_done = Clock::now();
  if (a.timing) {
    auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
    std::fprintf(stderr,
                 "timing: exposures query %.3f s, EventFrame load %.3f s, analysis after load "
                 "%.3f s, cpu %.3f s (user mapping %.3f, metric kernel %.3f, sums and tests %.3f; "
                 "%zu exposed users, %zu events, %zu metrics)\n",
                 s(t_frame - t_query), s(t_analysis - t_frame), s(t_done - t_analysis),
                 CpuSeconds() - cpu_analysis, s(t_kernel - t_analysis), s(t_stats - t_kernel),
                 s(t_done - t_stats), n, frame.num_events(), resolved.size());
  }
  return Emit(ctx, report, "experiment '" + a.name + "' in " + ctx.DbPath(), excluded);
}

Status RunAnalyze(const CliContext& ctx, const AnalyzeArgs& a) {
  const int paths = static_cast<int>(!a.name.empty()) + static_cast<int>(!a.input.empty()) +
                    static_cast<int>(!a.stats.empty());
  if (paths != 1) {
    return InvalidArgument(
        "give exactly one input: an experiment NAME (workspace), --input FILE "
        "or --stats FILE.json");
  }
  FW_ASSIGN_OR_RETURN(ex::AnalysisOptions o, BuildOptions(a));
  if (!a.stats.empty()) {
    // Summary statistics carry no per-user values to cap, and CUPED comes from their fields.
    if (a.winsorize != 0 || !a.covariate.empty() || !a.metrics.empty()) {
      return InvalidArgument(
          "--stats takes no --winsorize, --covariate or --metric: the file "
          "holds the sums (add covariate_* fields for CUPED)");
    }
    return AnalyzeStats(ctx, a, o);
  }
  if (!a.input.empty()) return AnalyzeTable(ctx, a, o);
  return AnalyzeWorkspace(ctx, a, o);
}

}  // namespace

void RegisterExperimentAnalyze(CLI::App& group, CliContext& ctx) {
  auto a = std::make_shared<AnalyzeArgs>();
  auto* cmd =
      group.add_subcommand("analyze", "Analyse an experiment (workspace, --input or --stats)");
  cmd->add_option("name", a->name, "Experiment in the workspace");
  cmd->add_option("--input", a->input, "Per-user table (CSV/TSV or Parquet, one row per user)");
  cmd->add_option("--variant-col", a->variant_col, "Column of --input with the arm");
  cmd->add_option("--stats", a->stats, "Summary statistics JSON (see docs/experiment.md)");
  cmd->add_option("--control", a->control, "Control arm");
  cmd->add_option("--metric", a->metrics,
                  "Metric: a column (--input; ratio:NUM/DEN for two columns) or conversion:EVENT, "
                  "count:EVENT, revenue, retention:Nd, ratio:NUM/DEN (workspace); repeatable");
  cmd->add_option("--covariate,--cuped", a->covariate,
                  "CUPED covariate: a column (--input) or pre:METRIC:DAYS (workspace)");
  cmd->add_option("--method", a->method, "frequentist|bayesian|sequential");
  cmd->add_option("--test", a->test, "welch|z-pooled");
  cmd->add_flag("--relative", a->relative, "Relative lift (default)");
  cmd->add_flag("--absolute", a->absolute, "Absolute difference");
  cmd->add_option("--alternative", a->alternative, "two-sided|greater|less");
  cmd->add_option("--alpha", a->alpha, "Error rate of tests and intervals");
  cmd->add_option("--sequential-tuning", a->sequential_tuning, "N* of the confidence sequence");
  cmd->add_option("--prior-mean", a->prior_mean, "Bayesian prior mean of the lift");
  cmd->add_option("--prior-variance", a->prior_variance, "Bayesian prior variance of the lift");
  cmd->add_option("--correction", a->correction, "none|holm|bh across variants and metrics");
  cmd->add_option("--winsorize", a->winsorize, "Cap values above this quantile, e.g. 0.99");
  cmd->add_option("--weights", a->weights,
                  "Expected arm shares for SRM, e.g. control:0.5,treatment:0.5");
  cmd->add_option("--window", a->window, "Metric window after exposure (workspace), e.g. 14d");
  cmd->add_flag("--timing", a->timing, "Print timings to stderr");
  cmd->callback([&ctx, a] { ctx.action = [&ctx, a] { return RunAnalyze(ctx, *a); }; });
}

}  // namespace fw::cli
