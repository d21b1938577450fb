// SPDX-License-Identifier: Apache-2.0
//
// features.h: per-user features from the EventFrame, in one parallel pass over users.
//
// Definitions (one row per user, in the frame's dense user order; "end" is the frame's
// max_time_us, the end of the data; a day is 86,400 s; times are UTC):
//   recency_days            (end - last event) / day
//   frequency               number of distinct UTC days with at least one event ("active days")
//   monetary                sum of revenue over all the user's events
//   tenure_days             (end - first event) / day
//   purchases               events named `purchase_event` ("purchase"); when the data has no
//                           such event name, events with revenue > 0
//   avg_order_value         monetary / purchases; 0 for users with no purchase
//   events_per_active_day   events / frequency
//   days_to_first_purchase  (first purchase - first event) / day; users who never purchased get
//                           their tenure_days (the time they have been seen without buying)
//   share_<channel>         share of the user's events that carry <channel> (one column per
//                           channel in the data; events without a channel count in the
//                           denominator only); 0 for every channel if the user has none
//   first_touch_<channel>   1 for the channel of the user's first event that has a channel,
//                           else 0 (all 0 for users never seen with a channel)
// No feature is ever NaN: every ratio has the default written above.
//
// Sets (--features): rfm = recency_days, frequency, monetary, tenure_days, purchases,
// avg_order_value; engagement = recency_days, frequency, tenure_days, events_per_active_day,
// days_to_first_purchase; behaviour = events_per_active_day, avg_order_value (how a user shops
// per visit, with no count that grows with tenure: counts and days mostly measure when a user
// signed up, which k-means would otherwise split on); channels = the share_ and first_touch_
// columns; all = every column.
//
// This file reads the EventFrame struct only (a plain header), never the store library.
// Thread safety: pure; the pool may be shared.
#pragma once

#include <climits>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flywheel/core/matrix.h"
#include "flywheel/core/result.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/store/event_frame.h"

namespace fw::segment {

enum class FeatureSet { kRfm, kEngagement, kBehaviour, kChannels, kAll };

// Parses "rfm", "engagement", "behaviour", "channels" or "all".
Result<FeatureSet> ParseFeatureSet(std::string_view text);

struct FeatureOptions {
  FeatureSet set = FeatureSet::kRfm;
  std::string purchase_event = "purchase";  // the event name that counts as a purchase
};

// What one user's features are derived from. Every backend counts these per user (the
// EventFrame pass below, or SQL in the ClickHouse backend) and FillFeatureRow turns them into
// the row, so the ratios and defaults above live in one place.
struct UserActivity {
  int64_t num_events = 0;
  int64_t active_days = 0;                   // distinct UTC days with an event
  double monetary = 0;                       // revenue summed in the user's time order
  int64_t purchases = 0;
  int64_t first_us = 0;                      // first and last event
  int64_t last_us = 0;
  int64_t first_purchase_us = INT64_MIN;     // INT64_MIN: never purchased
  uint32_t first_channel = 0;                // channel code (1.. in name order); 0: none
  std::span<const int64_t> channel_counts;   // events per channel code, [0] = no channel
};

// The columns of a feature set over a data set with `num_channels` channels, whose names in
// ascending order are `channel_names` (without the empty "no channel").
struct FeatureLayout {
  std::vector<int> base_fields;              // indexes into the eight base features, in order
  size_t num_channels = 0;                   // share_/first_touch_ pairs; 0 without channels
  std::vector<std::string> column_names;
};
Result<FeatureLayout> MakeFeatureLayout(FeatureSet set,
                                        const std::vector<std::string>& channel_names);

// Writes one user's row (layout.column_names.size() floats) for data ending at `end_us`.
void FillFeatureRow(const FeatureLayout& layout, const UserActivity& activity, int64_t end_us,
                    std::span<float> out);

// One row per user of `frame` (rows = frame.num_users()), columns named as above. Errors:
// kFailedPrecondition when the frame has no users, or when the channel set is asked for but
// no event carries a channel.
Result<Matrix> ExtractFeatures(const store::EventFrame& frame, const FeatureOptions& options,
                               ThreadPool* pool);

}  // namespace fw::segment
