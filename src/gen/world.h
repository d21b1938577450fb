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
  double cart_rate;          // P(add_to_cart | session); >= 1.15 x every purchase rate, so the
                             // experiment's lifted P(purchase | cart) stays below 1
  double aov_log_mean;       // log of the median order value
  double aov_log_sd;
  std::array<double, kNumChannels> return_mix;  // channel of a returning session
};

// The segments differ in how they shop per visit, which any user shows from the first session,
// not only in how long they stay: a segment must be recognisable from per-user rates (events per
// active day, order value) whatever the signup day, or the planted truth is not recoverable from
// the data (docs/segment.md, "Recovery").
//   bargain_hunters: long deal-comparing sessions (11 views) that often end in a small order
//     ($25 median); come back for a week or so, then now and then through promotions (e-mail,
//     social).
//   loyal_high_value: short purposeful sessions (4 views) that usually end in a large order
//     ($110 median); visit most days at first and keep returning, mostly directly (organic).
//   casual_browsers: one page and gone (1.2 views), almost never buy; rarely return.
// P(purchase | add_to_cart) is about 0.3-0.55 in every segment, so the purchase-per-cart ratio
// between experiment arms carries the planted lift without a segment-mix bias.
inline constexpr std::array<SegmentParams, kNumSegments> kSegments = {{
    {"bargain_hunters", 0.45,
     {0.35, 0.25, 0.15, 0.10, 0.15}, {0.12, 0.15, 0.18, 0.16, 0.13}, {2.5, 3.5, 0.8, 0, 0},
     0.25, 6.0, 0.02, 10.0, 0.40, 3.2189, 0.35, {0.30, 0.25, 0.35, 0.0, 0.10}},
    {"loyal_high_value", 0.20,
     {0.10, 0.25, 0.30, 0.20, 0.15}, {0.30, 0.35, 0.45, 0.40, 0.32}, {4.0, 5.0, 1.2, 0, 0},
     0.60, 12.0, 0.05, 3.0, 0.80, 4.7005, 0.4, {0.05, 0.10, 0.25, 0.0, 0.60}},
    {"casual_browsers", 0.35,
     {0.45, 0.20, 0.05, 0.10, 0.20}, {0.010, 0.015, 0.015, 0.015, 0.010}, {1.5, 3.0, 0.9, 0, 0},
     0.20, 3.0, 0.003, 0.2, 0.03, 3.6889, 0.4, {0.35, 0.30, 0.05, 0.0, 0.30}},
}};

// The planted experiment.
inline constexpr std::string_view kExperimentName = "checkout_v2";
inline constexpr double kExperimentStartFraction = 1.0 / 3.0;  // of the window
inline constexpr double kLiftPurchase = 0.15;   // relative lift on P(purchase | session)
inline constexpr double kLiftRetention = 0.10;  // relative lift on P(active on a day) after exposure

}  // namespace fw::gen
