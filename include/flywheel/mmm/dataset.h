// SPDX-License-Identifier: Apache-2.0
//
// dataset.h: the validated input of a marketing-mix model: one row per period (day or week),
// the outcome, the spend of each paid channel and optional control columns.
//
// Validation happens once, here, so the fit can assume a regular, complete, finite series:
// dates strictly increasing by one fixed step (1 or 7 days), no missing period, no negative
// spend, numeric cells only, a target that varies. Every error names the file, line, column
// and value.
//
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flywheel/core/result.h"
#include "flywheel/core/text_table.h"

namespace fw::mmm {

struct MmmData {
  std::vector<int64_t> days;                 // period start, days since 1970-01-01, increasing
  int64_t period_days = 7;                   // 7 (weekly) or 1 (daily)
  std::vector<double> target;                // the outcome per period
  std::vector<std::string> channel_names;    // paid media, in column order
  std::vector<std::vector<double>> spend;    // spend[channel][period] >= 0
  std::vector<std::string> control_names;    // context variables (events, competitors, ...)
  std::vector<std::vector<double>> controls; // controls[control][period]

  size_t num_periods() const { return target.size(); }
  size_t num_channels() const { return channel_names.size(); }
};

// Which columns of a table make the data set.
struct MmmColumns {
  std::string date_col = "date";          // ISO date of each period's start
  std::string target_col;                 // required
  std::vector<std::string> channel_cols;  // required, at least one
  std::vector<std::string> control_cols;  // optional; a text column becomes one-hot dummies
};

// Builds and validates the data set from `table`. A control column whose cells are not all
// numeric (Robyn's "events" column: "" / "event1" / "event2") is one-hot encoded as
// "<col>=<value>" dummies for each non-empty value.
//
// Errors (kInvalidArgument unless noted; each names file, line, column and value):
// - kNotFound for a missing column;
// - an unparsable or non-increasing date, or a gap (a missing period) in the series;
// - a non-numeric or negative spend cell, a non-numeric target cell;
// - fewer than 3 periods per parameter-free check, or a constant target (kFailedPrecondition).
Result<MmmData> LoadMmmData(const TextTable& table, const MmmColumns& columns);

// Splits "a,b,c" into trimmed non-empty names.
std::vector<std::string> SplitNames(const std::string& text);

}  // namespace fw::mmm
