// SPDX-License-Identifier: Apache-2.0
//
// retention.cc: the retention kernel. One forward pass per user from the start event; counts
// are integers, so chunk sums are the same whatever the chunking or thread count.
#include "flywheel/analytics/retention.h"

#include <algorithm>

#include "flywheel/core/time.h"
#include "user_chunks.h"

namespace fw::analytics {
namespace {

// Dense counters for one chunk: [group][cohort - first_cohort][0 = size, 1 + w = retained].
struct RetentionCounts {
  std::vector<uint64_t> cells;
};

// Tracks the period of a time-ordered stream without a civil-date conversion per event: the
// period only changes when a time crosses the next boundary.
class PeriodCursor {
 public:
  explicit PeriodCursor(Period period) : period_(period) {}
  int64_t Of(int64_t time_us) {
    if (time_us >= next_start_us_ || time_us < start_us_) {
      index_ = PeriodOfMicros(time_us, period_);
      start_us_ = PeriodStartMicros(index_, period_);
      next_start_us_ = PeriodStartMicros(index_ + 1, period_);
    }
    return index_;
  }

 private:
  Period period_;
  int64_t index_ = 0;
  int64_t start_us_ = 1;
  int64_t next_start_us_ = 0;  // start > next: the first call always recomputes
};

}  // namespace

Result<RetentionMode> ParseRetentionMode(std::string_view text) {
  if (text == "recurring") return RetentionMode::kRecurring;
  if (text == "first-time" || text == "first_time") return RetentionMode::kFirstTime;
  if (text == "unbounded") return RetentionMode::kUnbounded;
  return InvalidArgument("retention mode '" + std::string(text) +
                         "' is not one of recurring, first-time, unbounded");
}

std::string_view RetentionModeName(RetentionMode mode) {
  switch (mode) {
    case RetentionMode::kRecurring: return "recurring";
    case RetentionMode::kFirstTime: return "first-time";
    case RetentionMode::kUnbounded: return "unbounded";
  }
  return "recurring";
}

Status RetentionDefinition::Validate() const {
  if (num_periods < 1 || num_periods > 1000) {
    return InvalidArgument("--periods " + std::to_string(num_periods) +
                           " is outside [1, 1000]");
  }
  if (min_occurrences < 1) {
    return InvalidArgument("--min-occurrences " + std::to_string(min_occurrences) +
                           " must be at least 1");
  }
  return OkStatus();
}

void FinishRetentionTable(RetentionTable& table, Period period, int64_t data_end_us,
                          size_t num_offsets) {
  std::vector<uint64_t> complete_retained(num_offsets, 0);
  std::vector<uint64_t> complete_size(num_offsets, 0);
  for (RetentionCohort& cohort : table.cohorts) {
    cohort.incomplete.clear();
    for (size_t w = 0; w < num_offsets; ++w) {
      const bool complete =
          PeriodComplete(cohort.period_index + static_cast<int64_t>(w), period, data_end_us);
      cohort.incomplete.push_back(!complete);
      if (complete) {
        complete_retained[w] += cohort.retained[w];
        complete_size[w] += cohort.size;
      }
    }
  }
  table.average.clear();
  for (size_t w = 0; w < num_offsets; ++w) {
    table.average.push_back(complete_size[w] == 0
                                ? std::nullopt
                                : std::optional<double>(static_cast<double>(complete_retained[w]) /
                                                        static_cast<double>(complete_size[w])));
  }
}

Result<RetentionResult> ComputeRetention(const store::EventFrame& frame,
                                         const RetentionDefinition& definition,
                                         const UserGroups& groups, ThreadPool* pool) {
  FW_RETURN_IF_ERROR(definition.Validate());
  if (frame.num_events() == 0) {
    return FailedPrecondition("the events table is empty: ingest events first");
  }
  FW_RETURN_IF_ERROR(groups.Validate(frame.num_users()));
  std::optional<uint32_t> start_code;
  std::optional<uint32_t> return_code;
  if (!definition.start_event.empty()) {
    FW_ASSIGN_OR_RETURN(start_code, FindEventCode(frame, definition.start_event));
  }
  if (!definition.return_event.empty()) {
    FW_ASSIGN_OR_RETURN(return_code, FindEventCode(frame, definition.return_event));
  }

  const Period period = definition.period;
  const auto num_offsets = static_cast<size_t>(definition.num_periods);
  const auto min_count = static_cast<uint64_t>(definition.min_occurrences);
  const int64_t first_cohort = PeriodOfMicros(frame.min_time_us, period);
  const auto num_cohorts =
      static_cast<size_t>(PeriodOfMicros(frame.max_time_us, period) - first_cohort + 1);
  const size_t num_groups = groups.num_groups();
  const size_t row_width = num_offsets + 1;
  const size_t num_cells = num_groups * num_cohorts * row_width;

  auto count_users = [&](size_t user_begin, size_t user_end, RetentionCounts& counts) {
    counts.cells.assign(num_cells, 0);
    PeriodCursor cursor(period);
    for (size_t u = user_begin; u < user_end; ++u) {
      const size_t begin = frame.UserBegin(u);
      const size_t end = frame.UserEnd(u);
      size_t start = begin;
      if (start_code) {
        while (start < end && frame.event[start] != *start_code) ++start;
        if (start == end) continue;  // never did the start event: in no cohort
      }
      const int64_t start_us = frame.time_us[start];
      // Same-instant events stored before the start row count too (no order within an instant).
      while (start > begin && frame.time_us[start - 1] == start_us) --start;
      const int64_t cohort = cursor.Of(start_us);
      uint64_t* row = &counts.cells[(groups.GroupOf(u) * num_cohorts +
                                     static_cast<size_t>(cohort - first_cohort)) *
                                    row_width];
      ++row[0];
      int64_t current_offset = -1;
      uint64_t current_count = 0;
      int64_t last_qualifying = -1;
      for (size_t r = start; r < end; ++r) {
        if (return_code && frame.event[r] != *return_code) continue;
        const int64_t offset = cursor.Of(frame.time_us[r]) - cohort;
        if (offset != current_offset) {
          if (definition.mode == RetentionMode::kRecurring &&
              offset >= static_cast<int64_t>(num_offsets)) {
            break;  // later offsets are off the table
          }
          current_offset = offset;
          current_count = 0;
        }
        if (++current_count != min_count) continue;
        // `offset` qualifies now (exactly once per offset).
        if (definition.mode == RetentionMode::kUnbounded) {
          last_qualifying = offset;
          continue;
        }
        if (offset < static_cast<int64_t>(num_offsets)) ++row[1 + offset];
        if (definition.mode == RetentionMode::kFirstTime) break;
      }
      if (definition.mode == RetentionMode::kUnbounded && last_qualifying >= 0) {
        const auto last = std::min<size_t>(static_cast<size_t>(last_qualifying), num_offsets - 1);
        for (size_t w = 0; w <= last; ++w) ++row[1 + w];
      }
    }
  };
  std::vector<RetentionCounts> chunk_counts = RunUserChunks<RetentionCounts>(
      frame.num_users(), pool, count_users);
  std::vector<uint64_t> cells(num_cells, 0);
  for (const RetentionCounts& chunk : chunk_counts) {
    for (size_t i = 0; i < num_cells; ++i) cells[i] += chunk.cells[i];
  }

  RetentionResult result;
  result.data_end_us = definition.as_of_us.value_or(frame.max_time_us);
  for (size_t g = 0; g < num_groups; ++g) {
    RetentionTable table;
    table.group = groups.group_of_user.empty() ? "all" : groups.names[g];
    for (size_t c = 0; c < num_cohorts; ++c) {
      const uint64_t* row = &cells[(g * num_cohorts + c) * row_width];
      if (row[0] == 0) continue;
      RetentionCohort cohort;
      cohort.period_index = first_cohort + static_cast<int64_t>(c);
      cohort.start_day = PeriodStartDay(cohort.period_index, period);
      cohort.size = row[0];
      cohort.retained.assign(row + 1, row + row_width);
      table.cohorts.push_back(std::move(cohort));
    }
    FinishRetentionTable(table, period, result.data_end_us, num_offsets);
    result.groups.push_back(std::move(table));
  }
  return result;
}

}  // namespace fw::analytics
