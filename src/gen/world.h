// SPDX-License-Identifier: Apache-2.0
//
// world.h: the simulated market's parameters (the ground truth written to truth.json).
#pragma once

#include <array>
#include <string_view>

namespace fw::gen {

inline constexpr int kNumChannels = 5;
inline constexpr std::array<std::string_view, kNumChannels> kChannels = {
    "social", "search", "email", "referral", "organic"};
inline constexpr int kNumPaidChannels = 3;  // the first three carry spend

inline constexpr int kNumSegments = 3;

struct SegmentParams {
  std::string_view name;
  double share;                                 // share of users
  std::array<double, kNumChannels> acquisition;  // P(acquired through channel)
  std::array<double, kNumChannels> purchase;     // P(purchase | session), by acquisition channel
  std::array<double, kNumChannels> cpa;          // cost per acquired user (0 for unpaid)
  double active_peak;    // P(active on day d) = active_peak * exp(-d / active_tau) + active_floor
  double active_tau;     // days
  double active_floor;
  double views_per_session;  // mean extra views after the first (Poisson)
  double cart_rate;          // P(add_to_cart | session); must be >= every purchase rate
  double aov_log_mean;       // log of the median order value
  double aov_log_sd;
};

inline constexpr std::array<SegmentParams, kNumSegments> kSegments = {{
    {"bargain_hunters", 0.45,
     {0.35, 0.25, 0.15, 0.10, 0.15}, {0.04, 0.06, 0.09, 0.07, 0.05}, {2.5, 3.5, 0.8, 0, 0},
     0.35, 10.0, 0.02, 1.5, 0.25, 3.4012, 0.5},
    {"loyal_high_value", 0.20,
     {0.10, 0.25, 0.30, 0.20, 0.15}, {0.08, 0.12, 0.20, 0.15, 0.10}, {4.0, 5.0, 1.2, 0, 0},
     0.55, 40.0, 0.08, 3.0, 0.45, 4.3820, 0.6},
    {"casual_browsers", 0.35,
     {0.45, 0.20, 0.05, 0.10, 0.20}, {0.02, 0.03, 0.03, 0.025, 0.02}, {1.5, 3.0, 0.9, 0, 0},
     0.25, 4.0, 0.005, 0.8, 0.12, 3.2189, 0.4},
}};

// The planted experiment.
inline constexpr std::string_view kExperimentName = "checkout_v2";
inline constexpr double kExperimentStartFraction = 1.0 / 3.0;  // of the window
inline constexpr double kLiftPurchase = 0.15;   // relative lift on P(purchase | session)
inline constexpr double kLiftRetention = 0.10;  // relative lift on P(active on a day) after exposure

}  // namespace fw::gen
