// SPDX-License-Identifier: Apache-2.0
//
// metric_sql.cc: the SQL generators. Every expression mirrors a rule of docs/metrics.md; the
// comments name the rule.
#include "flywheel/clickhouse/metric_sql.h"

#include <cstdio>

#include "flywheel/analytics/breakdown.h"
#include "flywheel/core/time.h"

#include "flywheel/clickhouse/client.h"

namespace fw::clickhouse {
namespace {

// Floor division for Int64 SQL (intDiv truncates towards zero).
std::string FloorDivSql(const std::string& a, const std::string& b) {
  return "(intDiv(" + a + ", " + b + ") - ((" + a + ") % " + b + " < 0))";
}

// A double as a SQL literal that parses back to the same double.
std::string DoubleSql(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return std::string("toFloat64(") + buf + ")";
}

// std::llround of a Float64 SQL expression `x` (halves away from zero), exactly: x - floor(x)
// is exact, unlike floor(x + 0.5).
std::string LlroundSql(const std::string& x) {
  return "toInt64(if((" + x + ") >= 0, floor(" + x + ") + ((" + x + ") - floor(" + x +
         ") >= 0.5), -(floor(-(" + x + ")) + (-(" + x + ") - floor(-(" + x + ")) >= 0.5))))";
}

// WITH items splitting Int64 `total` over the Float64 array `weights` (aligned with the String
// array `channels`) as analytics::DistributeUnits does; the result `<name>` is an array of
// (channel, units) in largest-remainder order. Only the per-channel sums matter, so the units
// are handed out in sorted order instead of being mapped back; no lambda captures an array,
// which would cost O(n^2) per purchase.
std::string DistributeSql(const std::string& weights, const std::string& channels,
                          const std::string& total, const std::string& name) {
  const std::string s = name + "_s", ex = name + "_ex", fl = name + "_fl", def = name + "_def",
                    ord = name + "_ord", n = "toInt64(length(" + weights + "))";
  // The sum runs left to right, as the kernel's loop does (arrayCumSum is a sequential prefix).
  return "arrayCumSum(" + weights + ")[-1] AS " + s + ", arrayMap(x -> toFloat64(" + total +
         ") * x / " + s + ", " + weights + ") AS " + ex + ", arrayMap(x -> floor(x), " + ex +
         ") AS " + fl + ", greatest(toInt64(" + total + ") - toInt64(arraySum(" + fl +
         ")), toInt64(0)) AS " + def +
         // Largest remainder first; ties: the lower index (the kernel's stable sort).
         ", arraySort(arrayMap((e, f, i, c) -> (-(e - f), i, f, c), " + ex + ", " + fl +
         ", arrayEnumerate(" + weights + "), " + channels + ")) AS " + ord +
         ", arrayMap((x, p) -> (tupleElement(x, 4), toInt64(tupleElement(x, 3)) + intDiv(" + def +
         ", " + n + ") + toInt64(p - 1 < " + def + " % " + n + ")), " + ord + ", arrayEnumerate(" +
         ord + ")) AS " + name;
}

}  // namespace

std::string PeriodSql(const std::string& time_sql, analytics::Period period) {
  const std::string day = FloorDivSql(time_sql, "86400000000");
  switch (period) {
    case analytics::Period::kDay: return "toInt64" + day;
    // Week 0 starts on Monday 1969-12-29, day -3 (period.cc).
    case analytics::Period::kWeek: return "toInt64" + FloorDivSql(day + " + 3", "7");
    case analytics::Period::kMonth: {
      const std::string date = "toDateTime(intDiv(" + time_sql + ", 1000000), 'UTC')";
      return "(toInt64(toYear(" + date + ")) * 12 + toInt64(toMonth(" + date + ")) - 1)";
    }
  }
  return day;
}

std::string RetentionSql(const analytics::RetentionDefinition& definition,
                         const std::string& view, const Breakdown& by) {
  const std::string n = std::to_string(definition.num_periods);
  // Rule 1: the start is the first event, or the first start_event.
  const std::string t0 = definition.start_event.empty()
                             ? "ts[1]"
                             : "arrayFirst((t, e) -> e = " +
                                   QuoteString(definition.start_event) + ", ts, ev)";
  // Rule 3: counted return events are at or after the start instant.
  std::string counted = "arrayFilter((t, e) -> t >= t0";
  if (!definition.return_event.empty()) {
    counted += " AND e = " + QuoteString(definition.return_event);
  }
  counted += ", ts, ev)";
  // Rule 4: an offset qualifies with at least K counted events in it.
  const std::string qualifying =
      definition.min_occurrences == 1
          ? "arrayDistinct(offs)"
          : "arrayFilter(o -> countEqual(offs, o) >= " +
                std::to_string(definition.min_occurrences) + ", arrayDistinct(offs))";
  // Rule 5: which offsets count as retained, per mode.
  std::string kept;
  switch (definition.mode) {
    case analytics::RetentionMode::kRecurring:
      kept = "arrayFilter(o -> o < " + n + ", q)";
      break;
    case analytics::RetentionMode::kFirstTime:
      kept = "if(empty(q), emptyArrayInt64(), arrayFilter(o -> o < " + n +
             ", [toInt64(arrayReduce('min', q))]))";
      break;
    case analytics::RetentionMode::kUnbounded:
      kept = std::string("if(empty(q), emptyArrayInt64(), arrayMap(o -> toInt64(o), ") +
             "range(toUInt64(least(arrayReduce('max', q) + 1, " + n + ")))))";
      break;
  }
  std::string rows = "arrayConcat([toInt64(-1)], kept)";
  std::string where;
  if (!definition.start_event.empty()) {
    const std::string started = "has(ev, " + QuoteString(definition.start_event) + ")";
    if (by.kind == BreakdownKind::kNone) {
      where = " WHERE " + started;
    } else {
      // A user without a start is in no cohort, but their label is still a group (the kernel
      // lists every label of every user): one w = -2 row says so.
      rows = "if(" + started + ", " + rows + ", [toInt64(-2)])";
    }
  }
  // The cohort event is the entry event of --by channel.
  return "WITH " + GroupLabelSql(by, definition.start_event) + " AS g, " + t0 + " AS t0, " +
         PeriodSql("t0", definition.period) + " AS cohort, arrayMap(t -> " +
         PeriodSql("t", definition.period) + " - cohort, " + counted + ") AS offs, " +
         qualifying + " AS q, " + kept + " AS kept SELECT g, cohort, arrayJoin(" + rows +
         ") AS w, count() FROM " + view + BreakdownJoinSql(by) + where +
         " GROUP BY g, cohort, w ORDER BY g, cohort, w FORMAT TSV";
}

std::string LifecycleSql(const analytics::LifecycleDefinition& definition, int64_t last_period,
                         const std::string& view, const Breakdown& by) {
  std::string times = definition.event.empty()
                          ? std::string("ts")
                          : "arrayFilter((t, e) -> e = " + QuoteString(definition.event) +
                                ", ts, ev)";
  // A: the user's distinct active periods, ascending.
  const std::string a = "arraySort(arrayDistinct(arrayMap(t -> " +
                        PeriodSql("t", definition.period) + ", " + times + ")))";
  const std::string last = std::to_string(last_period);
  // With a breakdown, every user also yields one marker row, so that a label whose users are
  // never active (--event) is still a group, with zeros, as in the kernel.
  const std::string marker =
      by.kind == BreakdownKind::kNone ? "" : "[toInt64(" + std::to_string(kLifecycleMarker) + ")], ";
  // --by channel: the first event's channel.
  return "WITH " + GroupLabelSql(by, "") + " AS g, " + a + " AS A, "
         "arrayMap(i -> A[i] * 4 + if(i = 1, 0, if(A[i] = A[greatest(i, 2) - 1] + 1, 1, 2)), "
         "arrayEnumerate(A)) AS active_codes, "
         "arrayMap(i -> (A[i] + 1) * 4 + 3, arrayFilter(i -> (i = length(A) OR A[i + 1] != A[i] "
         "+ 1) AND A[i] + 1 <= " + last + ", arrayEnumerate(A))) AS dormant_codes "
         "SELECT g, arrayJoin(arrayConcat(" + marker + "active_codes, dormant_codes)) AS code, "
         "count() FROM " + view + BreakdownJoinSql(by) + " GROUP BY g, code ORDER BY g, code "
         "FORMAT TSV";
}

std::string AcquisitionUsersSql(const analytics::AcquisitionDefinition& definition,
                                const std::string& view) {
  const std::string purchase = QuoteString(definition.purchase_event);
  const std::string window = std::to_string(definition.conversion_window_us);
  // Customer: a purchase in [first event, first event + conversion window].
  return "WITH ts[1] AS t0, " + FirstChannelSql() +
         " AS label, arrayFilter((r, t, e) -> e = " + purchase + " AND t <= t0 + " + window +
         ", rev, ts, ev) AS bought SELECT label, " + PeriodSql("t0", definition.period) +
         " AS p, count(), countIf(notEmpty(bought)), sum(arraySum(bought)) FROM " + view +
         " GROUP BY label, p ORDER BY label, p FORMAT TSV";
}

std::string AttributionSql(const analytics::AcquisitionDefinition& definition,
                           const std::string& view) {
  const std::string purchase = QuoteString(definition.purchase_event);
  const std::string lookback = std::to_string(definition.lookback_us);
  const analytics::AttributionSpec& spec = definition.attribution;
  // Per user, before the join: the touches (events with a channel) as (time, channel) sorted by
  // time, ties by channel name, once; the purchases' times and revenues; and for each purchase
  // the bounds of its lookback window [t - lookback, t] in that sorted list, counted with a
  // sort-merge and a prefix sum (no lambda captures an array). The window is then a contiguous
  // slice, so after the ARRAY JOIN each purchase row carries only its own window's touches.
  // hi: touches at or before t (a touch at the same instant sorts before the purchase marker);
  // lo: touches strictly before t - lookback (the marker sorts before a touch at that instant).
  const std::string touches_all =
      "arraySort(arrayFilter(x -> tupleElement(x, 2) != '', arrayMap((a, b) -> (a, b), ts, "
      "ch)))";
  const std::string touch_times = "arrayMap(x -> tupleElement(x, 1), tk)";
  const std::string purchase_times = "arrayFilter((t, e) -> e = " + purchase + ", ts, ev)";
  auto marker_count = [&](const std::string& shift, const char* touch_kind,
                          const char* marker_kind) {
    const std::string merged = "arraySort(arrayConcat(arrayMap(x -> (x, toUInt8(" +
                               std::string(touch_kind) + ")), tt), arrayMap(x -> (x" + shift +
                               ", toUInt8(" + marker_kind + ")), pt)))";
    return "arrayFilter((c, x) -> tupleElement(x, 2) = " + std::string(marker_kind) +
           ", arrayCumSum(arrayMap(x -> toInt64(tupleElement(x, 2) = " + touch_kind +
           "), " + merged + ")), " + merged + ")";
  };
  std::string with = "WITH " + touches_all + " AS tk, " + touch_times + " AS tt, " +
                     purchase_times + " AS pt, ";
  // 18.16 takes no WITH alias as an ARRAY JOIN argument, hence the identity arrayMap there.
  const std::string join =
      " ARRAY JOIN arrayMap(x -> x, pt) AS p_time, arrayFilter((r, e) -> e = " + purchase +
      ", rev, ev) AS p_rev, arrayMap(x -> x, " + marker_count(" - " + lookback, "1", "0") +
      ") AS w_lo, arrayMap(x -> x, " + marker_count("", "0", "1") + ") AS w_hi";
  with += LlroundSql("p_rev * 1e6") +
          " AS runits, arraySlice(tk, w_lo + 1, w_hi - w_lo) AS touches, length(touches) AS n, ";
  std::string weights;
  switch (spec.model) {
    case analytics::AttributionModel::kFirst:
      weights = "arrayMap(i -> toFloat64(i = 1), arrayEnumerate(touches))";
      break;
    case analytics::AttributionModel::kLast:
      weights = "arrayMap(i -> toFloat64(i = n), arrayEnumerate(touches))";
      break;
    case analytics::AttributionModel::kLinear:
      weights = "arrayMap(i -> toFloat64(1), arrayEnumerate(touches))";
      break;
    case analytics::AttributionModel::kTimeDecay:
      weights = "arrayMap(x -> exp2(-(toFloat64(p_time - tupleElement(x, 1)) / " +
                DoubleSql(spec.half_life_days * static_cast<double>(kMicrosPerDay)) +
                ")), touches)";
      break;
    case analytics::AttributionModel::kPosition:
      weights = "arrayMap(i -> if(n = 1, toFloat64(1), if(i = 1, " + DoubleSql(spec.first_share) +
                ", if(i = n, " + DoubleSql(spec.last_share) + ", " +
                DoubleSql(spec.middle_share) + " / toFloat64(n - 2)))), arrayEnumerate(touches))";
      break;
  }
  with += weights + " AS w, arrayMap(x -> tupleElement(x, 2), touches) AS tch, " +
          DistributeSql("w", "tch", "1000000000", "cu") + ", " +
          DistributeSql("w", "tch", "runits", "ru") + ", ";
  // A purchase without touches goes to "(none)" whole, so credits sum to the totals.
  const std::string none = QuoteString(analytics::kNoChannelLabel);
  with += "arrayJoin(if(n = 0, [(" + none + ", toInt64(1000000000), runits)], arrayConcat("
          "arrayMap(x -> (tupleElement(x, 1), tupleElement(x, 2), toInt64(0)), cu), "
          "arrayMap(x -> (tupleElement(x, 1), toInt64(0), tupleElement(x, 2)), ru)))) AS credit ";
  return with + "SELECT tupleElement(credit, 1) AS channel, sum(tupleElement(credit, 2)), "
                "sum(tupleElement(credit, 3)) FROM " + view + join +
                " GROUP BY channel ORDER BY channel FORMAT TSV";
}

}  // namespace fw::clickhouse
