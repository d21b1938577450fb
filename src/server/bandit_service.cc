// SPDX-License-Identifier: Apache-2.0
//
// bandit_service.cc: decide/reward/show for workspace bandits (see bandit_service.h).
#include "bandit_service.h"

#include <algorithm>
#include <cmath>

#include "flywheel/bandit/serialize.h"
#include "flywheel/core/rng.h"
#include "flywheel/core/text_table.h"

namespace fw::server {
namespace {

namespace bd = fw::bandit;
using nlohmann::json;

// NaN and infinities become null, as the CLI's JsonNumber.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Context values may come as JSON strings or numbers; the stored form is text, as the CLI's.
Result<std::map<std::string, std::string>> ContextItems(const json& context) {
  std::map<std::string, std::string> kv;
  if (context.is_null()) return kv;
  if (!context.is_object()) return InvalidArgument("context: expected a JSON object");
  for (const auto& [k, v] : context.items()) {
    if (v.is_string()) {
      kv[k] = v.get<std::string>();
    } else if (v.is_number()) {
      kv[k] = v.dump();
    } else {
      return InvalidArgument("context." + k + ": expected a string or a number");
    }
  }
  return kv;
}

}  // namespace

Result<BanditService::Named*> BanditService::Get(const std::string& name) {
  if (auto it = cache_.find(name); it != cache_.end()) return it->second.get();
  FW_ASSIGN_OR_RETURN(auto rows,
                      workspace_.Query("SELECT definition, state FROM bandits WHERE name = ?", {name}));
  if (rows.rows.empty()) {
    return NotFound("bandit '" + name + "' does not exist; create it with `flywheel bandit create`");
  }
  auto n = std::make_unique<Named>();
  n->def = json::parse(rows.rows[0][0].value_or("{}"), nullptr, false);
  if (n->def.is_discarded() || !n->def.contains("config")) {
    return DataLoss("bandit '" + name + "': stored definition is corrupt");
  }
  n->arms = n->def.value("arms", std::vector<std::string>{});
  FW_ASSIGN_OR_RETURN(bd::PolicyConfig config, bd::PolicyConfigFromJson(n->def["config"].dump()));
  FW_ASSIGN_OR_RETURN(n->policy, bd::MakePolicy(config));
  FW_ASSIGN_OR_RETURN(bd::PolicyState state,
                      bd::PolicyStateFromJson(rows.rows[0][1].value_or("{}")));
  FW_RETURN_IF_ERROR(n->policy->Restore(state).WithContext("bandit '" + name + "'"));
  Named* raw = n.get();
  cache_[name] = std::move(n);
  return raw;
}

Result<bd::Context> BanditService::MakeContext(const Named& n,
                                               const std::map<std::string, std::string>& kv,
                                               std::vector<double>& features) {
  bd::Context ctx;
  const auto segments = n.def.value("segments", std::vector<std::string>{});
  const auto names = n.def.value("features", std::vector<std::string>{});
  if (!segments.empty()) {
    auto it = kv.find("segment");
    if (it == kv.end()) return InvalidArgument("context.segment is required for this bandit");
    auto s = std::find(segments.begin(), segments.end(), it->second);
    if (s == segments.end()) {
      return InvalidArgument("context.segment '" + it->second +
                             "' is not one of this bandit's segments");
    }
    ctx.segment = static_cast<int32_t>(s - segments.begin());
  }
  features.clear();
  for (const auto& f : names) {
    auto it = kv.find(f);
    double v = 0.0;
    if (it == kv.end() || !ParseFiniteDouble(it->second, &v)) {
      return InvalidArgument("context." + f + " (a number) is required for this bandit");
    }
    features.push_back(v);
  }
  ctx.features = features;
  return ctx;
}

Status BanditService::Save(const std::string& name, const Named& n) {
  return workspace_.Execute(
      "UPDATE bandits SET definition = ?, state = ?, updated_at = current_timestamp::TIMESTAMP "
      "WHERE name = ?",
      {n.def.dump(), bd::PolicyStateToJson(n.policy->Snapshot()), name});
}

Result<json> BanditService::Decide(const std::string& name, const std::string& user_id,
                                   const json& context) {
  if (name.empty()) return InvalidArgument("bandit: missing; expected the name of a bandit");
  if (user_id.empty()) return InvalidArgument("user_id: missing or empty");
  FW_ASSIGN_OR_RETURN(Named * n, Get(name));
  FW_ASSIGN_OR_RETURN(auto kv, ContextItems(context));
  std::vector<double> features;
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeContext(*n, kv, features));
  json stored = json::object();
  for (const auto& [k, v] : kv) stored[k] = v;
  const int64_t count = n->def.value("decisions", int64_t{0});
  Rng rng = Rng(n->def.value("seed", uint64_t{1})).Fork(static_cast<uint64_t>(count));
  FW_ASSIGN_OR_RETURN(bd::Decision d, n->policy->Choose(pctx, rng));
  const std::string id = name + "-" + std::to_string(count + 1);
  n->def["decisions"] = count + 1;
  Status st = workspace_.Begin();
  if (st.ok()) {
    st = workspace_.Execute(
        "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
        {id, name, user_id, n->arms[d.arm], d.propensity, stored.dump()});
  }
  if (st.ok()) st = Save(name, *n);
  if (st.ok()) st = workspace_.Commit();
  if (!st.ok()) {
    workspace_.Rollback().IgnoreError();
    cache_.erase(name);
    return st;
  }
  const char* kind = d.kind == bd::PropensityKind::kExact ? "exact" : "monte-carlo";
  return json{{"decision_id", id}, {"bandit", name}, {"user_id", user_id},
              {"arm", n->arms[d.arm]}, {"propensity", Number(d.propensity)},
              {"propensity_kind", kind}, {"context", stored}};
}

Result<json> BanditService::Reward(const std::string& decision_id, double reward, double cost,
                                   std::string* bandit_out, std::string* arm_out) {
  if (decision_id.empty()) return InvalidArgument("decision_id: missing or empty");
  if (!std::isfinite(reward)) return InvalidArgument("reward: expected a finite number");
  FW_ASSIGN_OR_RETURN(auto rows, workspace_.Query(
      "SELECT bandit, arm, context FROM decisions WHERE decision_id = ?", {decision_id}));
  if (rows.rows.empty()) return NotFound("decision_id '" + decision_id + "': no such decision");
  FW_ASSIGN_OR_RETURN(int64_t done, workspace_.QueryInt(
      "SELECT count(*) FROM rewards WHERE decision_id = ?", {decision_id}));
  if (done) return AlreadyExists("decision_id '" + decision_id + "' already has a reward");
  const std::string name = rows.rows[0][0].value_or("");
  const std::string arm_name = rows.rows[0][1].value_or("");
  FW_ASSIGN_OR_RETURN(Named * n, Get(name));
  auto it = std::find(n->arms.begin(), n->arms.end(), arm_name);
  if (it == n->arms.end()) return DataLoss("decision arm '" + arm_name + "' unknown");
  const size_t arm = static_cast<size_t>(it - n->arms.begin());
  if (cost < 0) {
    cost = n->policy->config().known_costs.empty() ? 0.0 : n->policy->config().known_costs[arm];
  }
  json stored = json::parse(rows.rows[0][2].value_or("{}"), nullptr, false);
  std::map<std::string, std::string> kv;
  if (stored.is_object()) {
    for (const auto& [k, v] : stored.items()) {
      if (v.is_string()) kv[k] = v.get<std::string>();
    }
  }
  std::vector<double> features;
  FW_ASSIGN_OR_RETURN(bd::Context pctx, MakeContext(*n, kv, features));
  FW_RETURN_IF_ERROR(n->policy->Update(arm, reward, cost, pctx).WithContext("reward/cost"));
  Status st = workspace_.Begin();
  if (st.ok()) {
    st = workspace_.Execute("INSERT INTO rewards VALUES (?, ?, ?, current_timestamp::TIMESTAMP)",
                            {decision_id, reward, cost});
  }
  if (st.ok()) st = Save(name, *n);
  if (st.ok()) st = workspace_.Commit();
  if (!st.ok()) {
    workspace_.Rollback().IgnoreError();
    cache_.erase(name);  // the in-memory Update did not persist
    return st;
  }
  *bandit_out = name;
  *arm_out = arm_name;
  return json{{"decision_id", decision_id}, {"arm", arm_name}, {"reward", reward},
              {"cost", cost}, {"total_spend", Number(n->policy->total_spend())},
              {"remaining_budget", Number(n->policy->remaining_budget())}};
}

Result<json> BanditService::Show(const std::string& name) {
  FW_ASSIGN_OR_RETURN(Named * n, Get(name));
  bd::Context pctx;
  if (n->def.contains("segments")) pctx.segment = 0;
  Rng rng(n->def.value("seed", uint64_t{1}));
  const auto summary = n->policy->Summarize(pctx, rng, 4000);
  const auto& p = *n->policy;
  FW_ASSIGN_OR_RETURN(int64_t pending, workspace_.QueryInt(
      "SELECT count(*) FROM decisions d WHERE bandit = ? AND NOT EXISTS "
      "(SELECT 1 FROM rewards r WHERE r.decision_id = d.decision_id)", {name}));
  json arms = json::array();
  for (size_t i = 0; i < n->arms.size(); ++i) {
    arms.push_back({{"arm", n->arms[i]}, {"pulls", p.pulls()[i]},
                    {"spend", Number(p.arm_spend()[i])}, {"mean", Number(summary[i].mean)},
                    {"interval", json::array({Number(summary[i].lo), Number(summary[i].hi)})},
                    {"prob_best", Number(summary[i].prob_best)}});
  }
  return json{{"name", name}, {"policy", p.config().kind}, {"pulls", p.total_pulls()},
              {"decisions", n->def.value("decisions", int64_t{0})}, {"pending_rewards", pending},
              {"spend", Number(p.total_spend())}, {"budget", Number(p.config().budget)},
              {"remaining_budget", Number(p.remaining_budget())}, {"context", json::object()},
              {"arms", arms}};
}

Result<json> BanditService::List() {
  FW_ASSIGN_OR_RETURN(auto rows, workspace_.Query("SELECT name FROM bandits ORDER BY name"));
  json out = json::array();
  for (const auto& row : rows.rows) {
    const std::string name = row[0].value_or("");
    auto n = Get(name);
    if (!n.ok()) continue;  // a corrupt row shows up on GET /v1/bandits/NAME, not here
    const auto& p = *(*n)->policy;
    out.push_back({{"name", name}, {"policy", p.config().kind}, {"pulls", p.total_pulls()},
                   {"spend", Number(p.total_spend())}, {"budget", Number(p.config().budget)},
                   {"remaining_budget", Number(p.remaining_budget())}});
  }
  return out;
}

}  // namespace fw::server
