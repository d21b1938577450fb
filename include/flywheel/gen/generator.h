// SPDX-License-Identifier: Apache-2.0
//
// generator.h: `flywheel generate`, a seeded simulator of the founding document's e-commerce
// case, writing events.csv, spend.csv, exposures.csv and truth.json.
//
// The world: users arrive through social, search, email, referral or organic channels; each
// belongs to one of three latent segments that answer each channel with its own purchase rate
// and cost per acquisition; sessions follow a signup -> view -> add_to_cart -> purchase journey
// with realistic gaps; daily activity decays per segment; order values are lognormal. An A/B
// test, checkout_v2 (control/treatment 50/50), starts a third of the way in and plants a lift on
// purchase conversion and on retention. truth.json records all of it (see docs/generate.md).
//
// Users are simulated independently from Rng(seed).Fork(user index), in parallel chunks whose
// outputs are concatenated in user order, so the files are byte-identical for a seed whatever
// the thread count.
//
// Thread safety: Generate() is reentrant.
#pragma once

#include <cstdint>
#include <string>

#include "flywheel/core/result.h"

namespace fw::gen {

struct GenerateOptions {
  int64_t num_users = 10000;  // users to simulate
  int num_days = 90;          // length of the simulated window in days
  uint64_t seed = 42;         // same seed, same bytes
  std::string out_dir = "data";
  // First day of the window, UTC microseconds. Fixed (not "today") so output is reproducible.
  int64_t start_us = 1704067200LL * 1000000;  // 2024-01-01T00:00:00Z

  Status Validate() const;
};

struct GenerateSummary {
  int64_t users = 0;
  int64_t events = 0;
  int64_t spend_rows = 0;
  int64_t exposures = 0;
  double seconds = 0.0;
};

// Writes the four files into options.out_dir (created if needed). Files are written to a
// temporary name and renamed, so an interrupted run leaves no partial file.
Result<GenerateSummary> Generate(const GenerateOptions& options);

}  // namespace fw::gen
