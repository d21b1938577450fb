// SPDX-License-Identifier: Apache-2.0
//
// keys.cc: `flywheel keys create --role write|read|admin [--name TEXT] [--rate N]`,
// `flywheel keys list`, `flywheel keys revoke KEY_ID`: API keys for `flywheel serve`
// (stored hashed; see include/flywheel/server/api_keys.h).
#include <iostream>
#include <memory>

#include "cli_context.h"
#include "flywheel/server/api_keys.h"
#include "output.h"

namespace fw::cli {
namespace {

struct KeysArgs {
  std::string role, name, key_id;
  double rate = server::kDefaultRatePerSecond;
};

Status RunCreate(const CliContext& ctx, const KeysArgs& args) {
  FW_ASSIGN_OR_RETURN(server::Role role, server::ParseRole(args.role));
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(auto created, server::CreateApiKey(*workspace, role, args.name, args.rate));
  if (ctx.json) {
    PrintJson({{"key_id", created.record.key_id}, {"role", server::RoleName(role)},
               {"name", created.record.name}, {"rate_per_s", created.record.rate_per_s},
               {"key", created.key}});
    return OkStatus();
  }
  std::cout << created.key << "\n";
  std::cerr << "created " << server::RoleName(role) << " key " << created.record.key_id
            << " (shown once; only its SHA-256 is stored). Send it as 'Authorization: Bearer "
               "<key>'.\n";
  return OkStatus();
}

Status RunList(const CliContext& ctx) {
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_ASSIGN_OR_RETURN(auto keys, server::ListApiKeys(*workspace));
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : keys) {
      out.push_back({{"key_id", k.key_id}, {"role", server::RoleName(k.role)}, {"name", k.name},
                     {"rate_per_s", k.rate_per_s}, {"created_at", k.created_at}});
    }
    PrintJson(out);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : keys) {
    rows.push_back({k.key_id, std::string(server::RoleName(k.role)), k.name,
                    std::to_string(static_cast<int64_t>(k.rate_per_s)), k.created_at});
  }
  PrintTable({"key_id", "role", "name", "rate/s", "created_at"}, rows);
  return OkStatus();
}

Status RunRevoke(const CliContext& ctx, const KeysArgs& args) {
  FW_ASSIGN_OR_RETURN(auto workspace, store::Workspace::Open(ctx.DbPath()));
  FW_RETURN_IF_ERROR(server::RevokeApiKey(*workspace, args.key_id));
  if (ctx.json) {
    PrintJson({{"revoked", args.key_id}});
  } else {
    std::cout << "revoked " << args.key_id << "\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterKeysCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<KeysArgs>();
  auto* keys = app.add_subcommand("keys", "API keys for `flywheel serve` (stored hashed)");
  keys->require_subcommand(1);
  auto* create = keys->add_subcommand("create", "Create a key and print it once");
  create->add_option("--role", args->role, "write (events, decide, reward, assign), read "
                                           "(analytics, dashboard, /metrics) or admin")
      ->required();
  create->add_option("--name", args->name, "Label: who holds the key");
  create->add_option("--rate", args->rate, "Rate limit in requests per second (default 1e6)");
  create->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunCreate(ctx, *args); }; });
  auto* list = keys->add_subcommand("list", "List keys (ids, roles, limits; never the keys)");
  list->callback([&ctx] { ctx.action = [&ctx] { return RunList(ctx); }; });
  auto* revoke = keys->add_subcommand("revoke", "Delete a key");
  revoke->add_option("key_id", args->key_id, "The key id (see `flywheel keys list`)")->required();
  revoke->callback([&ctx, args] { ctx.action = [&ctx, args] { return RunRevoke(ctx, *args); }; });
}

}  // namespace fw::cli
