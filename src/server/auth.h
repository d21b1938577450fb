// SPDX-License-Identifier: Apache-2.0
//
// auth.h: who is calling, and may they? API keys (Authorization: Bearer), dashboard sessions
// (cookie fw_session, set by POST /login), and per-key token-bucket rate limits.
//
// Decision order for a request: no credentials or an unknown/wrong key -> 401; a known key
// without the role -> 403; over its rate -> 429; else allowed. Sessions inherit the role of
// the key that logged in and expire after kSessionTtlUs; only their SHA-256 is kept.
//
// Thread safety: all methods lock the internal mutex (a few map lookups per request).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "flywheel/server/api_keys.h"

namespace fw::server {

struct AuthDecision {
  int http_status = 200;   // 200, 401, 403 or 429
  std::string message;     // why, for the JSON error (never echoes the key)
  std::string key_id;      // the caller, when known
  Role role = Role::kRead;
  double retry_after_s = 0;  // for 429
};

class Authenticator {
 public:
  static constexpr int64_t kSessionTtlUs = 12LL * 3600 * 1'000'000;

  // Replaces the known keys.
  void SetKeys(std::vector<ApiKeyRecord> keys);
  size_t num_keys() const;

  // Checks `bearer` (the Authorization header value, may be empty) or else the session cookie
  // value `session` (may be empty) for `need`, at time `now_us`, and charges one request to the
  // key's rate limit.
  AuthDecision Check(const std::string& authorization, const std::string& session, Role need,
                     int64_t now_us);

  // Verifies a key typed into the login form; on success returns a new session token.
  std::optional<std::string> Login(const std::string& key, int64_t now_us);

  // Forgets a session (logout).
  void Logout(const std::string& session);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_us = 0;
  };
  struct Session {
    std::string key_id;
    Role role = Role::kRead;
    int64_t expires_us = 0;
  };
  const ApiKeyRecord* FindKey(const std::string& key) const;  // under mu_

  mutable std::mutex mu_;
  std::map<std::string, ApiKeyRecord> keys_;     // by key_id
  std::map<std::string, Bucket> buckets_;        // by key_id
  std::map<std::string, Session> sessions_;      // by SHA-256 of the session token
};

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& cookie_header, const std::string& name);

}  // namespace fw::server
