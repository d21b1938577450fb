// SPDX-License-Identifier: Apache-2.0
//
// profile.cc: segment sizes, centroids in original units, distinguishing features, labels.
#include "flywheel/segment/profile.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace fw::segment {

namespace {

// "Annual Income (k$)" -> "Annual Income": units read badly inside a label.
std::string ShortName(const std::string& name) {
  const size_t paren = name.find(" (");
  if (paren != std::string::npos && paren > 0 && name.back() == ')') return name.substr(0, paren);
  return name;
}

double ZOf(const std::vector<std::string>& names, const std::vector<double>& z,
           const std::string& feature) {
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == feature) return z[c];
  }
  return 0.0;
}

bool Has(const std::vector<std::string>& names, const std::string& feature) {
  return std::find(names.begin(), names.end(), feature) != names.end();
}

std::string RfmLabel(const std::vector<std::string>& names, const std::vector<double>& z) {
  const double r = ZOf(names, z, "recency_days");
  const double f = ZOf(names, z, "frequency");
  const double m = ZOf(names, z, "monetary");
  const double t = ZOf(names, z, "tenure_days");
  const double a = ZOf(names, z, "avg_order_value");
  const double p = ZOf(names, z, "purchases");
  if (m >= 0.5 && f >= 0.5 && r <= 0.0) return "high-value loyal";
  if (Has(names, "tenure_days") && t <= -0.5 && r <= 0.0) return "new";
  if (r >= 0.75 && f <= -0.25) return "dormant";
  if (r >= 0.5 && (f >= 0.0 || m >= 0.0)) return "at risk";
  if (Has(names, "avg_order_value") && p >= 0.0 && a <= -0.5) return "bargain hunters";
  if (m >= 0.5) return "big spenders";
  if (f >= 0.5) return "engaged browsers";
  return "occasional";
}

std::string GenericLabel(const std::vector<std::string>& names, const std::vector<double>& z) {
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return std::fabs(z[a]) > std::fabs(z[b]); });
  std::string label;
  for (size_t rank = 0; rank < order.size() && rank < 2; ++rank) {
    const size_t c = order[rank];
    if (std::fabs(z[c]) < 0.5) break;
    if (!label.empty()) label += ", ";
    label += (z[c] > 0 ? "high " : "low ") + ShortName(names[c]);
  }
  return label.empty() ? "average" : label;
}

std::string BehaviourLabel(const std::vector<std::string>& names, const std::vector<double>& z) {
  const double e = ZOf(names, z, "events_per_active_day");
  const double a = ZOf(names, z, "avg_order_value");
  if (a >= 0.5) return "high-value buyers";
  if (e >= 0.5) return "heavy browsers";
  if (e <= -0.5) return "light visitors";
  return GenericLabel(names, z);
}

}  // namespace

std::vector<uint32_t> OrderBySize(std::span<const uint64_t> sizes) {
  std::vector<uint32_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return sizes[a] > sizes[b]; });
  std::vector<uint32_t> new_id(sizes.size());
  for (size_t rank = 0; rank < order.size(); ++rank) {
    new_id[order[rank]] = static_cast<uint32_t>(rank);
  }
  return new_id;
}

Result<std::vector<SegmentProfile>> BuildProfiles(const Matrix& original,
                                                  std::span<const uint32_t> labels, size_t k) {
  const size_t n = original.rows;
  const size_t f = original.cols;
  if (labels.size() != n) {
    return InvalidArgument("labels hold " + std::to_string(labels.size()) + " entries, expected " +
                           std::to_string(n));
  }
  if (original.column_names.size() != f) {
    return InvalidArgument("the feature matrix names " +
                           std::to_string(original.column_names.size()) + " of its " +
                           std::to_string(f) + " columns");
  }
  std::vector<double> mean(f, 0.0), sd(f, 0.0), seg_sum(k * f, 0.0);
  std::vector<uint64_t> sizes(k, 0);
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] >= k) {
      return InvalidArgument("label " + std::to_string(labels[i]) +
                             " is not below k = " + std::to_string(k));
    }
    ++sizes[labels[i]];
    for (size_t c = 0; c < f; ++c) {
      mean[c] += original.At(i, c);
      seg_sum[labels[i] * f + c] += original.At(i, c);
    }
  }
  for (double& v : mean) v /= static_cast<double>(std::max<size_t>(n, 1));
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < f; ++c) {
      const double diff = original.At(i, c) - mean[c];
      sd[c] += diff * diff;
    }
  }
  for (double& v : sd) v = std::sqrt(v / static_cast<double>(std::max<size_t>(n, 1)));
  const bool rfm = Has(original.column_names, "recency_days") &&
                   Has(original.column_names, "frequency") &&
                   Has(original.column_names, "monetary");
  const bool behaviour = Has(original.column_names, "events_per_active_day") &&
                         Has(original.column_names, "avg_order_value");
  std::vector<SegmentProfile> profiles;
  std::map<std::string, int> label_uses;
  for (size_t s = 0; s < k; ++s) {
    if (sizes[s] == 0) continue;
    SegmentProfile p;
    p.id = static_cast<uint32_t>(s);
    p.size = sizes[s];
    p.share = static_cast<double>(sizes[s]) / static_cast<double>(n);
    std::vector<double> z(f, 0.0);
    for (size_t c = 0; c < f; ++c) {
      p.centroid.push_back(seg_sum[s * f + c] / static_cast<double>(sizes[s]));
      z[c] = sd[c] > 0.0 ? (p.centroid[c] - mean[c]) / sd[c] : 0.0;  // constant: no signal
    }
    std::vector<size_t> order(f);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return std::fabs(z[a]) > std::fabs(z[b]); });
    for (size_t rank = 0; rank < f && rank < 3; ++rank) {
      p.top_features.push_back({original.column_names[order[rank]], z[order[rank]]});
    }
    p.label = rfm         ? RfmLabel(original.column_names, z)
              : behaviour ? BehaviourLabel(original.column_names, z)
                          : GenericLabel(original.column_names, z);
    const int uses = ++label_uses[p.label];
    if (uses > 1) p.label += " #" + std::to_string(uses);
    profiles.push_back(std::move(p));
  }
  return profiles;
}

}  // namespace fw::segment
