// SPDX-License-Identifier: Apache-2.0
//
// acquisition.cc: first-touch acquisition, CAC/ROAS, and multi-touch attribution.
#include "flywheel/analytics/acquisition.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "flywheel/analytics/breakdown.h"
#include "flywheel/core/time.h"
#include "user_chunks.h"

namespace fw::analytics {
namespace {

constexpr int64_t kConversionUnits = 1'000'000'000;  // credit per purchase, in 1e-9 units
constexpr double kRevenueUnitsPerCurrency = 1e6;     // revenue credited in 1e-6 units

struct ChannelCounts {
  std::vector<uint64_t> new_users, customers;
  std::vector<double> revenue;
  std::vector<int64_t> conversion_units, revenue_units;
  std::vector<uint64_t> period_users;  // [period * num_channels + channel]
  uint64_t conversions = 0;
  int64_t total_revenue_units = 0;
};

struct Touch {
  int64_t time_us;
  uint32_t channel;
};

// "7", "2.5", "33.3333": a parameter as the user would type it back.
std::string Shortest(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

Status BadAttribution(std::string_view text, std::string_view why) {
  return InvalidArgument("--attribution '" + std::string(text) + "': " + std::string(why) +
                         " (expected first, last, linear, time-decay[:DAYS] or position[:F/M/L])");
}

// Weights of touches sorted by time (docs/metrics.md).
void TouchWeights(const AttributionSpec& spec, const std::vector<Touch>& touches,
                  int64_t purchase_us, std::vector<double>& weights) {
  const size_t n = touches.size();
  weights.assign(n, 0);
  switch (spec.model) {
    case AttributionModel::kFirst: weights[0] = 1; break;
    case AttributionModel::kLast: weights[n - 1] = 1; break;
    case AttributionModel::kLinear: std::fill(weights.begin(), weights.end(), 1); break;
    case AttributionModel::kTimeDecay: {
      const double half_life_us = spec.half_life_days * static_cast<double>(kMicrosPerDay);
      for (size_t i = 0; i < n; ++i) {
        weights[i] = std::exp2(-static_cast<double>(purchase_us - touches[i].time_us) / half_life_us);
      }
      break;
    }
    case AttributionModel::kPosition:
      if (n == 1) {
        weights[0] = 1;
      } else if (n == 2) {
        weights[0] = spec.first_share;
        weights[1] = spec.last_share;
      } else {
        weights[0] = spec.first_share;
        weights[n - 1] = spec.last_share;
        for (size_t i = 1; i + 1 < n; ++i) weights[i] = spec.middle_share / static_cast<double>(n - 2);
      }
      break;
  }
}

}  // namespace

Result<AttributionSpec> ParseAttribution(std::string_view text) {
  AttributionSpec spec;
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const std::string_view arg = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (name == "first" || name == "last" || name == "linear") {
    if (!arg.empty()) return BadAttribution(text, "this model takes no parameter");
    spec.model = name == "first" ? AttributionModel::kFirst
                 : name == "last" ? AttributionModel::kLast
                                  : AttributionModel::kLinear;
    return spec;
  }
  if (name == "time-decay") {
    spec.model = AttributionModel::kTimeDecay;
    if (!arg.empty()) {
      std::string days(arg);
      if (!days.empty() && days.back() == 'd') days.pop_back();
      char* end = nullptr;
      spec.half_life_days = std::strtod(days.c_str(), &end);
      if (end == days.c_str() || *end != '\0' || !(spec.half_life_days > 0) ||
          !std::isfinite(spec.half_life_days)) {
        return BadAttribution(text, "the half-life must be a number of days > 0");
      }
    }
    return spec;
  }
  if (name == "position") {
    spec.model = AttributionModel::kPosition;
    if (!arg.empty()) {
      double f = 0, m = 0, l = 0;
      char tail = 0;
      if (std::sscanf(std::string(arg).c_str(), "%lf/%lf/%lf%c", &f, &m, &l, &tail) != 3 ||
          f < 0 || m < 0 || l < 0 || std::abs(f + m + l - 100) > 1e-9 || f + l <= 0) {
        return BadAttribution(text, "shares must be F/M/L percentages >= 0 summing to 100");
      }
      spec.first_share = f / 100;
      spec.middle_share = m / 100;
      spec.last_share = l / 100;
    }
    return spec;
  }
  return BadAttribution(text, "unknown model");
}

std::string AttributionName(const AttributionSpec& spec) {
  switch (spec.model) {
    case AttributionModel::kFirst: return "first";
    case AttributionModel::kLast: return "last";
    case AttributionModel::kLinear: return "linear";
    case AttributionModel::kTimeDecay:
      return "time-decay:" + Shortest(spec.half_life_days) + "d";
    case AttributionModel::kPosition:
      return "position:" + Shortest(spec.first_share * 100) + "/" +
             Shortest(spec.middle_share * 100) + "/" + Shortest(spec.last_share * 100);
  }
  return "last";
}

Status AcquisitionDefinition::Validate() const {
  if (conversion_window_us <= 0) return InvalidArgument("--conversion-window must be > 0");
  if (lookback_us <= 0) return InvalidArgument("--lookback must be > 0");
  return OkStatus();
}

void DeriveChannelRates(ChannelAcquisition& ch) {
  if (ch.new_users > 0) {
    ch.conversion_rate = static_cast<double>(ch.customers) / static_cast<double>(ch.new_users);
  }
  if (!ch.has_spend_rows) {
    ch.cac_null_reason = ch.roas_null_reason = "no spend rows";
  } else if (ch.customers == 0) {
    ch.cac_null_reason = "no customers";
  } else {
    ch.cac = ch.spend / static_cast<double>(ch.customers);
  }
  if (ch.has_spend_rows && ch.spend <= 0) {
    ch.roas_null_reason = "spend is 0";
  } else if (ch.has_spend_rows) {
    ch.roas = ch.revenue / ch.spend;
  }
}

void DistributeUnits(const std::vector<double>& weights, int64_t total_units,
                     std::vector<int64_t>& out) {
  const size_t n = weights.size();
  double sum = 0;
  for (double w : weights) sum += w;
  out.assign(n, 0);
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    const double exact = static_cast<double>(total_units) * weights[i] / sum;
    out[i] = static_cast<int64_t>(std::floor(exact));
    given += out[i];
    remainders.emplace_back(exact - static_cast<double>(out[i]), i);
  }
  // Largest remainders first; the stable sort keeps lower indexes first on ties.
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (size_t k = 0; given < total_units; k = (k + 1) % n, ++given) ++out[remainders[k].second];
}

Result<AcquisitionResult> ComputeAcquisition(const store::EventFrame& frame,
                                             const std::vector<SpendRow>& spend,
                                             const AcquisitionDefinition& definition,
                                             ThreadPool* pool) {
  FW_RETURN_IF_ERROR(definition.Validate());
  if (frame.num_events() == 0) {
    return FailedPrecondition("the events table is empty: ingest events first");
  }
  const std::optional<uint32_t> purchase = frame.events.Find(definition.purchase_event);
  const UserGroups first_touch = GroupByFirstChannel(frame);
  const size_t num_labels = first_touch.names.size();
  const size_t num_codes = frame.channels.size();
  const Period period = definition.period;
  const int64_t first_period = PeriodOfMicros(frame.min_time_us, period);
  const auto num_periods =
      static_cast<size_t>(PeriodOfMicros(frame.max_time_us, period) - first_period + 1);

  auto count = [&](size_t begin, size_t end, ChannelCounts& c) {
    c.new_users.assign(num_labels, 0);
    c.customers.assign(num_labels, 0);
    c.revenue.assign(num_labels, 0);
    c.conversion_units.assign(num_codes, 0);
    c.revenue_units.assign(num_codes, 0);
    c.period_users.assign(num_periods * num_labels, 0);
    std::vector<Touch> touches;
    std::vector<double> weights;
    std::vector<int64_t> units;
    for (size_t u = begin; u < end; ++u) {
      const size_t row_begin = frame.UserBegin(u), row_end = frame.UserEnd(u);
      const uint32_t label = first_touch.GroupOf(u);
      const int64_t t0 = frame.time_us[row_begin];
      ++c.new_users[label];
      ++c.period_users[static_cast<size_t>(PeriodOfMicros(t0, period) - first_period) * num_labels +
                       label];
      if (!purchase) continue;
      bool customer = false;
      size_t lookback_begin = row_begin;
      for (size_t r = row_begin; r < row_end; ++r) {
        if (frame.event[r] != *purchase) continue;
        const int64_t t = frame.time_us[r];
        if (t <= t0 + definition.conversion_window_us) {
          customer = true;
          c.revenue[label] += frame.revenue[r];
        }
        // Touches: events with a channel in [t - lookback, t], same-instant ones included.
        while (frame.time_us[lookback_begin] < t - definition.lookback_us) ++lookback_begin;
        touches.clear();
        for (size_t k = lookback_begin; k < row_end && frame.time_us[k] <= t; ++k) {
          if (frame.channel[k] != store::kNoValueCode) touches.push_back({frame.time_us[k], frame.channel[k]});
        }
        std::sort(touches.begin(), touches.end(), [&](const Touch& x, const Touch& y) {
          if (x.time_us != y.time_us) return x.time_us < y.time_us;
          return frame.channels.Value(x.channel) < frame.channels.Value(y.channel);
        });
        const int64_t revenue_units = std::llround(frame.revenue[r] * kRevenueUnitsPerCurrency);
        ++c.conversions;
        c.total_revenue_units += revenue_units;
        if (touches.empty()) {  // no touch: credited to "(none)" so the totals still add up
          c.conversion_units[store::kNoValueCode] += kConversionUnits;
          c.revenue_units[store::kNoValueCode] += revenue_units;
          continue;
        }
        TouchWeights(definition.attribution, touches, t, weights);
        DistributeUnits(weights, kConversionUnits, units);
        for (size_t i = 0; i < touches.size(); ++i) c.conversion_units[touches[i].channel] += units[i];
        DistributeUnits(weights, revenue_units, units);
        for (size_t i = 0; i < touches.size(); ++i) c.revenue_units[touches[i].channel] += units[i];
      }
      if (customer) ++c.customers[label];
    }
  };
  const auto chunks = RunUserChunks<ChannelCounts>(frame.num_users(), pool, count);

  // Rows keyed by channel name: first-touch labels, credited channels and spend channels.
  std::map<std::string, ChannelAcquisition> by_name;
  std::map<std::pair<int64_t, std::string>, AcquisitionCell> cells;
  AcquisitionResult result;
  int64_t total_revenue_units = 0;
  for (const ChannelCounts& c : chunks) {
    result.total_conversions += c.conversions;
    total_revenue_units += c.total_revenue_units;
    for (size_t l = 0; l < num_labels; ++l) {
      ChannelAcquisition& ch = by_name[first_touch.names[l]];
      ch.new_users += c.new_users[l];
      ch.customers += c.customers[l];
      ch.revenue += c.revenue[l];
      for (size_t p = 0; p < num_periods; ++p) {
        const uint64_t n = c.period_users[p * num_labels + l];
        if (n == 0) continue;
        auto& cell = cells[{first_period + static_cast<int64_t>(p), first_touch.names[l]}];
        cell.new_users += n;
      }
    }
  }
  result.total_revenue = static_cast<double>(total_revenue_units) / kRevenueUnitsPerCurrency;
  for (size_t code = 0; code < num_codes; ++code) {
    int64_t conv = 0, rev = 0;
    for (const ChannelCounts& c : chunks) {
      conv += c.conversion_units[code];
      rev += c.revenue_units[code];
    }
    if (conv == 0 && rev == 0) continue;
    const std::string name =
        code == store::kNoValueCode ? std::string(kNoChannelLabel) : frame.channels.Value(static_cast<uint32_t>(code));
    ChannelAcquisition& ch = by_name[name];
    ch.attributed_conversions = static_cast<double>(conv) / static_cast<double>(kConversionUnits);
    ch.attributed_revenue = static_cast<double>(rev) / kRevenueUnitsPerCurrency;
  }
  for (const SpendRow& row : spend) {
    ChannelAcquisition& ch = by_name[row.channel];
    ch.spend += row.spend;
    ch.has_spend_rows = true;
    cells[{PeriodOfDay(row.day, period), row.channel}].spend += row.spend;
  }
  for (auto& [name, ch] : by_name) {
    ch.channel = name;
    DeriveChannelRates(ch);
    result.channels.push_back(ch);
  }
  for (auto& [key, cell] : cells) {
    cell.period_index = key.first;
    cell.start_day = PeriodStartDay(key.first, period);
    cell.channel = key.second;
    result.cells.push_back(cell);
  }
  return result;
}

}  // namespace fw::analytics
