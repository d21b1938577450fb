// SPDX-License-Identifier: Apache-2.0
//
// generator.cc: the simulation loop and the CSV/JSON writers.
#include "flywheel/gen/generator.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "flywheel/core/file_io.h"
#include "flywheel/core/hash.h"
#include "flywheel/core/rng.h"
#include "flywheel/core/thread_pool.h"
#include "flywheel/core/time.h"
#include "text_writer.h"
#include "world.h"

namespace fw::gen {
namespace {

constexpr int kNumEventNames = 4;
constexpr std::array<std::string_view, kNumEventNames> kEventNames = {"signup", "view",
                                                                      "add_to_cart", "purchase"};

int Pick(Rng& rng, const std::array<double, kNumChannels>& weights) {
  double u = rng.Uniform();
  for (int i = 0; i < kNumChannels; ++i) {
    u -= weights[static_cast<size_t>(i)];
    if (u < 0) return i;
  }
  return kNumChannels - 1;
}

// What one chunk of users produced; chunks are merged in user order.
struct ChunkOutput {
  std::string events;
  std::string exposures;
  std::vector<int8_t> segment_of_user;
  std::array<int64_t, kNumEventNames> event_counts{};
  std::array<int64_t, kNumSegments> users_per_segment{};
  std::array<int64_t, 2> exposures_per_variant{};
  int64_t revenue_cents = 0;
  // acquisitions[day][channel] and acquisition cost in cents, paid channels only.
  std::vector<std::array<int64_t, kNumPaidChannels>> acquisitions;
  std::vector<std::array<int64_t, kNumPaidChannels>> cost_cents;
};

class UserSimulator {
 public:
  UserSimulator(const GenerateOptions& options, ChunkOutput* out)
      : options_(options), out_(out),
        experiment_start_day_(static_cast<int>(options.num_days * kExperimentStartFraction)) {}

  void Simulate(int64_t user_idx) {
    Rng rng = Rng(options_.seed).Fork(static_cast<uint64_t>(user_idx));
    user_id_.clear();
    user_id_ += 'u';
    AppendPadded(&user_id_, static_cast<uint64_t>(user_idx + 1), 7);
    const int segment = PickSegment(rng);
    const SegmentParams& params = kSegments[static_cast<size_t>(segment)];
    out_->segment_of_user.push_back(static_cast<int8_t>(segment));
    ++out_->users_per_segment[static_cast<size_t>(segment)];
    const int channel = Pick(rng, params.acquisition);
    const int signup_day = static_cast<int>(rng.UniformInt(static_cast<uint64_t>(options_.num_days)));
    // Assignment hashes the experiment and user id, as `flywheel experiment assign` would.
    const bool treatment = (HashBytes64(std::string(kExperimentName) + ":" + user_id_) & 1) == 1;
    seq_ = 0;
    exposed_ = false;

    const int64_t day_us = options_.start_us + signup_day * kMicrosPerDay;
    int64_t t = day_us + static_cast<int64_t>(rng.UniformInt(20 * 3600)) * kMicrosPerSecond;
    Emit(0, t, channel, 0);
    if (channel < kNumPaidChannels) {
      auto& acquired = out_->acquisitions[static_cast<size_t>(signup_day)];
      ++acquired[static_cast<size_t>(channel)];
      out_->cost_cents[static_cast<size_t>(signup_day)][static_cast<size_t>(channel)] +=
          std::llround(params.cpa[static_cast<size_t>(channel)] * 100);
    }
    for (int day = signup_day; day < options_.num_days; ++day) {
      const int offset = day - signup_day;
      int64_t session_start;
      int session_channel;
      if (offset == 0) {
        session_start = t + static_cast<int64_t>(rng.Exponential(1.0 / 120.0) * kMicrosPerSecond);
        session_channel = channel;
      } else {
        double p_active = params.active_peak * std::exp(-offset / params.active_tau) +
                          params.active_floor;
        if (exposed_ && treatment) p_active = std::min(1.0, p_active * (1.0 + kLiftRetention));
        if (!rng.Bernoulli(p_active)) continue;
        session_start = options_.start_us + day * kMicrosPerDay +
                        static_cast<int64_t>(rng.UniformInt(86400)) * kMicrosPerSecond;
        session_channel = Pick(rng, params.return_mix);
      }
      Session(rng, params, channel, session_channel, session_start, day, treatment);
    }
  }

 private:
  int PickSegment(Rng& rng) {
    double u = rng.Uniform();
    for (int s = 0; s < kNumSegments; ++s) {
      u -= kSegments[static_cast<size_t>(s)].share;
      if (u < 0) return s;
    }
    return kNumSegments - 1;
  }

  void Session(Rng& rng, const SegmentParams& params, int acquisition_channel, int channel,
               int64_t t, int day, bool treatment) {
    const uint64_t views = 1 + rng.Poisson(params.views_per_session);
    for (uint64_t v = 0; v < views; ++v) {
      t += static_cast<int64_t>(rng.Exponential(1.0 / 60.0) * kMicrosPerSecond);
      Emit(1, t, channel, 0);
      if (!exposed_ && day >= experiment_start_day_) {
        exposed_ = true;
        AppendExposure(t, treatment);
      }
    }
    if (!rng.Bernoulli(params.cart_rate)) return;
    t += (60 + static_cast<int64_t>(rng.UniformInt(240))) * kMicrosPerSecond;
    Emit(2, t, channel, 0);
    double p_purchase = params.purchase[static_cast<size_t>(acquisition_channel)] / params.cart_rate;
    if (exposed_ && treatment) p_purchase *= 1.0 + kLiftPurchase;
    if (!rng.Bernoulli(p_purchase)) return;
    t += (120 + static_cast<int64_t>(rng.UniformInt(480))) * kMicrosPerSecond;
    const int64_t cents =
        std::max<int64_t>(100, std::llround(rng.LogNormal(params.aov_log_mean, params.aov_log_sd) * 100));
    Emit(3, t, channel, cents, 1 + static_cast<int>(rng.Poisson(0.5)));
  }

  // One events.csv line: event_id,user_id,timestamp,event,channel,campaign,revenue,properties
  void Emit(int event_idx, int64_t t, int channel, int64_t revenue_cents, int items = 0) {
    std::string& s = out_->events;
    s += user_id_;
    s += '-';
    AppendUint(&s, ++seq_);
    s += ',';
    s += user_id_;
    s += ',';
    AppendIsoSeconds(&s, t);
    s += ',';
    s += kEventNames[static_cast<size_t>(event_idx)];
    s += ',';
    s += kChannels[static_cast<size_t>(channel)];
    s += ',';
    if (channel < kNumPaidChannels) {
      s += kChannels[static_cast<size_t>(channel)];
      s += "_always_on";
    }
    s += ',';
    if (event_idx == 3) {
      AppendCents(&s, revenue_cents);
      s += ",\"{\"\"items\"\":";
      AppendUint(&s, static_cast<uint64_t>(items));
      s += "}\"";
      out_->revenue_cents += revenue_cents;
    } else {
      s += ',';
    }
    s += '\n';
    ++out_->event_counts[static_cast<size_t>(event_idx)];
  }

  void AppendExposure(int64_t t, bool treatment) {
    std::string& s = out_->exposures;
    s += user_id_;
    s += ',';
    s += kExperimentName;
    s += treatment ? ",treatment," : ",control,";
    AppendIsoSeconds(&s, t);
    s += '\n';
    ++out_->exposures_per_variant[treatment ? 1 : 0];
  }

  const GenerateOptions& options_;
  ChunkOutput* out_;
  const int experiment_start_day_;
  std::string user_id_;
  uint64_t seq_ = 0;
  bool exposed_ = false;
};

std::string SpendCsv(const GenerateOptions& options, const ChunkOutput& total, int64_t* rows) {
  std::string s = "date,channel,campaign,spend,impressions,clicks\n";
  Rng rng = Rng(options.seed).Fork(0xC057);
  for (int day = 0; day < options.num_days; ++day) {
    for (int channel = 0; channel < kNumPaidChannels; ++channel) {
      const int64_t acquired = total.acquisitions[static_cast<size_t>(day)][static_cast<size_t>(channel)];
      const int64_t cents = total.cost_cents[static_cast<size_t>(day)][static_cast<size_t>(channel)];
      s += FormatDate(DayOfMicros(options.start_us) + day);
      s += ',';
      s += kChannels[static_cast<size_t>(channel)];
      s += ',';
      s += kChannels[static_cast<size_t>(channel)];
      s += "_always_on,";
      AppendCents(&s, cents);
      s += ',';
      AppendUint(&s, rng.Poisson(static_cast<double>(acquired) * 180.0));
      s += ',';
      AppendUint(&s, rng.Poisson(static_cast<double>(acquired) * 9.0));
      s += '\n';
      ++*rows;
    }
  }
  return s;
}

nlohmann::json Truth(const GenerateOptions& options, const ChunkOutput& total,
                     const GenerateSummary& summary) {
  using nlohmann::json;
  json segments = json::array();
  for (const auto& params : kSegments) {
    json conversion, cost, acquisition, returning;
    for (int c = 0; c < kNumChannels; ++c) {
      const std::string name(kChannels[static_cast<size_t>(c)]);
      acquisition[name] = params.acquisition[static_cast<size_t>(c)];
      returning[name] = params.return_mix[static_cast<size_t>(c)];
      conversion[name] = params.purchase[static_cast<size_t>(c)];
      cost[name] = params.cpa[static_cast<size_t>(c)];
    }
    segments.push_back({{"name", params.name},
                        {"share", params.share},
                        {"acquisition_mix", acquisition},
                        {"purchase_rate_per_session", conversion},
                        {"cost_per_acquisition", cost},
                        {"daily_active", {{"peak", params.active_peak},
                                          {"tau_days", params.active_tau},
                                          {"floor", params.active_floor}}},
                        {"extra_views_per_session_poisson_mean", params.views_per_session},
                        {"add_to_cart_rate_per_session", params.cart_rate},
                        {"return_session_channel_mix", returning},
                        {"order_value_lognormal", {{"log_mean", params.aov_log_mean},
                                                   {"log_sd", params.aov_log_sd}}}});
  }
  json event_counts;
  for (int e = 0; e < kNumEventNames; ++e) {
    event_counts[std::string(kEventNames[static_cast<size_t>(e)])] =
        total.event_counts[static_cast<size_t>(e)];
  }
  json users_per_segment = json::array();
  for (const int64_t n : total.users_per_segment) users_per_segment.push_back(n);
  json user_segment = json::array();
  for (const int8_t s : total.segment_of_user) user_segment.push_back(s);
  const int start_day = static_cast<int>(options.num_days * kExperimentStartFraction);
  return {
      {"generator", "flywheel generate"},
      {"seed", options.seed},
      {"users", options.num_users},
      {"days", options.num_days},
      {"start", FormatTimestamp(options.start_us)},
      {"channels", kChannels},
      {"paid_channels", std::vector<std::string_view>(kChannels.begin(),
                                                      kChannels.begin() + kNumPaidChannels)},
      {"segments", segments},
      {"experiment",
       {{"name", kExperimentName},
        {"variants", {{"control", 0.5}, {"treatment", 0.5}}},
        {"assignment", "treatment iff HashBytes64(\"checkout_v2:\" + user_id) is odd"},
        {"start", FormatTimestamp(options.start_us + start_day * kMicrosPerDay)},
        {"exposure", "the user's first view on or after the start"},
        {"lift_purchase_conversion", kLiftPurchase},
        {"lift_retention", kLiftRetention}}},
      {"counts",
       {{"events", summary.events},
        {"event_counts", event_counts},
        {"users_per_segment", users_per_segment},
        {"revenue", static_cast<double>(total.revenue_cents) / 100.0},
        {"exposures", summary.exposures},
        {"exposures_control", total.exposures_per_variant[0]},
        {"exposures_treatment", total.exposures_per_variant[1]},
        {"spend_rows", summary.spend_rows}}},
      {"user_id_format", "u + the 1-based user index, zero-padded to 7 digits"},
      {"user_segment", user_segment},
  };
}

}  // namespace

Status GenerateOptions::Validate() const {
  if (num_users < 1 || num_users > 100'000'000) {
    return InvalidArgument("--users " + std::to_string(num_users) + " is out of range 1..1e8");
  }
  if (num_days < 1 || num_days > 3650) {
    return InvalidArgument("--days " + std::to_string(num_days) + " is out of range 1..3650");
  }
  if (out_dir.empty()) return InvalidArgument("--out must name a folder");
  return OkStatus();
}

Result<GenerateSummary> Generate(const GenerateOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return DataLoss("cannot create folder '" + options.out_dir + "': " + ec.message());

  // Fixed-size chunks (not one per thread) keep the output independent of the thread count.
  const int64_t users_per_chunk = 20000;
  const size_t num_chunks = static_cast<size_t>((options.num_users + users_per_chunk - 1) / users_per_chunk);
  std::vector<ChunkOutput> chunks(num_chunks);
  ThreadPool pool;
  pool.ParallelFor(num_chunks, [&](size_t begin, size_t end, size_t) {
    for (size_t chunk = begin; chunk < end; ++chunk) {
      ChunkOutput& out = chunks[chunk];
      out.acquisitions.assign(static_cast<size_t>(options.num_days), {});
      out.cost_cents.assign(static_cast<size_t>(options.num_days), {});
      UserSimulator simulator(options, &out);
      const int64_t first = static_cast<int64_t>(chunk) * users_per_chunk;
      const int64_t last = std::min(options.num_users, first + users_per_chunk);
      for (int64_t user = first; user < last; ++user) simulator.Simulate(user);
    }
  }, num_chunks);

  ChunkOutput total;
  total.acquisitions.assign(static_cast<size_t>(options.num_days), {});
  total.cost_cents.assign(static_cast<size_t>(options.num_days), {});
  for (const auto& chunk : chunks) {
    total.segment_of_user.insert(total.segment_of_user.end(), chunk.segment_of_user.begin(),
                                 chunk.segment_of_user.end());
    for (int e = 0; e < kNumEventNames; ++e) {
      total.event_counts[static_cast<size_t>(e)] += chunk.event_counts[static_cast<size_t>(e)];
    }
    for (int s = 0; s < kNumSegments; ++s) {
      total.users_per_segment[static_cast<size_t>(s)] += chunk.users_per_segment[static_cast<size_t>(s)];
    }
    total.exposures_per_variant[0] += chunk.exposures_per_variant[0];
    total.exposures_per_variant[1] += chunk.exposures_per_variant[1];
    total.revenue_cents += chunk.revenue_cents;
    for (size_t day = 0; day < total.acquisitions.size(); ++day) {
      for (size_t c = 0; c < kNumPaidChannels; ++c) {
        total.acquisitions[day][c] += chunk.acquisitions[day][c];
        total.cost_cents[day][c] += chunk.cost_cents[day][c];
      }
    }
  }
  // The files are the chunks' texts in user order, written piece by piece.
  std::vector<std::string_view> events = {
      "event_id,user_id,timestamp,event,channel,campaign,revenue,properties\n"};
  std::vector<std::string_view> exposures = {"user_id,experiment,variant,timestamp\n"};
  for (const auto& chunk : chunks) {
    events.push_back(chunk.events);
    exposures.push_back(chunk.exposures);
  }

  GenerateSummary summary;
  summary.users = options.num_users;
  for (const int64_t n : total.event_counts) summary.events += n;
  summary.exposures = total.exposures_per_variant[0] + total.exposures_per_variant[1];
  const std::string spend = SpendCsv(options, total, &summary.spend_rows);
  const std::filesystem::path dir(options.out_dir);
  // Generated files can be regenerated from the seed, so they skip fsync (6 s for 600 MB here);
  // they are still never left partial by a killed process.
  constexpr auto kNoSync = Durability::kAtomicOnly;
  FW_RETURN_IF_ERROR(WriteFileAtomic((dir / "events.csv").string(), events, kNoSync));
  FW_RETURN_IF_ERROR(WriteFileAtomic((dir / "spend.csv").string(), spend));
  FW_RETURN_IF_ERROR(WriteFileAtomic((dir / "exposures.csv").string(), exposures, kNoSync));
  FW_RETURN_IF_ERROR(
      WriteFileAtomic((dir / "truth.json").string(), Truth(options, total, summary).dump(1) + "\n"));
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace fw::gen
