// SPDX-License-Identifier: Apache-2.0
//
// api_keys.h: API keys with roles, stored hashed in the workspace table `api_keys`.
//
// A key is "fwk_<key_id>_<secret>": key_id is 12 hex characters (public, names the key in
// logs and `flywheel keys list`), secret is 64 hex characters from the kernel's CSPRNG. Only
// SHA-256 of the whole key is stored; 256 random bits need no slow password hash. The server
// finds the row by key_id and compares the hashes in constant time.
//
// Roles are capabilities, not a ladder, except that admin may do everything:
//   write  POST /v1/events, /v1/decide, /v1/reward, GET /v1/assign (what a product calls);
//   read   GET analytics, bandits, experiments, alerts, /metrics and the dashboard;
//   admin  both, plus alert rules (POST/DELETE /v1/alerts/rules).
//
// Thread safety: the workspace functions need the caller to own the Workspace exclusively.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/store/workspace.h"

namespace fw::server {

enum class Role { kRead, kWrite, kAdmin };

// "read" | "write" | "admin".
std::string_view RoleName(Role role);

// Parses a role name; kInvalidArgument naming the value otherwise.
Result<Role> ParseRole(std::string_view text);

// True if a key of role `have` may call an endpoint that needs `need`.
bool RoleAllows(Role have, Role need);

// The default per-key request rate: high enough that a benchmark client on loopback is never
// limited (wrk reaches ~50k requests/s here), low enough to stop a runaway loop.
inline constexpr double kDefaultRatePerSecond = 1'000'000;

struct ApiKeyRecord {
  std::string key_id;     // 12 hex characters
  std::string name;       // free text label (who holds it)
  Role role = Role::kRead;
  double rate_per_s = kDefaultRatePerSecond;  // token bucket refill rate; burst = 1 s of it
  std::string hash_hex;   // SHA-256 of the full key
  std::string created_at;
};

struct NewApiKey {
  ApiKeyRecord record;
  std::string key;  // the full key: shown once, never stored
};

// Creates the `api_keys` table if it is missing.
Status EnsureApiKeysTable(store::Workspace& workspace);

// Creates a key. kInvalidArgument for rate_per_s <= 0 or not finite; kInternal if the kernel
// gives no random bytes.
Result<NewApiKey> CreateApiKey(store::Workspace& workspace, Role role, const std::string& name,
                               double rate_per_s);

// Every stored key, oldest first.
Result<std::vector<ApiKeyRecord>> ListApiKeys(store::Workspace& workspace);

// Deletes the key; kNotFound if no key has that id.
Status RevokeApiKey(store::Workspace& workspace, const std::string& key_id);

// Splits "fwk_<id>_<secret>" and returns the id, or an empty string if the shape is wrong.
std::string KeyIdOf(std::string_view key);

// True if SHA-256(key) equals `hash_hex`, compared in constant time.
bool KeyMatches(std::string_view key, std::string_view hash_hex);

}  // namespace fw::server
