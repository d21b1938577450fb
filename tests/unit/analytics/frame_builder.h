// SPDX-License-Identifier: Apache-2.0
//
// frame_builder.h: builds an EventFrame from plain rows, laid out as event_frame.h documents
// (users by user_id, each user's events by time, then event name, then input order). Tests use
// it until they need a real workspace.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "flywheel/store/event_frame.h"

namespace fw::analytics::testing {

struct Row {
  std::string user;
  int64_t time_us = 0;
  std::string event;
  std::string channel;  // "" = none
  double revenue = 0;
};

inline store::EventFrame BuildFrame(const std::vector<Row>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Row& x = rows[a];
    const Row& y = rows[b];
    if (x.user != y.user) return x.user < y.user;
    if (x.time_us != y.time_us) return x.time_us < y.time_us;
    return x.event < y.event;
  });
  store::EventFrame frame;
  frame.channels.Intern("");
  frame.campaigns.Intern("");
  for (size_t idx : order) {
    const Row& row = rows[idx];
    if (frame.user_ids.empty() || frame.user_ids.back() != row.user) {
      frame.user_ids.push_back(row.user);
      frame.user_offsets.push_back(frame.time_us.size());
    }
    frame.time_us.push_back(row.time_us);
    frame.event.push_back(frame.events.Intern(row.event));
    frame.channel.push_back(frame.channels.Intern(row.channel));
    frame.campaign.push_back(0);
    frame.revenue.push_back(row.revenue);
  }
  frame.user_offsets.push_back(frame.time_us.size());
  if (!rows.empty()) {
    auto [lo, hi] = std::minmax_element(frame.time_us.begin(), frame.time_us.end());
    frame.min_time_us = *lo;
    frame.max_time_us = *hi;
  }
  return frame;
}

}  // namespace fw::analytics::testing
