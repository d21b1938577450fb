// SPDX-License-Identifier: Apache-2.0
//
// scenario.cc: the built-in and random scenarios, validation, and the JSON scenario reader.
#include "flywheel/bandit/scenario.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "flywheel/core/file_io.h"

namespace fw::bandit {
namespace {

using nlohmann::json;

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// Reads a number field; `where` names it in errors ("scenario.json: channels[1].cost").
Result<double> NumberField(const json& obj, const char* key, const std::string& where,
                           std::optional<double> fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (fallback) return *fallback;
    return InvalidArgument(where + "." + key + " is missing, expected a number");
  }
  if (!it->is_number()) {
    return InvalidArgument(where + "." + key + " is " + it->dump() + ", expected a number");
  }
  return it->get<double>();
}

}  // namespace

Status Scenario::Validate() const {
  if (channels.empty()) return InvalidArgument("scenario: channels is empty, expected at least 1");
  if (segments.empty()) return InvalidArgument("scenario: segments is empty, expected at least 1");
  if (!(budget > 0.0) || !std::isfinite(budget)) {
    return InvalidArgument("scenario: budget is " + Num(budget) + ", expected a number > 0");
  }
  if (delay < 0) return InvalidArgument("scenario: delay is negative");
  if (drift.kind == Drift::Kind::kStep && drift.multiplier.size() != channels.size()) {
    return InvalidArgument("scenario: drift multiplier needs one factor per channel");
  }
  if (drift.kind == Drift::Kind::kRandomWalk && (!(drift.sd >= 0) || drift.every < 1)) {
    return InvalidArgument("scenario: drift needs sd >= 0 and every >= 1");
  }
  if (horizon <= 0) {
    return InvalidArgument("scenario: horizon is " + std::to_string(horizon) + ", expected > 0");
  }
  std::set<std::string> names;
  for (size_t c = 0; c < channels.size(); ++c) {
    const Channel& ch = channels[c];
    const std::string where = "scenario: channels[" + std::to_string(c) + "]";
    if (ch.name.empty()) return InvalidArgument(where + ".name is empty");
    if (!names.insert(ch.name).second) {
      return InvalidArgument(where + ".name '" + ch.name + "' is a duplicate channel");
    }
    if (!(ch.cost > 0.0) || !std::isfinite(ch.cost)) {
      return InvalidArgument(where + ".cost is " + Num(ch.cost) + ", expected a cost > 0");
    }
    if (!(ch.cost_sd >= 0.0) || !std::isfinite(ch.cost_sd)) {
      return InvalidArgument(where + ".cost_sd is " + Num(ch.cost_sd) + ", expected >= 0");
    }
    if (!(ch.cap > 0.0)) return InvalidArgument(where + ".cap is " + Num(ch.cap) + ", expected > 0");
  }
  double total_share = 0.0;
  for (size_t s = 0; s < segments.size(); ++s) {
    const SegmentSpec& seg = segments[s];
    const std::string where = "scenario: segments[" + std::to_string(s) + "]";
    if (!(seg.share > 0.0 && seg.share <= 1.0)) {
      return InvalidArgument(where + ".share is " + Num(seg.share) + ", expected in (0, 1]");
    }
    total_share += seg.share;
    if (seg.conversion.size() != channels.size()) {
      return InvalidArgument(where + ".conversion has " + std::to_string(seg.conversion.size()) +
                             " entries, expected one per channel");
    }
    for (size_t c = 0; c < channels.size(); ++c) {
      if (!(seg.conversion[c] >= 0.0 && seg.conversion[c] <= 1.0)) {
        return InvalidArgument(where + ".conversion." + channels[c].name + " is " +
                               Num(seg.conversion[c]) + ", expected a probability in [0, 1]");
      }
    }
    if (!(seg.revenue_mean >= 0.0) || !(seg.revenue_sd >= 0.0)) {
      return InvalidArgument(where + ".revenue mean and sd must be >= 0");
    }
  }
  if (std::fabs(total_share - 1.0) > 1e-6) {
    return InvalidArgument("scenario: segment shares sum to " + Num(total_share) +
                           ", expected 1");
  }
  return OkStatus();
}

double Scenario::ChannelConversion(size_t c) const {
  double p = 0.0;
  for (const auto& seg : segments) p += seg.share * seg.conversion[c];
  return p;
}

Scenario EcommerceScenario() {
  // Channel order: social, search, email. E-mail converts least per contact but costs a
  // fraction, so per unit of budget it is the best value overall (0.052 conversions per unit
  // against 0.036 for social and 0.029 for search); per segment, premium users answer search
  // and casual users social better, which a contextual policy can exploit.
  Scenario s;
  s.name = "ecommerce";
  s.budget = 10000.0;
  s.horizon = 500000;
  s.channels = {{"social", 0.8, 0.2, kUnlimited},
                {"search", 1.5, 0.3, kUnlimited},
                {"email", 0.2, 0.05, kUnlimited}};
  s.segments = {{"bargain", 0.5, {0.020, 0.025, 0.016}, 30.0, 15.0},
                {"premium", 0.3, {0.030, 0.090, 0.004}, 90.0, 40.0},
                {"casual", 0.2, {0.050, 0.020, 0.006}, 45.0, 20.0}};
  return s;
}

Scenario RandomScenario(Rng& rng, size_t num_channels, size_t num_segments) {
  Scenario s;
  s.name = "random";
  double min_cost = kUnlimited;
  for (size_t c = 0; c < num_channels; ++c) {
    const double cost = 0.1 * std::exp(rng.Uniform() * std::log(20.0));  // 0.1 .. 2, log-uniform
    s.channels.push_back({"ch" + std::to_string(c), cost, 0.2 * cost, kUnlimited});
    min_cost = std::min(min_cost, cost);
  }
  double total = 0.0;
  std::vector<double> shares(num_segments);
  for (auto& sh : shares) total += (sh = rng.Gamma(2.0));
  for (size_t k = 0; k < num_segments; ++k) {
    SegmentSpec seg{"seg" + std::to_string(k), shares[k] / total, {}, 50.0, 20.0};
    for (size_t c = 0; c < num_channels; ++c) seg.conversion.push_back(0.01 + 0.09 * rng.Uniform());
    s.segments.push_back(seg);
  }
  // Shares must sum to 1 exactly enough for Validate.
  double sum = 0.0;
  for (size_t k = 0; k + 1 < num_segments; ++k) sum += s.segments[k].share;
  s.segments.back().share = 1.0 - sum;
  // Enough budget for about 30,000 contacts on the cheapest channel.
  s.budget = std::round(30000.0 * min_cost);
  s.horizon = 1000000;
  return s;
}

Result<Scenario> ParseScenario(std::string_view json_text, const std::string& source) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(source + ": not valid JSON");
  if (!doc.is_object()) return InvalidArgument(source + ": expected a JSON object at the top");
  Scenario s;
  s.name = source;
  FW_ASSIGN_OR_RETURN(s.budget, NumberField(doc, "budget", source, std::nullopt));
  FW_ASSIGN_OR_RETURN(double horizon, NumberField(doc, "horizon", source, std::nullopt));
  if (horizon != std::floor(horizon) || horizon <= 0 || horizon > 1e12) {
    return InvalidArgument(source + ".horizon is " + Num(horizon) + ", expected a whole number > 0");
  }
  s.horizon = static_cast<int64_t>(horizon);
  if (doc.contains("delay") && !doc["delay"].is_null()) {
    const json& d = doc["delay"];
    const json& n = d.is_object() ? d.value("contacts", json()) : d;
    if (!n.is_number() || n.get<double>() < 0 || n.get<double>() != std::floor(n.get<double>())) {
      return InvalidArgument(source + ".delay is " + d.dump() +
                             ", expected null, a whole number of contacts >= 0 or {\"contacts\": N}");
    }
    s.delay = n.get<int64_t>();
  }
  const json& channels = doc.value("channels", json());
  if (!channels.is_array() || channels.empty()) {
    return InvalidArgument(source + ".channels: expected a non-empty array of channels");
  }
  for (size_t c = 0; c < channels.size(); ++c) {
    const std::string where = source + ".channels[" + std::to_string(c) + "]";
    const json& ch = channels[c];
    if (!ch.is_object() || !ch.contains("name") || !ch["name"].is_string()) {
      return InvalidArgument(where + ": expected an object with a string \"name\"");
    }
    Channel out;
    out.name = ch["name"].get<std::string>();
    FW_ASSIGN_OR_RETURN(out.cost, NumberField(ch, "cost", where, std::nullopt));
    FW_ASSIGN_OR_RETURN(out.cost_sd, NumberField(ch, "cost_sd", where, 0.0));
    FW_ASSIGN_OR_RETURN(out.cap, NumberField(ch, "cap", where, kUnlimited));
    s.channels.push_back(out);
  }
  const json& segments = doc.value("segments", json());
  if (!segments.is_array() || segments.empty()) {
    return InvalidArgument(source + ".segments: expected a non-empty array of segments");
  }
  for (size_t k = 0; k < segments.size(); ++k) {
    const std::string where = source + ".segments[" + std::to_string(k) + "]";
    const json& seg = segments[k];
    if (!seg.is_object()) return InvalidArgument(where + ": expected an object");
    SegmentSpec out;
    out.name = seg.value("name", "segment" + std::to_string(k));
    FW_ASSIGN_OR_RETURN(out.share, NumberField(seg, "share", where, std::nullopt));
    const json& conv = seg.value("conversion", json());
    if (!conv.is_object()) {
      return InvalidArgument(where + ".conversion: expected an object {channel: probability}");
    }
    out.conversion.assign(s.channels.size(), 0.0);
    for (auto it = conv.begin(); it != conv.end(); ++it) {
      size_t c = 0;
      while (c < s.channels.size() && s.channels[c].name != it.key()) ++c;
      if (c == s.channels.size()) {
        return InvalidArgument(where + ".conversion." + it.key() + ": no channel of that name");
      }
      if (!it->is_number()) {
        return InvalidArgument(where + ".conversion." + it.key() + " is " + it->dump() +
                               ", expected a probability");
      }
      out.conversion[c] = it->get<double>();
    }
    if (seg.contains("revenue") && !seg["revenue"].is_null()) {
      const json& rev = seg["revenue"];
      if (!rev.is_object()) return InvalidArgument(where + ".revenue: expected {mean, sd}");
      FW_ASSIGN_OR_RETURN(out.revenue_mean, NumberField(rev, "mean", where + ".revenue", 0.0));
      FW_ASSIGN_OR_RETURN(out.revenue_sd, NumberField(rev, "sd", where + ".revenue", 0.0));
    }
    s.segments.push_back(out);
  }
  if (doc.contains("drift") && !doc["drift"].is_null()) {
    const json& d = doc["drift"];
    const std::string where = source + ".drift";
    const std::string type = d.is_object() ? d.value("type", "") : "";
    if (type == "step") {
      s.drift.kind = Drift::Kind::kStep;
      FW_ASSIGN_OR_RETURN(double at, NumberField(d, "at", where, std::nullopt));
      if (at < 0 || at != std::floor(at)) {
        return InvalidArgument(where + ".at is " + Num(at) + ", expected a contact number >= 0");
      }
      s.drift.at = static_cast<int64_t>(at);
      s.drift.multiplier.assign(s.channels.size(), 1.0);
      const json& m = d.value("conversion_multiplier", json());
      if (!m.is_object()) {
        return InvalidArgument(where + ".conversion_multiplier: expected {channel: factor}");
      }
      for (auto it = m.begin(); it != m.end(); ++it) {
        size_t c = 0;
        while (c < s.channels.size() && s.channels[c].name != it.key()) ++c;
        if (c == s.channels.size()) {
          return InvalidArgument(where + ".conversion_multiplier." + it.key() + ": no such channel");
        }
        if (!it->is_number() || it->get<double>() < 0) {
          return InvalidArgument(where + ".conversion_multiplier." + it.key() + " is " +
                                 it->dump() + ", expected a factor >= 0");
        }
        s.drift.multiplier[c] = it->get<double>();
      }
    } else if (type == "random_walk") {
      s.drift.kind = Drift::Kind::kRandomWalk;
      FW_ASSIGN_OR_RETURN(s.drift.sd, NumberField(d, "sd", where, std::nullopt));
      FW_ASSIGN_OR_RETURN(double every, NumberField(d, "every", where, 1000.0));
      if (!(s.drift.sd >= 0) || !(every >= 1) || every != std::floor(every)) {
        return InvalidArgument(where + ": expected sd >= 0 and a whole number every >= 1");
      }
      s.drift.every = static_cast<int64_t>(every);
    } else {
      return InvalidArgument(where + " is " + d.dump() +
                             ", expected null or an object with \"type\": \"step\" or "
                             "\"random_walk\"");
    }
  }
  FW_RETURN_IF_ERROR(s.Validate().WithContext(source));
  return s;
}

Result<Scenario> LoadScenario(const std::string& name_or_path) {
  if (name_or_path == "ecommerce") return EcommerceScenario();
  auto bytes = ReadFileBytes(name_or_path);
  if (!bytes.ok()) {
    return Status(bytes.status().code(),
                  "scenario '" + name_or_path +
                      "' is neither a built-in (ecommerce) nor a readable file: " +
                      bytes.status().message());
  }
  return ParseScenario(*bytes, name_or_path);
}

}  // namespace fw::bandit
