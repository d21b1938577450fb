// SPDX-License-Identifier: Apache-2.0
//
// features_test.cc: the per-user feature definitions of features.h on a hand-built frame.
#include "flywheel/segment/features.h"

#include <gtest/gtest.h>

#include "flywheel/core/time.h"

namespace fw::segment {
namespace {

// Two users. u1: view (social) day 0, purchase 30.0 (email) day 0, purchase 10.0 day 2.
// u2: view (no channel) day 1, view (search) day 4. The data ends at day 4, 12:00.
store::EventFrame MakeFrame() {
  store::EventFrame f;
  f.events.Intern("view");
  f.events.Intern("purchase");
  f.channels.Intern("");
  f.channels.Intern("social");
  f.channels.Intern("email");
  f.channels.Intern("search");
  f.user_ids = {"u1", "u2"};
  f.user_offsets = {0, 3, 5};
  const int64_t d = kMicrosPerDay;
  f.time_us = {0, d / 2, 2 * d, d, 4 * d + d / 2};
  f.event = {0, 1, 1, 0, 0};
  f.channel = {1, 2, 0, 0, 3};
  f.campaign = {0, 0, 0, 0, 0};
  f.revenue = {0, 30, 10, 0, 0};
  f.min_time_us = 0;
  f.max_time_us = 4 * d + d / 2;
  return f;
}

float Col(const Matrix& x, size_t row, const std::string& name) {
  for (size_t c = 0; c < x.cols; ++c) {
    if (x.column_names[c] == name) return x.At(row, c);
  }
  ADD_FAILURE() << "no column " << name;
  return -1;
}

TEST(FeaturesTest, AllDefinitions) {
  const store::EventFrame frame = MakeFrame();
  auto x = ExtractFeatures(frame, {.set = FeatureSet::kAll}, nullptr);
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  ASSERT_EQ(x->rows, 2u);
  EXPECT_FLOAT_EQ(Col(*x, 0, "recency_days"), 2.5f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "frequency"), 2.0f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "monetary"), 40.0f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "tenure_days"), 4.5f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "purchases"), 2.0f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "avg_order_value"), 20.0f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "events_per_active_day"), 1.5f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "days_to_first_purchase"), 0.5f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "share_social"), 1.0f / 3);
  EXPECT_FLOAT_EQ(Col(*x, 0, "first_touch_social"), 1.0f);
  EXPECT_FLOAT_EQ(Col(*x, 0, "first_touch_email"), 0.0f);
  // u2 never bought: documented defaults, never NaN.
  EXPECT_FLOAT_EQ(Col(*x, 1, "avg_order_value"), 0.0f);
  EXPECT_FLOAT_EQ(Col(*x, 1, "days_to_first_purchase"), Col(*x, 1, "tenure_days"));
  EXPECT_FLOAT_EQ(Col(*x, 1, "share_search"), 0.5f);
  EXPECT_FLOAT_EQ(Col(*x, 1, "first_touch_search"), 1.0f);  // first event with a channel
  EXPECT_FLOAT_EQ(Col(*x, 1, "recency_days"), 0.0f);
}

TEST(FeaturesTest, SetsPickColumns) {
  const store::EventFrame frame = MakeFrame();
  auto rfm = ExtractFeatures(frame, {.set = FeatureSet::kRfm}, nullptr);
  ASSERT_TRUE(rfm.ok());
  EXPECT_EQ(rfm->column_names,
            (std::vector<std::string>{"recency_days", "frequency", "monetary", "tenure_days",
                                      "purchases", "avg_order_value"}));
  auto behaviour = ExtractFeatures(frame, {.set = *ParseFeatureSet("behaviour")}, nullptr);
  ASSERT_TRUE(behaviour.ok());
  EXPECT_EQ(behaviour->column_names,
            (std::vector<std::string>{"events_per_active_day", "avg_order_value"}));
  EXPECT_FLOAT_EQ(Col(*behaviour, 0, "events_per_active_day"), 1.5f);
  EXPECT_FLOAT_EQ(Col(*behaviour, 0, "avg_order_value"), 20.0f);
  EXPECT_FLOAT_EQ(Col(*behaviour, 1, "avg_order_value"), 0.0f);
  auto channels = ExtractFeatures(frame, {.set = FeatureSet::kChannels}, nullptr);
  ASSERT_TRUE(channels.ok());
  EXPECT_EQ(channels->cols, 6u);
  EXPECT_FALSE(ParseFeatureSet("rfmx").ok());
  store::EventFrame empty;
  EXPECT_EQ(ExtractFeatures(empty, {}, nullptr).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fw::segment
