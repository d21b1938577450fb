// SPDX-License-Identifier: Apache-2.0
//
// bandit_workspace.cc: `flywheel bandit create|decide|reward|show`: named bandits whose
// definition, state, decisions and rewards live in the workspace tables `bandits`, `decisions`
// and `rewards`, so a restart continues exactly where it stopped.
//
// The `bandits.definition` column holds {"arms": [...], "segments": [...], "features": [...],
// "seed": S, "decisions": N, "config": {PolicyConfig}} and `state` the PolicyState. Each decide
// draws from Rng(seed).Fork(N) with N the number of decisions so far, so decisions are
// reproducible. State changes and the decision or reward row are written in one transaction.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "bandit_cli.h"
#include "flywheel/bandit/policy.h"
#include "flywheel/bandit/serialize.h"
#include "flywheel/core/text_table.h"
#include "flywheel/server/decision_replay.h"
#include "flywheel/store/workspace.h"
#include "output.h"

namespace fw::cli {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

struct CreateArgs {
  std::string name;
  std::string arms;
  std::string policy = "budgeted-ts";
  double budget = 0.0;  // 0 = unlimited
  std::string costs;    // arm:cost,...
  std::string caps;     // arm:max_spend,...
  std::string max_contacts;  // arm:n,...
  std::string contextual;    // "segment" or "features"
  std::string segments;      // segment names for --contextual segment
  std::string features;      // feature names for --contextual features
  int64_t horizon = 0;
  double epsilon = 0.1;
  double temperature = 0.05;
  uint64_t seed = 1;
};

struct DecideArgs {
  std::string name, user;
  std::vector<std::string> context;  // k=v
};

struct RewardArgs {
  std::string name, decision;
  double reward = 0.0;
  double cost = -1.0;  // < 0: the arm's known cost, else 0
};

struct ShowArgs {
  std::string name;
  std::vector<std::string> context;
};

// A loaded named bandit.
struct Named {
  json def;
  std::vector<std::string> arms;
  std::unique_ptr<bd::Policy> policy;
};

std::string Num(double v) { return FormatNumber(v, 10); }

// Parses "a:1.5,b:2" against the arm names into one value per arm (`fill` where absent).
Result<std::vector<double>> PerArm(const std::string& flag, const std::string& text,
                                   const std::vector<std::string>& arms, double fill) {
  std::vector<double> out(arms.size(), fill);
  for (const auto& item : SplitList(text)) {
    const size_t colon = item.find(':');
    double v = 0.0;
    if (colon == std::string::npos || !ParseFiniteDouble(item.substr(colon + 1), &v)) {
      return InvalidArgument(flag + " item '" + item + "': expected ARM:NUMBER");
    }
    const std::string arm = item.substr(0, colon);
    auto it = std::find(arms.begin(), arms.end(), arm);
    if (it == arms.end()) return InvalidArgument(flag + ": unknown arm '" + arm + "'");
    if (v < 0) return InvalidArgument(flag + " " + arm + ": " + Num(v) + " is negative");
    out[static_cast<size_t>(it - arms.begin())] = v;
  }
  return out;
}

Result<Named> Load(store::Workspace& ws, const std::string& name) {
  FW_ASSIGN_OR_RETURN(auto rows, ws.Query("SELECT definition, state FROM bandits WHERE name = ?", {name}));
  if (rows.rows.empty()) {
    return NotFound("bandit '" + name + "' does not exist; create it with `flywheel bandit create`");
  }
  Named n;
  n.def = json::parse(rows.rows[0][0].value_or("{}"), nullptr, false);
  if (n.def.is_discarded() || !n.def.contains("config")) {
    return Status(StatusCode::kDataLoss, "bandit '" + name + "': stored definition is corrupt");
  }
  n.arms = n.def.value("arms", std::vector<std::string>{});
  FW_ASSIGN_OR_RETURN(bd::PolicyConfig config, bd::PolicyConfigFromJson(n.def["config"].dump()));
  FW_ASSIGN_OR_RETURN(n.policy, bd::MakePolicy(config));
  FW_ASSIGN_OR_RETURN(bd::PolicyState state, bd::PolicyStateFromJson(rows.rows[0][1].value_or("{}")));
  FW_RETURN_IF_ERROR(n.policy->Restore(state).WithContext("bandit '" + name + "'"));
  return n;
}

// Builds the policy context from k=v items: segment=NAME for per-segment bandits, one
// feature=value per feature for linear ones. `features` receives the vector.
Result<bd::Context> MakeContext(const Named& n, const std::vector<std::string>& items,
                                std::vector<double>& features, json& stored) {
  bd::Context ctx;
  std::map<std::string, std::string> kv;
  for (const auto& item : items) {
    for (const auto& part : SplitList(item)) {
      const size_t eq = part.find('=');
      if (eq == std::string::npos) return InvalidArgument("--context '" + part + "': expected KEY=VALUE");
      kv[part.substr(0, eq)] = part.substr(eq + 1);
    }
  }
  stored = json::object();
  for (const auto& [k, v] : kv) stored[k] = v;
  const auto segments = n.def.value("segments", std::vector<std::string>{});
  const auto names = n.def.value("features", std::vector<std::string>{});
  if (!segments.empty()) {
    auto it = kv.find("segment");
    if (it == kv.end()) return InvalidArgument("--context segment=NAME is required for this bandit");
    auto s = std::find(segments.begin(), segments.end(), it->second);
    if (s == segments.end()) {
      return InvalidArgument("--context segment='" + it->second + "' is not one of this bandit's segments");
    }
    ctx.segment = static_cast<int32_t>(s - segments.begin());
  }
  features.clear();
  for (const auto& f : names) {
    auto it = kv.find(f);
    double v = 0.0;
    if (it == kv.end() || !ParseFiniteDouble(it->second, &v)) {
      return InvalidArgument("--context " + f + "=NUMBER is required for this bandit");
    }
    features.push_back(v);
  }
  ctx.features = features;
  return ctx;
}

Status Save(store::Workspace& ws, const std::string& name, const Named& n) {
  return ws.Execute("UPDATE bandits SET definition = ?, state = ?, updated_at = current_timestamp::TIMESTAMP WHERE name = ?",
                    {n.def.dump(), bd::PolicyStateToJson(n.policy->Snapshot()), name});
}

Status RunCreate(const CliContext& ctx, const CreateArgs& a) {
  if (a.name.empty()) return InvalidArgument("bandit create: NAME is empty");
  const auto arms = SplitList(a.arms);
  if (arms.empty()) return InvalidArgument("--arms: no arms given, expected e.g. email,search,social");
  for (size_t i = 0; i < arms.size(); ++i) {
    if (std::find(arms.begin(), arms.begin() + static_cast<long>(i), arms[i]) != arms.begin() + static_cast<long>(i)) {
      return InvalidArgument("--arms: arm '" + arms[i] + "' is listed twice");
    }
  }
  bd::PolicyConfig c;
  c.kind = a.policy;
  c.num_arms = arms.size();
  if (a.budget < 0.0 || (a.budget == 0.0 && (a.policy == "bwk"))) {
    return InvalidArgument("--budget " + Num(a.budget) + ": expected a budget > 0");
  }
  c.budget = a.budget > 0.0 ? a.budget : bd::kUnlimited;
  if (!a.costs.empty()) {
    FW_ASSIGN_OR_RETURN(c.known_costs, PerArm("--costs", a.costs, arms, -1.0));
  }
  for (size_t i = 0; i < c.known_costs.size(); ++i) {
    if (c.known_costs[i] < 0) return InvalidArgument("--costs: no cost for arm '" + arms[i] + "'");
  }
  if (!a.caps.empty()) {
    FW_ASSIGN_OR_RETURN(c.spend_caps, PerArm("--caps", a.caps, arms, bd::kUnlimited));
  }
  if (!a.max_contacts.empty()) {
    FW_ASSIGN_OR_RETURN(auto mc, PerArm("--max-contacts", a.max_contacts, arms, -1.0));
    for (double v : mc) c.pull_caps.push_back(static_cast<int64_t>(v));
  }
  c.horizon = a.horizon;
  c.epsilon = a.epsilon;
  c.temperature = a.temperature;
  json def = {{"arms", arms}, {"seed", a.seed}, {"decisions", 0}};
  if (a.contextual == "segment") {
    const auto segs = SplitList(a.segments);
    if (segs.empty()) return InvalidArgument("--contextual segment needs --segments s1,s2,...");
    c.num_segments = segs.size();
    if (c.kind != "segment-ts") return InvalidArgument("--contextual segment needs --policy segment-ts");
    def["segments"] = segs;
  } else if (a.contextual == "features") {
    const auto feats = SplitList(a.features);
    if (feats.empty()) return InvalidArgument("--contextual features needs --features f1,f2,...");
    if (c.kind != "linucb" && c.kind != "lints") {
      return InvalidArgument("--contextual features needs --policy linucb or lints");
    }
    c.num_features = feats.size();
    def["features"] = feats;
  } else if (!a.contextual.empty()) {
    return InvalidArgument("--contextual '" + a.contextual + "': expected segment or features");
  } else if (c.kind == "segment-ts" || c.kind == "linucb" || c.kind == "lints") {
    return InvalidArgument("--policy " + c.kind + " needs --contextual segment or features");
  }
  FW_ASSIGN_OR_RETURN(auto policy, bd::MakePolicy(c));
  def["config"] = json::parse(bd::PolicyConfigToJson(c));
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(int64_t exists, ws->QueryInt("SELECT count(*) FROM bandits WHERE name = ?", {a.name}));
  if (exists) return AlreadyExists("bandit '" + a.name + "' already exists");
  FW_RETURN_IF_ERROR(ws->Execute(
      "INSERT INTO bandits VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
      {a.name, def.dump(), bd::PolicyStateToJson(policy->Snapshot())}));
  if (ctx.json) {
    PrintJson({{"name", a.name}, {"definition", def}});
  } else {
    std::printf("created bandit '%s': policy %s, %zu arms, budget %s\n", a.name.c_str(),
                c.kind.c_str(), arms.size(), a.budget > 0 ? Num(a.budget).c_str() : "unlimited");
  }
  return OkStatus();
}

Status RunDecide(const CliContext& ctx, const DecideArgs& a) {
  if (a.user.empty()) return InvalidArgument("bandit decide: --user is required");
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath()));
  // Decisions a killed server acknowledged may still be only in its decision log: apply them
  // first, or this decision would reuse one of their ids.
  FW_RETURN_IF_ERROR(server::ReplayDecisionLog(*ws).status());
  FW_ASSIGN_OR_RETURN(Named n, Load(*ws, a.name));
  std::vector<double> features;
  json stored;
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeContext(n, a.context, features, stored));
  const int64_t count = n.def.value("decisions", int64_t{0});
  Rng rng = Rng(n.def.value("seed", uint64_t{1})).Fork(static_cast<uint64_t>(count));
  FW_ASSIGN_OR_RETURN(bd::Decision d, n.policy->Choose(pctx, rng));
  const std::string id = a.name + "-" + std::to_string(count + 1);
  n.def["decisions"] = count + 1;
  FW_RETURN_IF_ERROR(ws->Begin());
  Status st = ws->Execute(
      "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
      {id, a.name, a.user, n.arms[d.arm], d.propensity, stored.dump()});
  if (st.ok()) st = Save(*ws, a.name, n);
  if (!st.ok()) {
    ws->Rollback().IgnoreError();
    return st;
  }
  FW_RETURN_IF_ERROR(ws->Commit());
  const char* kind = d.kind == bd::PropensityKind::kExact ? "exact" : "monte-carlo";
  if (ctx.json) {
    PrintJson({{"decision_id", id}, {"bandit", a.name}, {"user_id", a.user},
               {"arm", n.arms[d.arm]}, {"propensity", JsonNumber(d.propensity)},
               {"propensity_kind", kind}, {"context", stored}});
  } else {
    std::printf("decision %s: arm %s (propensity %s, %s)\n", id.c_str(), n.arms[d.arm].c_str(),
                FormatNumber(d.propensity, 4).c_str(), kind);
  }
  return OkStatus();
}

Status RunReward(const CliContext& ctx, const RewardArgs& a) {
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath()));
  FW_RETURN_IF_ERROR(server::ReplayDecisionLog(*ws).status());  // as in RunDecide
  FW_ASSIGN_OR_RETURN(Named n, Load(*ws, a.name));
  FW_ASSIGN_OR_RETURN(auto rows, ws->Query(
      "SELECT arm, context FROM decisions WHERE decision_id = ? AND bandit = ?", {a.decision, a.name}));
  if (rows.rows.empty()) {
    return NotFound("--decision '" + a.decision + "': no such decision for bandit '" + a.name + "'");
  }
  FW_ASSIGN_OR_RETURN(int64_t done, ws->QueryInt("SELECT count(*) FROM rewards WHERE decision_id = ?",
                                                 {a.decision}));
  if (done) return AlreadyExists("--decision '" + a.decision + "' already has a reward");
  const std::string arm_name = rows.rows[0][0].value_or("");
  auto it = std::find(n.arms.begin(), n.arms.end(), arm_name);
  if (it == n.arms.end()) return Status(StatusCode::kDataLoss, "decision arm '" + arm_name + "' unknown");
  const size_t arm = static_cast<size_t>(it - n.arms.begin());
  double cost = a.cost;
  if (cost < 0) {
    cost = n.policy->config().known_costs.empty() ? 0.0 : n.policy->config().known_costs[arm];
  }
  // Rebuild the decision's context from what was stored with it.
  json stored = json::parse(rows.rows[0][1].value_or("{}"), nullptr, false);
  std::vector<std::string> items;
  if (stored.is_object()) {
    for (const auto& [k, v] : stored.items()) items.push_back(k + "=" + v.get<std::string>());
  }
  std::vector<double> features;
  json unused;
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeContext(n, items, features, unused));
  FW_RETURN_IF_ERROR(n.policy->Update(arm, a.reward, cost, pctx).WithContext("--reward/--cost"));
  FW_RETURN_IF_ERROR(ws->Begin());
  Status st = ws->Execute("INSERT INTO rewards VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
                          {a.decision, a.reward, cost});
  if (st.ok()) st = Save(*ws, a.name, n);
  if (!st.ok()) {
    ws->Rollback().IgnoreError();
    return st;
  }
  FW_RETURN_IF_ERROR(ws->Commit());
  if (ctx.json) {
    PrintJson({{"decision_id", a.decision}, {"arm", arm_name}, {"reward", a.reward},
               {"cost", cost}, {"total_spend", JsonNumber(n.policy->total_spend())},
               {"remaining_budget", JsonNumber(n.policy->remaining_budget())}});
  } else {
    std::printf("reward recorded for %s (arm %s): reward %s, cost %s; spend %s, remaining %s\n",
                a.decision.c_str(), arm_name.c_str(), Num(a.reward).c_str(), Num(cost).c_str(),
                Num(n.policy->total_spend()).c_str(), Num(n.policy->remaining_budget()).c_str());
  }
  return OkStatus();
}

Status RunShow(const CliContext& ctx, const ShowArgs& a) {
  FW_ASSIGN_OR_RETURN(auto ws, store::Workspace::Open(ctx.DbPath(), {.read_only = true}));
  FW_ASSIGN_OR_RETURN(Named n, Load(*ws, a.name));
  std::vector<double> features;
  json stored;
  bd::Context pctx;
  const bool needs_context = n.def.contains("segments") || n.def.contains("features");
  if (needs_context && !a.context.empty()) {
    FW_ASSIGN_OR_RETURN(pctx, MakeContext(n, a.context, features, stored));
  } else if (n.def.contains("segments")) {
    pctx.segment = 0;
  }
  Rng rng(n.def.value("seed", uint64_t{1}));
  const auto summary = n.policy->Summarize(pctx, rng, 4000);
  const auto& p = *n.policy;
  FW_ASSIGN_OR_RETURN(int64_t pending, ws->QueryInt(
      "SELECT count(*) FROM decisions d WHERE bandit = ? AND NOT EXISTS "
      "(SELECT 1 FROM rewards r WHERE r.decision_id = d.decision_id)", {a.name}));
  if (ctx.json) {
    json arms = json::array();
    for (size_t i = 0; i < n.arms.size(); ++i) {
      arms.push_back({{"arm", n.arms[i]}, {"pulls", p.pulls()[i]}, {"spend", JsonNumber(p.arm_spend()[i])},
                      {"mean", JsonNumber(summary[i].mean)},
                      {"interval", json::array({JsonNumber(summary[i].lo), JsonNumber(summary[i].hi)})},
                      {"prob_best", JsonNumber(summary[i].prob_best)}});
    }
    PrintJson({{"name", a.name}, {"policy", p.config().kind}, {"pulls", p.total_pulls()},
               {"decisions", n.def.value("decisions", int64_t{0})}, {"pending_rewards", pending},
               {"spend", JsonNumber(p.total_spend())},
               {"budget", JsonNumber(p.config().budget)},
               {"remaining_budget", JsonNumber(p.remaining_budget())}, {"context", stored},
               {"arms", arms}});
    return OkStatus();
  }
  std::printf("bandit %s: policy %s, %lld pulls, %lld decisions awaiting a reward\n",
              a.name.c_str(), p.config().kind.c_str(), static_cast<long long>(p.total_pulls()),
              static_cast<long long>(pending));
  std::printf("spend %s of %s, remaining %s\n\n", Num(p.total_spend()).c_str(),
              std::isfinite(p.config().budget) ? Num(p.config().budget).c_str() : "unlimited",
              std::isfinite(p.config().budget) ? Num(p.remaining_budget()).c_str() : "unlimited");
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < n.arms.size(); ++i) {
    rows.push_back({n.arms[i], std::to_string(p.pulls()[i]), FormatNumber(p.arm_spend()[i], 6),
                    FormatNumber(summary[i].mean, 4),
                    "[" + FormatNumber(summary[i].lo, 4) + ", " + FormatNumber(summary[i].hi, 4) + "]",
                    FormatNumber(summary[i].prob_best, 3)});
  }
  // Budgeted kinds value an arm by reward per unit cost, the others by mean reward.
  PrintTable({"arm", "pulls", "spend", "value", "95% interval", "P(best)"}, rows);
  return OkStatus();
}

}  // namespace

void RegisterBanditWorkspaceCommands(CLI::App& app, CliContext& ctx) {
  auto* group = app.add_subcommand("bandit", "Named bandits in the workspace: create, decide, reward, show");
  group->require_subcommand(1);

  auto c = std::make_shared<CreateArgs>();
  auto* create = group->add_subcommand("create", "Define a named bandit");
  create->add_option("name", c->name, "Bandit name")->required();
  create->add_option("--arms", c->arms, "Comma-separated arm names")->required();
  create->add_option("--policy", c->policy, "Policy kind (budgeted-ts, bwk, ts, ucb1, eps, ...)");
  create->add_option("--budget", c->budget, "Total budget (default: unlimited)");
  create->add_option("--costs", c->costs, "Known costs per contact, e.g. email:0.2,search:1.5");
  create->add_option("--caps", c->caps, "Maximum spend per arm, e.g. social:2000");
  create->add_option("--max-contacts", c->max_contacts, "Maximum pulls per arm, e.g. email:5000");
  create->add_option("--contextual", c->contextual, "segment (with --segments) or features (with --features)");
  create->add_option("--segments", c->segments, "Segment names for --contextual segment");
  create->add_option("--features", c->features, "Feature names for --contextual features");
  create->add_option("--horizon", c->horizon, "Expected number of decisions (bwk's time resource)");
  create->add_option("--epsilon", c->epsilon, "eps: exploration probability");
  create->add_option("--temperature", c->temperature, "softmax: temperature");
  create->add_option("--seed", c->seed, "Seed of the decision stream");
  create->callback([&ctx, c] { ctx.action = [&ctx, c] { return RunCreate(ctx, *c); }; });

  auto d = std::make_shared<DecideArgs>();
  auto* decide = group->add_subcommand("decide", "Choose an arm for a user and log the decision");
  decide->add_option("name", d->name, "Bandit name")->required();
  decide->add_option("--user", d->user, "User id")->required();
  decide->add_option("--context", d->context, "Context KEY=VALUE (segment=NAME or feature=NUMBER)");
  decide->callback([&ctx, d] { ctx.action = [&ctx, d] { return RunDecide(ctx, *d); }; });

  auto r = std::make_shared<RewardArgs>();
  auto* reward = group->add_subcommand("reward", "Record the reward (and cost) of a decision");
  reward->add_option("name", r->name, "Bandit name")->required();
  reward->add_option("--decision", r->decision, "Decision id printed by decide")->required();
  reward->add_option("--reward", r->reward, "Reward (a conversion: 0 or 1)")->required();
  reward->add_option("--cost", r->cost, "Cost of the contact (default: the arm's known cost, else 0)");
  reward->callback([&ctx, r] { ctx.action = [&ctx, r] { return RunReward(ctx, *r); }; });

  auto s = std::make_shared<ShowArgs>();
  auto* show = group->add_subcommand("show", "Pulls, spend, budget, posteriors and P(best) per arm");
  show->alias("status");
  show->add_option("name", s->name, "Bandit name")->required();
  show->add_option("--context", s->context, "Context for per-segment or linear bandits");
  show->callback([&ctx, s] { ctx.action = [&ctx, s] { return RunShow(ctx, *s); }; });
}

}  // namespace fw::cli
