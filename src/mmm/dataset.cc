// SPDX-License-Identifier: Apache-2.0
//
// dataset.cc: turning a text table into a validated MmmData.
#include "flywheel/mmm/dataset.h"

#include <algorithm>
#include <set>

#include "flywheel/core/time.h"

namespace fw::mmm {
namespace {

std::string Where(const TextTable& table, size_t row, const std::string& col) {
  return table.path + ":" + std::to_string(table.row_lines[row]) + ": column '" + col + "'";
}

// Parses a date column, checks a fixed step of 1 or 7 days and no gaps.
Status ReadDates(const TextTable& table, const std::string& col, MmmData* data) {
  FW_ASSIGN_OR_RETURN(std::vector<std::string> cells, table.StringColumn(col));
  data->days.resize(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    Result<int64_t> day = ParseDate(cells[i]);
    if (!day.ok()) {
      return InvalidArgument(Where(table, i, col) + ": '" + cells[i] +
                             "' is not a date, expected YYYY-MM-DD");
    }
    data->days[i] = *day;
  }
  if (cells.size() < 2) return OkStatus();
  const int64_t step = data->days[1] - data->days[0];
  if (step != 1 && step != 7) {
    return InvalidArgument(Where(table, 1, col) + ": '" + cells[1] + "' follows '" + cells[0] +
                           "' by " + std::to_string(step) +
                           " days, expected 1 (daily) or 7 (weekly) and increasing dates");
  }
  data->period_days = step;
  for (size_t i = 1; i < cells.size(); ++i) {
    const int64_t gap = data->days[i] - data->days[i - 1];
    if (gap == step) continue;
    if (gap > step && gap % step == 0) {
      return InvalidArgument(Where(table, i, col) + ": missing period(s) between '" +
                             cells[i - 1] + "' and '" + cells[i] + "' (" +
                             std::to_string(gap / step - 1) + " missing), expected a row every " +
                             std::to_string(step) + " day(s)");
    }
    return InvalidArgument(Where(table, i, col) + ": '" + cells[i] + "' follows '" +
                           cells[i - 1] + "' by " + std::to_string(gap) +
                           " days, expected increasing dates every " + std::to_string(step) +
                           " day(s)");
  }
  return OkStatus();
}

bool AllNumeric(const std::vector<std::string>& cells) {
  double v = 0.0;
  return std::all_of(cells.begin(), cells.end(),
                     [&](const std::string& c) { return ParseFiniteDouble(c, &v); });
}

}  // namespace

std::vector<std::string> SplitNames(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string name(TrimAscii(std::string_view(text).substr(start, end - start)));
    if (!name.empty()) out.push_back(name);
    start = end + 1;
  }
  return out;
}

Result<MmmData> LoadMmmData(const TextTable& table, const MmmColumns& columns) {
  if (columns.target_col.empty()) return InvalidArgument("no --target column given");
  if (columns.channel_cols.empty()) return InvalidArgument("no --channels given");
  std::set<std::string> seen;
  for (const auto& c : columns.channel_cols) {
    if (!seen.insert(c).second) return InvalidArgument("channel '" + c + "' is listed twice");
  }
  MmmData data;
  FW_RETURN_IF_ERROR(ReadDates(table, columns.date_col, &data));
  FW_ASSIGN_OR_RETURN(data.target, table.NumericColumn(columns.target_col));
  for (const auto& name : columns.channel_cols) {
    FW_ASSIGN_OR_RETURN(std::vector<double> x, table.NumericColumn(name));
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] < 0.0) {
        return InvalidArgument(Where(table, i, name) + ": negative spend " +
                               std::to_string(x[i]) + ", expected >= 0");
      }
    }
    data.channel_names.push_back(name);
    data.spend.push_back(std::move(x));
  }
  for (const auto& name : columns.control_cols) {
    FW_ASSIGN_OR_RETURN(std::vector<std::string> cells, table.StringColumn(name));
    if (AllNumeric(cells)) {
      FW_ASSIGN_OR_RETURN(std::vector<double> x, table.NumericColumn(name));
      data.control_names.push_back(name);
      data.controls.push_back(std::move(x));
      continue;
    }
    // A categorical control: one dummy per non-empty level, in first-seen order.
    std::vector<std::string> levels;
    for (const auto& c : cells) {
      if (!c.empty() && std::find(levels.begin(), levels.end(), c) == levels.end()) {
        levels.push_back(c);
      }
    }
    for (const auto& level : levels) {
      std::vector<double> x(cells.size());
      for (size_t i = 0; i < cells.size(); ++i) x[i] = cells[i] == level ? 1.0 : 0.0;
      data.control_names.push_back(name + "=" + level);
      data.controls.push_back(std::move(x));
    }
  }
  const size_t n = data.num_periods();
  const size_t min_rows = 2 * (data.num_channels() + data.controls.size()) + 8;
  if (n < min_rows) {
    return FailedPrecondition(table.path + ": " + std::to_string(n) + " periods for " +
                              std::to_string(data.num_channels()) + " channels and " +
                              std::to_string(data.controls.size()) + " controls, expected at least " +
                              std::to_string(min_rows));
  }
  const auto [lo, hi] = std::minmax_element(data.target.begin(), data.target.end());
  if (*hi - *lo <= 1e-12 * std::max(1.0, std::abs(*hi))) {
    return FailedPrecondition(table.path + ": target column '" + columns.target_col +
                              "' is constant (" + std::to_string(*lo) +
                              " on every row); nothing to model");
  }
  for (size_t c = 0; c < data.num_channels(); ++c) {
    const auto& x = data.spend[c];
    if (std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0; })) {
      return FailedPrecondition(table.path + ": channel '" + data.channel_names[c] +
                                "' has zero spend in every period; drop it from --channels");
    }
  }
  return data;
}

}  // namespace fw::mmm
