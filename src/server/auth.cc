// SPDX-License-Identifier: Apache-2.0
//
// auth.cc: API key checks, sessions and rate limits (see auth.h).
#include "auth.h"

#include <algorithm>

#include "sha256.h"

namespace fw::server {

void Authenticator::SetKeys(std::vector<ApiKeyRecord> keys) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_.clear();
  for (auto& k : keys) keys_[k.key_id] = std::move(k);
}

size_t Authenticator::num_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

const ApiKeyRecord* Authenticator::FindKey(const std::string& key) const {
  const std::string id = KeyIdOf(key);
  if (id.empty()) return nullptr;
  auto it = keys_.find(id);
  // The id is public; the secret is checked by hash in constant time.
  if (it == keys_.end() || !KeyMatches(key, it->second.hash_hex)) return nullptr;
  return &it->second;
}

AuthDecision Authenticator::Check(const std::string& authorization, const std::string& session,
                                  Role need, int64_t now_us) {
  AuthDecision d;
  // The hashes are computed before taking the lock: every request needs one, and under the
  // lock they serialised all handler threads on it.
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view bearer_key;
  std::string key_hash, session_hash;
  if (!authorization.empty()) {
    if (authorization.size() <= kBearer.size() ||
        authorization.compare(0, kBearer.size(), kBearer) != 0) {
      return {401, "Authorization header: expected 'Bearer <api key>'"};
    }
    bearer_key = std::string_view(authorization).substr(kBearer.size());
    if (KeyIdOf(bearer_key).empty()) return {401, "invalid API key"};
    // Clients send the same key on every request; a per-thread memo of the last key's hash
    // saves a SHA-256 per request. The memo is compared in constant time like any secret.
    thread_local std::string memo_key, memo_hash;
    if (bearer_key.size() == memo_key.size() && ConstantTimeEqual(bearer_key, memo_key)) {
      key_hash = memo_hash;
    } else {
      key_hash = Sha256Hex(bearer_key);
      memo_key.assign(bearer_key);
      memo_hash = key_hash;
    }
  } else if (!session.empty()) {
    session_hash = Sha256Hex(session);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string key_id;
  Role role = Role::kRead;
  double rate = kDefaultRatePerSecond;
  if (!authorization.empty()) {
    auto it = keys_.find(KeyIdOf(bearer_key));
    // The id is public; the secret is checked by hash in constant time.
    if (it == keys_.end() || !ConstantTimeEqual(key_hash, it->second.hash_hex)) {
      return {401, "invalid API key"};
    }
    const ApiKeyRecord* k = &it->second;
    key_id = k->key_id;
    role = k->role;
    rate = k->rate_per_s;
  } else if (!session.empty()) {
    auto it = sessions_.find(session_hash);
    if (it == sessions_.end() || it->second.expires_us < now_us) {
      if (it != sessions_.end()) sessions_.erase(it);
      return {401, "session expired or unknown; log in again"};
    }
    auto key = keys_.find(it->second.key_id);
    if (key == keys_.end()) return {401, "the key behind this session was revoked"};
    key_id = key->first;
    role = key->second.role;
    rate = key->second.rate_per_s;
  } else {
    return {401, "missing credentials: send 'Authorization: Bearer <api key>' "
                 "(create one with `flywheel keys create --role read|write|admin`)"};
  }
  d.key_id = key_id;
  d.role = role;
  if (!RoleAllows(role, need)) {
    d.http_status = 403;
    d.message = "key " + key_id + " has role '" + std::string(RoleName(role)) +
                "'; this endpoint needs '" + std::string(RoleName(need)) + "' (or admin)";
    return d;
  }
  // Token bucket: refills at `rate` per second up to one second's worth.
  Bucket& b = buckets_[key_id];
  if (b.at_us == 0) b.tokens = rate;
  b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now_us - b.at_us) / 1e6);
  b.at_us = now_us;
  if (b.tokens < 1.0) {
    d.http_status = 429;
    d.retry_after_s = (1.0 - b.tokens) / rate;
    d.message = "rate limit of " + std::to_string(static_cast<int64_t>(rate)) +
                " requests/s for key " + key_id + " exceeded";
    return d;
  }
  b.tokens -= 1.0;
  return d;
}

std::optional<std::string> Authenticator::Login(const std::string& key, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  const ApiKeyRecord* k = FindKey(key);
  if (!k) return std::nullopt;
  std::string token = RandomHex(32);
  if (token.empty()) return std::nullopt;
  // Drop expired sessions so the map cannot grow without bound.
  std::erase_if(sessions_, [now_us](const auto& s) { return s.second.expires_us < now_us; });
  sessions_[Sha256Hex(token)] = {k->key_id, k->role, now_us + kSessionTtlUs};
  return token;
}

void Authenticator::Logout(const std::string& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(Sha256Hex(session));
}

std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
    const size_t end = std::min(header.find(';', pos), header.size());
    const std::string_view item(header.data() + pos, end - pos);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) {
      return std::string(item.substr(eq + 1));
    }
    pos = end;
  }
  return "";
}

}  // namespace fw::server
