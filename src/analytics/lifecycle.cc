// SPDX-License-Identifier: Apache-2.0
//
// lifecycle.cc: lifecycle and stickiness kernels.
#include "flywheel/analytics/lifecycle.h"

#include <algorithm>

#include "flywheel/core/time.h"
#include "user_chunks.h"

namespace fw::analytics {
namespace {

// The distinct periods (ascending) in which user u has an activity event.
void ActivePeriods(const store::EventFrame& frame, size_t u, std::optional<uint32_t> code,
                   Period period, std::vector<int64_t>& out) {
  out.clear();
  int64_t next_start_us = INT64_MIN;  // the current period covers times < next_start_us
  for (size_t r = frame.UserBegin(u); r < frame.UserEnd(u); ++r) {
    if (code && frame.event[r] != *code) continue;
    const int64_t t = frame.time_us[r];
    if (!out.empty() && t < next_start_us) continue;  // same period as the last one
    const int64_t p = PeriodOfMicros(t, period);
    out.push_back(p);
    next_start_us = PeriodStartMicros(p + 1, period);
  }
}

Result<std::optional<uint32_t>> ActivityCode(const store::EventFrame& frame,
                                             const std::string& event) {
  if (frame.num_events() == 0) {
    return FailedPrecondition("the events table is empty: ingest events first");
  }
  if (event.empty()) return std::optional<uint32_t>();
  FW_ASSIGN_OR_RETURN(uint32_t code, FindEventCode(frame, event));
  return std::optional<uint32_t>(code);
}

struct Counts {
  std::vector<uint64_t> cells;
};

}  // namespace

Result<std::vector<LifecycleTable>> ComputeLifecycle(const store::EventFrame& frame,
                                                     const LifecycleDefinition& definition,
                                                     const UserGroups& groups,
                                                     ThreadPool* pool) {
  FW_ASSIGN_OR_RETURN(const auto code, ActivityCode(frame, definition.event));
  FW_RETURN_IF_ERROR(groups.Validate(frame.num_users()));
  const Period period = definition.period;
  const int64_t first = PeriodOfMicros(frame.min_time_us, period);
  const auto num_periods =
      static_cast<size_t>(PeriodOfMicros(frame.max_time_us, period) - first + 1);
  const size_t num_groups = groups.num_groups();
  // cells[(group * num_periods + p) * 4 + kind], kind: new, returning, resurrecting, dormant.
  auto count = [&](size_t begin, size_t end, Counts& counts) {
    counts.cells.assign(num_groups * num_periods * 4, 0);
    std::vector<int64_t> active;
    for (size_t u = begin; u < end; ++u) {
      ActivePeriods(frame, u, code, period, active);
      uint64_t* cells = &counts.cells[groups.GroupOf(u) * num_periods * 4];
      for (size_t i = 0; i < active.size(); ++i) {
        const auto p = static_cast<size_t>(active[i] - first);
        const int kind = i == 0 ? 0 : (active[i] == active[i - 1] + 1 ? 1 : 2);
        ++cells[p * 4 + static_cast<size_t>(kind)];
        const bool next_active = i + 1 < active.size() && active[i + 1] == active[i] + 1;
        if (!next_active && p + 1 < num_periods) ++cells[(p + 1) * 4 + 3];
      }
    }
  };
  const auto chunks = RunUserChunks<Counts>(frame.num_users(), pool, count);
  const int64_t data_end_us = definition.as_of_us.value_or(frame.max_time_us);
  std::vector<LifecycleTable> tables;
  for (size_t g = 0; g < num_groups; ++g) {
    LifecycleTable table;
    table.group = groups.group_of_user.empty() ? "all" : groups.names[g];
    for (size_t p = 0; p < num_periods; ++p) {
      LifecyclePeriod row;
      row.period_index = first + static_cast<int64_t>(p);
      row.start_day = PeriodStartDay(row.period_index, period);
      row.incomplete = !PeriodComplete(row.period_index, period, data_end_us);
      uint64_t* fields[4] = {&row.new_users, &row.returning, &row.resurrecting, &row.dormant};
      for (const Counts& chunk : chunks) {
        for (size_t kind = 0; kind < 4; ++kind) {
          *fields[kind] += chunk.cells[(g * num_periods + p) * 4 + kind];
        }
      }
      table.periods.push_back(row);
    }
    tables.push_back(std::move(table));
  }
  return tables;
}

Result<std::vector<StickinessDay>> ComputeStickiness(const store::EventFrame& frame,
                                                     const std::string& event,
                                                     ThreadPool* pool) {
  FW_ASSIGN_OR_RETURN(const auto code, ActivityCode(frame, event));
  const int64_t first_day = DayOfMicros(frame.min_time_us);
  const auto num_days = static_cast<size_t>(DayOfMicros(frame.max_time_us) - first_day + 1);
  constexpr size_t kWidths[3] = {1, 7, 30};
  // Difference arrays per width: a user active on day a covers days [a, a + width - 1]; merged
  // runs per user so each user adds at most 1 to any day.
  auto count = [&](size_t begin, size_t end, Counts& counts) {
    counts.cells.assign(3 * (num_days + 1), 0);
    std::vector<int64_t> active;
    for (size_t u = begin; u < end; ++u) {
      ActivePeriods(frame, u, code, Period::kDay, active);
      for (size_t w = 0; w < 3; ++w) {
        uint64_t* diff = &counts.cells[w * (num_days + 1)];
        size_t run_begin = 0, run_end = 0;  // [run_begin, run_end) in day offsets
        bool open = false;
        for (int64_t day : active) {
          const auto a = static_cast<size_t>(day - first_day);
          const size_t b = std::min(a + kWidths[w], num_days);
          if (open && a <= run_end) {
            run_end = std::max(run_end, b);
            continue;
          }
          if (open) {
            ++diff[run_begin];
            --diff[run_end];  // unsigned wrap cancels in the prefix sum
          }
          run_begin = a;
          run_end = b;
          open = true;
        }
        if (open) {
          ++diff[run_begin];
          --diff[run_end];
        }
      }
    }
  };
  const auto chunks = RunUserChunks<Counts>(frame.num_users(), pool, count);
  std::vector<StickinessDay> days(num_days);
  uint64_t running[3] = {0, 0, 0};
  for (size_t d = 0; d < num_days; ++d) {
    for (size_t w = 0; w < 3; ++w) {
      for (const Counts& chunk : chunks) running[w] += chunk.cells[w * (num_days + 1) + d];
    }
    StickinessDay& day = days[d];
    day.day = first_day + static_cast<int64_t>(d);
    day.dau = running[0];
    day.wau = running[1];
    day.mau = running[2];
    if (day.mau > 0) day.dau_over_mau = static_cast<double>(day.dau) / static_cast<double>(day.mau);
    day.wau_partial = d + 1 < 7;
    day.mau_partial = d + 1 < 30;
    // docs/metrics.md, "End of data": elapsed when the day's end is at most data_end + 1 us.
    day.incomplete = (day.day + 1) * kMicrosPerDay > frame.max_time_us + 1;
  }
  return days;
}

}  // namespace fw::analytics
