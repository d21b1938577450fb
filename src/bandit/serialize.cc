// SPDX-License-Identifier: Apache-2.0
//
// serialize.cc: PolicyConfig and PolicyState to and from JSON text.
#include "flywheel/bandit/serialize.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace fw::bandit {
namespace {

using nlohmann::json;

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double Unlimited(const json& v) { return v.is_null() ? kUnlimited : v.get<double>(); }

}  // namespace

std::string PolicyConfigToJson(const PolicyConfig& c) {
  json caps = json::array();
  for (double v : c.spend_caps) caps.push_back(Finite(v));
  json doc = {{"kind", c.kind},
              {"num_arms", c.num_arms},
              {"budget", Finite(c.budget)},
              {"known_costs", c.known_costs},
              {"spend_caps", caps},
              {"pull_caps", c.pull_caps},
              {"horizon", c.horizon},
              {"num_segments", c.num_segments},
              {"segment_cost_aware", c.segment_cost_aware},
              {"num_features", c.num_features},
              {"epsilon", c.epsilon},
              {"epsilon_decay", c.epsilon_decay},
              {"temperature", c.temperature},
              {"ucb_alpha", c.ucb_alpha},
              {"ridge", c.ridge},
              {"lints_scale", c.lints_scale},
              {"prior_alpha", c.prior_alpha},
              {"prior_beta", c.prior_beta},
              {"prior_cost", c.prior_cost},
              {"propensity_samples", c.propensity_samples}};
  return doc.dump();
}

Result<PolicyConfig> PolicyConfigFromJson(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument("bandit definition: not a JSON object");
  }
  PolicyConfig c;
  try {
    c.kind = doc.at("kind").get<std::string>();
    c.num_arms = doc.at("num_arms").get<size_t>();
    c.budget = Unlimited(doc.value("budget", json(nullptr)));
    c.known_costs = doc.value("known_costs", std::vector<double>{});
    for (const auto& v : doc.value("spend_caps", json::array())) c.spend_caps.push_back(Unlimited(v));
    c.pull_caps = doc.value("pull_caps", std::vector<int64_t>{});
    c.horizon = doc.value("horizon", c.horizon);
    c.num_segments = doc.value("num_segments", c.num_segments);
    c.segment_cost_aware = doc.value("segment_cost_aware", c.segment_cost_aware);
    c.num_features = doc.value("num_features", c.num_features);
    c.epsilon = doc.value("epsilon", c.epsilon);
    c.epsilon_decay = doc.value("epsilon_decay", c.epsilon_decay);
    c.temperature = doc.value("temperature", c.temperature);
    c.ucb_alpha = doc.value("ucb_alpha", c.ucb_alpha);
    c.ridge = doc.value("ridge", c.ridge);
    c.lints_scale = doc.value("lints_scale", c.lints_scale);
    c.prior_alpha = doc.value("prior_alpha", c.prior_alpha);
    c.prior_beta = doc.value("prior_beta", c.prior_beta);
    c.prior_cost = doc.value("prior_cost", c.prior_cost);
    c.propensity_samples = doc.value("propensity_samples", c.propensity_samples);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("bandit definition: ") + e.what());
  }
  FW_RETURN_IF_ERROR(c.Validate());
  return c;
}

std::string PolicyStateToJson(const PolicyState& state) {
  json values = json::object();
  for (const auto& [name, v] : state.values) values[name] = v;
  return json{{"kind", state.kind}, {"values", values}}.dump();
}

Result<PolicyState> PolicyStateFromJson(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("bandit state: not a JSON object");
  PolicyState s;
  try {
    s.kind = doc.at("kind").get<std::string>();
    for (const auto& [name, v] : doc.at("values").items()) {
      s.values[name] = v.get<std::vector<double>>();
    }
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("bandit state: ") + e.what());
  }
  return s;
}

}  // namespace fw::bandit
