// SPDX-License-Identifier: Apache-2.0
//
// breakdown.h: one group label per user, for `--by` breakdowns (docs/metrics.md, "Breakdowns").
//
// Kernels take an optional UserGroups and compute their metric per group exactly as if the
// frame held only that group's users. The CLI builds the labels from the frame (channels) or
// from workspace tables (segments, exposures) and hands them over, so kernels stay store-free.
//
// Invariant: group_of_user is empty (no breakdown: one group) or has one entry per user, each
// < names.size().
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/store/event_frame.h"

namespace fw::analytics {

inline constexpr std::string_view kNoChannelLabel = "(none)";

struct UserGroups {
  std::vector<uint32_t> group_of_user;  // by dense user index; empty = everyone in group 0
  std::vector<std::string> names;       // group labels, by group code

  size_t num_groups() const { return group_of_user.empty() ? 1 : names.size(); }
  uint32_t GroupOf(size_t user_idx) const {
    return group_of_user.empty() ? 0 : group_of_user[user_idx];
  }
  // Checks the invariant against a frame with `num_users` users.
  Status Validate(size_t num_users) const;
};

// Labels each user with the channel of their first event carrying a channel (first touch), or
// "(none)". Ties at the first instant go to the smallest channel name. Cost: one pass.
UserGroups GroupByFirstChannel(const store::EventFrame& frame);

// Labels each user with the channel of their first event named `event_code` (any event when
// nullopt), "(none)" when it has no channel or the user has no such event.
UserGroups GroupByEntryChannel(const store::EventFrame& frame, std::optional<uint32_t> event_code);

// Labels users from a user_id -> label map (segments, experiment variants); users absent from
// the map get `missing_label`. Group codes are assigned in sorted label order.
UserGroups GroupByLabel(const store::EventFrame& frame,
                        const std::unordered_map<std::string, std::string>& label_of_user,
                        std::string_view missing_label);

// Looks up an event name in the frame's dictionary. kNotFound names the event and up to 10
// known event names.
Result<uint32_t> FindEventCode(const store::EventFrame& frame, std::string_view name);

// The frame restricted to the users of `group` (their rows, in the same order), for kernels
// without a UserGroups parameter. Dictionaries and the data's time range are the whole frame's,
// so "the end of the data" means the same in every group. Cost: one copy of those rows.
store::EventFrame SelectGroup(const store::EventFrame& frame, const UserGroups& groups,
                              uint32_t group);

}  // namespace fw::analytics
