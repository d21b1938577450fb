// SPDX-License-Identifier: Apache-2.0
//
// analytics_clv.cc: `flywheel clv`: BG/NBD + Gamma-Gamma from the workspace's purchases, a
// transactions file or an RFM summary file; per-customer predictions with --out, a summary by
// group with --by, and a holdout check with --calibration-end.
#include <array>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include "analytics_common.h"
#include "commands/table_file.h"
#include "flywheel/analytics/clv.h"
#include "flywheel/core/text_table.h"
#include "flywheel/core/time.h"
#include "output.h"

namespace fw::cli {
namespace {

using nlohmann::json;

struct ClvArgs {
  std::string transactions_path;
  std::string summary_path;
  std::string time_unit = "week";
  std::string calibration_end;
  int horizon = 52;
  double discount = 0.0;
  std::string out_path;
  analytics::ClvDefinition definition;
  AnalyticsFlags flags;
};

Result<std::string> FirstColumn(const TextTable& table, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (table.ColumnIndex(name).ok()) return name;
  }
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return InvalidArgument(table.path + ": needs one of the columns " + list);
}

Result<analytics::ClvSummary> ReadSummaryFile(const std::string& path) {
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTableFile(path));
  analytics::ClvSummary s;
  FW_ASSIGN_OR_RETURN(std::string x, FirstColumn(table, {"frequency", "x"}));
  FW_ASSIGN_OR_RETURN(std::string t_x, FirstColumn(table, {"recency", "t_x"}));
  FW_ASSIGN_OR_RETURN(s.frequency, table.NumericColumn(x));
  FW_ASSIGN_OR_RETURN(s.recency, table.NumericColumn(t_x));
  FW_ASSIGN_OR_RETURN(s.T, table.NumericColumn("T"));
  auto value = FirstColumn(table, {"monetary_value", "zbar"});
  if (value.ok()) {
    FW_ASSIGN_OR_RETURN(s.monetary_value, table.NumericColumn(*value));
  } else {
    s.monetary_value.assign(s.frequency.size(), 0);
  }
  auto ids = FirstColumn(table, {"customer_id", "ID", "id", "customer"});
  if (ids.ok()) {
    FW_ASSIGN_OR_RETURN(s.customer_ids, table.StringColumn(*ids));
  } else {
    for (size_t i = 0; i < s.size(); ++i) s.customer_ids.push_back(std::to_string(i + 1));
  }
  FW_RETURN_IF_ERROR(s.Validate().WithContext(path));
  return s;
}

struct Transactions {
  std::vector<std::string> customers;
  std::vector<int64_t> times_us;
  std::vector<double> values;
  int64_t max_time_us = INT64_MIN;
};

Result<Transactions> ReadTransactionsFile(const std::string& path) {
  FW_ASSIGN_OR_RETURN(TextTable table, ReadTableFile(path));
  FW_ASSIGN_OR_RETURN(std::string id, FirstColumn(table, {"customer", "customer_id", "user_id"}));
  FW_ASSIGN_OR_RETURN(std::string date, FirstColumn(table, {"date", "timestamp", "ts"}));
  FW_ASSIGN_OR_RETURN(std::string value, FirstColumn(table, {"value", "revenue", "amount"}));
  Transactions t;
  FW_ASSIGN_OR_RETURN(t.customers, table.StringColumn(id));
  FW_ASSIGN_OR_RETURN(t.values, table.NumericColumn(value));
  FW_ASSIGN_OR_RETURN(const auto dates, table.StringColumn(date));
  for (size_t i = 0; i < dates.size(); ++i) {
    auto parsed = ParseTimestamp(dates[i]);
    if (!parsed.ok()) {
      return InvalidArgument(path + ":" + std::to_string(table.row_lines[i]) + ": column " + date +
                             ": " + parsed.status().message());
    }
    t.times_us.push_back(*parsed);
    t.max_time_us = std::max(t.max_time_us, *parsed);
  }
  if (t.customers.empty()) return InvalidArgument(path + ": no transactions");
  return t;
}

// Repeat purchase days per customer strictly after the calibration end (the holdout actuals).
std::map<std::string, double> HoldoutPurchases(const Transactions& t, int64_t calibration_end_us,
                                               const std::map<std::string, bool>& known) {
  std::map<std::string, std::map<int64_t, bool>> days;
  for (size_t i = 0; i < t.customers.size(); ++i) {
    if (t.times_us[i] <= calibration_end_us || !known.count(t.customers[i])) continue;
    days[t.customers[i]][DayOfMicros(t.times_us[i])] = true;
  }
  std::map<std::string, double> out;
  for (const auto& [id, d] : days) out[id] = static_cast<double>(d.size());
  return out;
}

Status RunClv(const CliContext& ctx, ClvArgs& args) {
  if (args.time_unit == "week") {
    args.definition.time_unit_days = 7;
  } else if (args.time_unit == "day") {
    args.definition.time_unit_days = 1;
  } else {
    return InvalidArgument("--time-unit '" + args.time_unit + "' is not one of day, week");
  }
  if (args.horizon < 1) return InvalidArgument("--horizon must be at least 1 time unit");
  if (!(args.discount >= 0) || !std::isfinite(args.discount)) {
    return InvalidArgument("--discount must be a rate >= 0 per time unit");
  }
  if (!args.calibration_end.empty()) {
    FW_ASSIGN_OR_RETURN(int64_t end_us, ParseTimestamp(args.calibration_end));
    // A bare YYYY-MM-DD date means "through the end of that day" (not epoch seconds, which
    // can also be 10 characters long).
    const std::string& text = args.calibration_end;
    if (text.size() == 10 && text[4] == '-' && text[7] == '-') end_us += kMicrosPerDay - 1;
    args.definition.calibration_end_us = end_us;
  }
  analytics::ClvSummary summary;
  std::optional<Transactions> transactions;
  std::optional<LoadedFrame> loaded;
  if (!args.summary_path.empty()) {
    FW_ASSIGN_OR_RETURN(summary, ReadSummaryFile(args.summary_path));
  } else if (!args.transactions_path.empty()) {
    FW_ASSIGN_OR_RETURN(transactions, ReadTransactionsFile(args.transactions_path));
    summary = analytics::SummarizeTransactions(
        transactions->customers, transactions->times_us, transactions->values,
        args.definition.time_unit_days,
        args.definition.calibration_end_us.value_or(transactions->max_time_us));
  } else {
    FW_ASSIGN_OR_RETURN(loaded, LoadFrame(ctx.DbPath()));
    ReportFrameTiming(args.flags, *loaded);
    FW_ASSIGN_OR_RETURN(summary, analytics::SummarizeFrame(loaded->frame, args.definition));
    // Keep the purchases for the holdout check.
    if (args.definition.calibration_end_us) {
      Transactions t;
      const uint32_t code = *loaded->frame.events.Find(args.definition.purchase_event);
      for (size_t u = 0; u < loaded->frame.num_users(); ++u) {
        for (size_t r = loaded->frame.UserBegin(u); r < loaded->frame.UserEnd(u); ++r) {
          if (loaded->frame.event[r] != code) continue;
          t.customers.push_back(loaded->frame.user_ids[u]);
          t.times_us.push_back(loaded->frame.time_us[r]);
          t.values.push_back(loaded->frame.revenue[r]);
        }
      }
      t.max_time_us = loaded->frame.max_time_us;
      transactions = std::move(t);
    }
  }
  ThreadPool pool;
  const double start = NowSeconds();
  FW_ASSIGN_OR_RETURN(const analytics::BgNbdFit bg, analytics::FitBgNbd(summary, &pool));
  ReportTiming(args.flags, "bgnbd_fit", NowSeconds() - start);
  const auto gg = analytics::FitGammaGamma(summary);

  // Gamma-Gamma's mean spend p*v/(q-1) is undefined for q <= 1: no value, CLV or total then.
  std::string gg_null_reason = gg.ok() ? "" : gg.status().message();
  if (gg.ok() && gg->q <= 1) {
    gg_null_reason = "gamma-gamma q = " + FormatNumber(gg->q) + " <= 1: mean spend is undefined";
  }
  const bool has_value = gg_null_reason.empty();

  // CLV is linear in the expected order value: clv = value * sum_i dE[X(i)] / (1 + d)^i. The
  // discount factor depends only on (x, t_x, T), so it is computed once per distinct row (a
  // horizon of h units costs h hypergeometric evaluations). With no discount the sum telescopes
  // to E[X(h)].
  const size_t n = summary.size();
  const int horizon = args.horizon;
  const double h = horizon;
  std::vector<double> factor(n, 0);
  if (args.discount > 0 && has_value) {
    std::map<std::array<double, 3>, size_t> distinct;
    std::vector<size_t> row_of(n);
    std::vector<std::array<double, 3>> keys;
    for (size_t i = 0; i < n; ++i) {
      const std::array<double, 3> key = {summary.frequency[i], summary.recency[i], summary.T[i]};
      auto [it, inserted] = distinct.emplace(key, keys.size());
      if (inserted) keys.push_back(key);
      row_of[i] = it->second;
    }
    std::vector<double> key_factor(keys.size());
    pool.ParallelFor(keys.size(), [&](size_t begin, size_t end, size_t) {
      for (size_t k = begin; k < end; ++k) {
        key_factor[k] = analytics::CustomerLifetimeValue(bg, keys[k][0], keys[k][1], keys[k][2],
                                                         1.0, horizon, args.discount);
      }
    });
    for (size_t i = 0; i < n; ++i) factor[i] = key_factor[row_of[i]];
  }
  // Per-customer predictions, in parallel (each customer is independent).
  std::vector<double> expected(n), alive(n), value(n), clv(n);
  pool.ParallelFor(n, [&](size_t begin, size_t end, size_t) {
    for (size_t i = begin; i < end; ++i) {
      const double x = summary.frequency[i], t_x = summary.recency[i], T = summary.T[i];
      expected[i] = analytics::ExpectedPurchases(bg, h, x, t_x, T);
      alive[i] = analytics::ProbabilityAlive(bg, x, t_x, T);
      value[i] = has_value ? analytics::ExpectedAverageValue(*gg, x, summary.monetary_value[i]) : NAN;
      clv[i] = has_value ? (args.discount > 0 ? factor[i] : expected[i]) * value[i] : NAN;
    }
  });
  if (!args.out_path.empty()) {
    std::ofstream out(args.out_path);
    if (!out) return NotFound("--out " + args.out_path + ": cannot open for writing");
    out << "customer_id,frequency,recency,T,monetary_value,expected_purchases,p_alive,"
           "expected_value,clv\n";
    for (size_t i = 0; i < n; ++i) {
      auto cell = [](double v) { return std::isfinite(v) ? FormatNumber(v, 10) : std::string(); };
      out << summary.customer_ids[i] << ',' << cell(summary.frequency[i]) << ','
          << cell(summary.recency[i]) << ',' << cell(summary.T[i]) << ','
          << cell(summary.monetary_value[i]) << ',' << cell(expected[i]) << ',' << cell(alive[i])
          << ',' << cell(value[i]) << ',' << cell(clv[i]) << '\n';
    }
  }
  // Summary by group (workspace only): first_channel, segment or variant of each customer.
  std::map<std::string, std::array<double, 4>> by_group;  // customers, clv, p_alive, purchases
  if (loaded && !args.flags.by.empty()) {
    FW_ASSIGN_OR_RETURN(const auto groups, BuildGroups(*loaded, args.flags, std::nullopt));
    std::unordered_map<std::string, std::string> group_of;
    for (size_t u = 0; u < loaded->frame.num_users(); ++u) {
      group_of[loaded->frame.user_ids[u]] = groups.names[groups.GroupOf(u)];
    }
    for (size_t i = 0; i < n; ++i) {
      auto& acc = by_group[group_of[summary.customer_ids[i]]];
      acc[0] += 1;
      acc[1] += std::isfinite(clv[i]) ? clv[i] : 0;
      acc[2] += alive[i];
      acc[3] += expected[i];
    }
  } else if (!args.flags.by.empty()) {
    return InvalidArgument("--by needs the workspace (not --summary or --transactions)");
  }
  // Holdout: predicted vs actual repeat purchases after --calibration-end.
  json holdout = nullptr;
  if (args.definition.calibration_end_us && transactions) {
    const int64_t end_us = *args.definition.calibration_end_us;
    const double length =
        static_cast<double>(DayOfMicros(transactions->max_time_us) - DayOfMicros(end_us)) /
        args.definition.time_unit_days;
    std::map<std::string, bool> known;
    for (const auto& id : summary.customer_ids) known[id] = true;
    const auto actual = HoldoutPurchases(*transactions, end_us, known);
    double predicted_total = 0, actual_total = 0;
    for (size_t i = 0; i < n; ++i) {
      predicted_total += analytics::ExpectedPurchases(bg, length, summary.frequency[i],
                                                      summary.recency[i], summary.T[i]);
    }
    for (const auto& [id, count] : actual) actual_total += count;
    holdout = {{"calibration_end", FormatTimestamp(end_us)},
               {"holdout_length", JsonNumber(length)},
               {"predicted_purchases", JsonNumber(predicted_total)},
               {"actual_purchases", actual_total}};
  }
  json bg_json = {{"r", bg.r}, {"alpha", bg.alpha}, {"a", bg.a}, {"b", bg.b},
                  {"r_se", bg.r_se}, {"alpha_se", bg.alpha_se}, {"a_se", bg.a_se},
                  {"b_se", bg.b_se}, {"log_likelihood", bg.log_likelihood},
                  {"distinct_rows", bg.distinct_rows}, {"evaluations", bg.evaluations}};
  json gg_json = nullptr;
  if (gg.ok()) {
    gg_json = {{"p", gg->p}, {"q", gg->q}, {"v", gg->v}, {"p_se", gg->p_se},
               {"q_se", gg->q_se}, {"v_se", gg->v_se}, {"log_likelihood", gg->log_likelihood},
               {"customers", gg->customers}};
  }
  double total_clv = 0, total_expected = 0;
  for (size_t i = 0; i < n; ++i) {
    if (std::isfinite(clv[i])) total_clv += clv[i];
    total_expected += expected[i];
  }
  if (ctx.json) {
    json groups_json = json::array();
    for (const auto& [name, acc] : by_group) {
      groups_json.push_back({{"group", name}, {"customers", acc[0]},
                             {"mean_clv", has_value ? JsonNumber(acc[1] / acc[0]) : json(nullptr)},
                             {"mean_p_alive", JsonNumber(acc[2] / acc[0])},
                             {"expected_purchases", JsonNumber(acc[3])}});
    }
    json doc = {{"customers", n},
                {"time_unit", args.time_unit},
                {"horizon", args.horizon},
                {"discount", args.discount},
                {"bgnbd", bg_json},
                {"gamma_gamma", gg_json},
                {"expected_purchases", JsonNumber(total_expected)},
                {"total_clv", has_value ? JsonNumber(total_clv) : json(nullptr)},
                {"holdout", holdout}};
    if (!has_value) doc["clv_null_reason"] = gg_null_reason;
    if (!gg.ok()) doc["gamma_gamma_null_reason"] = gg_null_reason;
    if (!args.flags.by.empty()) {
      doc["by"] = args.flags.by;
      doc["groups"] = groups_json;
    }
    PrintJson(doc);
    return OkStatus();
  }
  std::cout << FormatCount(static_cast<long long>(n)) << " customers, time unit " << args.time_unit
            << "\n\nBG/NBD (" << bg.distinct_rows << " distinct rows, log-likelihood "
            << FormatNumber(bg.log_likelihood, 10) << ")\n";
  PrintTable({"parameter", "estimate", "std. error"},
             {{"r", FormatNumber(bg.r), FormatNumber(bg.r_se, 3)},
              {"alpha", FormatNumber(bg.alpha), FormatNumber(bg.alpha_se, 3)},
              {"a", FormatNumber(bg.a), FormatNumber(bg.a_se, 3)},
              {"b", FormatNumber(bg.b), FormatNumber(bg.b_se, 3)}});
  if (gg.ok()) {
    std::cout << "\nGamma-Gamma (" << gg->customers << " repeat customers, log-likelihood "
              << FormatNumber(gg->log_likelihood, 10) << ")\n";
    PrintTable({"parameter", "estimate", "std. error"},
               {{"p", FormatNumber(gg->p), FormatNumber(gg->p_se, 3)},
                {"q", FormatNumber(gg->q), FormatNumber(gg->q_se, 3)},
                {"v", FormatNumber(gg->v), FormatNumber(gg->v_se, 3)}});
  } else {
    std::cout << "\nGamma-Gamma: not fitted (" << gg_null_reason << ")\n";
  }
  std::cout << "\nexpected purchases in the next " << args.horizon << " " << args.time_unit
            << "s: " << FormatNumber(total_expected) << "; total CLV: "
            << (has_value ? FormatNumber(total_clv) : "n/a (" + gg_null_reason + ")") << "\n";
  if (!holdout.is_null()) {
    std::cout << "holdout after " << holdout["calibration_end"].get<std::string>()
              << ": predicted " << FormatNumber(holdout["predicted_purchases"].get<double>())
              << " repeat purchases, actual " << holdout["actual_purchases"].get<double>()
              << "\n";
  }
  if (!by_group.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, acc] : by_group) {
      rows.push_back({name, FormatCount(static_cast<long long>(acc[0])),
                      has_value ? FormatNumber(acc[1] / acc[0], 4) : "n/a",
                      Percent(acc[2] / acc[0]), FormatNumber(acc[3], 5)});
    }
    std::cout << "\n";
    PrintTable({args.flags.by, "customers", "mean CLV", "mean P(alive)", "expected purchases"},
               rows);
  }
  return OkStatus();
}

}  // namespace

void RegisterClvCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "clv", "Customer lifetime value: BG/NBD + Gamma-Gamma fitted by maximum likelihood");
  auto a = std::make_shared<ClvArgs>();
  cmd->add_option("--purchase-event", a->definition.purchase_event,
                  "Workspace event that is a purchase")->capture_default_str();
  cmd->add_option("--transactions", a->transactions_path,
                  "CSV of transactions (customer, date, value) instead of the workspace");
  cmd->add_option("--summary", a->summary_path,
                  "CSV summary (frequency, recency, T[, monetary_value]) instead of the workspace");
  cmd->add_option("--time-unit", a->time_unit, "week or day")->capture_default_str();
  cmd->add_option("--calibration-end", a->calibration_end,
                  "Fit on purchases up to this date; report the holdout after it");
  cmd->add_option("--horizon", a->horizon, "Prediction horizon in time units")
      ->capture_default_str();
  cmd->add_option("--discount", a->discount, "Discount rate per time unit")->capture_default_str();
  cmd->add_option("--out", a->out_path, "Write per-customer predictions to this CSV");
  AddAnalyticsFlags(cmd, a->flags);
  cmd->callback([&ctx, a] { ctx.action = [&ctx, a] { return RunClv(ctx, *a); }; });
}

}  // namespace fw::cli
