// SPDX-License-Identifier: Apache-2.0
//
// breakdown.cc: user labels for --by.
#include "flywheel/analytics/breakdown.h"

#include <algorithm>
#include <map>

namespace fw::analytics {
namespace {

// Assigns codes to labels in sorted order, so group order does not depend on user order.
UserGroups FromLabels(const std::vector<std::string_view>& label_of_user) {
  std::map<std::string_view, uint32_t> codes;
  for (std::string_view label : label_of_user) codes.emplace(label, 0);
  UserGroups groups;
  for (auto& [label, code] : codes) {
    code = static_cast<uint32_t>(groups.names.size());
    groups.names.emplace_back(label);
  }
  groups.group_of_user.reserve(label_of_user.size());
  for (std::string_view label : label_of_user) groups.group_of_user.push_back(codes[label]);
  return groups;
}

std::string_view ChannelLabel(const store::EventFrame& frame, uint32_t code) {
  if (code == store::kNoValueCode) return kNoChannelLabel;
  return frame.channels.Value(code);
}

}  // namespace

Status UserGroups::Validate(size_t num_users) const {
  if (group_of_user.empty()) return OkStatus();
  if (group_of_user.size() != num_users) {
    return InvalidArgument("breakdown has " + std::to_string(group_of_user.size()) +
                           " user labels for " + std::to_string(num_users) + " users");
  }
  for (uint32_t code : group_of_user) {
    if (code >= names.size()) {
      return InvalidArgument("breakdown group code " + std::to_string(code) + " >= " +
                             std::to_string(names.size()) + " groups");
    }
  }
  return OkStatus();
}

UserGroups GroupByFirstChannel(const store::EventFrame& frame) {
  std::vector<std::string_view> labels(frame.num_users(), kNoChannelLabel);
  for (size_t u = 0; u < frame.num_users(); ++u) {
    size_t end = frame.UserEnd(u);
    for (size_t row = frame.UserBegin(u); row < end; ++row) {
      if (frame.channel[row] == store::kNoValueCode) continue;
      // First instant with a channel: take the smallest name among that instant's channels.
      std::string_view best = ChannelLabel(frame, frame.channel[row]);
      for (size_t tie = row + 1; tie < end && frame.time_us[tie] == frame.time_us[row]; ++tie) {
        if (frame.channel[tie] == store::kNoValueCode) continue;
        best = std::min(best, ChannelLabel(frame, frame.channel[tie]));
      }
      labels[u] = best;
      break;
    }
  }
  return FromLabels(labels);
}

UserGroups GroupByEntryChannel(const store::EventFrame& frame,
                               std::optional<uint32_t> event_code) {
  std::vector<std::string_view> labels(frame.num_users(), kNoChannelLabel);
  for (size_t u = 0; u < frame.num_users(); ++u) {
    for (size_t row = frame.UserBegin(u); row < frame.UserEnd(u); ++row) {
      if (event_code && frame.event[row] != *event_code) continue;
      labels[u] = ChannelLabel(frame, frame.channel[row]);
      break;
    }
  }
  return FromLabels(labels);
}

UserGroups GroupByLabel(const store::EventFrame& frame,
                        const std::unordered_map<std::string, std::string>& label_of_user,
                        std::string_view missing_label) {
  std::vector<std::string_view> labels(frame.num_users(), missing_label);
  for (size_t u = 0; u < frame.num_users(); ++u) {
    auto it = label_of_user.find(frame.user_ids[u]);
    if (it != label_of_user.end()) labels[u] = it->second;
  }
  return FromLabels(labels);
}

Result<uint32_t> FindEventCode(const store::EventFrame& frame, std::string_view name) {
  if (auto code = frame.events.Find(name)) return *code;
  std::vector<std::string> known = frame.events.values();
  std::sort(known.begin(), known.end());
  std::string list;
  for (size_t i = 0; i < known.size() && i < 10; ++i) list += (i ? ", " : "") + known[i];
  if (known.size() > 10) list += ", ...";
  return NotFound("event '" + std::string(name) + "' does not occur in the events table (known: " +
                  (list.empty() ? "none" : list) + ")");
}

store::EventFrame SelectGroup(const store::EventFrame& frame, const UserGroups& groups,
                              uint32_t group) {
  store::EventFrame out;
  out.events = frame.events;
  out.channels = frame.channels;
  out.campaigns = frame.campaigns;
  out.min_time_us = frame.min_time_us;
  out.max_time_us = frame.max_time_us;
  out.user_offsets.push_back(0);
  for (size_t u = 0; u < frame.num_users(); ++u) {
    if (groups.GroupOf(u) != group) continue;
    out.user_ids.push_back(frame.user_ids[u]);
    for (size_t row = frame.UserBegin(u); row < frame.UserEnd(u); ++row) {
      out.time_us.push_back(frame.time_us[row]);
      out.event.push_back(frame.event[row]);
      out.channel.push_back(frame.channel[row]);
      out.campaign.push_back(frame.campaign[row]);
      out.revenue.push_back(frame.revenue[row]);
    }
    out.user_offsets.push_back(out.time_us.size());
  }
  return out;
}

}  // namespace fw::analytics
