// SPDX-License-Identifier: Apache-2.0
//
// event_frame_merge.h: the next EventFrame from the current one plus newly committed events,
// without reading the workspace (`flywheel serve` keeps its frame hot this way).
//
// The result is the frame Workspace::LoadEventFrame would build from the union of the rows:
// the loader numbers users and the event/channel/campaign dictionaries in string order and
// sorts each user's rows by (time, event, channel, campaign, revenue), so the merge does the
// same (new names get their sorted rank and old codes are renumbered when needed; user
// indexes shift when a new user sorts between existing ones). Rows that tie on all five
// fields are identical in every column, so their relative order cannot be seen.
//
// Cost: O(base rows + delta log delta): one pass copying the base columns, plus a remap of a
// dictionary's codes only when a new name sorts before an existing one.
//
// Thread safety: a pure function of its arguments.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "flywheel/store/event_frame.h"

namespace fw::store {

// One committed events-table row, as the frame sees it ("" channel/campaign = none given,
// revenue 0 = none given, exactly as the loader reads NULLs).
struct NewEvent {
  std::string user_id;
  int64_t time_us = 0;
  std::string event;
  std::string channel;
  std::string campaign;
  double revenue = 0;
};

// `base` with `delta` added. `base` must satisfy the EventFrame invariants (an empty frame may
// have no offsets and empty dictionaries).
EventFrame MergeEvents(const EventFrame& base, std::span<const NewEvent> delta);

}  // namespace fw::store
