// SPDX-License-Identifier: Apache-2.0
//
// frame_merge_bench.cc: times a full LoadEventFrame of a workspace against MergeEvents of a
// 100- and a 10,000-event delta into that frame (what `flywheel serve` now does per update).
// Not a test: `fw_frame_merge_bench WORKSPACE.db [REPEATS]`. docs/server.md has figures.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "flywheel/store/event_frame_merge.h"
#include "flywheel/store/workspace.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// `n` events near the end of the data: most from existing users, a tenth from new users, and
// with `new_names` a few with a new event name and channel sorting first (so every code of
// the base is renumbered: the merge's worst case).
std::vector<fw::store::NewEvent> Delta(const fw::store::EventFrame& f, size_t n, uint64_t seed,
                                       bool new_names) {
  std::mt19937_64 rng(seed);
  std::vector<fw::store::NewEvent> out;
  for (size_t i = 0; i < n; ++i) {
    fw::store::NewEvent e;
    e.user_id = rng() % 10 == 0 || f.num_users() == 0 ? "new_user_" + std::to_string(rng())
                                                      : f.user_ids[rng() % f.num_users()];
    e.time_us = f.max_time_us - static_cast<int64_t>(rng() % 3'600'000'000ULL);
    e.event = new_names && rng() % 50 == 0 ? "aaa_new_event" : f.events.Value(rng() % f.events.size());
    e.channel = new_names && rng() % 50 == 0 ? "aaa_new_channel" : f.channels.Value(rng() % f.channels.size());
    e.revenue = rng() % 20 == 0 ? 9.5 : 0.0;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s WORKSPACE.db [REPEATS]\n", argv[0]);
    return 2;
  }
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  auto ws = fw::store::Workspace::Open(argv[1]);
  if (!ws.ok()) {
    std::fprintf(stderr, "%s\n", ws.status().ToString().c_str());
    return 1;
  }
  fw::store::EventFrame frame;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto loaded = (*ws)->LoadEventFrame(fw::store::Workspace::FrameCache::kBypass);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      return 1;
    }
    std::printf("full load: %zu events, %zu users: %.3f s\n", loaded->num_events(),
                loaded->num_users(), Seconds(t0));
    frame = std::move(*loaded);
  }
  for (const bool new_names : {false, true}) {
   for (size_t n : {size_t{100}, size_t{10'000}}) {
    const auto delta = Delta(frame, n, n, new_names);
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const fw::store::EventFrame merged = fw::store::MergeEvents(frame, delta);
      const double s = Seconds(t0);
      std::printf("merge %zu events (%s) -> %zu events, %zu users: %.3f s\n", n,
                  new_names ? "new names sorting first" : "known names", merged.num_events(),
                  merged.num_users(), s);
    }
   }
  }
  return 0;
}
