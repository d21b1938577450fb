// SPDX-License-Identifier: Apache-2.0
//
// bandit_service.h: POST /v1/decide, POST /v1/reward and GET /v1/bandits/NAME over the named
// bandits that `flywheel bandit create` stores in the workspace.
//
// The storage format is the CLI's (src/cli/commands/bandit_workspace.cc): `bandits.definition`
// holds {"arms", "segments", "features", "seed", "decisions", "config"} and `state` the
// PolicyState; decision N draws from Rng(seed).Fork(N), decision ids are "<bandit>-<N>", and the
// decision (or reward) row and the new state are written in one transaction. Those helpers are
// private to the CLI command file, so this is the server's own copy of that small protocol,
// kept identical so the CLI and the server can take turns on one workspace. Loaded bandits are
// cached: the server is the only writer while it runs.
//
// Thread safety: every call must hold the workspace mutex (the caller's).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flywheel/bandit/policy.h"
#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

class BanditService {
 public:
  explicit BanditService(store::Workspace& workspace) : workspace_(workspace) {}

  // {decision_id, bandit, user_id, arm, propensity, propensity_kind, context}, as
  // `flywheel bandit decide --json`. `context` is a JSON object of key -> string or number.
  Result<nlohmann::json> Decide(const std::string& bandit, const std::string& user_id,
                                const nlohmann::json& context);

  // {decision_id, arm, reward, cost, total_spend, remaining_budget}, as `bandit reward --json`.
  // `cost` < 0 means the arm's known cost (else 0). Errors: kNotFound for an unknown decision,
  // kAlreadyExists if it already has a reward. `bandit_out`/`arm_out` name what was rewarded.
  Result<nlohmann::json> Reward(const std::string& decision_id, double reward, double cost,
                                std::string* bandit_out, std::string* arm_out);

  // As `flywheel bandit show NAME --json`.
  Result<nlohmann::json> Show(const std::string& bandit);

  // Names of all bandits, and for each: spend, budget (null = unlimited), remaining.
  Result<nlohmann::json> List();

  // Forget cached state (after a failed transaction).
  void Invalidate(const std::string& bandit) { cache_.erase(bandit); }

 private:
  struct Named {
    nlohmann::json def;
    std::vector<std::string> arms;
    std::unique_ptr<bandit::Policy> policy;
  };
  Result<Named*> Get(const std::string& bandit);
  Result<bandit::Context> MakeContext(const Named& n, const std::map<std::string, std::string>& kv,
                                      std::vector<double>& features);
  Status Save(const std::string& bandit, const Named& n);

  store::Workspace& workspace_;
  std::map<std::string, std::unique_ptr<Named>> cache_;
};

}  // namespace fw::server
