// SPDX-License-Identifier: Apache-2.0
//
// allocate.cc: `flywheel allocate`: the next period's budget split across channels, or across
// channel x segment cells with --by segment.
//
// History comes from the workspace: spend per channel from `spend`, and purchases credited to
// channels by the analytics attribution model (--attribution, --lookback; the same kernel as
// `flywheel acquisition`). With --by segment, each segment's purchases are attributed within
// that segment's users, and a channel's spend is split over segments in proportion to the
// channel's touches (events carrying it) in each: spend is booked per channel, not per user, and
// a touch is what the money buys (the documented assumption). The split itself is fw::bandit::Allocate (Thompson probability matching on
// conversions per unit spend, with an exploration floor and min/max bounds). `--method curves`
// hands over to the saved marketing-mix model instead (mmm_plan.cc).
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "analytics_common.h"
#include "bandit_cli.h"
#include "cli_context.h"
#include "flywheel/analytics/acquisition.h"
#include "flywheel/analytics/period.h"
#include "flywheel/bandit/allocation.h"
#include "flywheel/core/text_table.h"
#include "mmm_cli.h"
#include "output.h"

namespace fw::cli {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

struct AllocateArgs {
  double budget = 0.0;
  std::vector<std::string> mins;  // CELL:amount, CELL = channel or channel/segment
  std::vector<std::string> maxs;
  double floor = -1.0;  // < 0: auto, 5% per cell, or half of 1/cells when that is smaller
  std::string conversion_event = "purchase";
  std::string attribution = "last";
  std::string lookback = "30d";
  std::string period = "week";  // the budget is for one such period
  std::string by;               // "" or segment
  std::string segment_run;
  int draws = 20000;
  uint64_t seed = 1;
  std::string method = "thompson";  // or "curves": the saved mmm model (mmm_plan.cc)
  ModelSource model;                 // --model FILE / --name, for --method curves
  size_t periods = 13;               // --method curves: horizon the split is held for
};

// One channel (x segment) of history.
struct HistoryCell {
  std::string channel;
  std::string segment;  // "" without --by
  double spend = 0.0;
  double conversions = 0.0;
};

std::string CellName(const HistoryCell& c) {
  return c.segment.empty() ? c.channel : c.channel + "/" + c.segment;
}

// Parses repeated or comma-separated CELL:AMOUNT items into `field` of the matching cells.
Status ApplyBounds(const std::string& flag, const std::vector<std::string>& items,
                   std::vector<bd::AllocationCell>& cells, double bd::AllocationCell::*field,
                   bool by_segment) {
  for (const auto& group : items) {
    for (const auto& item : SplitList(group)) {
      const size_t colon = item.rfind(':');
      double v = 0.0;
      if (colon == std::string::npos || !ParseFiniteDouble(item.substr(colon + 1), &v) || v < 0) {
        return InvalidArgument(flag + " '" + item + "': expected " +
                               (by_segment ? "CHANNEL/SEGMENT" : "CHANNEL") +
                               ":AMOUNT with AMOUNT >= 0");
      }
      const std::string name = item.substr(0, colon);
      auto it = std::find_if(cells.begin(), cells.end(), [&](const auto& c) { return c.name == name; });
      if (it == cells.end()) {
        std::string known;
        for (const auto& c : cells) known += (known.empty() ? "" : ", ") + c.name;
        return InvalidArgument(flag + " '" + item + "': no cell '" + name +
                               "' with spend history (cells: " + known + ")");
      }
      (*it).*field = v;
    }
  }
  return OkStatus();
}

// Spend and attributed purchases per channel (x segment), plus the purchases credited to
// channels that have no spend rows (organic, referral...).
struct History {
  std::vector<HistoryCell> cells;
  double unattributed = 0.0;
  double spend_days = 0.0;  // days the spend table covers, for the per-period average
};

Result<History> ReadHistory(const AllocateArgs& args, const LoadedFrame& loaded,
                            const analytics::AcquisitionDefinition& definition) {
  FW_ASSIGN_OR_RETURN(const auto spend, LoadSpend(*loaded.workspace));
  if (spend.empty()) {
    return FailedPrecondition("allocate: the workspace has no spend; ingest a spend file first "
                              "(flywheel ingest spend FILE)");
  }
  History history;
  std::map<std::string, double> channel_spend;
  int64_t first_day = spend.front().day, last_day = spend.front().day;
  for (const auto& row : spend) {
    channel_spend[row.channel] += row.spend;
    first_day = std::min(first_day, row.day);
    last_day = std::max(last_day, row.day);
  }
  history.spend_days = static_cast<double>(last_day - first_day + 1);

  AnalyticsFlags flags;
  flags.by = args.by;
  flags.segment_run = args.segment_run;
  FW_ASSIGN_OR_RETURN(const analytics::UserGroups groups, BuildGroups(loaded, flags, std::nullopt));
  ThreadPool pool;
  // Per channel and group: touches (for the spend split) and credited purchases.
  std::map<std::string, std::vector<double>> touches, credited;
  {
    std::vector<std::vector<double>> by_code(loaded.frame.channels.size(),
                                             std::vector<double>(groups.num_groups(), 0.0));
    for (size_t u = 0; u < loaded.frame.num_users(); ++u) {
      const uint32_t g = groups.GroupOf(u);
      for (size_t row = loaded.frame.UserBegin(u); row < loaded.frame.UserEnd(u); ++row) {
        by_code[loaded.frame.channel[row]][g] += 1.0;
      }
    }
    for (uint32_t code = 1; code < by_code.size(); ++code) {
      touches[std::string(loaded.frame.channels.Value(code))] = by_code[code];
    }
  }
  for (uint32_t g = 0; g < groups.num_groups(); ++g) {
    store::EventFrame subset;
    if (!groups.group_of_user.empty()) subset = analytics::SelectGroup(loaded.frame, groups, g);
    const store::EventFrame& frame = groups.group_of_user.empty() ? loaded.frame : subset;
    if (frame.num_events() == 0) continue;
    FW_ASSIGN_OR_RETURN(const auto result,
                        analytics::ComputeAcquisition(frame, spend, definition, &pool));
    for (const auto& ch : result.channels) {
      auto& conv = credited[ch.channel];
      conv.resize(groups.num_groups(), 0.0);
      conv[g] += ch.attributed_conversions;
    }
  }
  for (const auto& [channel, conv] : credited) {
    if (channel_spend.count(channel)) continue;
    for (double c : conv) history.unattributed += c;
  }
  for (const auto& [channel, total_spend] : channel_spend) {
    std::vector<double> reach = touches[channel];
    std::vector<double> conv = credited[channel];
    reach.resize(groups.num_groups(), 0.0);
    conv.resize(groups.num_groups(), 0.0);
    double all_touches = 0.0;
    for (double t : reach) all_touches += t;
    for (uint32_t g = 0; g < groups.num_groups(); ++g) {
      HistoryCell cell;
      cell.channel = channel;
      if (!groups.group_of_user.empty()) cell.segment = groups.names[g];
      // A channel with spend but no touches: spread evenly (no better evidence).
      const double weight = all_touches > 0 ? reach[g] / all_touches
                                            : 1.0 / static_cast<double>(groups.num_groups());
      cell.spend = total_spend * weight;
      cell.conversions = conv[g];
      history.cells.push_back(cell);
    }
  }
  return history;
}

Status RunAllocate(const CliContext& ctx, const AllocateArgs& args) {
  if (args.method == "curves") {
    if (!args.by.empty()) {
      return InvalidArgument("--method curves splits by channel only; drop --by " + args.by);
    }
    return RunAllocateCurves(ctx, {.source = args.model, .budget = args.budget,
                                   .periods = args.periods, .mins = args.mins, .maxs = args.maxs});
  }
  if (args.method != "thompson") {
    return InvalidArgument("--method '" + args.method + "', expected thompson or curves");
  }
  if (!args.by.empty() && args.by != "segment") {
    return InvalidArgument("--by '" + args.by + "': allocate splits by segment or not at all");
  }
  analytics::AcquisitionDefinition definition;
  FW_ASSIGN_OR_RETURN(definition.period, analytics::ParsePeriod(args.period));
  FW_ASSIGN_OR_RETURN(definition.lookback_us,
                      analytics::ParseDurationMicros(args.lookback, "--lookback"));
  FW_ASSIGN_OR_RETURN(definition.attribution, analytics::ParseAttribution(args.attribution));
  definition.purchase_event = args.conversion_event;
  FW_ASSIGN_OR_RETURN(LoadedFrame loaded, LoadFrame(ctx.DbPath()));
  if (!loaded.frame.events.Find(args.conversion_event)) {
    return NotFound("--conversion-event '" + args.conversion_event +
                    "' does not occur in the events table");
  }
  FW_ASSIGN_OR_RETURN(const History history, ReadHistory(args, loaded, definition));

  std::vector<bd::AllocationCell> cells;
  for (const auto& h : history.cells) {
    bd::AllocationCell c;
    c.name = CellName(h);
    c.spend = h.spend;
    c.conversions = h.conversions;
    cells.push_back(c);
  }
  const bool by_segment = !args.by.empty();
  FW_RETURN_IF_ERROR(ApplyBounds("--min", args.mins, cells, &bd::AllocationCell::min, by_segment));
  FW_RETURN_IF_ERROR(ApplyBounds("--max", args.maxs, cells, &bd::AllocationCell::max, by_segment));
  bd::AllocateOptions opt{.budget = args.budget, .floor = args.floor, .draws = args.draws,
                          .seed = args.seed};
  if (opt.floor < 0) {
    // Auto: 5% per cell, unless there are so many cells (--by segment) that the floors would
    // take more than half the budget. An explicit --floor is used as given, or refused.
    opt.floor = std::min(0.05, 0.5 / static_cast<double>(std::max<size_t>(cells.size(), 1)));
  }
  FW_ASSIGN_OR_RETURN(bd::Allocation a, bd::Allocate(cells, opt));
  // The historical spend per budget period, for comparison with the new split.
  const double period_days = definition.period == analytics::Period::kDay    ? 1.0
                             : definition.period == analytics::Period::kWeek ? 7.0
                                                                             : 365.25 / 12.0;
  const double history_periods = std::max(1.0, history.spend_days / period_days);
  const std::string attribution = analytics::AttributionName(definition.attribution);
  if (ctx.json) {
    json lines = json::array();
    for (size_t i = 0; i < a.lines.size(); ++i) {
      const auto& l = a.lines[i];
      const auto& h = history.cells[i];
      lines.push_back({{"cell", l.name}, {"channel", h.channel},
                       {"segment", h.segment.empty() ? json(nullptr) : json(h.segment)},
                       {"history_spend", JsonNumber(h.spend)},
                       {"history_spend_per_period", JsonNumber(h.spend / history_periods)},
                       {"history_conversions", JsonNumber(h.conversions)},
                       {"rate", JsonNumber(l.rate)}, {"prob_best", JsonNumber(l.prob_best)},
                       {"share", JsonNumber(l.share)}, {"amount", JsonNumber(l.amount)},
                       {"expected_conversions", JsonNumber(l.expected)},
                       {"expected_ci", {JsonNumber(l.expected_lo), JsonNumber(l.expected_hi)}},
                       {"binding", l.binding.empty() ? json(nullptr) : json(l.binding)}});
    }
    PrintJson({{"budget", args.budget}, {"method", "thompson"}, {"period", args.period},
               {"by", by_segment ? json(args.by) : json(nullptr)}, {"floor", opt.floor},
               {"conversion_event", args.conversion_event}, {"attribution", attribution},
               {"history_periods", JsonNumber(history_periods)},
               {"unattributed_conversions", JsonNumber(history.unattributed)},
               {"allocation", lines}, {"expected_conversions", JsonNumber(a.expected)},
               {"expected_ci", {JsonNumber(a.expected_lo), JsonNumber(a.expected_hi)}}});
    return OkStatus();
  }
  std::printf("next %s's budget %s by %s; history: %s periods of spend, purchases credited by "
              "%s attribution (%s lookback)\n",
              args.period.c_str(), FormatMoney(args.budget).c_str(),
              by_segment ? "channel x segment" : "channel",
              FormatNumber(history_periods, 3).c_str(), attribution.c_str(), args.lookback.c_str());
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < a.lines.size(); ++i) {
    const auto& l = a.lines[i];
    const auto& h = history.cells[i];
    rows.push_back({l.name, FormatMoney(h.spend / history_periods), FormatNumber(h.conversions, 6),
                    FormatNumber(l.rate, 4), FormatNumber(l.prob_best, 3), FormatMoney(l.amount),
                    FormatNumber(100 * l.share, 3) + "%",
                    FormatNumber(l.expected, 5) + " [" + FormatNumber(l.expected_lo, 5) + ", " +
                        FormatNumber(l.expected_hi, 5) + "]",
                    l.binding.empty() ? "-" : l.binding});
  }
  PrintTable({by_segment ? "channel/segment" : "channel", "spend/period now", "credited purchases",
              "purchases/spend", "P(best)", "next amount", "share", "expected purchases [95%]",
              "binds"},
             rows);
  std::printf("\ntotal expected purchases %s [%s, %s]; %s purchases were credited to channels "
              "without spend (organic, referral...)\n",
              FormatNumber(a.expected, 6).c_str(), FormatNumber(a.expected_lo, 6).c_str(),
              FormatNumber(a.expected_hi, 6).c_str(),
              FormatNumber(history.unattributed, 8).c_str());
  return OkStatus();
}

}  // namespace

void RegisterAllocateCommands(CLI::App& app, CliContext& ctx) {
  auto al = std::make_shared<AllocateArgs>();
  auto* a = app.add_subcommand(
      "allocate", "Split the next period's budget across channels (Thompson, or --method curves)");
  a->add_option("--budget", al->budget, "Next period's budget")->required();
  a->add_option("--period", al->period, "day, week or month: the period the budget is for")
      ->capture_default_str();
  a->add_option("--by", al->by, "segment: split over channel x segment cells");
  a->add_option("--segment-run", al->segment_run, "--by segment: run id (default: the latest)");
  a->add_option("--min", al->mins, "Minimum per cell, CHANNEL[/SEGMENT]:AMOUNT (repeatable)");
  a->add_option("--max", al->maxs, "Maximum per cell, CHANNEL[/SEGMENT]:AMOUNT (repeatable)");
  a->add_option("--floor", al->floor,
                "Exploration floor: minimum share per cell (default 0.05, less with many cells)");
  a->add_option("--conversion-event", al->conversion_event, "Event counted as a conversion")
      ->capture_default_str();
  a->add_option("--attribution", al->attribution,
                "first, last, linear, time-decay[:DAYS] or position[:F/M/L]")
      ->capture_default_str();
  a->add_option("--lookback", al->lookback, "Touches older than this get no credit")
      ->capture_default_str();
  a->add_option("--draws", al->draws, "Monte Carlo draws")->capture_default_str();
  a->add_option("--seed", al->seed, "Seed")->capture_default_str();
  a->add_option("--method", al->method,
                "thompson (conversions per spend) or curves (the saved mmm model's response curves)")
      ->capture_default_str();
  a->add_option("--model", al->model.file, "--method curves: model JSON from `mmm fit --model-out`");
  a->add_option("--name", al->model.name, "--method curves: workspace model name")
      ->capture_default_str();
  a->add_option("--periods", al->periods, "--method curves: periods the split is held for")
      ->capture_default_str();
  a->callback([&ctx, al] { ctx.action = [&ctx, al] { return RunAllocate(ctx, *al); }; });
}

}  // namespace fw::cli
