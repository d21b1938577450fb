// SPDX-License-Identifier: Apache-2.0
//
// alerts_test.cc: fire/resolve transitions and their timestamps.
#include "alerts.h"

#include <gtest/gtest.h>

namespace fw::server {
namespace {

TEST(AlertEngineTest, FiresOnceAndResolves) {
  AlertEngine engine;
  EXPECT_TRUE(engine.Update({{"srm:t", "srm", false, "fine", 0.5}}, 1'000'000).empty());
  auto changes = engine.Update({{"srm:t", "srm", true, "mismatch", 1e-6}}, 2'000'000);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, "firing");
  EXPECT_EQ(changes[0].at_us, 2'000'000);
  EXPECT_EQ(engine.num_firing(), 1u);
  EXPECT_TRUE(engine.Update({{"srm:t", "srm", true, "mismatch", 1e-7}}, 3'000'000).empty());
  changes = engine.Update({{"srm:t", "srm", false, "fine", 0.4}}, 4'000'000);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].state, "resolved");
  EXPECT_EQ(engine.num_firing(), 0u);
  const auto doc = engine.ToJson();
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["state"], "ok");
  EXPECT_EQ(doc[0]["fired_at"], "1970-01-01T00:00:02Z");
  EXPECT_EQ(doc[0]["resolved_at"], "1970-01-01T00:00:04Z");
}

TEST(AlertEngineTest, FirstSightingThatFiresIsATransition) {
  AlertEngine engine;
  auto changes = engine.Update({{"budget:b", "budget", true, "spent", 0}}, 5);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(engine.States().at("budget:b"), 1);
}

}  // namespace
}  // namespace fw::server
