// SPDX-License-Identifier: Apache-2.0
//
// simulate.cc: the documented true parameters and the sampler.
#include "flywheel/mmm/simulate.h"

#include <cmath>
#include <numbers>
#include <numeric>
#include <sstream>

#include "flywheel/core/rng.h"
#include "flywheel/core/time.h"

namespace fw::mmm {
namespace {

// The true channels. half_sat_ratio is K divided by the steady-state adstock at the on-air mean
// spend, so a channel with ratio 1 runs at half saturation in an average on-air week;
// roas_at_mean sets beta so that the channel's average return is about that value.
//
// The design is chosen to be identifiable, and that is checked without the fitter: for a data
// set of 156 weeks with noise 2% of mean sales, the asymptotic standard error of every channel's
// ROAS when the whole model (baseline, betas, theta, K and S) is estimated by least squares is
// at most ~5% (bench/mmm_recovery.py, column full_se%). What makes it so:
//  - each channel is flighted independently: on-air bursts and dark periods whose lengths are
//    geometric with the means below, so about a third to a half of the weeks are dark and dark
//    spells are long enough for the carry-over to die out (this pins each channel's zero level,
//    which the intercept could otherwise absorb);
//  - every channel's weekly contribution varies with a standard deviation of at least ~2.5
//    times the noise sd (sd(contribution)/sd(noise) is the snr column).
// An earlier table (a display channel of 5k/week at ROAS 1.2, independent weekly off-air draws)
// had full-model standard errors up to ~18%: no estimator recovers ROAS to 15% there.
struct TrueChannel {
  const char* name;
  double mean_spend;      // per on-air week
  double theta;           // geometric decay
  double half_sat_ratio;  // K / (mean_spend * W)
  double slope;           // Hill S (<= 1: concave)
  double roas_at_mean;    // beta = roas_at_mean * mean_spend / s(mean_spend * W)
  double on_weeks;        // mean length of an on-air burst (>= 1)
  double off_weeks;       // mean length of a dark period (>= 1)
};

constexpr TrueChannel kChannels[] = {
    {"tv", 20000.0, 0.6, 1.0, 1.0, 2.0, 5.0, 5.0},
    {"search", 8000.0, 0.1, 0.8, 0.9, 3.5, 5.0, 2.0},
    {"social", 14000.0, 0.3, 1.5, 1.0, 1.8, 4.0, 4.0},
    {"display", 16000.0, 0.2, 1.5, 0.8, 1.5, 3.0, 3.0},
    {"radio", 9000.0, 0.5, 1.5, 1.0, 2.5, 4.0, 4.0},
    {"email", 3500.0, 0.0, 1.0, 0.7, 5.0, 4.0, 2.0},
};
constexpr size_t kMaxLag = 13;
// Gamma shape of weekly spend around its mean (CV = 1/sqrt(2) = 0.71): media plans vary a lot
// week to week, and that variation, with the dark periods, is what identifies the curves.
constexpr double kSpendShape = 2.0;
constexpr double kIntercept = 60000.0;    // weekly baseline sales (4 channels: media ~45% of sales)
constexpr double kTrendPerWeek = 150.0;
constexpr double kSeasonAmplitude = 12000.0;  // first yearly harmonic
constexpr double kPromoLift = 15000.0;        // per promo week

}  // namespace

Status SimulationOptions::Validate() const {
  if (periods < 52 || periods > 2000) {
    return InvalidArgument("--weeks " + std::to_string(periods) + ", expected 52..2000");
  }
  if (num_channels < 1 || num_channels > std::size(kChannels)) {
    return InvalidArgument("--channels " + std::to_string(num_channels) + ", expected 1..6");
  }
  if (!(noise_cv >= 0.0 && noise_cv < 1.0)) {
    return InvalidArgument("noise " + std::to_string(noise_cv) + ", expected [0, 1)");
  }
  return OkStatus();
}

Result<Simulation> Simulate(const SimulationOptions& options) {
  FW_RETURN_IF_ERROR(options.Validate());
  Rng rng(options.seed);
  const size_t n = options.periods;
  Simulation sim;
  MmmData& data = sim.data;
  data.period_days = 7;
  for (size_t t = 0; t < n; ++t) data.days.push_back(options.start_day + 7 * static_cast<int64_t>(t));
  data.control_names = {"promo"};
  data.controls.assign(1, std::vector<double>(n, 0.0));
  for (size_t t = 0; t < n; ++t) data.controls[0][t] = rng.Bernoulli(0.06) ? 1.0 : 0.0;

  MmmModel& truth = sim.truth;
  truth.period_days = 7;
  truth.first_day = options.start_day;
  truth.num_periods = n;
  truth.target_name = "sales";
  truth.intercept = kIntercept;
  truth.trend = kTrendPerWeek;
  truth.yearly_order = 1;
  truth.fourier = {kSeasonAmplitude, 0.0};
  truth.control_names = data.control_names;
  truth.control_coefs = {kPromoLift};
  truth.seed = options.seed;
  for (size_t c = 0; c < options.num_channels; ++c) {
    const TrueChannel& tc = kChannels[c];
    std::vector<double> x(n);
    const double phase = rng.Uniform() * 2.0 * std::numbers::pi;
    // Flighting: a two-state Markov chain started from its stationary distribution.
    bool off = rng.Bernoulli(tc.off_weeks / (tc.on_weeks + tc.off_weeks));
    for (size_t t = 0; t < n; ++t) {
      const double wave = 1.0 + 0.2 * std::sin(2.0 * std::numbers::pi * static_cast<double>(t) / 52.0 + phase);
      if (t > 0) off = off ? !rng.Bernoulli(1.0 / tc.off_weeks) : rng.Bernoulli(1.0 / tc.on_weeks);
      x[t] = off ? 0.0 : std::round(tc.mean_spend * wave * rng.Gamma(kSpendShape) / kSpendShape * 100.0) / 100.0;
    }
    ChannelModel ch;
    ch.name = tc.name;
    ch.adstock = {.kind = AdstockKind::kGeometric, .theta = tc.theta, .max_lag = kMaxLag};
    const double w = AdstockWeightSum(ch.adstock);
    ch.saturation = {.kind = SaturationKind::kHill, .half_sat = tc.half_sat_ratio * tc.mean_spend * w,
                     .slope = tc.slope};
    ch.beta = tc.roas_at_mean * tc.mean_spend / Saturate(tc.mean_spend * w, ch.saturation);
    data.channel_names.push_back(ch.name);
    data.spend.push_back(std::move(x));
    truth.channels.push_back(std::move(ch));
  }
  // The outcome from the true model, plus Gaussian noise.
  data.target.assign(n, 0.0);
  FW_ASSIGN_OR_RETURN(std::vector<double> mean, PredictOutcome(truth, data));
  const double avg = std::accumulate(mean.begin(), mean.end(), 0.0) / static_cast<double>(n);
  for (size_t t = 0; t < n; ++t) data.target[t] = mean[t] + rng.Normal(0.0, options.noise_cv * avg);
  // Truth figures on this data, defined as in model.h.
  double total_contrib = 0.0, total_spend = 0.0;
  for (size_t c = 0; c < truth.channels.size(); ++c) {
    ChannelModel& ch = truth.channels[c];
    const std::vector<double> contrib = ChannelContributions(PointDraw(ch), data.spend[c]);
    ch.contribution = std::accumulate(contrib.begin(), contrib.end(), 0.0);
    ch.total_spend = std::accumulate(data.spend[c].begin(), data.spend[c].end(), 0.0);
    ch.mean_spend = ch.total_spend / static_cast<double>(n);
    ch.roas = ch.contribution / ch.total_spend;
    ch.mroas = SteadyMarginal(PointDraw(ch), ch.mean_spend);
    const size_t keep = std::min<size_t>(n, 104);
    ch.recent_spend.assign(data.spend[c].end() - static_cast<ptrdiff_t>(keep), data.spend[c].end());
    total_contrib += ch.contribution;
    total_spend += ch.total_spend;
  }
  for (ChannelModel& ch : truth.channels) {
    ch.share = ch.contribution / total_contrib;
    ch.spend_share = ch.total_spend / total_spend;
  }
  return sim;
}

std::string SimulationCsv(const MmmData& data) {
  std::ostringstream out;
  out.precision(10);
  out << "date,sales";
  for (const auto& c : data.channel_names) out << ',' << c;
  for (const auto& c : data.control_names) out << ',' << c;
  out << '\n';
  for (size_t t = 0; t < data.num_periods(); ++t) {
    out << FormatDate(data.days[t]) << ',' << data.target[t];
    for (const auto& s : data.spend) out << ',' << s[t];
    for (const auto& s : data.controls) out << ',' << s[t];
    out << '\n';
  }
  return out.str();
}

}  // namespace fw::mmm
