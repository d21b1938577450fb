// SPDX-License-Identifier: Apache-2.0
//
// metrics.cc: runs the generated metric SQL and assembles the same result structs the
// EventFrame kernels return, so the CLI prints both backends through one code path. Rates and
// averages are formed here from exact integer counts with the kernels' arithmetic, which is why
// they agree with the embedded path to the last bit.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "flywheel/clickhouse/backend.h"
#include "flywheel/clickhouse/metric_sql.h"
#include "flywheel/core/time.h"

namespace fw::clickhouse {
namespace {

int64_t ToInt(const std::string& text) { return std::strtoll(text.c_str(), nullptr, 10); }

// "[1,-2,3]" (ClickHouse's TSV text of an Array(Int64)) as numbers.
std::vector<int64_t> ParseIntArray(const std::string& text) {
  std::vector<int64_t> out;
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return out;
  const char* p = text.c_str() + 1;
  const char* end = text.c_str() + text.size() - 1;
  while (p < end) {
    char* next = nullptr;
    out.push_back(std::strtoll(p, &next, 10));
    if (next == p) return {};
    p = next + (next < end && *next == ',' ? 1 : 0);
  }
  return out;
}

// analytics::Quantile over values whose order statistics low/high ClickHouse picked.
double Interpolate(int64_t n, double q, int64_t low_us, int64_t high_us) {
  const double h = q * static_cast<double>(n - 1);
  const double lo = std::floor(h);
  const double low = static_cast<double>(low_us) / kMicrosPerSecond;
  if (static_cast<int64_t>(lo) + 1 >= n) return low;
  const double high = static_cast<double>(high_us) / kMicrosPerSecond;
  return low + (h - lo) * (high - low);
}

}  // namespace

Result<std::vector<std::vector<std::string>>> Backend::QueryGrouped(const std::string& sql,
                                                                    const Breakdown& by) {
  if (by.kind != BreakdownKind::kTable) return QueryPerUser(sql);
  const ExternalTable labels = BreakdownLabelTable(by);
  std::vector<std::string> settings = {"skip_unavailable_shards=0"};
  for (std::string& setting : PerUserSettings()) settings.push_back(std::move(setting));
  std::string body;
  FW_RETURN_IF_ERROR(client_.QueryStream(
      sql, settings,
      [&](std::string_view piece) {
        body.append(piece);
        return OkStatus();
      },
      &labels));
  return ParseTsv(body);
}

Result<analytics::RetentionResult> Backend::Retention(
    const analytics::RetentionDefinition& definition, const Breakdown& by) {
  FW_RETURN_IF_ERROR(definition.Validate());
  FW_RETURN_IF_ERROR(LoadExtent());
  std::vector<std::string> needed;
  if (!definition.start_event.empty()) needed.push_back(definition.start_event);
  if (!definition.return_event.empty()) needed.push_back(definition.return_event);
  FW_RETURN_IF_ERROR(CheckEventsExist(needed));
  FW_ASSIGN_OR_RETURN(auto rows,
                      QueryGrouped(RetentionSql(definition, Table("events_by_user"), by), by));

  const auto num_offsets = static_cast<size_t>(definition.num_periods);
  analytics::RetentionResult result;
  result.data_end_us = definition.as_of_us.value_or(max_time_us_);
  std::map<std::string, analytics::RetentionTable> tables;  // label order, as the kernel's
  if (by.kind == BreakdownKind::kNone) tables["all"];
  for (const auto& row : rows) {  // ordered by group, cohort, then w (-1 = size first)
    if (row.size() != 4) return Internal("unexpected row in the retention answer");
    analytics::RetentionTable& table = tables[row[0]];
    const int64_t cohort = ToInt(row[1]);
    const int64_t w = ToInt(row[2]);
    if (w == -2) continue;  // a group whose users did not start: no cohort
    if (table.cohorts.empty() || table.cohorts.back().period_index != cohort) {
      analytics::RetentionCohort entry;
      entry.period_index = cohort;
      entry.start_day = analytics::PeriodStartDay(cohort, definition.period);
      entry.retained.assign(num_offsets, 0);
      table.cohorts.push_back(std::move(entry));
    }
    const auto count = static_cast<uint64_t>(ToInt(row[3]));
    if (w < 0) {
      table.cohorts.back().size = count;
    } else if (static_cast<size_t>(w) < num_offsets) {
      table.cohorts.back().retained[static_cast<size_t>(w)] = count;
    }
  }
  for (auto& [label, table] : tables) {
    table.group = label;
    // docs/metrics.md rules 6 and 8: the kernel's own function.
    analytics::FinishRetentionTable(table, definition.period, result.data_end_us, num_offsets);
    result.groups.push_back(std::move(table));
  }
  return result;
}

Result<analytics::FunnelResult> Backend::Funnel(const analytics::FunnelDefinition& definition,
                                                const Breakdown& by) {
  FW_RETURN_IF_ERROR(definition.Validate());
  FW_RETURN_IF_ERROR(LoadExtent());
  FW_RETURN_IF_ERROR(CheckEventsExist(definition.steps));
  const int64_t data_end_us = definition.as_of_us.value_or(max_time_us_);
  FW_ASSIGN_OR_RETURN(
      auto rows,
      QueryGrouped(FunnelSql(definition, data_end_us, Table("events_by_user"), by), by));
  const size_t k = definition.steps.size();
  // Per group, the answer rows of steps 1..k: users, open, n, q50 lo/hi, q90 lo/hi (j, µs).
  std::map<std::string, std::vector<std::vector<int64_t>>> groups;
  if (by.kind == BreakdownKind::kNone) groups["all"];
  for (const auto& row : rows) {  // group, j, users, open, [n, q50 lo, hi, q90 lo, hi]
    const int64_t j = row.size() == 5 ? ToInt(row[1]) : 0;
    if (j < 1 || static_cast<size_t>(j) > k) return Internal("unexpected row in the funnel answer");
    auto& steps = groups[row[0]];
    steps.resize(k, std::vector<int64_t>(7, 0));
    std::vector<int64_t>& out = steps[static_cast<size_t>(j - 1)];
    out[0] = ToInt(row[2]);
    out[1] = ToInt(row[3]);
    const std::vector<int64_t> stats = ParseIntArray(row[4]);
    if (stats.size() != 5) return Internal("unexpected quantiles in the funnel answer: " + row[4]);
    std::copy(stats.begin(), stats.end(), out.begin() + 2);
  }
  analytics::FunnelResult result;
  result.data_end_us = data_end_us;
  for (auto& [label, steps] : groups) {
    steps.resize(k, std::vector<int64_t>(7, 0));  // a group without entrants has no rows
    analytics::FunnelTable table;
    table.group = label;
    for (size_t j = 0; j < k; ++j) {
      const std::vector<int64_t>& row = steps[j];
      analytics::FunnelStep step;
      step.event = definition.steps[j];
      step.users = static_cast<uint64_t>(row[0]);
      table.in_progress += static_cast<uint64_t>(row[1]);
      table.steps.push_back(std::move(step));
      analytics::DeriveStepConversions(table.steps, j);
      analytics::FunnelStep& added = table.steps.back();
      if (j > 0) {
        const uint64_t previous_users = table.steps[j - 1].users;
        // Users who stopped at step j-1 with an open window are in progress, not dropped.
        added.in_progress = static_cast<uint64_t>(steps[j - 1][1]);
        added.dropped = previous_users - added.users - added.in_progress;
        const int64_t n = row[2];
        if (n > 0) {
          added.median_seconds = Interpolate(n, 0.5, row[3], row[4]);
          added.p90_seconds = Interpolate(n, 0.9, row[5], row[6]);
        }
      }
    }
    result.groups.push_back(std::move(table));
  }
  return result;
}

Result<std::vector<analytics::LifecycleTable>> Backend::Lifecycle(
    const analytics::LifecycleDefinition& definition, const Breakdown& by) {
  FW_RETURN_IF_ERROR(LoadExtent());
  if (!definition.event.empty()) FW_RETURN_IF_ERROR(CheckEventsExist({definition.event}));
  const int64_t first = analytics::PeriodOfMicros(min_time_us_, definition.period);
  const int64_t last = analytics::PeriodOfMicros(max_time_us_, definition.period);
  FW_ASSIGN_OR_RETURN(
      auto rows, QueryGrouped(LifecycleSql(definition, last, Table("events_by_user"), by), by));
  const int64_t data_end_us = definition.as_of_us.value_or(max_time_us_);
  // Every group spans the data's periods, as in the kernel.
  analytics::LifecycleTable empty;
  for (int64_t p = first; p <= last; ++p) {
    analytics::LifecyclePeriod row;
    row.period_index = p;
    row.start_day = analytics::PeriodStartDay(p, definition.period);
    row.incomplete = !analytics::PeriodComplete(p, definition.period, data_end_us);
    empty.periods.push_back(row);
  }
  std::map<std::string, analytics::LifecycleTable> tables;
  if (by.kind == BreakdownKind::kNone) tables.emplace("all", empty);
  for (const auto& row : rows) {
    if (row.size() != 3) return Internal("unexpected row in the lifecycle answer");
    analytics::LifecycleTable& table = tables.try_emplace(row[0], empty).first->second;
    const int64_t code = ToInt(row[1]);
    if (code == kLifecycleMarker) continue;
    const int64_t period = code >= 0 ? code / 4 : -((-code + 3) / 4);
    const int64_t kind = code - period * 4;
    if (period < first || period > last) continue;
    auto& cell = table.periods[static_cast<size_t>(period - first)];
    const auto count = static_cast<uint64_t>(ToInt(row[2]));
    uint64_t* fields[4] = {&cell.new_users, &cell.returning, &cell.resurrecting, &cell.dormant};
    *fields[kind] += count;
  }
  std::vector<analytics::LifecycleTable> out;
  for (auto& [label, table] : tables) {
    table.group = label;
    out.push_back(std::move(table));
  }
  return out;
}

Result<analytics::AcquisitionResult> Backend::Acquisition(
    const analytics::AcquisitionDefinition& definition,
    const std::vector<analytics::SpendRow>& spend) {
  FW_RETURN_IF_ERROR(definition.Validate());
  FW_RETURN_IF_ERROR(LoadExtent());
  FW_RETURN_IF_ERROR(CheckEventsExist({definition.purchase_event}));
  FW_ASSIGN_OR_RETURN(auto users,
                      QueryPerUser(AcquisitionUsersSql(definition, Table("events_by_user"))));
  FW_ASSIGN_OR_RETURN(auto credits, QueryPerUser(AttributionSql(definition, Table("events_by_user"))));
  // From here on, the kernel's assembly (src/analytics/acquisition.cc), over exact counts.
  const analytics::Period period = definition.period;
  std::map<std::string, analytics::ChannelAcquisition> by_name;
  std::map<std::pair<int64_t, std::string>, analytics::AcquisitionCell> cells;
  for (const auto& row : users) {  // label, period, new users, customers, revenue
    if (row.size() != 5) return Internal("unexpected row in the acquisition answer");
    analytics::ChannelAcquisition& ch = by_name[row[0]];
    const auto new_users = static_cast<uint64_t>(ToInt(row[2]));
    ch.new_users += new_users;
    ch.customers += static_cast<uint64_t>(ToInt(row[3]));
    ch.revenue += std::strtod(row[4].c_str(), nullptr);
    if (new_users > 0) cells[{ToInt(row[1]), row[0]}].new_users += new_users;
  }
  analytics::AcquisitionResult result;
  int64_t total_conversion_units = 0, total_revenue_units = 0;
  for (const auto& row : credits) {  // channel, conversion units, revenue units
    if (row.size() != 3) return Internal("unexpected row in the attribution answer");
    const int64_t conv = ToInt(row[1]), rev = ToInt(row[2]);
    total_conversion_units += conv;
    total_revenue_units += rev;
    if (conv == 0 && rev == 0) continue;
    analytics::ChannelAcquisition& ch = by_name[row[0]];
    ch.attributed_conversions = static_cast<double>(conv) / 1e9;
    ch.attributed_revenue = static_cast<double>(rev) / 1e6;
  }
  result.total_conversions = static_cast<uint64_t>(total_conversion_units / 1000000000);
  result.total_revenue = static_cast<double>(total_revenue_units) / 1e6;
  for (const analytics::SpendRow& row : spend) {
    analytics::ChannelAcquisition& ch = by_name[row.channel];
    ch.spend += row.spend;
    ch.has_spend_rows = true;
    cells[{analytics::PeriodOfDay(row.day, period), row.channel}].spend += row.spend;
  }
  for (auto& [name, ch] : by_name) {
    ch.channel = name;
    analytics::DeriveChannelRates(ch);
    result.channels.push_back(ch);
  }
  for (auto& [key, cell] : cells) {
    cell.period_index = key.first;
    cell.start_day = analytics::PeriodStartDay(key.first, period);
    cell.channel = key.second;
    result.cells.push_back(cell);
  }
  return result;
}

}  // namespace fw::clickhouse
