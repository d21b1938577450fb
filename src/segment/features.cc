// SPDX-License-Identifier: Apache-2.0
//
// features.cc: the per-user feature pass (definitions in features.h).
//
// Each user's events are one contiguous, time-ordered range of the frame, so a user is one
// linear scan with no hash lookups; users are split into fixed chunks across the pool and each
// writes only its own matrix rows, so the result does not depend on the thread count.
#include "flywheel/segment/features.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace fw::segment {

namespace {

constexpr double kMicrosPerDayD = 86400.0 * 1e6;

int64_t DayOf(int64_t us) {
  const int64_t day = 86400LL * 1000000LL;
  return us >= 0 ? us / day : -((-us + day - 1) / day);
}

constexpr const char* kBaseNames[] = {"recency_days",
                                      "frequency",
                                      "monetary",
                                      "tenure_days",
                                      "purchases",
                                      "avg_order_value",
                                      "events_per_active_day",
                                      "days_to_first_purchase"};

}  // namespace

Result<FeatureSet> ParseFeatureSet(std::string_view text) {
  if (text == "rfm") return FeatureSet::kRfm;
  if (text == "engagement") return FeatureSet::kEngagement;
  if (text == "behaviour") return FeatureSet::kBehaviour;
  if (text == "channels") return FeatureSet::kChannels;
  if (text == "all") return FeatureSet::kAll;
  return InvalidArgument("--features is '" + std::string(text) +
                         "', expected rfm, engagement, behaviour, channels or all");
}

Result<FeatureLayout> MakeFeatureLayout(FeatureSet set,
                                        const std::vector<std::string>& channel_names) {
  FeatureLayout layout;
  switch (set) {
    case FeatureSet::kRfm: layout.base_fields = {0, 1, 2, 3, 4, 5}; break;
    case FeatureSet::kEngagement: layout.base_fields = {0, 1, 3, 6, 7}; break;
    case FeatureSet::kBehaviour: layout.base_fields = {6, 5}; break;
    case FeatureSet::kChannels: break;
    case FeatureSet::kAll: layout.base_fields = {0, 1, 2, 3, 4, 5, 6, 7}; break;
  }
  if (set == FeatureSet::kChannels && channel_names.empty()) {
    return FailedPrecondition("--features channels: no event in the workspace has a channel");
  }
  for (int field : layout.base_fields) layout.column_names.push_back(kBaseNames[field]);
  if (set == FeatureSet::kChannels || set == FeatureSet::kAll) {
    layout.num_channels = channel_names.size();
    for (const std::string& name : channel_names) layout.column_names.push_back("share_" + name);
    for (const std::string& name : channel_names) {
      layout.column_names.push_back("first_touch_" + name);
    }
  }
  return layout;
}

void FillFeatureRow(const FeatureLayout& layout, const UserActivity& a, int64_t end_us,
                    std::span<float> out) {
  const double frequency = static_cast<double>(a.active_days);
  const double purchases = static_cast<double>(a.purchases);
  const double num_events = static_cast<double>(a.num_events);
  double recency_days = 0, tenure_days = 0, events_per_active_day = 0;
  if (a.num_events > 0) {
    recency_days = static_cast<double>(end_us - a.last_us) / kMicrosPerDayD;
    tenure_days = static_cast<double>(end_us - a.first_us) / kMicrosPerDayD;
    events_per_active_day = num_events / frequency;
  }
  const double avg_order_value = purchases > 0 ? a.monetary / purchases : 0.0;
  const double days_to_first_purchase =
      a.first_purchase_us != INT64_MIN
          ? static_cast<double>(a.first_purchase_us - a.first_us) / kMicrosPerDayD
          : tenure_days;
  const double values[] = {recency_days, frequency,       a.monetary,
                           tenure_days,  purchases,       avg_order_value,
                           events_per_active_day, days_to_first_purchase};
  size_t col = 0;
  for (int field : layout.base_fields) out[col++] = static_cast<float>(values[field]);
  const size_t n = layout.num_channels;
  for (size_t c = 1; c <= n; ++c) {
    const double count = c < a.channel_counts.size() ? static_cast<double>(a.channel_counts[c]) : 0;
    out[col + c - 1] = a.num_events > 0 ? static_cast<float>(count / num_events) : 0.0f;
    out[col + n + c - 1] = a.first_channel == c ? 1.0f : 0.0f;
  }
}

Result<Matrix> ExtractFeatures(const store::EventFrame& frame, const FeatureOptions& options,
                               ThreadPool* pool) {
  const size_t users = frame.num_users();
  if (users == 0) return FailedPrecondition("the workspace has no events, so no users to segment");
  if (frame.user_offsets.size() != users + 1) {
    return Internal("the event frame has " + std::to_string(frame.user_offsets.size()) +
                    " user offsets for " + std::to_string(users) + " users");
  }
  // The purchase event's code, if the data has one.
  int64_t purchase_code = -1;
  const auto& names = frame.events.values();
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == options.purchase_event) purchase_code = static_cast<int64_t>(c);
  }
  // Channels: codes 1.. in name order (code 0 means "none given").
  const auto& dictionary = frame.channels.values();
  const std::vector<std::string> channel_names(dictionary.begin() + (dictionary.empty() ? 0 : 1),
                                               dictionary.end());
  FW_ASSIGN_OR_RETURN(const FeatureLayout layout, MakeFeatureLayout(options.set, channel_names));
  Matrix x(users, layout.column_names.size());
  x.column_names = layout.column_names;
  const int64_t end_us = frame.max_time_us;

  auto body = [&](size_t begin, size_t end, size_t) {
    std::vector<int64_t> channel_counts(channel_names.size() + 1);
    for (size_t u = begin; u < end; ++u) {
      const size_t first = frame.UserBegin(u);
      const size_t last = frame.UserEnd(u);
      UserActivity a;
      std::fill(channel_counts.begin(), channel_counts.end(), 0);
      int64_t prev_day = INT64_MIN;
      bool seen_channel = false;
      for (size_t e = first; e < last; ++e) {
        const int64_t day = DayOf(frame.time_us[e]);
        if (day != prev_day) ++a.active_days;  // events are time-ordered within a user
        prev_day = day;
        a.monetary += frame.revenue[e];
        const bool purchase = purchase_code >= 0
                                  ? frame.event[e] == static_cast<uint32_t>(purchase_code)
                                  : frame.revenue[e] > 0.0;
        if (purchase) {
          ++a.purchases;
          if (a.first_purchase_us == INT64_MIN) a.first_purchase_us = frame.time_us[e];
        }
        const uint32_t ch = frame.channel[e];
        if (ch < channel_counts.size()) ++channel_counts[ch];
        // The first event with a channel, in the frame's (time, event, channel) order.
        if (!seen_channel && ch != store::kNoValueCode) {
          a.first_channel = ch;
          seen_channel = true;
        }
      }
      a.num_events = static_cast<int64_t>(last - first);
      if (last > first) {
        a.first_us = frame.time_us[first];
        a.last_us = frame.time_us[last - 1];
      }
      a.channel_counts = channel_counts;
      FillFeatureRow(layout, a, end_us, x.Row(u));
    }
  };
  const size_t chunks = std::max<size_t>(1, std::min<size_t>(64, users / 4096));
  if (pool == nullptr || chunks == 1) {
    body(0, users, 0);
  } else {
    pool->ParallelFor(users, body, chunks);
  }
  return x;
}

}  // namespace fw::segment
