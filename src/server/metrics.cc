// SPDX-License-Identifier: Apache-2.0
//
// metrics.cc: Prometheus text rendering of the server's counters.
#include "metrics.h"

#include <cstdio>

namespace fw::server {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

}  // namespace

std::string PromLabel(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

Metrics::Route* Metrics::RouteStats(const std::string& route) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = routes_[route];
  if (!slot) slot = std::make_unique<Route>();
  return slot.get();
}

void Metrics::ObserveRequest(Route& route, int http_status, double seconds) {
  // HTTP status codes are three digits; anything else is counted as a 500.
  const int status = http_status >= 100 && http_status < Route::kMaxStatus ? http_status : 500;
  route.by_status[status].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  route.counts[b].fetch_add(1, std::memory_order_relaxed);
  route.sum.fetch_add(seconds, std::memory_order_relaxed);
}

void Metrics::ObserveRequest(const std::string& route, int http_status, double seconds) {
  ObserveRequest(*RouteStats(route), http_status, seconds);
}

void Metrics::AddEvents(int64_t accepted, int64_t duplicates, int64_t rejected) {
  std::lock_guard<std::mutex> lock(mu_);
  accepted_ += accepted;
  duplicates_ += duplicates;
  rejected_ += rejected;
}

void Metrics::AddDecision(const std::string& bandit, const std::string& arm) {
  std::lock_guard<std::mutex> lock(mu_);
  ++decisions_[{bandit, arm}];
}

void Metrics::AddSpend(const std::string& bandit, const std::string& arm, double cost) {
  std::lock_guard<std::mutex> lock(mu_);
  spend_[{bandit, arm}] += cost;
}

void Metrics::SetGauge(const std::string& name_and_labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[name_and_labels] = value;
}

int64_t Metrics::events_accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP flywheel_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE flywheel_http_requests_total counter\n";
  for (const auto& [route, r] : routes_) {
    for (int status = 0; status < Route::kMaxStatus; ++status) {
      const uint64_t n = r->by_status[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "flywheel_http_requests_total{route=\"" + PromLabel(route) + "\",status=\"" +
             std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP flywheel_http_request_seconds Request latency by route.\n";
  out += "# TYPE flywheel_http_request_seconds histogram\n";
  for (const auto& [route, r] : routes_) {
    std::array<uint64_t, kBuckets.size() + 1> counts;
    uint64_t total = 0;
    for (size_t b = 0; b < counts.size(); ++b) {
      counts[b] = r->counts[b].load(std::memory_order_relaxed);
      total += counts[b];
    }
    if (total == 0) continue;  // registered, never requested: no series yet, as before
    const std::string label = "route=\"" + PromLabel(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += counts[b];
      const std::string le = b < kBuckets.size() ? Num(kBuckets[b]) : "+Inf";
      out += "flywheel_http_request_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "flywheel_http_request_seconds_sum{" + label + "} " +
           Num(r->sum.load(std::memory_order_relaxed)) + "\n";
    out += "flywheel_http_request_seconds_count{" + label + "} " + std::to_string(total) + "\n";
  }
  out += "# HELP flywheel_events_total Posted events by outcome.\n";
  out += "# TYPE flywheel_events_total counter\n";
  out += "flywheel_events_total{outcome=\"accepted\"} " + std::to_string(accepted_) + "\n";
  out += "flywheel_events_total{outcome=\"duplicate\"} " + std::to_string(duplicates_) + "\n";
  out += "flywheel_events_total{outcome=\"rejected\"} " + std::to_string(rejected_) + "\n";
  out += "# HELP flywheel_bandit_decisions_total Decisions served per bandit and arm.\n";
  out += "# TYPE flywheel_bandit_decisions_total counter\n";
  for (const auto& [key, n] : decisions_) {
    out += "flywheel_bandit_decisions_total{bandit=\"" + PromLabel(key.first) + "\",arm=\"" +
           PromLabel(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP flywheel_bandit_spend_total Cost reported with rewards per bandit and arm.\n";
  out += "# TYPE flywheel_bandit_spend_total counter\n";
  for (const auto& [key, v] : spend_) {
    out += "flywheel_bandit_spend_total{bandit=\"" + PromLabel(key.first) + "\",arm=\"" +
           PromLabel(key.second) + "\"} " + Num(v) + "\n";
  }
  std::string last_name;
  for (const auto& [name, v] : gauges_) {
    const std::string base = name.substr(0, name.find('{'));
    if (base != last_name) {
      out += "# TYPE " + base + " gauge\n";
      last_name = base;
    }
    out += name + " " + Num(v) + "\n";
  }
  return out;
}

}  // namespace fw::server
