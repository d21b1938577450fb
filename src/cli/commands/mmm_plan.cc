// SPDX-License-Identifier: Apache-2.0
//
// mmm_plan.cc: `flywheel mmm plan` (budget split over the next N periods with carry-over) and
// `flywheel mmm curves` (response and marginal curves for plots).
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "flywheel/core/file_io.h"
#include "flywheel/core/text_table.h"
#include "flywheel/mmm/planner.h"
#include "mmm_cli.h"
#include "output.h"

namespace fw::cli {
namespace {

struct PlanArgs {
  ModelSource source;
  double budget = 0.0;
  size_t periods = 13;
  std::vector<std::string> mins, maxs, fixes;
  bool no_carryover = false;
};

// Parses "channel:value" bounds into `out`.
Status ParseBounds(const std::vector<std::string>& specs, const std::string& flag,
                   std::map<std::string, double>* out) {
  for (const auto& spec : specs) {
    const size_t colon = spec.rfind(':');
    double v = 0.0;
    if (colon == std::string::npos || colon == 0 ||
        !ParseFiniteDouble(std::string_view(spec).substr(colon + 1), &v)) {
      return InvalidArgument(flag + " '" + spec + "', expected CHANNEL:SPEND_PER_PERIOD");
    }
    (*out)[spec.substr(0, colon)] = v;
  }
  return OkStatus();
}

nlohmann::json Ci(const mmm::Interval& ci) {
  if (!ci.present) return nullptr;
  return nlohmann::json::array({JsonNumber(ci.lo), JsonNumber(ci.hi)});
}

Status RunPlan(const CliContext& ctx, const PlanArgs& args) {
  FW_ASSIGN_OR_RETURN(mmm::MmmModel model, LoadMmmModel(ctx, args.source));
  mmm::PlanOptions options;
  options.budget = args.budget;
  options.periods = args.periods;
  options.carryover = !args.no_carryover;
  FW_RETURN_IF_ERROR(ParseBounds(args.mins, "--min", &options.min_per_period));
  FW_RETURN_IF_ERROR(ParseBounds(args.maxs, "--max", &options.max_per_period));
  FW_RETURN_IF_ERROR(ParseBounds(args.fixes, "--fix", &options.fixed_per_period));
  FW_ASSIGN_OR_RETURN(mmm::PlanResult plan, mmm::PlanBudget(model, options));
  if (ctx.json) {
    nlohmann::json alloc = nlohmann::json::object(), current = nlohmann::json::object(),
                   mroas = nlohmann::json::object(), bounds = nlohmann::json::object(),
                   ci = nlohmann::json::object(), expected = nlohmann::json::object();
    nlohmann::json binding = nlohmann::json::array();
    for (const auto& c : plan.channels) {
      alloc[c.name] = JsonNumber(c.allocation);
      current[c.name] = JsonNumber(c.current);
      mroas[c.name] = JsonNumber(c.marginal_roas);
      bounds[c.name] = mmm::BoundStateName(c.bound);
      ci[c.name] = Ci(c.allocation_ci);
      expected[c.name] = JsonNumber(c.expected);
      if (c.bound != mmm::BoundState::kFree) binding.push_back(c.name);
    }
    nlohmann::json doc;
    doc["periods"] = plan.periods;
    doc["budget"] = JsonNumber(plan.budget);
    doc["allocation"] = alloc;
    doc["current_allocation"] = current;
    doc["expected_outcome"] = JsonNumber(plan.expected_outcome);
    doc["current_outcome"] = JsonNumber(plan.current_outcome);
    doc["carryover_outcome"] = JsonNumber(plan.carryover_outcome);
    doc["expected_by_channel"] = expected;
    doc["marginal_roas"] = mroas;
    doc["binding"] = binding;
    doc["bounds"] = bounds;
    doc["shadow_price"] = JsonNumber(plan.shadow_price);
    if (!std::isfinite(plan.shadow_price)) {
      doc["shadow_price_reason"] = plan.forced ? "the bounds fix the allocation"
                                               : "no channel is strictly inside its bounds";
    }
    doc["method"] = plan.method;
    doc["forced"] = plan.forced;
    doc["message"] = plan.message.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.message);
    doc["allocation_ci"] = ci;
    doc["expected_outcome_ci"] = Ci(plan.expected_ci);
    doc["bootstrap_draws"] = plan.num_draws;
    PrintJson(doc);
    return OkStatus();
  }
  std::cout << "mmm plan: budget " << FormatNumber(plan.budget, 8) << " over " << plan.periods
            << " periods (" << FormatNumber(plan.budget / static_cast<double>(plan.periods), 8)
            << " per period), method " << plan.method << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : plan.channels) {
    std::string ci = c.allocation_ci.present ? "[" + FormatNumber(c.allocation_ci.lo, 4) + ", " +
                                                   FormatNumber(c.allocation_ci.hi, 4) + "]"
                                             : "";
    rows.push_back({c.name, FormatNumber(c.allocation, 6), ci, FormatNumber(c.current, 6),
                    FormatNumber(c.expected, 6), FormatNumber(c.marginal_roas, 4),
                    mmm::BoundStateName(c.bound)});
  }
  PrintTable({"channel", "per_period", "90%_interval", "current", "expected_outcome",
              "marginal_roas", "bound"}, rows);
  const double lift = plan.current_outcome > 0 ? plan.expected_outcome / plan.current_outcome - 1 : NAN;
  std::cout << "\nexpected media outcome over the plan " << FormatNumber(plan.expected_outcome, 8)
            << " vs " << FormatNumber(plan.current_outcome, 8) << " at the current split ("
            << (std::isfinite(lift) ? (lift >= 0 ? "+" : "") + FormatNumber(100 * lift, 3) + "%" : "n/a")
            << "); " << FormatNumber(plan.carryover_outcome, 6) << " of it is carry-over from past spend\n"
            << "shadow price of the budget: "
            << (std::isfinite(plan.shadow_price) ? FormatNumber(plan.shadow_price, 4) : "n/a")
            << " outcome per extra unit of budget\n";
  if (!plan.message.empty()) std::cout << "note: " << plan.message << "\n";
  return OkStatus();
}

struct CurvesArgs {
  ModelSource source;
  size_t points = 41;
  double max_multiple = 3.0;
  std::string format = "csv";
  std::string out;
};

Status RunCurves(const CliContext& ctx, const CurvesArgs& args) {
  FW_ASSIGN_OR_RETURN(mmm::MmmModel model, LoadMmmModel(ctx, args.source));
  if (args.points < 2 || args.points > 100000) {
    return InvalidArgument("--points " + std::to_string(args.points) + ", expected 2..100000");
  }
  if (!(args.max_multiple > 0 && std::isfinite(args.max_multiple))) {
    return InvalidArgument("--max-multiple must be > 0");
  }
  const bool json = ctx.json || args.format == "json";
  if (!json && args.format != "csv") {
    return InvalidArgument("--format '" + args.format + "', expected csv or json");
  }
  // Steady-state curves: spend x every period, response per period R(x) = beta s(x W).
  std::ostringstream csv;
  csv.precision(10);
  csv << "channel,spend_per_period,response_per_period,marginal_roas,roas\n";
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& ch : model.channels) {
    const mmm::ChannelDraw d = mmm::PointDraw(ch);
    const double top = args.max_multiple * std::max(ch.mean_spend, 1e-9);
    nlohmann::json spend = nlohmann::json::array(), resp = nlohmann::json::array(),
                   marg = nlohmann::json::array();
    for (size_t i = 0; i < args.points; ++i) {
      const double x = top * static_cast<double>(i) / static_cast<double>(args.points - 1);
      const double r = mmm::SteadyResponse(d, x), m = mmm::SteadyMarginal(d, x);
      spend.push_back(x);
      resp.push_back(JsonNumber(r));
      marg.push_back(JsonNumber(m));
      csv << ch.name << ',' << x << ',' << r << ',';
      if (std::isfinite(m)) csv << m;
      csv << ',';
      if (x > 0) csv << r / x;
      csv << '\n';
    }
    doc[ch.name] = {{"spend_per_period", spend}, {"response_per_period", resp},
                    {"marginal_roas", marg}, {"mean_spend", JsonNumber(ch.mean_spend)},
                    {"mroas_at_mean", JsonNumber(ch.mroas)}};
  }
  std::string text = json ? doc.dump(1) + "\n" : csv.str();
  if (!args.out.empty()) {
    FW_RETURN_IF_ERROR(WriteFileAtomic(args.out, text));
    if (ctx.json) PrintJson({{"out", args.out}, {"channels", model.channels.size()}, {"points", args.points}});
    else std::cout << "wrote " << model.channels.size() << " curves to " << args.out << "\n";
    return OkStatus();
  }
  if (json) {
    PrintJson(doc);
  } else {
    std::cout << text;
  }
  return OkStatus();
}

// Splits comma-separated groups ("a:1,b:2") into single CHANNEL:AMOUNT items, as allocate's
// Thompson path accepts them.
std::vector<std::string> SplitItems(const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  for (const auto& g : groups) {
    std::istringstream in(g);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

}  // namespace

Status RunAllocateCurves(const CliContext& ctx, const CurvesAllocateArgs& args) {
  if (!(args.budget > 0 && std::isfinite(args.budget))) {
    return InvalidArgument("--budget " + FormatNumber(args.budget, 6) + ", expected > 0");
  }
  if (args.periods == 0) return InvalidArgument("--periods 0, expected >= 1");
  FW_ASSIGN_OR_RETURN(mmm::MmmModel model, LoadMmmModel(ctx, args.source));
  // allocate's budget is per period; the planner's is the total over the horizon. The split is
  // held for `periods` periods so new spend's carry-over inside the horizon counts.
  mmm::PlanOptions options;
  options.budget = args.budget * static_cast<double>(args.periods);
  options.periods = args.periods;
  FW_RETURN_IF_ERROR(ParseBounds(SplitItems(args.mins), "--min", &options.min_per_period));
  FW_RETURN_IF_ERROR(ParseBounds(SplitItems(args.maxs), "--max", &options.max_per_period));
  FW_ASSIGN_OR_RETURN(mmm::PlanResult plan, mmm::PlanBudget(model, options));
  const std::string model_label =
      args.source.file.empty() ? "workspace model '" + args.source.name + "'" : args.source.file;
  if (ctx.json) {
    nlohmann::json lines = nlohmann::json::array(), binding = nlohmann::json::array();
    for (const auto& c : plan.channels) {
      lines.push_back({{"channel", c.name}, {"amount", JsonNumber(c.allocation)},
                       {"share", JsonNumber(c.allocation / args.budget)},
                       {"current_amount", JsonNumber(c.current)},
                       {"marginal_roas", JsonNumber(c.marginal_roas)},
                       {"expected_outcome", JsonNumber(c.expected)},
                       {"amount_ci", Ci(c.allocation_ci)},
                       {"binding", c.bound == mmm::BoundState::kFree
                                       ? nlohmann::json(nullptr)
                                       : nlohmann::json(mmm::BoundStateName(c.bound))}});
      if (c.bound != mmm::BoundState::kFree) binding.push_back(c.name);
    }
    PrintJson({{"budget", args.budget}, {"method", "curves"}, {"model", model_label},
               {"periods", plan.periods}, {"allocation", lines},
               {"expected_outcome", JsonNumber(plan.expected_outcome)},
               {"current_outcome", JsonNumber(plan.current_outcome)},
               {"shadow_price", JsonNumber(plan.shadow_price)}, {"binding", binding},
               {"solver", plan.method},
               {"message", plan.message.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.message)}});
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : plan.channels) {
    rows.push_back({c.name, FormatNumber(c.allocation, 8), FormatNumber(100 * c.allocation / args.budget, 3) + "%",
                    FormatNumber(c.current, 6), FormatNumber(c.marginal_roas, 4),
                    c.bound == mmm::BoundState::kFree ? "-" : mmm::BoundStateName(c.bound)});
  }
  std::cout << "allocate (curves, " << model_label << "): " << FormatNumber(args.budget, 8)
            << " per period, split held for " << plan.periods << " periods\n";
  PrintTable({"channel", "next amount", "share", "current", "marginal_roas", "binds"}, rows);
  std::cout << "\nexpected media outcome over " << plan.periods << " periods "
            << FormatNumber(plan.expected_outcome, 8) << " vs " << FormatNumber(plan.current_outcome, 8)
            << " at the current split; shadow price "
            << (std::isfinite(plan.shadow_price) ? FormatNumber(plan.shadow_price, 4) : "n/a") << "\n";
  if (!plan.message.empty()) std::cout << "note: " << plan.message << "\n";
  return OkStatus();
}

void RegisterMmmPlanCommands(CLI::App& group, CliContext& ctx) {
  auto pa = std::make_shared<PlanArgs>();
  auto* plan = group.add_subcommand("plan", "Split a budget over the next N periods");
  AddModelSourceOptions(plan, &pa->source);
  plan->add_option("--budget", pa->budget, "Total spend over the plan, all channels")->required();
  plan->add_option("--periods", pa->periods, "Plan length in periods (13)");
  plan->add_option("--min", pa->mins, "CHANNEL:X minimum spend per period (repeatable)");
  plan->add_option("--max", pa->maxs, "CHANNEL:Y maximum spend per period (repeatable)");
  plan->add_option("--fix", pa->fixes, "CHANNEL:Z fixed spend per period (repeatable)");
  plan->add_flag("--no-carryover", pa->no_carryover, "Ignore the carry-over of past spend");
  plan->callback([&ctx, pa] { ctx.action = [&ctx, pa] { return RunPlan(ctx, *pa); }; });

  auto ca = std::make_shared<CurvesArgs>();
  auto* curves = group.add_subcommand("curves", "Export response and marginal-ROAS curves");
  AddModelSourceOptions(curves, &ca->source);
  curves->add_option("--points", ca->points, "Points per channel (41)");
  curves->add_option("--max-multiple", ca->max_multiple, "Curve end as a multiple of mean spend (3)");
  curves->add_option("--format", ca->format, "csv or json (--json implies json)");
  curves->add_option("--out", ca->out, "Write to this file instead of stdout");
  curves->callback([&ctx, ca] { ctx.action = [&ctx, ca] { return RunCurves(ctx, *ca); }; });
}

}  // namespace fw::cli
