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

#include <string>
#include <string_view>

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

// One row per user of `frame` (rows = frame.num_users()), columns named as above. Errors:
// kFailedPrecondition when the frame has no users, or when the channel set is asked for but
// no event carries a channel.
Result<Matrix> ExtractFeatures(const store::EventFrame& frame, const FeatureOptions& options,
                               ThreadPool* pool);

}  // namespace fw::segment
