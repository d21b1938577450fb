// SPDX-License-Identifier: Apache-2.0
//
// alerts.cc: alert state machine (see alerts.h).
#include "alerts.h"

#include <cmath>

#include "flywheel/core/time.h"

namespace fw::server {

std::vector<AlertTransition> AlertEngine::Update(const std::vector<AlertSignal>& signals,
                                                 int64_t now_us) {
  std::vector<AlertTransition> out;
  for (const AlertSignal& s : signals) {
    auto [it, inserted] = states_.try_emplace(s.name);
    State& st = it->second;
    st.kind = s.kind;
    st.message = s.message;
    st.value = s.value;
    // A rule seen for the first time only produces a transition if it fires: "resolved" from
    // nothing is noise.
    if (inserted && !s.firing) {
      st.since_us = now_us;
      continue;
    }
    if (!inserted && st.firing == s.firing) continue;
    st.firing = s.firing;
    st.since_us = now_us;
    (s.firing ? st.fired_at_us : st.resolved_at_us) = now_us;
    out.push_back({s.name, s.kind, s.firing ? "firing" : "resolved", s.message, s.value, now_us});
  }
  return out;
}

nlohmann::json AlertEngine::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  auto ts = [](int64_t us) { return us ? nlohmann::json(FormatTimestamp(us)) : nlohmann::json(); };
  for (const auto& [name, st] : states_) {
    out.push_back({{"name", name}, {"kind", st.kind}, {"state", st.firing ? "firing" : "ok"},
                   {"message", st.message},
                   {"value", std::isfinite(st.value) ? nlohmann::json(st.value) : nlohmann::json()},
                   {"since", ts(st.since_us)}, {"fired_at", ts(st.fired_at_us)},
                   {"resolved_at", ts(st.resolved_at_us)}});
  }
  return out;
}

size_t AlertEngine::num_firing() const {
  size_t n = 0;
  for (const auto& [name, st] : states_) n += st.firing ? 1 : 0;
  return n;
}

std::map<std::string, int> AlertEngine::States() const {
  std::map<std::string, int> out;
  for (const auto& [name, st] : states_) out[name] = st.firing ? 1 : 0;
  return out;
}

size_t AlertEngine::ForgetRemovedRules(const std::set<std::string>& rules) {
  size_t n = 0;
  for (auto it = states_.begin(); it != states_.end();) {
    const std::string rule = it->first.substr(0, it->first.find('['));
    const std::string& kind = it->second.kind;
    const bool user_rule = kind == "drop" || kind == "ewma" || kind == "cusum";
    if (user_rule && !rules.count(rule)) {
      it = states_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

}  // namespace fw::server
