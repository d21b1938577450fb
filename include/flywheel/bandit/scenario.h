// SPDX-License-Identifier: Apache-2.0
//
// scenario.h: a simulated promotion market: channels that cost money per contact, user segments
// that convert differently on each channel, a budget and a horizon.
//
// The scenario file is JSON (docs/bandit.md has the full format):
//
//   {"budget": 10000, "horizon": 500000,
//    "channels": [{"name": "email", "cost": 0.2, "cost_sd": 0.05, "cap": null}],
//    "segments": [{"name": "bargain", "share": 0.5, "conversion": {"email": 0.03},
//                  "revenue": {"mean": 40, "sd": 20}}],
//    "drift": null, "delay": null}
//
// `cost` is the mean cost per contact and `cap` the maximum spend on a channel. A channel missing
// from a segment's "conversion" object converts at 0 there. "delay" is null, a number of
// contacts, or {"contacts": N}: the outcome of a contact reaches the policy N contacts later.
// "drift" is null, {"type": "step", "at": T, "conversion_multiplier": {"email": 0.5}} (from
// contact T on, a channel's conversion probabilities are multiplied, capped at 1), or
// {"type": "random_walk", "sd": 0.1, "every": 1000} (every `every` contacts each channel's
// log multiplier takes a N(0, sd^2) step).
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/bandit/policy.h"
#include "flywheel/core/result.h"

namespace fw::bandit {

struct Channel {
  std::string name;
  double cost = 1.0;         // mean cost per contact (> 0)
  double cost_sd = 0.0;      // spread of the cost per contact (normal, truncated at 0)
  double cap = kUnlimited;   // maximum spend on this channel
};

struct SegmentSpec {
  std::string name;
  double share = 1.0;               // fraction of users; shares sum to 1
  std::vector<double> conversion;   // conversion probability per channel, in [0, 1]
  double revenue_mean = 0.0;        // revenue per conversion: mean (0 = revenue not modelled)
  double revenue_sd = 0.0;          // and spread (normal, truncated at 0)
};

// How conversion probabilities change over the contacts of a run.
struct Drift {
  enum class Kind { kNone, kStep, kRandomWalk };
  Kind kind = Kind::kNone;
  int64_t at = 0;                  // kStep: first contact (0-based) with the new rates
  std::vector<double> multiplier;  // kStep: per channel (1 = unchanged)
  double sd = 0.0;                 // kRandomWalk: step of the log multiplier
  int64_t every = 1000;            // kRandomWalk: contacts between steps
};

struct Scenario {
  std::string name;
  double budget = 10000.0;
  int64_t horizon = 500000;  // maximum number of contacts
  int64_t delay = 0;         // feedback delay in contacts (0 = the next decision sees it)
  Drift drift;               // none by default; the oracle uses the starting rates
  std::vector<Channel> channels;
  std::vector<SegmentSpec> segments;

  // kInvalidArgument naming the field: no channels, duplicate channel names, a cost <= 0 or a
  // negative spread, a budget <= 0, shares that do not sum to 1, a probability outside [0, 1].
  Status Validate() const;
  // Share-weighted conversion probability of channel `c` (a contact reaches a random user).
  double ChannelConversion(size_t c) const;
};

// The founding document's case: social, search (SEO/SEM) and e-mail, a budget of 10,000 and
// three user clusters that answer each channel differently; e-mail is the best value.
Scenario EcommerceScenario();

// A random scenario with `num_channels` channels of unequal costs and `num_segments` segments,
// for property tests.
Scenario RandomScenario(Rng& rng, size_t num_channels, size_t num_segments);

// Parses a scenario from JSON text; errors name `source` and the field.
Result<Scenario> ParseScenario(std::string_view json_text, const std::string& source);

// "ecommerce" (built in), else a path to a JSON scenario file.
Result<Scenario> LoadScenario(const std::string& name_or_path);

}  // namespace fw::bandit
