// SPDX-License-Identifier: Apache-2.0
//
// event_frame_merge.cc: MergeEvents (see event_frame_merge.h). No DuckDB here.
#include "flywheel/store/event_frame_merge.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <tuple>
#include <vector>

namespace fw::store {
namespace {

// A dictionary rebuilt over base values + delta values in string order, and base code -> new
// code. `identity` when no code changes (the common case: no new name, or only names that
// sort after every existing one), so the base column can be copied as is.
struct MergedDictionary {
  Dictionary dict;
  std::vector<uint32_t> remap;
  bool identity = true;
};

MergedDictionary MergeDictionary(const Dictionary& base, std::span<const NewEvent> delta,
                                 std::string NewEvent::*field, bool with_empty) {
  std::vector<std::string_view> values(base.values().begin(), base.values().end());
  for (const NewEvent& e : delta) {
    if (!base.Find(e.*field)) values.push_back(e.*field);
  }
  if (with_empty && !base.Find("")) values.push_back("");  // code 0 = "none", as the loader does
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  MergedDictionary out;
  for (std::string_view v : values) out.dict.Intern(v);
  out.remap.resize(base.size());
  for (uint32_t code = 0; code < base.size(); ++code) {
    out.remap[code] = *out.dict.Find(base.Value(code));
    if (out.remap[code] != code) out.identity = false;
  }
  return out;
}

// The sort key of a row within its user, on the merged codes (the loader's order).
struct RowKey {
  int64_t time_us;
  uint32_t event, channel, campaign;
  double revenue;
  bool operator<(const RowKey& o) const {
    return std::tie(time_us, event, channel, campaign, revenue) <
           std::tie(o.time_us, o.event, o.channel, o.campaign, o.revenue);
  }
};

void AppendCodes(const std::vector<uint32_t>& from, size_t begin, size_t end,
                 const MergedDictionary& d, std::vector<uint32_t>* to) {
  if (d.identity) {
    to->insert(to->end(), from.begin() + static_cast<std::ptrdiff_t>(begin),
               from.begin() + static_cast<std::ptrdiff_t>(end));
    return;
  }
  const size_t at = to->size();
  to->resize(at + (end - begin));
  uint32_t* out = to->data() + at;
  for (size_t i = begin; i < end; ++i) *out++ = d.remap[from[i]];
}

}  // namespace

EventFrame MergeEvents(const EventFrame& base, std::span<const NewEvent> delta) {
  MergedDictionary events = MergeDictionary(base.events, delta, &NewEvent::event, false);
  MergedDictionary channels = MergeDictionary(base.channels, delta, &NewEvent::channel, true);
  MergedDictionary campaigns = MergeDictionary(base.campaigns, delta, &NewEvent::campaign, true);

  // The delta in frame order: by user id, then by the row key.
  std::vector<RowKey> keys(delta.size());
  for (size_t i = 0; i < delta.size(); ++i) {
    const NewEvent& e = delta[i];
    keys[i] = {e.time_us, *events.dict.Find(e.event), *channels.dict.Find(e.channel),
               *campaigns.dict.Find(e.campaign), e.revenue};
  }
  std::vector<uint32_t> order(delta.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const int c = delta[a].user_id.compare(delta[b].user_id);
    return c != 0 ? c < 0 : keys[a] < keys[b];
  });

  EventFrame out;
  out.events = std::move(events.dict);
  out.channels = std::move(channels.dict);
  out.campaigns = std::move(campaigns.dict);
  const size_t rows = base.num_events() + delta.size();
  out.time_us.reserve(rows);
  out.event.reserve(rows);
  out.channel.reserve(rows);
  out.campaign.reserve(rows);
  out.revenue.reserve(rows);
  out.user_ids.reserve(base.num_users() + delta.size());
  out.user_offsets.reserve(base.num_users() + delta.size() + 1);
  out.user_offsets.push_back(0);

  // Base rows [begin, end) as they are (codes remapped).
  auto copy_base = [&](size_t begin, size_t end) {
    const auto b = static_cast<std::ptrdiff_t>(begin), e = static_cast<std::ptrdiff_t>(end);
    out.time_us.insert(out.time_us.end(), base.time_us.begin() + b, base.time_us.begin() + e);
    out.revenue.insert(out.revenue.end(), base.revenue.begin() + b, base.revenue.begin() + e);
    AppendCodes(base.event, begin, end, events, &out.event);
    AppendCodes(base.channel, begin, end, channels, &out.channel);
    AppendCodes(base.campaign, begin, end, campaigns, &out.campaign);
  };
  auto push_delta = [&](uint32_t i) {
    const RowKey& k = keys[i];
    out.time_us.push_back(k.time_us);
    out.event.push_back(k.event);
    out.channel.push_back(k.channel);
    out.campaign.push_back(k.campaign);
    out.revenue.push_back(k.revenue);
  };
  auto base_key = [&](size_t row) {
    return RowKey{base.time_us[row], events.identity ? base.event[row] : events.remap[base.event[row]],
                  channels.identity ? base.channel[row] : channels.remap[base.channel[row]],
                  campaigns.identity ? base.campaign[row] : campaigns.remap[base.campaign[row]],
                  base.revenue[row]};
  };

  const size_t num_base_users = base.num_users();
  size_t bu = 0;  // next base user
  size_t d = 0;   // next delta row (in `order`)
  while (bu < num_base_users || d < order.size()) {
    if (d == order.size()) {  // the rest of the base in one block
      const size_t shift = out.num_events() - base.UserBegin(bu);
      copy_base(base.UserBegin(bu), base.num_events());
      for (size_t u = bu; u < num_base_users; ++u) {
        out.user_ids.push_back(base.user_ids[u]);
        out.user_offsets.push_back(base.UserEnd(u) + shift);
      }
      bu = num_base_users;
      break;
    }
    const std::string& next_user = delta[order[d]].user_id;
    if (bu < num_base_users && base.user_ids[bu] < next_user) {
      // Every base user before the next delta user, copied as one block.
      const auto stop = static_cast<size_t>(
          std::lower_bound(base.user_ids.begin() + static_cast<std::ptrdiff_t>(bu),
                           base.user_ids.end(), next_user) - base.user_ids.begin());
      const size_t shift = out.num_events() - base.UserBegin(bu);
      copy_base(base.UserBegin(bu), base.UserBegin(stop));
      for (size_t u = bu; u < stop; ++u) {
        out.user_ids.push_back(base.user_ids[u]);
        out.user_offsets.push_back(base.UserEnd(u) + shift);
      }
      bu = stop;
      continue;
    }
    // `next_user` gets its delta rows, merged with its base rows if it has any.
    size_t d_end = d;
    while (d_end < order.size() && delta[order[d_end]].user_id == next_user) ++d_end;
    size_t row = 0, row_end = 0;
    if (bu < num_base_users && base.user_ids[bu] == next_user) {
      row = base.UserBegin(bu);
      row_end = base.UserEnd(bu);
      ++bu;
    }
    while (row < row_end || d < d_end) {
      // Ties take the base row first; tied rows are identical, so either order is the same.
      if (d == d_end || (row < row_end && !(keys[order[d]] < base_key(row)))) {
        copy_base(row, row + 1);
        ++row;
      } else {
        push_delta(order[d++]);
      }
    }
    out.user_ids.push_back(next_user);
    out.user_offsets.push_back(out.num_events());
  }

  // The base's bounds plus the delta's (no second pass over the base).
  bool any = base.num_events() > 0;
  out.min_time_us = any ? base.min_time_us : 0;
  out.max_time_us = any ? base.max_time_us : 0;
  for (const RowKey& k : keys) {
    out.min_time_us = any ? std::min(out.min_time_us, k.time_us) : k.time_us;
    out.max_time_us = any ? std::max(out.max_time_us, k.time_us) : k.time_us;
    any = true;
  }
  return out;
}

}  // namespace fw::store
