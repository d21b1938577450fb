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

// Per-user values of every feature, before a set picks columns.
struct UserRow {
  double recency_days = 0, frequency = 0, monetary = 0, tenure_days = 0, purchases = 0,
         avg_order_value = 0, events_per_active_day = 0, days_to_first_purchase = 0;
};

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
  // Channels: codes 1.. (code 0 means "none given").
  const auto& channel_names = frame.channels.values();
  const size_t num_channels = channel_names.size() > 1 ? channel_names.size() - 1 : 0;
  const bool want_base = options.set != FeatureSet::kChannels;
  const bool want_channels =
      options.set == FeatureSet::kChannels || options.set == FeatureSet::kAll;
  if (want_channels && num_channels == 0 && options.set == FeatureSet::kChannels) {
    return FailedPrecondition("--features channels: no event in the workspace has a channel");
  }

  std::vector<std::string> columns;
  const char* kBaseNames[] = {"recency_days",
                              "frequency",
                              "monetary",
                              "tenure_days",
                              "purchases",
                              "avg_order_value",
                              "events_per_active_day",
                              "days_to_first_purchase"};
  std::vector<int> picks;
  switch (options.set) {
    case FeatureSet::kRfm:
      picks = {0, 1, 2, 3, 4, 5};
      break;
    case FeatureSet::kEngagement:
      picks = {0, 1, 3, 6, 7};
      break;
    case FeatureSet::kBehaviour:
      picks = {6, 5};
      break;
    case FeatureSet::kChannels:
      break;
    case FeatureSet::kAll:
      picks = {0, 1, 2, 3, 4, 5, 6, 7};
      break;
  }
  if (want_base) {
    for (int field : picks) columns.push_back(kBaseNames[field]);
  }
  const size_t channel_col0 = columns.size();
  if (want_channels) {
    for (size_t c = 1; c <= num_channels; ++c) columns.push_back("share_" + channel_names[c]);
    for (size_t c = 1; c <= num_channels; ++c) {
      columns.push_back("first_touch_" + channel_names[c]);
    }
  }
  Matrix x(users, columns.size());
  x.column_names = columns;
  const int64_t end_us = frame.max_time_us;

  auto body = [&](size_t begin, size_t end, size_t) {
    std::vector<double> channel_counts(num_channels + 1);
    for (size_t u = begin; u < end; ++u) {
      const size_t first = frame.UserBegin(u);
      const size_t last = frame.UserEnd(u);
      UserRow row;
      std::fill(channel_counts.begin(), channel_counts.end(), 0.0);
      int64_t prev_day = INT64_MIN;
      int64_t first_purchase_us = INT64_MIN;
      uint32_t first_channel = store::kNoValueCode;
      for (size_t e = first; e < last; ++e) {
        const int64_t day = DayOf(frame.time_us[e]);
        if (day != prev_day) ++row.frequency;  // events are time-ordered within a user
        prev_day = day;
        row.monetary += frame.revenue[e];
        const bool purchase = purchase_code >= 0
                                  ? frame.event[e] == static_cast<uint32_t>(purchase_code)
                                  : frame.revenue[e] > 0.0;
        if (purchase) {
          ++row.purchases;
          if (first_purchase_us == INT64_MIN) first_purchase_us = frame.time_us[e];
        }
        const uint32_t ch = frame.channel[e];
        if (ch < channel_counts.size()) channel_counts[ch] += 1.0;
        if (first_channel == store::kNoValueCode) first_channel = ch;
      }
      const double num_events = static_cast<double>(last - first);
      if (last > first) {
        row.recency_days = static_cast<double>(end_us - frame.time_us[last - 1]) / kMicrosPerDayD;
        row.tenure_days = static_cast<double>(end_us - frame.time_us[first]) / kMicrosPerDayD;
        row.events_per_active_day = num_events / row.frequency;
      }
      row.avg_order_value = row.purchases > 0 ? row.monetary / row.purchases : 0.0;
      row.days_to_first_purchase =
          first_purchase_us != INT64_MIN
              ? static_cast<double>(first_purchase_us - frame.time_us[first]) / kMicrosPerDayD
              : row.tenure_days;
      const double values[] = {row.recency_days,
                               row.frequency,
                               row.monetary,
                               row.tenure_days,
                               row.purchases,
                               row.avg_order_value,
                               row.events_per_active_day,
                               row.days_to_first_purchase};
      float* out = x.Row(u).data();
      size_t col = 0;
      if (want_base) {
        for (int field : picks) out[col++] = static_cast<float>(values[field]);
      }
      if (want_channels) {
        for (size_t c = 1; c <= num_channels; ++c) {
          out[channel_col0 + c - 1] =
              num_events > 0 ? static_cast<float>(channel_counts[c] / num_events) : 0.0f;
          out[channel_col0 + num_channels + c - 1] = first_channel == c ? 1.0f : 0.0f;
        }
      }
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
