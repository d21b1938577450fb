// SPDX-License-Identifier: Apache-2.0
//
// metrics.h: the counters and histograms behind GET /metrics (Prometheus text format 0.0.4).
//
// Per route: request counts by HTTP status and a latency histogram. Ingest: events accepted,
// duplicated and rejected. Bandits: decisions and spend per (bandit, arm). Gauges (frame rows,
// alert states) are set by their owners.
//
// Thread safety: every method takes the internal mutex; the request path holds it for a few
// map updates only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace fw::server {

class Metrics {
 public:
  // Latency bucket bounds in seconds (the last bucket is +Inf).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,  0.5,   1.0,  5.0};

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
  struct Histogram {
    std::array<uint64_t, kBuckets.size() + 1> counts{};
    double sum = 0;
    uint64_t count = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  int64_t accepted_ = 0, duplicates_ = 0, rejected_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> decisions_;
  std::map<std::pair<std::string, std::string>, double> spend_;
  std::map<std::string, double> gauges_;
};

// `text` with backslash, quote and newline escaped for a Prometheus label value.
std::string PromLabel(const std::string& text);

}  // namespace fw::server
