// SPDX-License-Identifier: Apache-2.0
//
// hot_frame.h: the EventFrame snapshot that analytics endpoints read.
//
// Kept up to date incrementally (server.cc, UpdateFrame): the group committer hands each
// commit's stored rows to a FrameDelta, and the background thread, at most every
// ServerOptions::frame_reload_ms once frame_reload_events rows are pending, builds the next
// frame with store::MergeEvents (base frame + delta, no DuckDB scan) and Set()s it. A full
// reload from the workspace remains for the start (snapshot cache), a delta that overflowed
// its bound, and a failed update. A reader always sees one consistent snapshot that is at most
// one interval old, and the same frame a full load of the workspace would give.
//
// Thread safety: Get/Set from any thread. The snapshot is a shared_ptr because a request may
// still read the old frame while a reload swaps in the new one; the last reader frees it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "flywheel/store/event_frame.h"

namespace fw::server {

class HotFrame {
 public:
  HotFrame() {
    store::EventFrame empty;
    empty.user_offsets = {0};  // the frame invariant (users + 1 offsets) holds when empty too
    frame_ = std::make_shared<const store::EventFrame>(std::move(empty));
  }

  std::shared_ptr<const store::EventFrame> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return frame_;
  }
  void Set(store::EventFrame frame, int64_t loaded_at_us) {
    auto next = std::make_shared<const store::EventFrame>(std::move(frame));
    std::lock_guard<std::mutex> lock(mu_);
    frame_ = std::move(next);
    loaded_at_us_ = loaded_at_us;
    ++version_;
  }
  int64_t loaded_at_us() const {
    std::lock_guard<std::mutex> lock(mu_);
    return loaded_at_us_;
  }
  int64_t version() const {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const store::EventFrame> frame_;
  int64_t loaded_at_us_ = 0;
  int64_t version_ = 0;
};

}  // namespace fw::server
