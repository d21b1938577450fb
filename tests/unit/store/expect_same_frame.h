// SPDX-License-Identifier: Apache-2.0
//
// expect_same_frame.h: a gtest check that two EventFrames hold the same columns, dictionaries
// and extent, shared by the frame snapshot and frame merge tests.
#pragma once

#include <gtest/gtest.h>

#include "flywheel/store/event_frame.h"

namespace fw::store {

inline void ExpectSameFrame(const EventFrame& a, const EventFrame& b) {
  EXPECT_EQ(a.user_ids, b.user_ids);
  EXPECT_EQ(a.user_offsets, b.user_offsets);
  EXPECT_EQ(a.time_us, b.time_us);
  EXPECT_EQ(a.event, b.event);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.campaign, b.campaign);
  EXPECT_EQ(a.revenue, b.revenue);
  EXPECT_EQ(a.events.values(), b.events.values());
  EXPECT_EQ(a.channels.values(), b.channels.values());
  EXPECT_EQ(a.campaigns.values(), b.campaigns.values());
  EXPECT_EQ(a.min_time_us, b.min_time_us);
  EXPECT_EQ(a.max_time_us, b.max_time_us);
}

}  // namespace fw::store
