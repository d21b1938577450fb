// SPDX-License-Identifier: Apache-2.0
//
// metrics.h: the counters and histograms behind GET /metrics (Prometheus text format 0.0.4).
//
// Per route: request counts by HTTP status and a latency histogram. Ingest: events accepted,
// duplicated and rejected. Bandits: decisions and spend per (bandit, arm). Gauges (frame rows,
// alert states) are set by their owners.
//
// Thread safety: every method is thread-safe. Request counts and latencies are atomics (no
// lock per request); the other counters take the internal mutex for a map update.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace fw::server {

class Metrics {
 public:
  // Latency bucket bounds in seconds (the last bucket is +Inf).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,  0.5,   1.0,  5.0};

  // One route's request counts and latency histogram. Updated with relaxed atomics, so the
  // request path takes no lock (64 handler threads on a few cores made the one mutex a
  // context switch per request); Render reads them without stopping writers, so a scrape may
  // see a request in the counts a moment before its latency (Prometheus tolerates that).
  struct Route {
    static constexpr int kMaxStatus = 600;
    std::array<std::atomic<uint64_t>, kMaxStatus> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> counts{};
    std::atomic<double> sum{0};
  };

  // The stable record of `route`, created on first use (a handler resolves it once).
  Route* RouteStats(const std::string& route);
  void ObserveRequest(Route& route, int http_status, double seconds);
  void ObserveRequest(const std::string& route, int http_status, double seconds);
  void AddEvents(int64_t accepted, int64_t duplicates, int64_t rejected);
  void AddDecision(const std::string& bandit, const std::string& arm);
  void AddSpend(const std::string& bandit, const std::string& arm, double cost);
  // A gauge: name -> value, with an optional label set already formatted ({alert="x"}).
  void SetGauge(const std::string& name_and_labels, double value);

  // Counters read by the dashboard's KPI strip.
  int64_t events_accepted() const;

  // The whole exposition text.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Route>> routes_;  // entries are never removed
  int64_t accepted_ = 0, duplicates_ = 0, rejected_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> decisions_;
  std::map<std::pair<std::string, std::string>, double> spend_;
  std::map<std::string, double> gauges_;
};

// `text` with backslash, quote and newline escaped for a Prometheus label value.
std::string PromLabel(const std::string& text);

}  // namespace fw::server
