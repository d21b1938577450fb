// SPDX-License-Identifier: Apache-2.0
//
// event_metrics.cc: the one-pass-per-user metric kernel (see event_metrics.h).
#include "flywheel/experiment/event_metrics.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace fw::experiment {
namespace {

// Accumulates one metric over events whose time lies in [lo, hi).
struct Acc {
  double num = 0;
  double den = 0;
};

}  // namespace

MetricType MetricSpec::type() const {
  switch (kind) {
    case MetricKind::kConversion:
    case MetricKind::kRetention:
      return MetricType::kProportion;
    case MetricKind::kRatio:
      return MetricType::kRatio;
    case MetricKind::kCount:
    case MetricKind::kRevenue:
      return MetricType::kMean;
  }
  return MetricType::kMean;
}

Result<MetricSpec> ParseMetricSpec(const std::string& text) {
  MetricSpec spec;
  spec.text = text;
  const size_t colon = text.find(':');
  const std::string head = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  auto bad = [&](const std::string& why) {
    return InvalidArgument("metric '" + text + "': " + why +
                           " (expected conversion:EVENT, count:EVENT, revenue, retention:Nd or "
                           "ratio:NUM/DEN)");
  };
  if (head == "revenue" && arg.empty()) {
    spec.kind = MetricKind::kRevenue;
  } else if (head == "conversion" || head == "count") {
    if (arg.empty()) return bad("missing event name");
    spec.kind = head == "conversion" ? MetricKind::kConversion : MetricKind::kCount;
    spec.event = arg;
  } else if (head == "retention") {
    if (arg.size() < 2 || arg.back() != 'd') return bad("retention needs a day count like 7d");
    char* end = nullptr;
    const std::string days = arg.substr(0, arg.size() - 1);
    const long long n = std::strtoll(days.c_str(), &end, 10);
    if (end != days.c_str() + days.size() || n < 0 || n > 3650) return bad("bad day count");
    spec.kind = MetricKind::kRetention;
    spec.retention_day = n;
  } else if (head == "ratio") {
    const size_t slash = arg.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == arg.size()) {
      return bad("ratio needs NUM/DEN event names");
    }
    spec.kind = MetricKind::kRatio;
    spec.event = arg.substr(0, slash);
    spec.denominator = arg.substr(slash + 1);
  } else {
    return bad("unknown metric kind");
  }
  return spec;
}

Result<std::pair<MetricSpec, int64_t>> ParseCupedSpec(const std::string& text) {
  if (text.rfind("pre:", 0) != 0) {
    return InvalidArgument("CUPED covariate '" + text + "': expected pre:METRIC:DAYS");
  }
  const size_t last = text.rfind(':');
  if (last <= 4) return InvalidArgument("CUPED covariate '" + text + "': expected pre:METRIC:DAYS");
  const std::string days = text.substr(last + 1);
  char* end = nullptr;
  const long long n = std::strtoll(days.c_str(), &end, 10);
  if (days.empty() || end != days.c_str() + days.size() || n <= 0 || n > 3650) {
    return InvalidArgument("CUPED covariate '" + text + "': days '" + days +
                           "' is not a positive whole number");
  }
  FW_ASSIGN_OR_RETURN(MetricSpec spec, ParseMetricSpec(text.substr(4, last - 4)));
  return std::make_pair(spec, static_cast<int64_t>(n));
}

Result<ExposureMetricValues> ComputeExposureMetrics(const EventColumns& columns,
                                                    std::span<const int64_t> frame_user,
                                                    std::span<const int64_t> exposure_us,
                                                    std::span<const ResolvedMetric> metrics,
                                                    int64_t window_us, size_t num_threads) {
  if (frame_user.size() != exposure_us.size()) {
    return InvalidArgument("exposed users and exposure times differ in size");
  }
  if (window_us <= 0) return InvalidArgument("the metric window must be positive");
  if (columns.user_offsets.empty()) return InvalidArgument("event columns have no user offsets");
  const int64_t num_frame_users = static_cast<int64_t>(columns.user_offsets.size()) - 1;
  for (size_t i = 0; i < frame_user.size(); ++i) {
    if (frame_user[i] >= num_frame_users || frame_user[i] < -1) {
      return InvalidArgument("exposed user #" + std::to_string(i) + " has frame row " +
                             std::to_string(frame_user[i]) + ", outside the event log");
    }
  }
  const size_t num_users = frame_user.size();
  const size_t num_metrics = metrics.size();
  ExposureMetricValues out;
  out.values.assign(num_metrics, std::vector<double>(num_users, 0.0));
  out.denominators.resize(num_metrics);
  out.covariates.resize(num_metrics);
  for (size_t m = 0; m < num_metrics; ++m) {
    if (metrics[m].spec.kind == MetricKind::kRatio) out.denominators[m].assign(num_users, 0.0);
    if (metrics[m].cuped_pre_days) out.covariates[m].assign(num_users, 0.0);
  }

  // A compact, branch-light plan per metric (no strings, so it stays in L1): every metric is
  // "count matching events" (or "sum revenue"), either summed or turned into a 0/1 flag, so the
  // inner loop is selects rather than a switch with data-dependent branches. The brute-force
  // reference in event_metrics_test.cc checks it against the definitions in the header.
  struct Side {
    uint32_t code = kAbsentEvent;      // event to count
    uint32_t den_code = kAbsentEvent;  // ratio denominator event
    bool match_all = false;            // retention: any event counts
    bool use_revenue = false;          // revenue: sum revenue
    bool flag = false;                 // conversion/retention: 1 if any
  };
  struct Plan {
    Side post, pre;
    int64_t lo_offset = 0, hi_offset = 0;  // post window relative to t0
    int64_t pre_us = 0;                    // 0 = no covariate
  };
  auto side_of = [](MetricKind kind, uint32_t code, uint32_t den_code) {
    Side side;
    side.code = code;
    side.den_code = kind == MetricKind::kRatio ? den_code : kAbsentEvent;
    side.match_all = kind == MetricKind::kRetention;
    side.use_revenue = kind == MetricKind::kRevenue;
    side.flag = kind == MetricKind::kConversion || kind == MetricKind::kRetention;
    return side;
  };
  std::vector<Plan> plans(num_metrics);
  for (size_t m = 0; m < num_metrics; ++m) {
    const ResolvedMetric& rm = metrics[m];
    Plan& p = plans[m];
    p.post = side_of(rm.spec.kind, rm.event_code, rm.denominator_code);
    p.pre = rm.cuped_spec
                ? side_of(rm.cuped_spec->kind, rm.cuped_event_code, rm.cuped_denominator_code)
                : p.post;
    if (rm.spec.kind == MetricKind::kRetention) {
      p.lo_offset = rm.spec.retention_day * kMicrosPerDay;
      p.hi_offset = p.lo_offset + kMicrosPerDay;
    } else {
      p.lo_offset = 0;
      p.hi_offset = window_us;
    }
    p.pre_us = rm.cuped_pre_days ? *rm.cuped_pre_days * kMicrosPerDay : 0;
  }
  int64_t max_hi = 0, max_pre = 0;
  for (const Plan& p : plans) {
    max_hi = std::max(max_hi, p.hi_offset);
    max_pre = std::max(max_pre, p.pre_us);
  }

  // Adds one event to an accumulator; selects, not branches, on the event code.
  const auto Add = [](const Side& side, uint32_t ev, double rev, Acc& acc) {
    const double hit = (side.match_all || ev == side.code) ? 1.0 : 0.0;
    const double c = side.use_revenue ? rev : hit;
    acc.num = side.flag ? std::max(acc.num, c) : acc.num + c;
    acc.den += ev == side.den_code ? 1.0 : 0.0;
  };
  auto run = [&](size_t begin_user, size_t end_user) {
    std::vector<Acc> post(num_metrics), pre(num_metrics);
    for (size_t i = begin_user; i < end_user; ++i) {
      if (frame_user[i] < 0) continue;
      const int64_t t0 = exposure_us[i];
      std::fill(post.begin(), post.end(), Acc{});
      std::fill(pre.begin(), pre.end(), Acc{});
      const size_t u = static_cast<size_t>(frame_user[i]);
      const int64_t* times = columns.time_us.data();
      const size_t row_begin = columns.user_offsets[u];
      const size_t row_end = columns.user_offsets[u + 1];
      // Rows are time-ordered within the user: jump to the earliest time any metric needs.
      const size_t first = static_cast<size_t>(
          std::lower_bound(times + row_begin, times + row_end, t0 - max_pre) - times);
      const int64_t latest = t0 + max_hi;
      for (size_t row = first; row < row_end; ++row) {
        const int64_t t = times[row];
        if (t >= latest) break;
        const int64_t dt = t - t0;
        const uint32_t ev = columns.event[row];
        const double rev = columns.revenue[row];
        for (size_t m = 0; m < num_metrics; ++m) {
          const Plan& p = plans[m];
          if (dt >= p.lo_offset && dt < p.hi_offset) {
            Add(p.post, ev, rev, post[m]);
          } else if (dt < 0 && dt >= -p.pre_us) {
            Add(p.pre, ev, rev, pre[m]);
          }
        }
      }
      for (size_t m = 0; m < num_metrics; ++m) {
        out.values[m][i] = post[m].num;
        if (!out.denominators[m].empty()) out.denominators[m][i] = post[m].den;
        // A ratio covariate is summarised by its numerator count: CUPED needs one scalar per
        // user.
        if (!out.covariates[m].empty()) out.covariates[m][i] = pre[m].num;
      }
    }
  };
  num_threads = std::max<size_t>(1, std::min(num_threads, num_users / 10000 + 1));
  if (num_threads == 1) {
    run(0, num_users);
  } else {
    std::vector<std::thread> threads;
    const size_t chunk = (num_users + num_threads - 1) / num_threads;
    for (size_t t = 0; t < num_threads; ++t) {
      const size_t b = t * chunk;
      const size_t e = std::min(num_users, b + chunk);
      if (b < e) threads.emplace_back(run, b, e);
    }
    for (auto& th : threads) th.join();
  }
  return out;
}

}  // namespace fw::experiment
