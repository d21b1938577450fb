// SPDX-License-Identifier: Apache-2.0
//
// frame_delta.h: events committed by POST /v1/events that the hot frame does not hold yet.
//
// The committer (EventCollector) adds each group's stored, deduplicated rows right after its
// commit, still under the workspace mutex; the background thread takes them all and merges
// them into the frame (store::MergeEvents). Memory is bounded: past `max_events` pending rows
// the delta drops what it is given and remembers that it overflowed, and the taker then falls
// back to a full reload, which sees every committed row anyway.
//
// Thread safety: Add/Take/size from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "flywheel/store/event_frame_merge.h"

namespace fw::server {

class FrameDelta {
 public:
  explicit FrameDelta(size_t max_events) : max_events_(max_events) {}

  void Add(std::vector<store::NewEvent> rows) {
    std::lock_guard<std::mutex> lock(mu_);
    if (overflowed_ || rows_.size() + rows.size() > max_events_) {
      overflowed_ = true;
      rows_.clear();  // a full reload will replace them all; free the memory now
      rows_.shrink_to_fit();
      return;
    }
    if (rows_.empty()) {
      rows_ = std::move(rows);
    } else {
      rows_.insert(rows_.end(), std::make_move_iterator(rows.begin()),
                   std::make_move_iterator(rows.end()));
    }
  }

  // Marks the delta incomplete (rows could not be added): the taker must reload in full.
  void Invalidate() {
    std::lock_guard<std::mutex> lock(mu_);
    overflowed_ = true;
    rows_.clear();
    rows_.shrink_to_fit();
  }

  struct Taken {
    std::vector<store::NewEvent> rows;
    bool overflowed = false;  // rows were dropped: only a full reload is correct now
  };
  // Everything pending, and resets to empty.
  Taken Take() {
    std::lock_guard<std::mutex> lock(mu_);
    Taken out{std::move(rows_), overflowed_};
    rows_.clear();
    overflowed_ = false;
    return out;
  }

  // Pending rows (an overflowed delta counts as `max_events` + 1, so it always triggers).
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return overflowed_ ? max_events_ + 1 : rows_.size();
  }

 private:
  const size_t max_events_;
  mutable std::mutex mu_;
  std::vector<store::NewEvent> rows_;  // under mu_
  bool overflowed_ = false;            // under mu_
};

}  // namespace fw::server
