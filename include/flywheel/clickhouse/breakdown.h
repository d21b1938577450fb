// SPDX-License-Identifier: Apache-2.0
//
// breakdown.h: a --by breakdown as the ClickHouse backend computes it (docs/metrics.md,
// "Breakdowns").
//
// The embedded path labels users in C++ (analytics::UserGroups) and the kernels count per label.
// Here each user's label is an SQL expression evaluated next to the user's events, and the
// metric's own query groups by it, so the label and the metric come from one query per shard.
// Labels that only the embedded workspace knows (segments, experiment variants) travel with the
// query as external data: a table (user_id, label) that every shard receives a copy of.
//
// Thread safety: a plain value.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace fw::clickhouse {

enum class BreakdownKind {
  kNone,          // one group, "all"
  kEntryChannel,  // `channel`: the channel of the metric's entry event (the metric picks it)
  kFirstChannel,  // `first_channel`: the first event carrying a channel; ties: smallest name
  kTable,         // `segment`, `variant`: labels from the embedded workspace
};

struct Breakdown {
  BreakdownKind kind = BreakdownKind::kNone;
  // kTable: (user_id, label) pairs, one per user at most. Users of the events without a pair get
  // `missing_label` ("(none)" for segments, "(not exposed)" for variants).
  std::vector<std::pair<std::string, std::string>> labels;
  std::string missing_label;
};

}  // namespace fw::clickhouse
