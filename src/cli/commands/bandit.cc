// SPDX-License-Identifier: Apache-2.0
//
// bandit.cc: `flywheel simulate` and `flywheel ope`, thin shells over the pure fw_bandit
// library; the named workspace bandits (`flywheel bandit ...`) live in bandit_workspace.cc.
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "bandit_cli.h"
#include "cli_context.h"
#include "flywheel/bandit/ope.h"
#include "flywheel/bandit/simulator.h"
#include "flywheel/core/file_io.h"
#include "flywheel/core/text_table.h"
#include "output.h"

namespace fw::cli {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

struct SimulateArgs {
  std::string scenario = "ecommerce";
  std::string policies = "uniform,eps,ucb1,ts,softmax,budgeted-ts,bwk,oracle";
  double budget = 0.0;   // 0 = the scenario's
  int64_t horizon = 0;   // 0 = the scenario's
  int runs = 10;
  uint64_t seed = 1;
  bool by_segment = false;
  bool known_costs = false;
  std::string reward = "conversions";
  std::string curves;
};

struct OpeArgs {
  std::string log;
  std::string policy = "uniform";
  std::string action_col = "item_id";
  std::string reward_col = "click";
  std::string propensity_col = "propensity_score";
  std::string context_cols;
  int bootstrap = 1000;
  uint64_t seed = 1;
  double clip = 0.0;
};


json Shares(const std::vector<double>& shares, const bd::Scenario& sc) {
  json out = json::object();
  for (size_t c = 0; c < sc.channels.size(); ++c) out[sc.channels[c].name] = JsonNumber(shares[c]);
  return out;
}

json OracleJson(const bd::OracleSummary& o, const bd::Scenario& sc) {
  std::vector<double> share(o.channel_spend.size(), 0.0);
  for (size_t c = 0; c < share.size(); ++c) share[c] = o.spend > 0 ? o.channel_spend[c] / o.spend : 0;
  return {{"conversions", JsonNumber(o.conversions)}, {"revenue", JsonNumber(o.revenue)},
          {"spend", JsonNumber(o.spend)}, {"contacts", JsonNumber(o.contacts)},
          {"spend_share", Shares(share, sc)}};
}

Status WriteCurves(const std::string& path, const bd::SimulationReport& r) {
  std::ostringstream out;
  out << "policy,contacts,regret";
  for (const auto& ch : r.scenario.channels) out << ",share_" << ch.name;
  out << "\n";
  for (const auto& p : r.policies) {
    for (size_t i = 0; i < r.checkpoints.size(); ++i) {
      out << p.name << "," << r.checkpoints[i] << "," << FormatNumber(p.regret[i], 8);
      for (double s : p.share_curve[i]) out << "," << FormatNumber(s, 6);
      out << "\n";
    }
  }
  return WriteFileAtomic(path, out.str());
}

Status RunSimulate(const CliContext& ctx, const SimulateArgs& args) {
  FW_ASSIGN_OR_RETURN(bd::Scenario sc, bd::LoadScenario(args.scenario));
  if (args.budget != 0.0) sc.budget = args.budget;
  if (args.horizon != 0) sc.horizon = args.horizon;
  FW_RETURN_IF_ERROR(sc.Validate().WithContext("--budget/--horizon"));
  bd::SimulationOptions opt;
  opt.policies = SplitList(args.policies);
  opt.runs = args.runs;
  opt.seed = args.seed;
  opt.contextual = args.by_segment;
  opt.known_costs = args.known_costs;
  if (args.reward != "conversions" && args.reward != "revenue") {
    return InvalidArgument("--reward '" + args.reward + "': expected conversions or revenue");
  }
  opt.revenue_reward = args.reward == "revenue";
  FW_ASSIGN_OR_RETURN(bd::SimulationReport r, bd::Simulate(sc, opt));
  if (!args.curves.empty()) FW_RETURN_IF_ERROR(WriteCurves(args.curves, r));
  const bd::OracleSummary& bench = args.by_segment ? r.segment_oracle : r.oracle;
  if (ctx.json) {
    json doc;
    json channels = json::array();
    for (size_t c = 0; c < sc.channels.size(); ++c) {
      const auto& ch = sc.channels[c];
      channels.push_back({{"name", ch.name}, {"cost", ch.cost}, {"cost_sd", ch.cost_sd},
                          {"cap", JsonNumber(ch.cap)},
                          {"conversion", JsonNumber(sc.ChannelConversion(c))},
                          {"conversions_per_cost", JsonNumber(r.oracle.channel_value[c])}});
    }
    doc["scenario"] = {{"name", sc.name}, {"budget", sc.budget}, {"horizon", sc.horizon},
                       {"channels", channels}};
    doc["runs"] = opt.runs;
    doc["seed"] = opt.seed;
    doc["benchmark"] = args.by_segment ? "segment" : "channel";
    doc["reward"] = args.reward;
    doc["oracle"] = OracleJson(bench, sc);
    doc["channel_oracle"] = OracleJson(r.oracle, sc);
    doc["segment_oracle"] = OracleJson(r.segment_oracle, sc);
    doc["checkpoints"] = r.checkpoints;
    json policies = json::array();
    for (const auto& p : r.policies) {
      json curve = json::array();
      for (size_t i = 0; i < r.checkpoints.size(); ++i) {
        curve.push_back({{"contacts", r.checkpoints[i]}, {"regret", JsonNumber(p.regret[i])},
                         {"spend_share", Shares(p.share_curve[i], sc)}});
      }
      policies.push_back(
          {{"name", p.name}, {"conversions", JsonNumber(p.conversions)},
           {"expected_conversions", JsonNumber(p.expected_conversions)},
           {"revenue", JsonNumber(p.revenue)}, {"spend", JsonNumber(p.spend)},
           {"max_spend", JsonNumber(p.max_spend)}, {"contacts", JsonNumber(p.contacts)},
           {"ratio_to_oracle", JsonNumber(p.ratio)},
           {"ratio_ci", p.has_ci ? json::array({JsonNumber(p.ratio_lo), JsonNumber(p.ratio_hi)})
                                 : json(nullptr)},
           {"regret_slope", p.has_slope ? JsonNumber(p.regret_slope) : json(nullptr)},
           {"spend_share", Shares(p.spend_share, sc)}, {"curve", curve}});
    }
    doc["policies"] = policies;
    PrintJson(doc);
    return OkStatus();
  }
  std::printf("scenario %s: budget %s, horizon %s contacts, %d runs, seed %llu\n",
              sc.name.c_str(), FormatNumber(sc.budget).c_str(),
              FormatCount(sc.horizon).c_str(), opt.runs,
              static_cast<unsigned long long>(opt.seed));
  std::vector<std::vector<std::string>> ch_rows;
  for (size_t c = 0; c < sc.channels.size(); ++c) {
    ch_rows.push_back({sc.channels[c].name, FormatNumber(sc.channels[c].cost, 4),
                       FormatNumber(sc.ChannelConversion(c), 4),
                       FormatNumber(r.oracle.channel_value[c], 4),
                       FormatNumber(r.oracle.spend > 0 ? r.oracle.channel_spend[c] / r.oracle.spend : 0, 3)});
  }
  PrintTable({"channel", "cost", "conversion", "conv/cost", "oracle share"}, ch_rows);
  const bool rev = opt.revenue_reward;
  std::printf("\noracle (%s LP): %s %s; channel oracle %s, segment oracle %s\n\n",
              args.by_segment ? "segment" : "channel",
              FormatNumber(rev ? bench.revenue : bench.conversions, 6).c_str(),
              rev ? "revenue" : "conversions",
              FormatNumber(rev ? r.oracle.revenue : r.oracle.conversions, 6).c_str(),
              FormatNumber(rev ? r.segment_oracle.revenue : r.segment_oracle.conversions, 6).c_str());
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r.policies) {
    std::string shares;
    for (size_t c = 0; c < sc.channels.size(); ++c) {
      shares += (c ? " " : "") + sc.channels[c].name + ":" +
                FormatNumber(100 * p.spend_share[c], 3) + "%";
    }
    rows.push_back({p.name, FormatNumber(p.conversions, 6), FormatNumber(p.revenue, 6),
                    FormatNumber(p.spend, 6), FormatNumber(p.ratio, 3),
                    p.has_ci ? "[" + FormatNumber(p.ratio_lo, 3) + ", " + FormatNumber(p.ratio_hi, 3) + "]"
                             : "n/a",
                    p.has_slope ? FormatNumber(p.regret_slope, 2) : "n/a", shares});
  }
  PrintTable({"policy", "conversions", "revenue", "spend", "ratio", "95% CI", "regret slope",
              "spend share"},
             rows);
  return OkStatus();
}

json EstimateJson(const bd::Estimate& e, bool has_ci) {
  return {{"value", JsonNumber(e.value)},
          {"ci", has_ci ? json::array({JsonNumber(e.lo), JsonNumber(e.hi)}) : json(nullptr)},
          {"se", has_ci ? JsonNumber(e.se) : json(nullptr)}};
}

Status RunOpe(const CliContext& ctx, const OpeArgs& args) {
  if (args.log.empty()) return InvalidArgument("ope: --log FILE is required");
  bd::LogColumns cols{.action = args.action_col, .reward = args.reward_col,
                      .propensity = args.propensity_col, .context = SplitList(args.context_cols)};
  FW_ASSIGN_OR_RETURN(bd::LoggedBandit log, bd::ReadLoggedBandit(args.log, cols));
  const bd::RewardModel model = bd::FitRewardModel(log);
  FW_ASSIGN_OR_RETURN(bd::TargetPolicy pi, bd::ParseTargetPolicy(args.policy, log, model));
  bd::OpeOptions opt{.bootstrap = args.bootstrap, .seed = args.seed, .clip = args.clip};
  FW_ASSIGN_OR_RETURN(bd::OpeResult r, bd::EvaluatePolicy(log, pi, model, opt));
  if (ctx.json) {
    json doc = {{"log", args.log}, {"policy", args.policy}, {"n", r.n},
                {"num_actions", r.num_actions}, {"num_contexts", r.num_contexts},
                {"logged_reward", JsonNumber(r.logged_reward)},
                {"clip", args.clip}, {"clipped", r.num_clipped},
                {"max_weight", JsonNumber(r.max_weight)}, {"effective_n", JsonNumber(r.effective_n)},
                {"bootstrap", args.bootstrap}};
    doc["estimates"] = {{"ips", EstimateJson(r.ips, r.has_ci)},
                        {"snips", EstimateJson(r.snips, r.has_ci)},
                        {"dm", EstimateJson(r.dm, r.has_ci)},
                        {"dr", EstimateJson(r.dr, r.has_ci)}};
    PrintJson(doc);
    return OkStatus();
  }
  std::printf("log %s: %s rows, %zu actions, %zu contexts; logged mean reward %s\n",
              args.log.c_str(), FormatCount(static_cast<long long>(r.n)).c_str(), r.num_actions,
              r.num_contexts, FormatNumber(r.logged_reward, 6).c_str());
  std::printf("policy %s: max weight %s, effective n %s, %zu propensities clipped at %s\n\n",
              args.policy.c_str(), FormatNumber(r.max_weight, 4).c_str(),
              FormatNumber(r.effective_n, 6).c_str(), r.num_clipped,
              FormatNumber(args.clip).c_str());
  std::vector<std::vector<std::string>> rows;
  const std::pair<const char*, const bd::Estimate*> ests[] = {
      {"ips", &r.ips}, {"snips", &r.snips}, {"dm", &r.dm}, {"dr", &r.dr}};
  for (const auto& [name, e] : ests) {
    rows.push_back({name, FormatNumber(e->value, 6),
                    r.has_ci ? FormatNumber(e->lo, 6) : "n/a", r.has_ci ? FormatNumber(e->hi, 6) : "n/a",
                    r.has_ci ? FormatNumber(e->se, 4) : "n/a"});
  }
  PrintTable({"estimator", "value", "ci_lo", "ci_hi", "se"}, rows);
  return OkStatus();
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto trimmed = std::string(TrimAscii(item));
    if (!trimmed.empty()) out.push_back(trimmed);
  }
  return out;
}

void RegisterBanditCommands(CLI::App& app, CliContext& ctx) {
  auto sim = std::make_shared<SimulateArgs>();
  auto* s = app.add_subcommand("simulate", "Score bandit policies on a simulated market");
  s->add_option("--scenario", sim->scenario, "Built-in 'ecommerce' or a scenario JSON file");
  s->add_option("--policies", sim->policies, "Comma-separated policies (and 'oracle')");
  s->add_option("--budget", sim->budget, "Override the scenario's budget");
  s->add_option("--horizon", sim->horizon, "Override the scenario's horizon (max contacts)");
  s->add_option("--runs", sim->runs, "Runs per policy (common random numbers)");
  s->add_option("--seed", sim->seed, "Seed");
  s->add_flag("--by-segment,--contextual", sim->by_segment,
              "Compare with the per-segment oracle (contextual run)");
  s->add_flag("--known-costs", sim->known_costs, "Policies know each channel's mean cost");
  s->add_option("--reward", sim->reward,
                "conversions (default) or revenue (ratios and regret in revenue; use ts-gaussian)");
  s->add_option("--curves", sim->curves, "Write regret and spend-share curves to this CSV");
  s->callback([&ctx, sim] { ctx.action = [&ctx, sim] { return RunSimulate(ctx, *sim); }; });

  auto ope = std::make_shared<OpeArgs>();
  auto* o = app.add_subcommand("ope", "Off-policy evaluation of a policy on a logged bandit feedback file");
  o->add_option("--log,--input", ope->log, "Log file (CSV/TSV, optionally .gz)")->required();
  o->add_option("--policy", ope->policy,
                "uniform, fixed:ACTION, greedy-dm, epsilon:EPS or file:PATH");
  o->add_option("--action-col", ope->action_col, "Action column (default item_id)");
  o->add_option("--reward-col", ope->reward_col, "Reward column (default click)");
  o->add_option("--propensity-col", ope->propensity_col, "Propensity column (default propensity_score)");
  o->add_option("--context-cols", ope->context_cols, "Comma-separated context columns");
  o->add_option("--bootstrap", ope->bootstrap, "Bootstrap resamples for the intervals");
  o->add_option("--seed", ope->seed, "Bootstrap seed");
  o->add_option("--clip", ope->clip, "Raise propensities below this value to it");
  o->callback([&ctx, ope] { ctx.action = [&ctx, ope] { return RunOpe(ctx, *ope); }; });

  RegisterBanditWorkspaceCommands(app, ctx);
}

}  // namespace fw::cli
