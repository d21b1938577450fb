// SPDX-License-Identifier: Apache-2.0
//
// funnel_test.cc: the funnel kernel against hand-built cases (each order mode, same-instant
// events, inclusive window ends, open windows) and against a brute-force reference that
// enumerates every chain, on 1,500 random event logs.
#include "flywheel/analytics/funnel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "flywheel/core/time.h"
#include "frame_builder.h"

// Tests build definitions and rows with designated initializers that leave defaults out.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fw::analytics {
namespace {

using testing::BuildFrame;
using testing::Row;

constexpr int64_t kHour = kMicrosPerHour;

struct ReferenceFunnel {
  std::vector<uint64_t> users;
  std::vector<uint64_t> in_progress;  // per step j >= 1: open users stopped at j - 1
  uint64_t total_in_progress = 0;
  std::vector<std::vector<double>> seconds;
};

// Every chain from one entry, by depth-first search: best[j] = earliest time step j is reached.
void Chains(const std::vector<Row>& events, const FunnelDefinition& def, size_t step,
            int64_t prev_us, int64_t limit_us, std::vector<bool>& used,
            std::vector<int64_t>& best) {
  if (step == def.steps.size()) return;
  for (size_t r = 0; r < events.size(); ++r) {
    const Row& e = events[r];
    if (used[r] || e.event != def.steps[step] || e.time_us < prev_us || e.time_us > limit_us) {
      continue;
    }
    if (def.order == FunnelOrder::kStrict) {
      bool between = false;
      for (const Row& x : events) between |= x.time_us > prev_us && x.time_us < e.time_us;
      if (between) continue;
    }
    best[step] = std::min(best[step], e.time_us);
    used[r] = true;
    Chains(events, def, step + 1, e.time_us, limit_us, used, best);
    used[r] = false;
  }
}

std::vector<int64_t> Attempt(const std::vector<Row>& events, const FunnelDefinition& def,
                             size_t entry) {
  const size_t k = def.steps.size();
  std::vector<int64_t> best(k, INT64_MAX);
  const int64_t t1 = events[entry].time_us;
  const int64_t limit = t1 + def.window_us;
  if (def.order == FunnelOrder::kAny) {
    std::set<int64_t> ends;
    for (const Row& e : events) {
      if (e.time_us >= t1 && e.time_us <= limit) ends.insert(e.time_us);
    }
    for (int64_t u : ends) {
      std::set<std::string> distinct;
      for (const Row& e : events) {
        if (e.time_us >= t1 && e.time_us <= u &&
            std::find(def.steps.begin(), def.steps.end(), e.event) != def.steps.end()) {
          distinct.insert(e.event);
        }
      }
      for (size_t j = 0; j < distinct.size(); ++j) best[j] = std::min(best[j], u);
    }
  } else {
    best[0] = t1;
    std::vector<bool> used(events.size(), false);
    used[entry] = true;
    Chains(events, def, 1, t1, limit, used, best);
  }
  return best;
}

ReferenceFunnel Reference(const std::vector<Row>& rows, const FunnelDefinition& def,
                          int64_t data_end) {
  const size_t k = def.steps.size();
  ReferenceFunnel out{std::vector<uint64_t>(k, 0), std::vector<uint64_t>(k, 0), 0,
                      std::vector<std::vector<double>>(k)};
  std::map<std::string, std::vector<Row>> by_user;
  for (const Row& row : rows) by_user[row.user].push_back(row);
  for (auto& [user, events] : by_user) {
    size_t furthest = 0;
    int64_t counted_t1 = INT64_MAX;
    int64_t latest_entry = INT64_MIN;
    std::vector<int64_t> counted;
    for (size_t e = 0; e < events.size(); ++e) {
      bool is_entry = def.order == FunnelOrder::kAny
                          ? std::find(def.steps.begin(), def.steps.end(), events[e].event) !=
                                def.steps.end()
                          : events[e].event == def.steps[0];
      if (!is_entry) continue;
      latest_entry = std::max(latest_entry, events[e].time_us);
      std::vector<int64_t> best = Attempt(events, def, e);
      size_t reached = 0;
      while (reached < k && best[reached] != INT64_MAX) ++reached;
      if (reached > furthest || (reached == furthest && events[e].time_us < counted_t1)) {
        furthest = reached;
        counted_t1 = events[e].time_us;
        counted = best;
      }
    }
    if (furthest == 0) continue;
    for (size_t j = 0; j < furthest; ++j) ++out.users[j];
    for (size_t j = 1; j < furthest; ++j) {
      out.seconds[j].push_back(static_cast<double>(counted[j] - counted[j - 1]) / 1e6);
    }
    if (furthest < k && latest_entry + def.window_us > data_end) {
      ++out.in_progress[furthest];
      ++out.total_in_progress;
    }
  }
  return out;
}

double SortedQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(h);
  if (lo + 1 >= v.size()) return v[lo];
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

TEST(FunnelTest, MatchesBruteForceOnRandomLogs) {
  std::mt19937_64 rng(77);
  const std::vector<std::string> names = {"a", "b", "c", "d", "x"};
  const int64_t windows[] = {kHour, 6 * kHour, 24 * kHour, 72 * kHour};
  ThreadPool pool(2);
  int checked = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::vector<int64_t> instants;
    for (int i = 0; i < 8; ++i) instants.push_back(static_cast<int64_t>(rng() % 96) * kHour);
    std::vector<Row> rows;
    const int num_users = 1 + static_cast<int>(rng() % 6);
    for (int u = 0; u < num_users; ++u) {
      const int num_events = 1 + static_cast<int>(rng() % 7);
      for (int e = 0; e < num_events; ++e) {
        rows.push_back({"u" + std::to_string(u), instants[rng() % instants.size()],
                        names[rng() % names.size()], "", 0});
      }
    }
    store::EventFrame frame = BuildFrame(rows);
    std::vector<std::string> present;
    for (size_t i = 0; i < 4; ++i) {
      if (frame.events.Find(names[i])) present.push_back(names[i]);
    }
    if (present.size() < 2) continue;
    std::shuffle(present.begin(), present.end(), rng);
    present.resize(2 + rng() % (present.size() - 1));
    FunnelDefinition def{.steps = present, .window_us = windows[rng() % 4],
                         .order = static_cast<FunnelOrder>(rng() % 3)};
    auto result = ComputeFunnel(frame, def, {}, trial % 2 ? &pool : nullptr);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ReferenceFunnel expected = Reference(rows, def, frame.max_time_us);
    const FunnelTable& table = result->groups.at(0);
    EXPECT_EQ(table.in_progress, expected.total_in_progress) << "trial " << trial;
    for (size_t j = 0; j < def.steps.size(); ++j) {
      const FunnelStep& step = table.steps[j];
      ASSERT_EQ(step.users, expected.users[j]) << "trial " << trial << " step " << j;
      if (j == 0) continue;
      EXPECT_EQ(step.in_progress, expected.in_progress[j]) << "trial " << trial;
      EXPECT_EQ(step.dropped, expected.users[j - 1] - expected.users[j] - expected.in_progress[j]);
      ASSERT_EQ(step.median_seconds.has_value(), !expected.seconds[j].empty());
      if (step.median_seconds) {
        EXPECT_DOUBLE_EQ(*step.median_seconds, SortedQuantile(expected.seconds[j], 0.5))
            << "trial " << trial << " step " << j;
        EXPECT_DOUBLE_EQ(*step.p90_seconds, SortedQuantile(expected.seconds[j], 0.9));
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

// Runs a one-user funnel and returns the number of users per step.
std::vector<uint64_t> Users(const std::vector<Row>& rows, FunnelOrder order,
                            int64_t window_us = 24 * kHour,
                            std::vector<std::string> steps = {"a", "b"}) {
  store::EventFrame frame = BuildFrame(rows);
  auto result = ComputeFunnel(frame, {.steps = steps, .window_us = window_us, .order = order});
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  std::vector<uint64_t> users;
  for (const FunnelStep& step : result->groups[0].steps) users.push_back(step.users);
  return users;
}

TEST(FunnelTest, OrderModes) {
  std::vector<Row> gap = {{"u", 0, "a"}, {"u", kHour, "x"}, {"u", 2 * kHour, "b"}};
  EXPECT_EQ(Users(gap, FunnelOrder::kOrdered), (std::vector<uint64_t>{1, 1}));
  EXPECT_EQ(Users(gap, FunnelOrder::kStrict), (std::vector<uint64_t>{1, 0}));
  std::vector<Row> reversed = {{"u", 0, "b"}, {"u", kHour, "a"}};
  EXPECT_EQ(Users(reversed, FunnelOrder::kOrdered), (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(Users(reversed, FunnelOrder::kAny), (std::vector<uint64_t>{1, 1}));
}

TEST(FunnelTest, SameInstantEventsHaveNoOrder) {
  // "b" sorts before "a"'s successor name order in the frame; at one instant either order works.
  std::vector<Row> tie = {{"u", kHour, "b"}, {"u", kHour, "a"}, {"u", kHour, "x"}};
  EXPECT_EQ(Users(tie, FunnelOrder::kOrdered, kHour, {"b", "a"}), (std::vector<uint64_t>{1, 1}));
  EXPECT_EQ(Users(tie, FunnelOrder::kOrdered, kHour, {"a", "b"}), (std::vector<uint64_t>{1, 1}));
  // A same-instant non-step event does not break a strict chain.
  EXPECT_EQ(Users(tie, FunnelOrder::kStrict, kHour, {"a", "b"}), (std::vector<uint64_t>{1, 1}));
}

TEST(FunnelTest, WindowEndIsInclusive) {
  std::vector<Row> at_end = {{"u", 0, "a"}, {"u", 24 * kHour, "b"}};
  EXPECT_EQ(Users(at_end, FunnelOrder::kOrdered), (std::vector<uint64_t>{1, 1}));
  std::vector<Row> past_end = {{"u", 0, "a"}, {"u", 24 * kHour + 1, "b"}};
  EXPECT_EQ(Users(past_end, FunnelOrder::kOrdered), (std::vector<uint64_t>{1, 0}));
}

TEST(FunnelTest, OpenWindowsAreInProgressNotDropped) {
  // u1 entered long ago and dropped; u2 entered an hour before the end of data; u3 converted.
  std::vector<Row> rows = {{"u1", 0, "a"},          {"u2", 99 * kHour, "a"},
                           {"u3", 10 * kHour, "a"}, {"u3", 12 * kHour, "b"},
                           {"u3", 100 * kHour, "x"}};
  store::EventFrame frame = BuildFrame(rows);
  auto result = ComputeFunnel(frame, {.steps = {"a", "b"}, .window_us = 24 * kHour});
  ASSERT_TRUE(result.ok());
  const FunnelTable& table = result->groups[0];
  EXPECT_EQ(table.in_progress, 1u);
  EXPECT_EQ(table.steps[1].users, 1u);
  EXPECT_EQ(table.steps[1].dropped, 1u);
  EXPECT_EQ(table.steps[1].in_progress, 1u);
  EXPECT_DOUBLE_EQ(*table.steps[1].conversion_from_previous, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*table.steps[1].median_seconds, 7200.0);
  EXPECT_FALSE(table.steps[0].median_seconds.has_value());
}

TEST(FunnelTest, BadInputGivesClearErrors) {
  store::EventFrame frame = BuildFrame({{"u", 0, "a"}, {"u", 1, "b"}});
  EXPECT_EQ(ComputeFunnel(frame, {.steps = {"a"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFunnel(frame, {.steps = {"a", "a"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFunnel(frame, {.steps = {"a", "b"}, .window_us = 0}).status().code(),
            StatusCode::kInvalidArgument);
  auto unknown = ComputeFunnel(frame, {.steps = {"a", "zzz"}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("known: a, b"), std::string::npos);
  EXPECT_EQ(ComputeFunnel(BuildFrame({}), {.steps = {"a", "b"}}).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace fw::analytics
