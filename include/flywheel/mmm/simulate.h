// SPDX-License-Identifier: Apache-2.0
//
// simulate.h: a synthetic media-spend data set drawn from documented true parameters, for the
// parameter-recovery tests and `flywheel mmm simulate` (what `generate mmm` writes).
//
// The truth is a model of exactly the fitted family (geometric adstock, Hill saturation with
// slope <= 1 so the true plan optimum is exact), so recovery measures the estimator, not a
// misspecification. Spend per on-air week is Gamma-distributed around its mean, with a yearly
// wave, and every channel is flighted independently (on-air bursts and dark periods of a few
// weeks), a design in which every channel's ROAS is identifiable (see simulate.cc).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "flywheel/mmm/dataset.h"
#include "flywheel/mmm/model.h"

namespace fw::mmm {

struct SimulationOptions {
  size_t periods = 156;          // weeks (3 years)
  size_t num_channels = 4;       // 1..6, taken from the documented table in simulate.cc
  double noise_cv = 0.02;        // noise sd as a share of the mean outcome
  int64_t start_day = 19360;     // 2023-01-02, a Monday
  uint64_t seed = 1;

  Status Validate() const;
};

struct Simulation {
  MmmData data;   // weekly, target "sales", channels as named in the truth, one control "promo"
  MmmModel truth; // the generating model, with ROAS, mROAS and shares computed on `data`
};

// Draws one data set. Same options and seed give the same data, bit for bit.
Result<Simulation> Simulate(const SimulationOptions& options);

// Writes the data set as CSV text: date,sales,<channels...>,promo.
std::string SimulationCsv(const MmmData& data);

}  // namespace fw::mmm
