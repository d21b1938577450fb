// SPDX-License-Identifier: Apache-2.0
//
// acquisition.h: new users by first-touch channel, spend, CAC, ROAS, and multi-touch
// attribution of purchases (docs/metrics.md, "Acquisition").
//
// Attribution credit is distributed in integer units (1e-9 conversion, 1e-6 revenue unit) by
// the largest-remainder method, so credited conversions and revenue sum to the totals exactly,
// for every model, whatever the number of touches or threads.
//
// Thread safety: pure functions over an immutable frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flywheel/analytics/period.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/event_frame.h"

namespace fw::analytics {

enum class AttributionModel { kFirst, kLast, kLinear, kTimeDecay, kPosition };

struct AttributionSpec {
  AttributionModel model = AttributionModel::kLast;  // last touch: the common default
  double half_life_days = 7;  // time-decay: credit halves every half_life_days before the purchase
  double first_share = 0.4;   // position-based shares (U-shaped 40/20/40 by default)
  double middle_share = 0.2;
  double last_share = 0.4;
};

// Parses first | last | linear | time-decay[:DAYS] | position[:F/M/L] (percentages summing to
// 100). kInvalidArgument quotes the text.
Result<AttributionSpec> ParseAttribution(std::string_view text);
std::string AttributionName(const AttributionSpec& spec);

// One row of the spend table.
struct SpendRow {
  int64_t day = 0;  // days since 1970-01-01 (UTC)
  std::string channel;
  double spend = 0;
};

struct AcquisitionDefinition {
  Period period = Period::kWeek;
  std::string purchase_event = "purchase";
  int64_t conversion_window_us = 30 * 86'400'000'000LL;  // a month to convert is a common bar
  int64_t lookback_us = 30 * 86'400'000'000LL;  // touches older than this get no credit
  AttributionSpec attribution;
  // kInvalidArgument for windows <= 0.
  Status Validate() const;
};

struct ChannelAcquisition {
  std::string channel;        // "(none)" for users whose events never carry a channel
  uint64_t new_users = 0;     // first-touch channel == channel
  uint64_t customers = 0;     // new users who purchased within the conversion window
  std::optional<double> conversion_rate;  // customers / new_users
  double revenue = 0;         // customers' purchases within their conversion windows
  double spend = 0;
  bool has_spend_rows = false;
  std::optional<double> cac;  // spend / customers
  std::string cac_null_reason;
  std::optional<double> roas;  // revenue / spend
  std::string roas_null_reason;
  double attributed_conversions = 0;  // purchases credited by the attribution model
  double attributed_revenue = 0;
};

struct AcquisitionCell {
  int64_t period_index = 0;
  int64_t start_day = 0;
  std::string channel;
  uint64_t new_users = 0;
  double spend = 0;
};

struct AcquisitionResult {
  std::vector<ChannelAcquisition> channels;  // sorted by channel name
  std::vector<AcquisitionCell> cells;        // per (period, channel) with users or spend
  uint64_t total_conversions = 0;            // purchase events
  double total_revenue = 0;                  // their revenue (rounded to 1e-6)
};

// Computes acquisition and attribution. Errors: kInvalidArgument (definition),
// kFailedPrecondition (empty frame). A missing purchase event gives zero customers, not an error.
// Cost: O(events + touches in lookback per purchase).
Result<AcquisitionResult> ComputeAcquisition(const store::EventFrame& frame,
                                             const std::vector<SpendRow>& spend,
                                             const AcquisitionDefinition& definition,
                                             ThreadPool* pool = nullptr);

// Fills conversion_rate, cac and roas (or their null reasons) of `ch` from its counts, spend
// and revenue: the one rule every backend applies (docs/metrics.md, "Acquisition").
void DeriveChannelRates(ChannelAcquisition& ch);

// Splits `total_units` over weights (>= 0, not all 0) by largest remainder: out sums to
// total_units exactly; ties go to the lower index. Exposed for tests.
void DistributeUnits(const std::vector<double>& weights, int64_t total_units,
                     std::vector<int64_t>& out);

}  // namespace fw::analytics
