// SPDX-License-Identifier: Apache-2.0
//
// rng.h: the seeded random number generator every module uses.
//
// xoshiro256** (Blackman and Vigna 2018) seeded through SplitMix64. Distributions are written
// here rather than taken from <random>, because the standard leaves their algorithms to each
// library: ours give the same numbers on every platform, which `--seed` promises.
//
// It is a concrete class, not an interface: the kernels draw millions of numbers and a virtual
// call each would cost more than the draw. Tests get determinism by seeding it.
//
// Thread safety: not thread-safe. Give each thread its own stream with Fork().
#pragma once

#include <cstdint>

namespace fw {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }

  // Resets the state from `seed`; the same seed gives the same sequence.
  void Seed(uint64_t seed);

  // An independent stream derived from this generator's seed and `stream_id`, for one worker
  // thread or one restart. Does not advance this generator.
  Rng Fork(uint64_t stream_id) const;

  // A uniform 64-bit integer.
  uint64_t NextU64();

  // A uniform double in [0, 1), with 53 random bits.
  double Uniform();

  // A uniform double in (0, 1): never 0, for logs.
  double UniformOpen();

  // A uniform integer in [0, n). Requires: n > 0. Unbiased (Lemire's method).
  uint64_t UniformInt(uint64_t n);

  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal N(0, 1), by the Marsaglia polar method.
  double Normal();
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }

  // exp(N(mu, sigma)).
  double LogNormal(double mu, double sigma);

  // Exponential with the given rate (mean 1/rate). Requires: rate > 0.
  double Exponential(double rate);

  // Gamma(shape, scale=1) by Marsaglia and Tsang (2000). Requires: shape > 0.
  double Gamma(double shape);

  // Beta(a, b) as X/(X+Y) with X~Gamma(a), Y~Gamma(b). Requires: a, b > 0.
  double Beta(double a, double b);

  // Poisson(lambda): inversion for lambda < 30, else the PTRS transformed rejection of
  // Hormann (1993). Requires: lambda >= 0.
  uint64_t Poisson(double lambda);

 private:
  uint64_t seed_ = 0;
  uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// SplitMix64 finaliser: a fast, well-mixed 64-bit hash of one integer.
uint64_t SplitMix64(uint64_t x);

}  // namespace fw
