// SPDX-License-Identifier: Apache-2.0
//
// api_keys.cc: creating, listing and revoking hashed API keys (see api_keys.h).
#include "flywheel/server/api_keys.h"

#include <cmath>

#include "sha256.h"

namespace fw::server {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead: return "read";
    case Role::kWrite: return "write";
    case Role::kAdmin: return "admin";
  }
  return "read";
}

Result<Role> ParseRole(std::string_view text) {
  if (text == "read") return Role::kRead;
  if (text == "write") return Role::kWrite;
  if (text == "admin") return Role::kAdmin;
  return InvalidArgument("--role '" + std::string(text) + "': expected write, read or admin");
}

bool RoleAllows(Role have, Role need) { return have == Role::kAdmin || have == need; }

Status EnsureApiKeysTable(store::Workspace& workspace) {
  return workspace.Execute(
      "CREATE TABLE IF NOT EXISTS api_keys (key_id VARCHAR PRIMARY KEY, name VARCHAR, "
      "role VARCHAR, rate_per_s DOUBLE, key_sha256 VARCHAR, created_at TIMESTAMP)");
}

Result<NewApiKey> CreateApiKey(store::Workspace& workspace, Role role, const std::string& name,
                               double rate_per_s) {
  if (!(rate_per_s > 0) || !std::isfinite(rate_per_s)) {
    return InvalidArgument("--rate " + std::to_string(rate_per_s) +
                           ": expected a positive number of requests per second");
  }
  FW_RETURN_IF_ERROR(EnsureApiKeysTable(workspace));
  const std::string id = RandomHex(6);
  const std::string secret = RandomHex(32);
  if (id.empty() || secret.empty()) return Internal("getrandom() gave no random bytes");
  NewApiKey out;
  out.key = "fwk_" + id + "_" + secret;
  out.record = {.key_id = id, .name = name, .role = role, .rate_per_s = rate_per_s,
                .hash_hex = Sha256Hex(out.key), .created_at = ""};
  FW_RETURN_IF_ERROR(workspace.Execute(
      "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, current_timestamp::TIMESTAMP)",
      {id, name, std::string(RoleName(role)), rate_per_s, out.record.hash_hex}));
  return out;
}

Result<std::vector<ApiKeyRecord>> ListApiKeys(store::Workspace& workspace) {
  FW_RETURN_IF_ERROR(EnsureApiKeysTable(workspace));
  FW_ASSIGN_OR_RETURN(auto rows, workspace.Query(
      "SELECT key_id, name, role, rate_per_s, key_sha256, strftime(created_at, "
      "'%Y-%m-%dT%H:%M:%SZ') FROM api_keys ORDER BY created_at, key_id"));
  std::vector<ApiKeyRecord> out;
  for (const auto& row : rows.rows) {
    ApiKeyRecord r;
    r.key_id = row[0].value_or("");
    r.name = row[1].value_or("");
    auto role = ParseRole(row[2].value_or(""));
    if (!role.ok()) return DataLoss("api_keys row '" + r.key_id + "': unknown role");
    r.role = *role;
    r.rate_per_s = std::stod(row[3].value_or("1"));
    r.hash_hex = row[4].value_or("");
    r.created_at = row[5].value_or("");
    out.push_back(std::move(r));
  }
  return out;
}

Status RevokeApiKey(store::Workspace& workspace, const std::string& key_id) {
  FW_RETURN_IF_ERROR(EnsureApiKeysTable(workspace));
  FW_ASSIGN_OR_RETURN(int64_t n, workspace.QueryInt(
      "SELECT count(*) FROM api_keys WHERE key_id = ?", {key_id}));
  if (n == 0) return NotFound("key id '" + key_id + "': no such key (see `flywheel keys list`)");
  return workspace.Execute("DELETE FROM api_keys WHERE key_id = ?", {key_id});
}

std::string KeyIdOf(std::string_view key) {
  // fwk_ + 12 hex + _ + 64 hex
  if (key.size() != 4 + 12 + 1 + 64 || key.substr(0, 4) != "fwk_" || key[16] != '_') return "";
  return std::string(key.substr(4, 12));
}

bool KeyMatches(std::string_view key, std::string_view hash_hex) {
  return ConstantTimeEqual(Sha256Hex(key), hash_hex);
}

}  // namespace fw::server
