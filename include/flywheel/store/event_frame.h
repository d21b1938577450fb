// SPDX-License-Identifier: Apache-2.0
//
// event_frame.h: the in-memory columnar snapshot of the events table that analytics run over.
//
// Layout (all columns have num_events() entries unless said otherwise):
//   - users are dense indexes 0..num_users()-1, ordered by user_id string;
//   - user u's events are rows [user_offsets[u], user_offsets[u+1]) (user_offsets has
//     num_users()+1 entries), ordered by time, then event name, then insertion key;
//   - time_us: UTC microseconds since the epoch;
//   - event, channel, campaign: codes into the matching Dictionary. For channel and campaign,
//     code 0 is always "" and means "none given";
//   - revenue: the event's revenue, 0 where none was given.
// Kernels take `const EventFrame&`, loop per user, and never see DuckDB.
//
// Thread safety: immutable once loaded; share it across threads freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "flywheel/store/dictionary.h"

namespace fw::store {

inline constexpr uint32_t kNoValueCode = 0;  // channel/campaign code meaning "none given"

struct EventFrame {
  std::vector<std::string> user_ids;   // by dense user index
  std::vector<uint64_t> user_offsets;  // num_users() + 1 entries
  std::vector<int64_t> time_us;
  std::vector<uint32_t> event;
  std::vector<uint32_t> channel;
  std::vector<uint32_t> campaign;
  std::vector<double> revenue;
  Dictionary events;
  Dictionary channels;   // code 0 is ""
  Dictionary campaigns;  // code 0 is ""
  int64_t min_time_us = 0;  // over all events; 0 when empty
  int64_t max_time_us = 0;

  size_t num_users() const { return user_ids.size(); }
  size_t num_events() const { return time_us.size(); }

  // Rows of user `user_idx`: [UserBegin, UserEnd).
  size_t UserBegin(size_t user_idx) const { return user_offsets[user_idx]; }
  size_t UserEnd(size_t user_idx) const { return user_offsets[user_idx + 1]; }
};

}  // namespace fw::store
